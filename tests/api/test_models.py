"""GET /models, and the done-when of issue 32 through the real app and a scripted server:
measured latency, a latency limit that moves a route, and a dead model's open circuit."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cli.service import build_app
from tests.api.uploading import offline_settings


def test_models_lists_the_catalog_with_priors_and_health(tmp_path, embedder):
    with TestClient(build_app(offline_settings(tmp_path / "data"), embedder=embedder)) as api:
        body = api.get("/models").json()
    models = {m["name"]: m for m in body["models"]}
    big = models["gpt-5.2"]
    assert big["context_window"] == 400_000 and big["price"]["cached_input"] == 0.175
    assert big["roles"] == ["long_context"] and big["chains"] == ["long_context"]
    assert not big["available"] and models["offline-reader"]["available"]  # no key here
    assert big["latency"] == {
        "first_token_ms": 2000.0,
        "first_token_ms_per_1k_prompt_tokens": 100.0,
        "output_tokens_per_s": 60.0,
        "samples": 0,
        "source": "prior",
    }
    assert big["health"]["circuit"] == "closed" and big["cache_ttl_s"] == 300
