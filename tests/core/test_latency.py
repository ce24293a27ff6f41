"""Latency as data and as measurement: every call's first-token time and pace in the
ledger (an older ledger gains the columns), and the estimate that replaces the prior."""

from __future__ import annotations

import sqlite3

import pytest
from pydantic import SecretStr

from core.llm.catalog import load_catalog
from core.llm.client import ModelClient
from core.llm.latency import LatencyBook, ModelLatency
from core.settings import Settings
from core.storage.registry import Registry
from core.storage.usage import Timing
from tests.fakes import FakeOpenAIServer, Reply

MESSAGES = [{"role": "user", "content": "Which law governs?"}]


@pytest.fixture
def setup(settings: Settings):
    with FakeOpenAIServer() as fake:
        llm = settings.model_copy(
            update={"openai_base_url": fake.base_url, "openai_api_key": SecretStr("k")}
        )
        registry = Registry(llm.registry_path)
        catalog = load_catalog()
        yield fake, registry, catalog, ModelClient(catalog, llm, ledger=registry.usage.record)


def _rows(registry: Registry) -> list[dict]:
    with sqlite3.connect(registry.path) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM usage ORDER BY id")]


def test_calls_record_first_token_pace_and_cache_key(setup) -> None:
    fake, registry, catalog, client = setup
    chain = catalog.chain("cheap")
    done = client.complete(chain, MESSAGES, role="cheap", cache_key="folio-set-1")
    fake.script("gpt-4o", Reply("one two three four five six", completion_tokens=30))
    streamed = list(client.stream(chain, MESSAGES, role="cheap"))
    rows = _rows(registry)
    whole, stream = rows
    # Not streamed: the first token is the whole call; no pace can be told apart.
    assert whole["first_token_ms"] == pytest.approx(whole["latency_ms"])
    assert whole["output_tokens_per_s"] is None and whole["cache_key"] == "folio-set-1"
    # Streamed: the first text came before the end, and the pace is measured after it.
    assert 0 < stream["first_token_ms"] <= stream["latency_ms"]
    assert stream["output_tokens_per_s"] > 0 and stream["cache_key"] is None
    assert done.text == "ok" and streamed[-1].first_token_ms is not None
    # The document set went to the provider as prompt_cache_key (and only when given).
    assert fake.requests[0].body["prompt_cache_key"] == "folio-set-1"
    assert "prompt_cache_key" not in fake.requests[1].body


def test_an_older_ledger_gains_the_latency_columns(tmp_path) -> None:
    path = tmp_path / "registry.sqlite"
    with sqlite3.connect(path) as db:  # the usage table as folio made it before issue 32
        db.execute(
            "CREATE TABLE usage (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at REAL NOT NULL,"
            " tenant_id TEXT NOT NULL DEFAULT 'default', question_id TEXT, model TEXT NOT NULL,"
            " role TEXT NOT NULL, input_tokens INTEGER NOT NULL DEFAULT 0,"
            " cached_input_tokens INTEGER NOT NULL DEFAULT 0,"
            " output_tokens INTEGER NOT NULL DEFAULT 0, cost_usd REAL NOT NULL DEFAULT 0,"
            " latency_ms REAL NOT NULL DEFAULT 0, outcome TEXT NOT NULL, key_id TEXT)"
        )
        db.execute(
            "INSERT INTO usage (created_at, model, role, outcome, latency_ms)"
            " VALUES (strftime('%s','now'), 'gpt-4o', 'cheap', 'ok', 900)"
        )
    registry = Registry(path)
    cols = {r[1] for r in sqlite3.connect(path).execute("PRAGMA table_info(usage)")}
    assert {"first_token_ms", "output_tokens_per_s", "cache_key"} <= cols
    # The old row has no first-token time: it is not a sample.
    assert registry.usage.recent_timings(0) == []
    assert registry.usage.totals()["by_model"][0]["calls"] == 1


def _book(catalog, timings: list[Timing]) -> LatencyBook:
    return LatencyBook(catalog, lambda since, limit: list(timings))


def test_the_prior_until_enough_samples_then_a_robust_median() -> None:
    catalog = load_catalog()
    prior = ModelLatency.prior(catalog.get("gpt-5.2"))
    # 380K tokens stuffed into gpt-5.2: about 40 s to the first token, by the catalog.
    assert prior.first_token(380_000) == pytest.approx(40_000)
    two = [Timing("gpt-5.2", 900.0, 0, None)] * 2
    lat = _book(catalog, two).of("gpt-5.2")
    assert not lat.measured and lat.samples == 2 and lat.first_token_ms == prior.first_token_ms
    # Five calls near 1 s at 10K tokens (growth 100 ms/1K), and one that stalled 60 s.
    seen = [Timing("gpt-5.2", ms, 10_000, 50.0) for ms in (1900, 2000, 2050, 2100, 60_000)]
    lat = _book(catalog, seen).of("gpt-5.2")
    assert lat.measured and lat.samples == 5
    assert lat.first_token_ms == pytest.approx(1050)  # 2050 less 10K tokens' growth
    assert lat.measured_first_token_ms == 2050 and lat.output_tokens_per_s == 50
    assert lat.total(10_000, 500) == pytest.approx(2050 + 10_000)
    # Other models keep their priors.
    assert not _book(catalog, seen).of("gpt-4o").measured


def test_the_window_keeps_the_latest_calls() -> None:
    catalog = load_catalog()
    newest_first = [Timing("gpt-4o", 100.0, 0, None)] * 3 + [Timing("gpt-4o", 5000.0, 0, None)] * 30
    book = LatencyBook(catalog, lambda since, limit: newest_first[:limit], window=5)
    assert book.of("gpt-4o").measured_first_token_ms == 100.0  # 3 of the 5 latest


def test_whole_calls_stand_for_the_whole_answer() -> None:
    """Not streamed, a call's first token is its end: the estimate of the whole answer
    is then that time, not that time and the answer again at the prior's pace."""
    catalog = load_catalog()
    whole = [Timing("gpt-5.2", ms, 0, None) for ms in (1900, 2000, 2100)]
    lat = _book(catalog, whole).of("gpt-5.2")
    assert lat.measured and lat.includes_output
    assert lat.total(0, 400) == lat.first_token(0) == 2000
    streamed = whole + [Timing("gpt-5.2", ms, 0, 80.0) for ms in (700, 800, 900)]
    lat = _book(catalog, streamed).of("gpt-5.2")  # enough streamed: those tell them apart
    assert not lat.includes_output and lat.first_token_ms == 800
    assert lat.total(0, 400) == 800 + 5000
