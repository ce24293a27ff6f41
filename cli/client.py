"""A small client of folio's REST API, for CLI commands that go through a running server."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx

from core.settings import Settings

DONE = ("ready", "failed")


class ServerError(Exception):
    """The server refused a request; the message is its `detail`."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status_code


def default_url(settings: Settings) -> str:
    """FOLIO_URL, or the local server at the configured host and port."""
    if settings.url:
        return settings.url.rstrip("/")
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    return f"http://{host}:{settings.port}"


class FolioClient:
    """Upload, poll and delete documents over HTTP."""

    def __init__(self, base_url: str, timeout_s: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout_s)

    def __enter__(self) -> FolioClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def healthy(self, timeout_s: float = 0.5) -> bool:
        """True if a folio server answers /healthz."""
        try:
            return self._http.get("/healthz", timeout=timeout_s).status_code == 200
        except httpx.HTTPError:
            return False

    def upload(self, path: Path, password: str | None = None) -> tuple[int, dict]:
        """POST a PDF; returns (202 queued | 200 already known, document)."""
        data = {"password": password} if password is not None else None
        with open(path, "rb") as fh:
            response = self._http.post(
                "/documents", files={"file": (path.name, fh, "application/pdf")}, data=data
            )
        return response.status_code, self._json(response)

    def document(self, document_id: str) -> dict:
        return self._json(self._http.get(f"/documents/{document_id}"))

    def search(self, body: dict) -> dict:
        """POST /search: ranked passages for `body` (query, document_ids, k)."""
        return self._json(self._http.post("/search", json=body))

    def delete(self, document_id: str) -> None:
        self._json(self._http.delete(f"/documents/{document_id}"))

    def wait(
        self,
        document_id: str,
        on_progress: Callable[[dict], None] | None = None,
        poll_s: float = 0.5,
    ) -> dict:
        """Poll a document until it is ready or failed, reporting each state seen."""
        while True:
            doc = self.document(document_id)
            if on_progress is not None:
                on_progress(doc)
            if doc["status"] in DONE:
                return doc
            time.sleep(poll_s)

    @staticmethod
    def _json(response: httpx.Response) -> dict:
        if response.status_code == 204:
            return {}
        try:
            body = response.json()
        except ValueError:
            body = {"detail": response.text[:200]}
        if response.status_code >= 400:
            raise ServerError(response.status_code, str(body.get("detail", body)))
        return body
