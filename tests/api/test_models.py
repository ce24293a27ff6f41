"""GET /models, and the done-when of issue 32 through the real app and a scripted server:
measured latency, a latency limit that moves a route, and a dead model's open circuit."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from cli.service import build_app
from core.text.tokens import count_tokens
from tests.api import test_query
from tests.api.uploading import offline_settings
from tests.fakes.openai_server import FakeOpenAIServer, Reply

# The two contracts test_query ingests once per module, and the app opened on a copy.
prepared, open_app = test_query.prepared, test_query.open_app


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


def _answer(text: str = "New York law.") -> str:
    return json.dumps({"answer": text, "found": True, "citations": []})


def _ask(api, **body) -> dict:
    response = api.post("/query", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def _paid(open_app, fake: FakeOpenAIServer, **settings):
    return open_app(openai_base_url=fake.base_url, openai_api_key=SecretStr("k"), **settings)


def test_a_repeated_stuffed_question_is_estimated_at_the_cached_price(open_app):
    """The scripted server caches prompts by prompt_cache_key, as OpenAI does; the second
    stuffed question on the same contract is estimated with the cached part at the cached
    price, says so, and the estimate and the ledger agree within 5%. Replies are scripted
    at the 400 output tokens the estimate assumes, so what is compared is the input side."""
    reply = Reply(_answer(), completion_tokens=400)
    with FakeOpenAIServer(default=reply, prompt_cache=count_tokens) as fake:
        api = _paid(open_app, fake)
        doc = [api.ids["ivillage"]]
        cold = _ask(api, question="Which law governs?", document_ids=doc, mode="stuff")
        warm = _ask(api, question="Who are the parties?", document_ids=doc, mode="stuff")
    first, second = cold["route"], warm["route"]
    assert first["model"] == second["model"] == "gpt-4o"  # small: the cheap model reads it
    assert first["estimated_cached_input_tokens"] == 0 and cold["usage"]["cached_input_tokens"] == 0
    cached = second["estimated_cached_input_tokens"]
    assert cached > 1_024 and "priced as cached" in second["reason"]
    assert second["estimated_cost_usd"] < first["estimated_cost_usd"] * 0.8
    # The server found about what the estimate expected cached, and billed accordingly.
    assert warm["usage"]["cached_input_tokens"] == pytest.approx(cached, rel=0.05)
    for out in (cold, warm):
        assert out["cost_usd"] == pytest.approx(out["route"]["estimated_cost_usd"], rel=0.05)
    keys = {r.body.get("prompt_cache_key") for r in fake.requests}
    assert len(keys) == 1 and None not in keys  # the document set's id, both times
