"""FolioClient: upload, wait, ask, search and delete over HTTP (httpx)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from core.settings import Settings

DONE = ("ready", "failed")
Event = tuple[str, dict]  # ("delta", {"text"}) | ("reset", {"reason"}) | ("answer", body)


class ServerError(Exception):
    """The server refused a request: `status_code` and its `detail`."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail


def default_url(settings: Settings) -> str:
    """FOLIO_URL, or the local server at the configured host and port."""
    if settings.url:
        return settings.url.rstrip("/")
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    return f"http://{host}:{settings.port}"


class FolioClient:
    """A thin synchronous client for one folio server. Answers can take minutes, so
    `timeout_s` bounds each read; connecting gives up after 5 s. `api_key` goes with
    every request as `Authorization: Bearer` (see core.access.admin_key.client_key)."""

    def __init__(self, base_url: str, timeout_s: float = 900.0, api_key: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        timeout = httpx.Timeout(timeout_s, connect=5.0)
        headers = {"authorization": f"Bearer {api_key}"} if api_key else None
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, headers=headers)

    def __enter__(self) -> FolioClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def health(self, timeout_s: float = 2.0) -> dict[str, Any] | None:
        """The body of GET /healthz, or None when no folio server answers."""
        try:
            response = self._http.get("/healthz", timeout=timeout_s)
            return response.json() if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            return None

    def healthy(self, timeout_s: float = 2.0) -> bool:
        """True if a folio server answers /healthz."""
        return self.health(timeout_s) is not None

    def upload(self, path: Path, password: str | None = None) -> tuple[dict[str, Any], bool]:
        """POST /documents: the document, and whether this call created it (202) rather
        than finding the same bytes already stored (200)."""
        data = {"password": password} if password else None
        with open(path, "rb") as fh:
            files = {"file": (Path(path).name, fh, "application/pdf")}
            response = self._http.post("/documents", files=files, data=data)
        return _body(response), response.status_code != 200

    def document(self, document_id: str) -> dict[str, Any]:
        """GET /documents/{id}."""
        return _body(self._http.get(f"/documents/{document_id}"))

    def documents(self, status: str | None = None, page_size: int = 500) -> list[dict[str, Any]]:
        """Every document of the caller's tenant (GET /documents, page after page), newest
        first; only those in `status` if given."""
        items: list[dict[str, Any]] = []
        while True:
            params: dict[str, Any] = {"limit": page_size, "offset": len(items)}
            if status:
                params["status"] = status
            page = _body(self._http.get("/documents", params=params))
            items += page["items"]
            if not page["items"] or len(items) >= page["total"]:
                return items

    def wait(
        self,
        document_id: str,
        on_progress: Callable[[dict[str, Any]], None] | None = None,
        timeout_s: float | None = None,
        poll_s: float = 0.5,
    ) -> dict[str, Any]:
        """Poll a document until it is ready or failed, reporting each state seen;
        TimeoutError after `timeout_s` (None: wait as long as it takes)."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while True:
            doc = self.document(document_id)
            if on_progress is not None:
                on_progress(doc)
            if doc["status"] in DONE:
                return doc
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(
                    f"document {document_id} still {doc['status']!r} after {timeout_s:.0f}s"
                )
            time.sleep(poll_s)

    def delete(self, document_id: str, missing_ok: bool = False) -> None:
        """DELETE /documents/{id}; with `missing_ok`, a document already gone is fine."""
        response = self._http.delete(f"/documents/{document_id}")
        if not (missing_ok and response.status_code == 404):
            _body(response)

    def query(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST /query (see QueryRequest for `body`): the answer, its route and cost."""
        return _body(self._http.post("/query", json=body))

    def query_stream(self, body: dict[str, Any]) -> Iterator[Event]:
        """POST /query with `stream`: the server-sent events as (event, data), as they come."""
        with self._http.stream("POST", "/query", json=body | {"stream": True}) as response:
            if response.status_code >= 400:
                response.read()
                _body(response)  # raises ServerError with the server's detail
            event = "message"
            for line in response.iter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    data = json.loads(line[6:])
                    if event == "error":
                        raise ServerError(data.get("status", 502), data.get("detail", ""))
                    yield event, data

    def create_key(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST /keys (tenant, name, admin, operator, budget_usd, rpm): the key and its
        secret, shown this once."""
        return _body(self._http.post("/keys", json=body))

    def create_review(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST /reviews (fields, document_ids, mode, prefer, max_cost_usd, estimate_only):
        the review and its estimate (or the estimate alone)."""
        return _body(self._http.post("/reviews", json=body))

    def review(self, review_id: str) -> dict[str, Any]:
        """GET /reviews/{id}: the review with its rows."""
        return _body(self._http.get(f"/reviews/{review_id}"))

    def export_review(self, review_id: str, format: str) -> bytes:
        """GET /reviews/{id}/export: the table as csv or xlsx bytes."""
        response = self._http.get(f"/reviews/{review_id}/export", params={"format": format})
        if response.status_code >= 400:
            _body(response)
        return response.content

    def search(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST /search (query, document_ids, k): ranked passages, as `rag` sees them."""
        return _body(self._http.post("/search", json=body))


def _body(response: httpx.Response) -> dict[str, Any]:
    """The JSON body, or ServerError with the server's `detail` for an error status."""
    if response.status_code == 204:
        return {}
    try:
        body = response.json()
    except ValueError:
        body = {"detail": response.text[:500]}
    if response.status_code >= 400:
        detail = body.get("detail", body) if isinstance(body, dict) else body
        raise ServerError(response.status_code, str(detail)[:1000])
    return body
