"""Server mode over the real Redis (test-only db 9): /readyz is 503 while no worker answers a
ping, and 200 once one runs."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from cli.service import build_app
from tests.api.uploading import wait_for
from tests.procs import clean_redis_db
from workers.app import create_celery
from workers.embedded import EmbeddedWorker

REDIS_URL = "redis://127.0.0.1:6379/9"


@pytest.fixture
def server_settings(settings):
    with clean_redis_db(REDIS_URL):
        yield settings.model_copy(update={"broker_url": REDIS_URL})


def test_readyz_is_503_without_workers_and_200_with_one(server_settings, ingestor):
    with TestClient(build_app(server_settings)) as api:
        down = api.get("/readyz")
        assert down.status_code == 503, down.text
        checks = down.json()["checks"]
        assert checks["broker"] == "ok" and checks["registry"] == "ok"
        assert "no worker answered a ping" in checks["workers"]
        assert "folio worker" in checks["workers"]

        celery = create_celery(server_settings)
        celery.ingestor = ingestor
        worker = EmbeddedWorker(celery).start()
        try:
            up = wait_for(lambda: api.get("/readyz"), lambda r: r.status_code == 200, 60)
            assert up.json()["checks"]["workers"] == "ok"
        finally:
            worker.stop()
            celery.close()
