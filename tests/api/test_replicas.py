"""Two API replicas in server mode over one data dir and the real Redis at 127.0.0.1:6379
(test-only db 10, emptied before and after), as two `folio serve` processes behind a load
balancer run: a key's requests per minute are counted once for both."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from cli.service import build_app
from tests.api.uploading import offline_settings
from tests.procs import clean_redis_db

REDIS_URL = "redis://127.0.0.1:6379/10"


@pytest.fixture
def redis_db():
    with clean_redis_db(REDIS_URL) as client:
        yield client


def test_two_api_replicas_refuse_a_key_past_its_limit_together(tmp_path, redis_db) -> None:
    """A key of 3 requests a minute gets 3 in all, not 3 from each replica."""
    settings = offline_settings(tmp_path / "data").model_copy(
        update={"auth": "on", "broker_url": REDIS_URL}
    )
    with TestClient(build_app(settings)) as one, TestClient(build_app(settings)) as two:
        _, secret = one.app.state.guard.keys.create("acme", name="app", rpm=3)
        auth = {"Authorization": f"Bearer {secret}"}
        codes = [client.get("/usage", headers=auth).status_code for client in (one, two, one)]
        assert codes == [200, 200, 200]
        refused = two.get("/usage", headers=auth)
        assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 60
        assert one.get("/usage", headers=auth).status_code == 429
