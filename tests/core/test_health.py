"""A model's health and its provider's limits: the circuit breaker that stops calling a
dead model, and rpm/tpm admitted before the call (shared through Redis by replicas)."""

from __future__ import annotations

import pytest
import redis
from pydantic import SecretStr

from core.access.rate_limits import RateLimiter, SharedRateLimiter
from core.llm.catalog import load_catalog
from core.llm.client import ModelClient
from core.llm.health import Breakers
from core.llm.limits import ProviderLimits
from core.metrics import Metrics
from tests.fakes import FakeOpenAIServer, rate_limited, server_error
from tests.procs import clean_redis_db

MESSAGES = [{"role": "user", "content": "Which law governs?"}]
REDIS_URL = "redis://127.0.0.1:6379/13"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_circuit_opens_after_n_failures_then_lets_one_probe_through() -> None:
    clock = Clock()
    b = Breakers(threshold=3, open_s=30, clock=clock)
    for _ in range(2):
        b.observe("m", "server_error")
    b.observe("m", "rate_limited")  # a busy provider is not a dead one
    assert b.refuses("m") is None and b.state("m")["consecutive_failures"] == 2
    b.observe("m", "timeout")
    assert "circuit open after 3 consecutive failures; next try in 30 s" == b.refuses("m")
    clock.now += 31
    assert b.refuses("m") is None  # the probe
    assert "a probe call is under way" in b.refuses("m")  # and only one
    b.observe("m", "server_error")  # the probe failed: open again, for another 30 s
    assert b.state("m")["circuit"] == "open" and b.state("m")["times_opened"] == 1
    clock.now += 31
    assert b.refuses("m") is None
    # A probe that never reports back is given up after another 30 s.
    clock.now += 15
    assert "probe call is under way" in b.refuses("m")
    clock.now += 16
    assert b.refuses("m") is None
    b.observe("m", "ok")
    assert b.state("m") == {"circuit": "closed", "consecutive_failures": 0, "times_opened": 1}


@pytest.fixture
def fake():
    with FakeOpenAIServer() as server:
        yield server


def _client(settings, fake, catalog=None, limits=None) -> ModelClient:
    settings = settings.model_copy(
        update={
            "openai_base_url": fake.base_url,
            "openai_api_key": SecretStr("k"),
            "llm_breaker_open_s": 600,  # no probe within a test, however slow the machine
        }
    )
    return ModelClient(catalog or load_catalog(), settings, sleep=lambda s: None, limits=limits)


def test_an_open_circuit_is_skipped_by_the_chain_without_a_request(settings, fake) -> None:
    fake.script("gpt-4o", *[server_error(500)] * 50)
    client = _client(settings, fake)
    chain = client.catalog.chain("cheap")  # gpt-4o, llama-4, claude-3.7
    metrics = Metrics()
    metrics.watch_circuits(client.health.snapshot)
    answers = []
    for _ in range(10):
        done = client.complete(chain, MESSAGES, role="cheap")
        metrics.observe_attempts(done.attempts)
        answers.append(done.model)
    # Three failures (a try and two retries) open it; the other nine questions skip it.
    assert fake.calls("gpt-4o") == 3 and answers == ["llama-4"] * 10
    assert client.health.state("gpt-4o")["circuit"] == "open"
    skipped = [a for a in done.attempts if a.model == "gpt-4o"]
    assert [a.outcome for a in skipped] == ["skipped"] and "circuit open" in skipped[0].detail
    body = metrics.exposition()[0].decode()
    assert 'folio_model_circuit_open{model="gpt-4o"} 1.0' in body
    assert 'folio_model_skipped_total{model="gpt-4o",why="circuit"} 9.0' in body


def test_a_model_at_its_rpm_is_skipped_for_its_fallback(settings, fake) -> None:
    catalog = load_catalog()
    catalog.models["gpt-4o"] = catalog.get("gpt-4o").model_copy(update={"rpm": 2})
    clock = Clock()
    limits = ProviderLimits(RateLimiter(clock), wait_s=0, clock=clock)
    client = _client(settings, fake, catalog, limits)
    chain = catalog.chain("cheap")
    used = [client.complete(chain, MESSAGES, role="cheap").model for _ in range(3)]
    assert used == ["gpt-4o", "gpt-4o", "llama-4"] and fake.calls("gpt-4o") == 2
    clock.now += 61  # a minute later the window has room again
    assert client.complete(chain, MESSAGES, role="cheap").model == "gpt-4o"


def test_a_short_wait_for_a_slot_is_waited_out(settings, fake) -> None:
    catalog = load_catalog()
    catalog.models["gpt-4o"] = catalog.get("gpt-4o").model_copy(update={"rpm": 1})
    clock, slept = Clock(), []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.now += seconds

    limits = ProviderLimits(RateLimiter(clock), wait_s=60, sleep=sleep, clock=clock)
    client = _client(settings, fake, catalog, limits)
    chain = catalog.chain("cheap")
    assert [client.complete(chain, MESSAGES, role="cheap").model for _ in range(2)] == [
        "gpt-4o",
        "gpt-4o",
    ]
    assert slept == [60]  # queued for the slot instead of collecting a 429


def test_replicas_share_a_models_tokens_per_minute_in_redis(settings, fake) -> None:
    catalog = load_catalog()
    catalog.models["gpt-4o"] = catalog.get("gpt-4o").model_copy(update={"tpm": 10_000})
    with clean_redis_db(REDIS_URL):
        replicas = [
            _client(
                settings,
                fake,
                catalog,
                ProviderLimits(SharedRateLimiter(redis.Redis.from_url(REDIS_URL)), wait_s=0),
            )
            for _ in range(2)
        ]
        chain = catalog.chain("cheap")
        # Each call counts its prompt and its 4,096-token cap: two fit in 10K, not three.
        used = [r.complete(chain, MESSAGES, role="cheap").model for r in replicas + replicas]
        assert used == ["gpt-4o", "gpt-4o", "llama-4", "llama-4"]
        skipped = replicas[0].complete(chain, MESSAGES, role="cheap").attempts[0]
        assert "provider limit: 10,000 tokens a minute for gpt-4o reached" in skipped.detail


def test_a_429_from_the_provider_does_not_open_the_circuit(settings, fake) -> None:
    fake.script("gpt-4o", *[rate_limited(retry_after=0)] * 9)
    client = _client(settings, fake)
    chain = client.catalog.chain("cheap")
    for _ in range(3):
        client.complete(chain, MESSAGES, role="cheap")
    assert client.health.state("gpt-4o")["circuit"] == "closed"
