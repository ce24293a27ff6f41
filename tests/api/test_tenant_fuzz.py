"""Several tenants and keys on one real `folio serve` (auth on, as a user starts it), doing
seeded random uploads, lists, reads, searches, questions, deletes and usage reads in
parallel: no answer ever shows another tenant's document, chunk, citation or usage row,
and no server error. Every tenant uploads the same files, so ids differ only by tenant."""

from __future__ import annotations

import json
import random
import re
import stat
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from core.storage.documents import document_id_for
from core.storage.files import sha256_of
from tests.api.uploading import SMALL_PDFS, wait_for
from tests.procs import FOLIO, FolioProcess, folio_env, free_port, wait_healthy

TENANTS = ("acme", "beta", "gamma")
FILES = SMALL_PDFS[:3]
OPS = 30
SEED = 13
MODES = ("auto", "rag", "stuff")  # rag: chunks from the store, in `retrieved`


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz-tenants")
    port = free_port()
    env = folio_env(root / "data", FOLIO_AUTH="on", FOLIO_LOG_LEVEL="DEBUG")
    proc = FolioProcess(["serve", "--port", str(port)], env, root / "serve.log", root)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url, proc, root / "data"
    finally:
        proc.stop()


def test_first_start_prints_the_admin_key_once_and_saves_it_0600(served) -> None:
    url, proc, data = served
    path = data / "admin.key"
    key = path.read_text().strip()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert key.startswith("folio_") and proc.tail(100_000).count(key) == 1
    assert "Authorization: Bearer" in proc.tail(100_000)
    assert httpx.get(f"{url}/documents").status_code == 401
    ok = httpx.get(f"{url}/documents", headers={"Authorization": f"Bearer {key}"})
    assert ok.status_code == 200


class World:
    """What each tenant may see: the ids its uploads can have, and its keys."""

    def __init__(self, url: str, admin: str, shared: Path) -> None:
        self.url = url
        self.paths = [shared / rel for rel in FILES]
        shas = [sha256_of(p) for p in self.paths]
        self.ids = {t: {document_id_for(t, sha) for sha in shas} for t in TENANTS}
        # Each tenant's copy of the first file stays until the end (the random deletes
        # take the others), so questions always have a ready document to read.
        self.kept = {t: document_id_for(t, shas[0]) for t in TENANTS}
        self.keys: dict[str, list[tuple[str, str]]] = {t: [] for t in TENANTS}
        admin_h = {"Authorization": f"Bearer {admin}"}
        for tenant in TENANTS:
            # gamma's second key has a $0 budget: the offline reader, at $0, still answers.
            for body in ({"tenant": tenant}, {"tenant": tenant, "budget_usd": 0.0}):
                made = httpx.post(f"{url}/keys", json=body, headers=admin_h).json()
                self.keys[tenant].append((made["key"]["id"], made["secret"]))

    def call(self, tenant: str, method: str, path: str, **kw) -> httpx.Response:
        _, secret = random.Random(path).choice(self.keys[tenant])
        headers = {"Authorization": f"Bearer {secret}"}
        response = httpx.request(method, self.url + path, headers=headers, timeout=120, **kw)
        assert response.status_code < 500, (method, path, response.text)
        return response

    def others(self, tenant: str) -> set[str]:
        return set().union(*(ids for t, ids in self.ids.items() if t != tenant))


