"""/metrics and request ids through the real app (embedded mode: in-process worker, SQLite
broker, embedded Qdrant, real MiniLM): after an upload and questions answered offline and
on a fake OpenAI-protocol server, the named series hold what happened."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from cli.service import build_app
from core.llm.client import Attempt
from core.metrics import Metrics
from core.settings import Settings
from tests.api.uploading import SMALL_PDFS, multipart, wait_done
from tests.fakes.openai_server import FakeOpenAIServer, Reply, server_error


@pytest.fixture(scope="module")
def api(tmp_path_factory, embedder) -> TestClient:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("metrics") / "data",
        broker_url=None,
        qdrant_url=None,
        openai_api_key=None,
        openai_base_url=None,
        models_file=None,
        _env_file=None,
    )
    with TestClient(build_app(settings, embedder=embedder)) as client:
        yield client


@pytest.fixture(scope="module")
def doc(api, shared_data: Path) -> dict:
    """The 2-page NYLIAC service agreement, uploaded and ingested."""
    response = api.post("/documents", **multipart(shared_data / SMALL_PDFS[0]))
    assert response.status_code == 202, response.text
    done = wait_done(api, response.json()["id"])
    assert done["status"] == "ready", done
    return done


def scrape(api: TestClient) -> dict[tuple[str, frozenset], float]:
    """Every sample of GET /metrics, keyed by (name, labels)."""
    response = api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


def _ask(api: TestClient, **body) -> dict:
    response = api.post("/query", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_series_after_an_upload_and_offline_answers(api, doc):
    before = scrape(api)
    assert value(before, "folio_documents", status="ready") == 1
    assert value(before, "folio_query_escalations_total") == 0

    # Two offline answers (no key): one forced through retrieval, one read whole.
    modes = [
        _ask(api, question=q, document_ids=[doc["id"]], mode=m)["route"]["mode"]
        for q, m in (
            ("Which law governs this agreement?", "rag"),
            ("Who are the parties?", "stuff"),
        )
    ]
    assert modes == ["rag", "stuff"]

    after = scrape(api)
    assert value(after, "folio_documents", status="ready") == 1
    for status in ("queued", "processing", "failed"):
        assert value(after, "folio_documents", status=status) == 0
    assert value(after, "folio_ingest_pages_total") == doc["pages"] >= 2
    assert value(after, "folio_ingest_chunks_total") == doc["chunks"] > 0
    seconds = api.app.state.resources.registry.get(doc["id"]).timings["total_s"]
    assert seconds > 0
    assert value(after, "folio_ingest_seconds_total") == pytest.approx(seconds)
    assert value(after, "folio_ingest_pages_per_second") == pytest.approx(doc["pages"] / seconds)
    assert value(after, "folio_queue_depth") == 0
    assert value(after, "folio_query_latency_seconds_count", mode="rag") == 1
    assert value(after, "folio_query_latency_seconds_count", mode="stuff") == 1
    assert value(after, "folio_query_latency_seconds_sum", mode="stuff") > 0
    assert value(after, "folio_query_escalations_total") == 0
    assert value(after, "folio_model_tokens_total", model="offline-reader", kind="input") > 0
    assert value(after, "folio_model_calls_total", model="offline-reader") == 2
    assert value(after, "folio_model_cost_usd_total", model="offline-reader") == 0


@pytest.fixture
def paid(tmp_path, shared_data, embedder):
    """The app with a key, its models on a fake OpenAI-protocol server, the NYLIAC service
    agreement ingested. The rules alone route (the learned router turns Self-Route
    escalation off: docs/ROUTING.md), and the cheap model stuffs nothing over 100 tokens."""
    with FakeOpenAIServer() as fake:
        settings = Settings(
            data_dir=tmp_path / "data",
            broker_url=None,
            qdrant_url=None,
            models_file=None,
            openai_base_url=fake.base_url,
            openai_api_key=SecretStr("k"),
            llm_max_retries=0,
            route_cheap_stuff_max_tokens=100,
            route_learned=False,
            _env_file=None,
        )
        with TestClient(build_app(settings, embedder=embedder)) as client:
            response = client.post("/documents", **multipart(shared_data / SMALL_PDFS[0]))
            doc = wait_done(client, response.json()["id"])
            assert doc["status"] == "ready", doc
            yield client, fake, doc


def test_series_after_a_paid_answer_that_falls_back_and_escalates(paid):
    api, fake, doc = paid
    # gpt-4o fails, llama-4 lacks the answer, and the question escalates to gpt-5.2
    # reading the whole text.
    miss = json.dumps({"answer": "Not in the passages.", "found": False, "citations": []})
    hit = json.dumps({"answer": "New York law.", "found": True, "citations": []})
    fake.script("gpt-4o", server_error(500))
    fake.script("llama-4", Reply(miss, 900, 10))
    fake.script("gpt-5.2", Reply(hit, 2_500, 12, cached_tokens=2_000))
    out = _ask(api, question="Which state's law applies?", document_ids=[doc["id"]])
    assert out["route"]["escalated"] and out["models_used"] == ["llama-4", "gpt-5.2"]

    after = scrape(api)
    # Latency by the mode the router chose: the escalated answer counts as rag.
    assert value(after, "folio_query_latency_seconds_count", mode="rag") == 1
    assert value(after, "folio_query_escalations_total") == 1
    failed = {"model": "gpt-4o", "outcome": "server_error"}
    assert value(after, "folio_model_fallbacks_total", **failed) == 1
    assert value(after, "folio_model_failed_attempts_total", **failed) == 1
    assert ("folio_model_fallbacks_total", frozenset({"model": "llama-4"}.items())) not in after

    # Tokens and dollars from the usage ledger, which GET /usage reads too.
    usage = {row["model"]: row for row in api.get("/usage").json()["by_model"]}
    gpt52 = {"model": "gpt-5.2"}
    assert value(after, "folio_model_tokens_total", kind="input", **gpt52) == 2_500
    assert value(after, "folio_model_tokens_total", kind="cached_input", **gpt52) == 2_000
    assert value(after, "folio_model_tokens_total", kind="output", **gpt52) == 12
    assert value(after, "folio_model_cost_usd_total", **gpt52) == pytest.approx(
        usage["gpt-5.2"]["cost_usd"]
    )
    assert value(after, "folio_model_cost_usd_total", **gpt52) > 0


def test_openmetrics_when_the_scraper_asks(api, doc):
    response = api.get("/metrics", headers={"accept": "application/openmetrics-text"})
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.rstrip().endswith("# EOF")
    assert 'folio_documents{status="ready"} 1.0' in response.text


def test_request_id_is_kept_or_made_and_returned(api):
    kept = api.get("/healthz", headers={"X-Request-ID": "upload-42.a:b"})
    assert kept.headers["x-request-id"] == "upload-42.a:b"
    made = api.get("/healthz").headers["x-request-id"]
    assert len(made) == 32 and made != api.get("/healthz").headers["x-request-id"]
    # An id that would smuggle text into the logs is replaced.
    odd = api.get("/healthz", headers={"X-Request-ID": 'x" injected="1'})
    assert (
        odd.headers["x-request-id"] != 'x" injected="1' and len(odd.headers["x-request-id"]) == 32
    )
    assert api.get("/nope", headers={"X-Request-ID": "r1"}).headers["x-request-id"] == "r1"


def test_each_app_has_its_own_series():
    first, second = Metrics(), Metrics()
    first.observe_answer("rag", 0.2, escalated=True)
    first.observe_attempts(
        [
            Attempt("gpt-4o", "rate_limited", "429", 1.0),
            Attempt("gpt-4o", "server_error", "500", 1.0),
            Attempt("llama-4", "skipped", "no key", 0.0),
            Attempt("claude-3.7", "ok", "stop", 1.0),
        ]
    )
    assert first.registry.get_sample_value("folio_query_escalations_total") == 1
    assert second.registry.get_sample_value("folio_query_escalations_total") == 0
    fallback = {"model": "gpt-4o", "outcome": "server_error"}
    assert first.registry.get_sample_value("folio_model_fallbacks_total", fallback) == 1
    retried = {"model": "gpt-4o", "outcome": "rate_limited"}
    assert first.registry.get_sample_value("folio_model_failed_attempts_total", retried) == 1
    assert first.registry.get_sample_value("folio_model_fallbacks_total", retried) is None
    skipped = {"model": "llama-4", "outcome": "skipped"}
    assert first.registry.get_sample_value("folio_model_failed_attempts_total", skipped) is None
