"""/readyz names what is down, and an upload that cannot be queued is refused and kept
re-queueable rather than lost (server mode with its broker down)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cli.service import build_app
from core.settings import Settings
from tests.api.uploading import SMALL_PDFS, multipart
from tests.procs import free_port


def test_broker_down_means_not_ready_and_uploads_are_refused(tmp_path, shared_data):
    dead = f"redis://127.0.0.1:{free_port()}/14"  # nothing listens there
    settings = Settings(data_dir=tmp_path / "data", broker_url=dead, _env_file=None)
    with TestClient(build_app(settings)) as api:
        assert api.get("/healthz").status_code == 200  # up, but...
        ready = api.get("/readyz")
        assert ready.status_code == 503
        checks = ready.json()["checks"]
        assert checks["registry"] == "ok"
        assert checks["broker"].startswith("unavailable: ")

        path = shared_data / SMALL_PDFS[0]
        refused = api.post("/documents", **multipart(path))
        assert refused.status_code == 503
        assert "queue" in refused.json()["detail"]
        doc = api.get("/documents").json()["items"][0]
        assert doc["status"] == "failed" and "could not queue" in doc["error"]
        # Uploading it again (the broker still down) tries to queue it again.
        assert api.post("/documents", **multipart(path)).status_code == 503
