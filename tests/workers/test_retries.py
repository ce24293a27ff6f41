"""Transient failures retry with backoff; permanent ones fail once.

The embedding provider is a real HTTP server on 127.0.0.1 speaking OpenAI's /v1/embeddings
protocol, which answers 503 for a while (a provider outage) and then recovers.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import openai
import pytest
from fastapi.testclient import TestClient

from cli.service import build_app
from core.settings import Settings
from ingest.ingestor import build_ingestor
from ingest.pipeline import ingest_document
from tests.api.uploading import SMALL_PDFS, multipart, wait_for
from workers.tasks import is_transient

DIM = 8


class EmbeddingServer(ThreadingHTTPServer):
    """/v1/embeddings with hash vectors; the `outage` requests after the first answer 503."""

    def __init__(self, outage: int) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.outage, self.requests, self.lock = outage, 0, threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class _Handler(BaseHTTPRequestHandler):
    server: EmbeddingServer

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.server.lock:
            self.server.requests += 1
            down = 1 < self.server.requests <= 1 + self.server.outage
        if down:
            return self._send(503, {"error": {"message": "overloaded", "type": "server_error"}})
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        data = [
            {"object": "embedding", "index": i, "embedding": _vector(t)}
            for i, t in enumerate(texts)
        ]
        self._send(200, {"object": "list", "data": data, "model": body["model"], "usage": {}})

    def _send(self, status: int, payload: dict) -> None:
        raw = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


def _vector(text: str) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest()
    values = [b - 127.5 for b in digest[:DIM]]
    norm = math.sqrt(sum(v * v for v in values))
    return [v / norm for v in values]


@pytest.fixture
def provider():
    # The SDK tries 3 times per call (max_retries=2): 3 failures sink one call.
    server = EmbeddingServer(outage=3)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _settings(provider: EmbeddingServer, tmp_path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        broker_url=None,
        qdrant_url=None,
        embedding_provider="openai",
        embedding_model="test-embedding",
        embedding_base_url=provider.base_url,
        embedding_api_key="test",
        _env_file=None,
    )


def test_a_provider_outage_is_retried_until_the_document_is_ready(provider, tmp_path, shared_data):
    settings = _settings(provider, tmp_path)
    seen: list[dict] = []

    def fetch(api: TestClient, doc_id: str) -> dict:
        seen.append(api.get(f"/documents/{doc_id}").json())
        return seen[-1]

    with TestClient(build_app(settings)) as api:
        doc_id = api.post("/documents", **multipart(shared_data / SMALL_PDFS[0])).json()["id"]
        doc = wait_for(lambda: fetch(api, doc_id), lambda d: d["status"] in ("ready", "failed"))
        store = api.app.state.resources.store
        assert doc["status"] == "ready" and doc["error"] is None
        assert store.count("default", doc_id) == doc["chunks"] > 0
    notes = [d["error"] for d in seen if d["error"]]
    assert any("InternalServerError" in n and "retry 1/5" in n for n in notes), notes
    assert provider.requests >= 1 + 3 + 1


def test_a_document_to_be_retried_never_reads_failed(provider, tmp_path, shared_data):
    # The task queues a retried document again after the error; until then it must read
    # `processing`: a client that polled `failed` in between would give up on it.
    ing = build_ingestor(_settings(provider, tmp_path))
    try:
        path = shared_data / SMALL_PDFS[0]
        sha, size = ing.files.put_file(path)
        doc, _ = ing.registry.create_or_get("default", path.name, sha, size)
        with pytest.raises(openai.InternalServerError):
            ingest_document(doc.id, ing, retryable=is_transient)
        assert ing.registry.get(doc.id).status == "processing"

        with provider.lock:  # the next call's three tries fail too
            provider.outage = provider.requests + 2
        with pytest.raises(openai.InternalServerError):
            ingest_document(doc.id, ing)  # no retry to come: failed, with the reason
        failed = ing.registry.get(doc.id)
        assert failed.status == "failed" and "InternalServerError" in failed.error
    finally:
        ing.parsers.close()
        ing.store.client.close()
        ing.registry.close()


def test_transient_and_permanent_errors_are_told_apart():
    import httpx
    from qdrant_client.http.exceptions import ResponseHandlingException

    from ingest.pdf import BrokenPdfError, EncryptedPdfError

    assert is_transient(ConnectionRefusedError())
    assert is_transient(httpx.ConnectError("refused"))
    assert is_transient(ResponseHandlingException(httpx.ReadTimeout("slow")))
    assert not is_transient(BrokenPdfError("broken PDF"))
    assert not is_transient(EncryptedPdfError("password"))
    assert not is_transient(FileNotFoundError("gone"))
    assert not is_transient(ValueError("a bug"))