def _op(world: World, rng: random.Random) -> tuple[str, int]:
    tenant = rng.choice(TENANTS)
    mine, theirs = world.ids[tenant], sorted(world.others(tenant))
    kind = rng.choice(
        ["upload", "upload", "list", "get", "foreign", "search", "query", "delete", "usage"]
    )
    if kind == "upload":
        path = rng.choice(world.paths)
        files = {"file": (path.name, path.read_bytes(), "application/pdf")}
        response = world.call(tenant, "POST", "/documents", files=files)
        assert response.json()["id"] in mine
    elif kind == "list":
        response = world.call(tenant, "GET", "/documents", params={"limit": 500})
        assert {d["id"] for d in response.json()["items"]} <= mine
    elif kind == "get":
        response = world.call(tenant, "GET", f"/documents/{rng.choice(sorted(mine))}")
        assert response.status_code in (200, 404)
    elif kind == "foreign":
        doc_id = rng.choice(theirs)
        for method, path in (
            ("GET", f"/documents/{doc_id}"),
            ("GET", f"/documents/{doc_id}/file"),
            ("DELETE", f"/documents/{doc_id}"),
        ):
            assert world.call(tenant, method, path).status_code == 404
        asked = {"question": "What is the term?", "document_ids": [doc_id]}
        response = world.call(tenant, "POST", "/query", json=asked)
        assert response.status_code == 404
    elif kind == "search":
        response = world.call(tenant, "POST", "/search", json={"query": "agreement", "k": 20})
        assert response.status_code in (200, 409), response.text
        if response.status_code == 200:
            assert {r["document_id"] for r in response.json()["results"]} <= mine
            assert not _mentions(response.text, world.others(tenant))
    elif kind == "query":
        asked = {"question": "Who are the parties?", "debug": True, "mode": rng.choice(MODES)}
        response = world.call(tenant, "POST", "/query", json=asked)
        assert response.status_code in (200, 409), response.text
        if response.status_code == 200:
            body = response.json()
            assert {c["document_id"] for c in body["citations"]} <= mine
            assert {c["document_id"] for c in body.get("retrieved") or []} <= mine
            assert not _mentions(response.text, world.others(tenant))
    elif kind == "delete":
        doc_id = rng.choice(sorted(mine - {world.kept[tenant]}))
        response = world.call(tenant, "DELETE", f"/documents/{doc_id}")
        assert response.status_code in (204, 404, 409)
    else:
        response = world.call(tenant, "GET", "/usage")
        assert {r["key"] for r in response.json()["by_key"]} <= {k for k, _ in world.keys[tenant]}
    return kind, response.status_code


def _mentions(text: str, ids: set[str]) -> bool:
    return any(doc_id in text for doc_id in ids)


def test_parallel_tenants_never_see_each_other(served, shared_data: Path) -> None:
    url, proc, data = served
    world = World(url, (data / "admin.key").read_text().strip(), shared_data)
    first = world.paths[0]
    for tenant in TENANTS:  # the same file for every tenant: three documents
        files = {"file": (first.name, first.read_bytes(), "application/pdf")}
        assert world.call(tenant, "POST", "/documents", files=files).status_code == 202
    for tenant in TENANTS:
        wait_for(
            lambda t=tenant: world.call(t, "GET", f"/documents/{world.kept[t]}").json(),
            lambda doc: doc["status"] == "ready",
        )
    rngs = [random.Random(SEED * 1000 + i) for i in range(OPS)]
    with ThreadPoolExecutor(6) as pool:
        outcomes = set(pool.map(lambda rng: _op(world, rng), rngs))
    # The checks above ran on real answers, not only on refusals.
    assert {("search", 200), ("query", 200), ("foreign", 404)} <= outcomes
    # Settle: every document done, then each tenant's view once more, whole.
    for tenant in TENANTS:
        wait_for(
            lambda t=tenant: world.call(t, "GET", "/documents").json(),
            lambda page: all(d["status"] in ("ready", "failed") for d in page["items"]),
        )
        items = world.call(tenant, "GET", "/documents").json()["items"]
        assert {d["id"] for d in items} <= world.ids[tenant]
        assert all(d["status"] == "ready" for d in items), items
    # One tenant deletes its copy of the shared file: the others' copies stay whole.
    assert world.call("acme", "DELETE", f"/documents/{world.kept['acme']}").status_code == 204
    assert world.call("acme", "GET", f"/documents/{world.kept['acme']}").status_code == 404
    # A file is kept while any tenant's document is that file, however others deleted.
    for tenant in TENANTS:
        for doc in world.call(tenant, "GET", "/documents").json()["items"]:
            served_file = world.call(tenant, "GET", f"/documents/{doc['id']}/file")
            assert served_file.status_code == 200 and served_file.content.startswith(b"%PDF")
    # The keys made over /keys never reach the server's log (it logs at DEBUG here).
    log = proc.tail(10_000_000)
    for keys in world.keys.values():
        for _, secret in keys:
            assert secret not in log and not re.search(re.escape(secret[6:26]), log)


def test_the_cli_finds_the_saved_key_and_uses_the_server(served, shared_data: Path) -> None:
    url, _, data = served
    pdf = shared_data / SMALL_PDFS[0]
    port = url.rsplit(":", 1)[1]
    env = folio_env(data, FOLIO_PORT=port)  # this data dir's server, and its admin.key
    done = subprocess.run(
        [str(FOLIO), "ingest", str(pdf), "--json"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "using the folio server" in done.stderr
    doc = json.loads(done.stdout.splitlines()[-1])
    assert doc["status"] == "ready" and doc["document_id"] == document_id_for(
        "default", doc["sha256"]
    )
