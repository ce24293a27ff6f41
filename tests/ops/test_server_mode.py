"""The production shape without Docker: `folio serve` and a separate `folio worker` process
over the real Redis at 127.0.0.1:6379 (test-only db 12, emptied before and after), sharing
only Redis and the data volume, with JSON logs. No Qdrant server can be had here, so the
worker owns an embedded store (the code that talks to a server by URL is the same
qdrant-client code).

Checked: the upload's request id reaches the worker's log lines for its document; no line
of either process holds a configured secret, the upload's PDF password or the documents'
text; /metrics on the API shows the documents ready and the queue drained.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from ingest.pdf import read_pages
from tests.api.uploading import SMALL_PDFS, multipart, wait_for
from tests.procs import FolioProcess, clean_redis_db, folio_env, free_port, wait_healthy

# Redis's default user has no password, so it accepts any: the URL carries one to be hidden.
BROKER_PASSWORD = "brokerPw-" + uuid.uuid4().hex[:12]
REDIS_URL = f"redis://default:{BROKER_PASSWORD}@127.0.0.1:6379/12"
OPENAI_KEY = "sk-test-" + uuid.uuid4().hex
EMBEDDING_KEY = "emb-test-" + uuid.uuid4().hex
ENCRYPTED = ("bad_pdfs/samplefiles__libreoffice-writer-password.pdf", "openpassword")


@pytest.fixture
def redis_db():
    with clean_redis_db(REDIS_URL) as client:
        yield client


@pytest.fixture
def service(redis_db, tmp_path):
    """`folio worker` then `folio serve` (server mode); returns (url, api, worker)."""
    env = folio_env(
        tmp_path / "data",
        FOLIO_BROKER_URL=REDIS_URL,
        FOLIO_LOG_JSON="true",
        FOLIO_LOG_LEVEL="INFO",
        FOLIO_OPENAI_API_KEY=OPENAI_KEY,
        FOLIO_EMBEDDING_API_KEY=EMBEDDING_KEY,
    )
    worker = FolioProcess(["worker"], env, tmp_path / "worker.log", tmp_path)
    port = free_port()
    api = FolioProcess(["serve", "--port", str(port)], env, tmp_path / "api.log", tmp_path)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, api)
        yield url, api, worker
    finally:
        api.stop()
        worker.stop()


def json_lines(process: FolioProcess) -> list[dict]:
    """The process's JSON log records (Celery's start-up banner on stdout is not one)."""
    records = []
    for line in process.log.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            records.append(json.loads(line))
    return records


def snippets(path: Path, password: str | None = None) -> list[str]:
    """Runs of plain words from each page: what a log line leaking the text would hold."""
    found = []
    for page in read_pages(path, password):
        words = re.findall(r"[A-Za-z]{3,}(?: [A-Za-z]{3,}){3,}", page.text)
        found += [w for w in words if len(w) >= 24][:3]
    assert found, path
    return found


def metrics(url: str) -> dict[tuple[str, frozenset], float]:
    text = httpx.get(f"{url}/metrics").text
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_request_id_reaches_the_worker_and_secrets_stay_out_of_logs(service, shared_data):
    url, api, worker = service
    uploads = {
        shared_data / SMALL_PDFS[0]: (None, f"ops-{uuid.uuid4().hex[:8]}"),
        shared_data / ENCRYPTED[0]: (ENCRYPTED[1], f"ops-{uuid.uuid4().hex[:8]}"),
    }
    ids = {}
    for path, (password, request_id) in uploads.items():
        response = httpx.post(
            f"{url}/documents",
            headers={"X-Request-ID": request_id},
            timeout=60,
            **multipart(path, password),
        )
        assert response.status_code == 202, response.text
        assert response.headers["x-request-id"] == request_id
        ids[path] = response.json()["id"]
    for path, doc_id in ids.items():
        doc = wait_for(
            lambda i=doc_id: httpx.get(f"{url}/documents/{i}").json(),
            lambda d: d["status"] in ("ready", "failed"),
            timeout_s=240,
        )
        assert doc["status"] == "ready", (path.name, doc["error"], worker.tail())

    # /metrics on the API, read from the shared registry and the broker.
    samples = metrics(url)
    assert samples[("folio_documents", frozenset({"status": "ready"}.items()))] == 2
    assert samples[("folio_queue_depth", frozenset())] == 0
    assert samples[("folio_ingest_pages_total", frozenset())] >= 3
    assert api.stop() and worker.stop()

    # The worker's lines about each document carry the id of the request that uploaded it,
    # from the task's start (Celery's "received" line comes before it) to its end.
    worker_lines = json_lines(worker)
    assert worker_lines, worker.tail()
    for path, doc_id in ids.items():
        request_id = uploads[path][1]
        about = [
            r
            for r in worker_lines
            if doc_id in json.dumps(r) and r["logger"] != "celery.worker.strategy"
        ]
        assert {"ingest.pipeline", "celery.app.trace"} <= {r["logger"] for r in about}, about
        assert {r["request_id"] for r in about} == {request_id}, about
    # The API's own lines for the upload carry it too (uvicorn's access log among them).
    api_lines = json_lines(api)
    assert all("request_id" in r for r in api_lines + worker_lines)
    for _, request_id in uploads.values():
        assert any(r["request_id"] == request_id for r in api_lines), api.tail()

    # Secrets, the PDF password and the documents' text appear nowhere.
    logs = api.log.read_text(errors="replace") + worker.log.read_text(errors="replace")
    for secret in (OPENAI_KEY, EMBEDDING_KEY, BROKER_PASSWORD, ENCRYPTED[1]):
        assert secret not in logs
    texts = snippets(shared_data / SMALL_PDFS[0]) + snippets(
        shared_data / ENCRYPTED[0], ENCRYPTED[1]
    )
    decoded = "\n".join(json.dumps(r, ensure_ascii=False) for r in api_lines + worker_lines)
    for text in texts:
        assert text not in logs and text not in decoded
