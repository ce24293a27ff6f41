"""A running `folio serve` for the OpenAI-compatible API's tests: keys on, one contract
uploaded by the admin, and a second tenant with its own key and document."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.api.uploading import multipart, wait_for
from tests.web.conftest import Served, start_serve

CONTRACT = "legal/cuad_extra/SPHERE3DCORP_06_24_2020-EX-10.12-CONSULTING AGREEMENT.PDF"
OTHER = "legal/cuad/IVILLAGEINC_03_17_1999-EX-10.16-SPONSORSHIP AGREEMENT.PDF"


@dataclass
class ChatServer:
    url: Served
    key: str
    document_id: str
    other_key: str  # a key of another tenant
    other_document_id: str  # that tenant's document

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"


def upload(client: httpx.Client, path: Path) -> str:
    doc = client.post("/documents", **multipart(path)).json()
    wait_for(
        lambda: client.get(f"/documents/{doc['id']}").json(),
        lambda d: d["status"] in ("ready", "failed"),
    )
    return doc["id"]


def serve_with_documents(root: Path, shared: Path, **env: str) -> Iterator[ChatServer]:
    """`folio serve` (offline unless `env` points it at a model server), documents ready."""
    for url in start_serve(root, **env):
        admin = {"Authorization": f"Bearer {url.key}"}
        with httpx.Client(base_url=url, headers=admin, timeout=120) as client:
            doc_id = upload(client, shared / CONTRACT)
            made = client.post("/keys", json={"tenant": "other-tenant", "name": "t"}).json()
            other = made["secret"]
        with httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {other}"}, timeout=120
        ) as client:
            other_doc = upload(client, shared / OTHER)
        yield ChatServer(url, url.key or "", doc_id, other, other_doc)
