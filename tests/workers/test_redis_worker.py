"""Server mode for real: the API queues on the Redis at 127.0.0.1:6379 (test-only db 14,
emptied before and after) and separate `folio worker` processes ingest. One is SIGKILLed
in the middle of a 400-page PDF; a new one finishes it with exactly the points of a clean
run."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cli.service import build_app
from core.settings import Settings
from core.storage.chunks import point_id
from core.storage.files import FileStore
from core.storage.registry import open_registry
from core.storage.stores import open_client, store_for
from tests.api.uploading import LONG_PDF, SMALL_PDFS, expected_counts, multipart, wait_for
from tests.procs import FOLIO, FolioProcess, clean_redis_db, folio_env, free_port

REDIS_URL = "redis://127.0.0.1:6379/14"
STALE_S = 10


@pytest.fixture
def redis_db():
    with clean_redis_db(REDIS_URL) as client:
        yield client


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def api(redis_db, data_dir) -> TestClient:
    settings = Settings(
        data_dir=data_dir,
        broker_url=REDIS_URL,
        qdrant_url=None,
        stale_processing_s=STALE_S,
        _env_file=None,
    )
    with TestClient(build_app(settings)) as client:
        yield client


@pytest.fixture
def workers(data_dir, tmp_path):
    """Start `folio worker` processes; each is stopped by its PID afterwards."""
    env = folio_env(data_dir, FOLIO_BROKER_URL=REDIS_URL, FOLIO_STALE_PROCESSING_S=str(STALE_S))
    started: list[FolioProcess] = []

    def start() -> FolioProcess:
        proc = FolioProcess(["worker"], env, tmp_path / f"worker-{len(started)}.log", tmp_path)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()


def test_api_in_server_mode_only_queues(api):
    ready = api.get("/readyz")
    # No worker runs yet: not ready, since uploads would wait in the queue unseen.
    assert ready.status_code == 503
    checks = ready.json()["checks"]
    assert checks["registry"] == checks["broker"] == "ok"
    assert "no worker answered a ping" in checks["workers"]
    # The embedded store belongs to the worker process: the API neither opens nor checks it.
    assert set(checks) == {"registry", "broker", "workers"}
    assert api.app.state.resources.store is None


def test_worker_check_reports_its_dependencies(redis_db, data_dir, tmp_path):
    up = folio_env(data_dir, FOLIO_BROKER_URL=REDIS_URL)
    down = folio_env(data_dir, FOLIO_BROKER_URL=f"redis://127.0.0.1:{free_port()}/14")
    run = [str(FOLIO), "worker", "--check"]
    assert subprocess.run(run, env=up, cwd=tmp_path, capture_output=True).returncode == 0
    failed = subprocess.run(run, env=down, cwd=tmp_path, capture_output=True, text=True)
    assert failed.returncode == 1
    assert "broker: unavailable" in failed.stderr


def test_worker_killed_mid_document_is_redone_exactly_once(
    api, workers, redis_db, shared_data, data_dir
):
    long_pdf = shared_data / LONG_PDF
    first = workers()
    response = api.post("/documents", **multipart(long_pdf))
    assert response.status_code == 202
    doc_id = response.json()["id"]

    def doc() -> dict:
        return api.get(f"/documents/{doc_id}").json()

    wait_for(doc, lambda d: d["status"] == "processing" and d["progress"]["chunks_embedded"] > 0)
    first.kill()
    assert doc()["status"] == "processing"  # abandoned: only the sweep or redelivery saves it

    second = workers()
    pages, chunks = expected_counts(long_pdf)
    done = wait_for(doc, lambda d: d["status"] in ("ready", "failed"), timeout_s=600)
    assert done["status"] == "ready", (done["error"], second.tail())
    assert pages == 400
    assert (done["pages"], done["chunks"]) == (pages, chunks)

    # Then a small one, deleted: the worker (the store's owner) purges its points.
    small = api.post("/documents", **multipart(shared_data / SMALL_PDFS[0])).json()["id"]
    assert wait_for(lambda: api.get(f"/documents/{small}").json(), lambda d: d["status"] == "ready")
    assert api.delete(f"/documents/{small}").status_code == 204
    # Once the queue is empty the worker holds the purge; a warm shutdown lets it finish.
    # (The killed worker's delivery stays unacknowledged until the visibility timeout
    # redelivers it; the claim then drops it, as the document is ready.)
    wait_for(lambda: redis_db.llen("folio"), lambda n: n == 0)
    assert second.stop()

    settings = Settings(data_dir=data_dir, _env_file=None)
    client = open_client(settings)
    try:
        store = store_for(client, settings.collection, 384)
        assert store.point_ids("default", doc_id) == {point_id(doc_id, i) for i in range(chunks)}
        assert store.count("default", small) == 0
    finally:
        client.close()


def test_workers_send_the_job_a_registered_upload_never_got_exactly_once(
    redis_db, workers, shared_data, data_dir
):
    """Issue 33.3 on the Redis broker: an upload registered by an API that died before it
    sent the job (nothing in Redis) is sent by the workers' recovery sweep, by one of the
    two sweeping, and ingested once."""
    settings = Settings(data_dir=data_dir, broker_url=REDIS_URL, _env_file=None)
    settings.ensure_dirs()
    registry = open_registry(settings)
    pdf = shared_data / SMALL_PDFS[1]
    sha, size = FileStore(settings.files_dir).put_file(pdf)
    doc, _ = registry.create_or_get("default", pdf.name, sha, size)  # and then the API died
    assert redis_db.llen("folio") == 0
    first, second = workers(), workers()
    done = wait_for(
        lambda: registry.get(doc.id), lambda d: d.status in ("ready", "failed"), timeout_s=180
    )
    assert done.status == "ready", (done.error, first.tail(), second.tail())
    assert (done.pages, done.chunks) == expected_counts(pdf)
    logs = first.tail(100_000) + second.tail(100_000)
    assert logs.count("sent the jobs of 1 queued document(s) that had none") == 1
