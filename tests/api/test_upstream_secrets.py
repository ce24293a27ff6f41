"""An upstream that echoes the request's Authorization header in its error bodies (500 and
400, JSON and raw text): the key reaches no response, streamed or not, and no log line."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from cli.service import build_app
from core.logs import RedactingFilter
from core.settings import Settings
from tests.api.uploading import SMALL_PDFS, multipart, wait_done
from tests.fakes.openai_server import EchoHeaders, FakeOpenAIServer, Reply

KEY = "sk-live-0123456789abcdefSECRET"


@pytest.fixture(scope="module")
def fake():
    """The models' upstream: a fake OpenAI-protocol server on 127.0.0.1."""
    with FakeOpenAIServer() as server:
        yield server


@pytest.fixture(scope="module")
def api(tmp_path_factory, shared_data, embedder, fake):
    """The app with the key, its models on the fake; one contract ingested."""
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("secrets") / "data",
        _env_file=None,
        openai_base_url=fake.base_url,
        openai_api_key=SecretStr(KEY),
        llm_max_retries=0,
        # Every model fails on purpose, case after case: no circuit may open in between.
        llm_breaker_failures=1_000,
        qdrant_url=None,
        broker_url=None,
    )
    with TestClient(build_app(settings, embedder=embedder)) as client:
        response = client.post("/documents", **multipart(shared_data / SMALL_PDFS[0]))
        doc = wait_done(client, response.json()["id"])
        assert doc["status"] == "ready", doc
        client.doc_id = doc["id"]
        yield client


@pytest.fixture
def echoing(fake, request):
    """The fake, answering every call by echoing its headers as `request.param` says."""
    fake.default = request.param
    yield fake
    fake.default = Reply()


STEPS = [EchoHeaders(500), EchoHeaders(400), EchoHeaders(503, raw=True), EchoHeaders(400, raw=True)]


@pytest.mark.parametrize("echoing", STEPS, indirect=True, ids=lambda s: f"{s.status}-{s.raw}")
def test_echoed_key_reaches_no_response_and_no_log(api, echoing, caplog):
    caplog.set_level(logging.DEBUG)
    body = {"question": "Who are the parties?", "document_ids": [api.doc_id]}
    response = api.post("/query", json=body)
    streamed = api.post("/query", json=body | {"stream": True})

    # The fake really did receive the key and echo it.
    assert echoing.calls() >= 2
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in echoing.requests)
    assert response.status_code == 502, response.text
    detail = response.json()["detail"]
    assert f"HTTP {echoing.default.status}" in detail and "gpt-" in detail  # status and model
    assert KEY not in response.text and KEY not in streamed.text
    events = [json.loads(line[6:]) for line in streamed.text.splitlines() if line[:6] == "data: "]
    assert events[-1]["status"] == 502
    # Nothing logged at any level holds the key, even before the log handler's filter
    # (which knows no secret here, only credential shapes) has masked anything.
    assert caplog.records
    assert not any(KEY in r.getMessage() for r in caplog.records)
    masking = RedactingFilter([])
    for record in caplog.records:
        masking.filter(record)
        assert KEY not in record.getMessage() and KEY not in (record.exc_text or "")
