"""The folio REST API as a user's program sees it: upload, wait, ask, delete (httpx).

The eval drives the real service over HTTP only, never its modules, so it measures the
path a user's document takes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

TERMINAL = ("ready", "failed")


class ServiceError(RuntimeError):
    """The service answered with an error status; `status` and `detail` say which."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status
        self.detail = detail


def _raise_for(response: httpx.Response) -> None:
    if response.is_success:
        return
    try:
        body = response.json()
        detail = body.get("detail", body) if isinstance(body, dict) else body
    except ValueError:
        detail = response.text[:500]
    raise ServiceError(response.status_code, str(detail)[:1000])


class FolioClient:
    """A thin synchronous client for one folio service."""

    def __init__(self, base_url: str, timeout_s: float = 900.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout_s)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> FolioClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def healthy(self) -> bool:
        """True when GET /healthz answers 200."""
        try:
            return self._http.get("/healthz", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    def upload(self, path: Path, password: str | None = None) -> tuple[dict[str, Any], bool]:
        """POST /documents with the file: the document, and whether this call created it
        (202) rather than finding the same bytes already stored (200)."""
        data = {"password": password} if password else None
        with open(path, "rb") as fh:
            files = {"file": (Path(path).name, fh, "application/pdf")}
            response = self._http.post("/documents", files=files, data=data)
        _raise_for(response)
        return response.json(), response.status_code != 200

    def document(self, document_id: str) -> dict[str, Any]:
        """GET /documents/{id}."""
        response = self._http.get(f"/documents/{document_id}")
        _raise_for(response)
        return response.json()

    def wait_ready(
        self,
        document_id: str,
        timeout_s: float = 3600.0,
        poll_s: float = 0.5,
        on_progress: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Poll the document until it is ready or failed; TimeoutError after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while True:
            doc = self.document(document_id)
            if on_progress:
                on_progress(doc)
            if doc.get("status") in TERMINAL:
                return doc
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"document {document_id} still {doc.get('status')!r} after {timeout_s:.0f}s"
                )
            time.sleep(poll_s)

    def query(
        self,
        question: str,
        document_ids: list[str],
        mode: str = "auto",
        debug: bool = True,
        max_cost_usd: float | None = None,
    ) -> dict[str, Any]:
        """POST /query; `debug` asks for the retrieved chunks in rank order, if supported."""
        body: dict[str, Any] = {"question": question, "document_ids": document_ids, "mode": mode}
        if debug:
            body["debug"] = True
        if max_cost_usd is not None:
            body["max_cost_usd"] = max_cost_usd
        response = self._http.post("/query", json=body)
        _raise_for(response)
        return response.json()

    def search(self, query: str, document_ids: list[str] | None, k: int = 8) -> dict[str, Any]:
        """POST /search: the ranked passages, as the `rag` path would see them."""
        body = {"query": query, "document_ids": document_ids, "k": k}
        response = self._http.post("/search", json=body)
        _raise_for(response)
        return response.json()

    def delete(self, document_id: str) -> None:
        """DELETE /documents/{id}; a document already gone is fine."""
        response = self._http.delete(f"/documents/{document_id}")
        if response.status_code != 404:
            _raise_for(response)
