"""ModelClient against a real HTTP server speaking the OpenAI protocol, through the real SDK.

Backoff sleeps are recorded instead of slept; the hang test waits for a real 0.3 s timeout.
"""

from __future__ import annotations

import json
import socket
import sqlite3
from pathlib import Path

import pytest
from pydantic import SecretStr

from core.llm.catalog import load_catalog
from core.llm.client import (
    PROVIDERS,
    AllModelsFailed,
    ModelClient,
    available_models,
    provider_class,
)
from core.settings import Settings
from core.storage.registry import Registry
from core.text.tokens import count_tokens
from tests.fakes import (
    FakeOpenAIServer,
    Hang,
    Reply,
    context_length,
    malformed,
    rate_limited,
    server_error,
    unauthorized,
)

MESSAGES = [
    {"role": "system", "content": "Answer from the contract."},
    {"role": "user", "content": "Which state's law governs this agreement?"},
]


@pytest.fixture
def server():
    with FakeOpenAIServer() as fake:
        yield fake


@pytest.fixture
def llm_settings(settings: Settings, server: FakeOpenAIServer) -> Settings:
    return settings.model_copy(
        update={
            "openai_base_url": server.base_url,
            "openai_api_key": SecretStr("sk-test"),
            "llm_timeout_s": 0.3,
            "llm_max_retries": 2,
        }
    )


@pytest.fixture
def catalog():
    return load_catalog()


@pytest.fixture
def registry(llm_settings: Settings) -> Registry:
    return Registry(llm_settings.registry_path)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(catalog, llm_settings, registry, sleeps) -> ModelClient:
    return ModelClient(catalog, llm_settings, ledger=registry.usage.record, sleep=sleeps.append)


def outcomes(attempts) -> list[tuple[str, str]]:
    return [(a.model, a.outcome) for a in attempts]


def ledger_rows(registry: Registry) -> list[dict]:
    with sqlite3.connect(registry.path) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM usage ORDER BY id")]


def test_completion_reads_usage_with_cached_tokens_and_costs_it(
    client, catalog, server, registry
) -> None:
    server.script(
        "gpt-5.2",
        Reply("Delaware.", prompt_tokens=120_000, cached_tokens=100_000, completion_tokens=300),
    )
    result = client.complete(
        catalog.chain("long_context"), MESSAGES, role="long_context", question_id="q-1"
    )
    assert result.text == "Delaware." and result.model == "gpt-5.2"
    assert (result.usage.input_tokens, result.usage.cached_input_tokens) == (120_000, 100_000)
    # 20,000 x 1.75 + 100,000 x 0.175 + 300 x 14 = 35,000 + 17,500 + 4,200 (per 1M)
    assert result.cost_usd == pytest.approx(0.0567)
    assert outcomes(result.attempts) == [("gpt-5.2", "ok")]
    sent = server.requests[0]
    assert sent.body["model"] == "gpt-5.2"
    assert sent.body["messages"] == MESSAGES
    assert sent.body["max_completion_tokens"] == 16_000
    assert "response_format" not in sent.body and not sent.stream
    assert sent.headers["authorization"] == "Bearer sk-test"
    [row] = ledger_rows(registry)
    assert row["model"] == "gpt-5.2" and row["role"] == "long_context"
    assert row["question_id"] == "q-1" and row["outcome"] == "ok"
    assert (row["input_tokens"], row["cached_input_tokens"], row["output_tokens"]) == (
        120_000,
        100_000,
        300,
    )
    assert row["cost_usd"] == pytest.approx(0.0567) and row["latency_ms"] > 0


def test_json_mode_sends_response_format_and_unwraps_fences(client, catalog, server) -> None:
    server.script("gpt-4o", Reply('```json\n{"answer": "Illinois"}\n```'))
    result = client.complete(
        [catalog.get("gpt-4o")], MESSAGES, role="cheap", json_mode=True, max_tokens=200
    )
    assert json.loads(result.text) == {"answer": "Illinois"}
    body = server.requests[0].body
    assert body["response_format"] == {"type": "json_object"}
    assert body["max_completion_tokens"] == 200


def test_json_mode_not_sent_to_models_without_it_and_bad_json_falls_back(
    client, catalog, server, registry
) -> None:
    server.script("gpt-4o", Reply("Illinois, I think."))
    server.script("llama-4", Reply('{"answer": "Illinois"}'))
    result = client.complete(catalog.chain("cheap"), MESSAGES, role="cheap", json_mode=True)
    assert result.model == "llama-4"
    assert outcomes(result.attempts) == [("gpt-4o", "bad_response"), ("llama-4", "ok")]
    assert "not valid JSON" in result.attempts[0].detail
    assert "response_format" not in server.requests[1].body  # llama-4: json_mode false
    # The unusable answer was still billed: its row carries tokens and cost.
    bad = ledger_rows(registry)[0]
    assert bad["outcome"] == "bad_response" and bad["output_tokens"] > 0 and bad["cost_usd"] > 0


def test_rate_limit_honours_retry_after(client, catalog, server, sleeps) -> None:
    server.script("gpt-4o", rate_limited(retry_after=3), Reply("Delaware"))
    result = client.complete(catalog.chain("cheap"), MESSAGES, role="cheap")
    assert sleeps == [3.0]
    assert outcomes(result.attempts) == [("gpt-4o", "rate_limited"), ("gpt-4o", "ok")]
    assert "retry after 3s" in result.attempts[0].detail


def test_server_errors_back_off_exponentially_then_fall_back(
    client, catalog, server, sleeps, registry
) -> None:
    server.script("gpt-4o", server_error(500), server_error(502), server_error(503))
    server.script("llama-4", Reply("New York"))
    result = client.complete(catalog.chain("cheap"), MESSAGES, role="cheap")
    assert result.model == "llama-4" and result.text == "New York"
    assert outcomes(result.attempts) == [("gpt-4o", "server_error")] * 3 + [("llama-4", "ok")]
    # wait_exponential_jitter(multiplier=0.5, jitter=0.5): 0.5 + U(0, 0.5), then 1.0 + U(0, 0.5)
    assert len(sleeps) == 2
    assert 0.5 <= sleeps[0] <= 1.0 and 1.0 <= sleeps[1] <= 1.5
    assert [r["outcome"] for r in ledger_rows(registry)] == ["server_error"] * 3 + ["ok"]


def test_hang_past_the_timeout_is_retried_then_falls_back(
    catalog, llm_settings, server, sleeps
) -> None:
    settings = llm_settings.model_copy(update={"llm_max_retries": 1})
    client = ModelClient(catalog, settings, sleep=sleeps.append)
    server.script("gpt-4o", Hang(10), Hang(10))
    server.script("llama-4", Reply("Texas"))
    result = client.complete(catalog.chain("cheap"), MESSAGES, role="cheap")
    assert outcomes(result.attempts) == [("gpt-4o", "timeout")] * 2 + [("llama-4", "ok")]
    assert all(a.latency_ms >= 250 for a in result.attempts[:2])


def test_connection_refused_is_retried_then_falls_back(
    tmp_path, llm_settings, server, sleeps
) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead = sock.getsockname()[1]
    path = tmp_path / "models.yaml"
    path.write_text(
        f"endpoints:\n  dead: {{base_url: 'http://127.0.0.1:{dead}/v1'}}\nmodels:\n"
        "  - {name: a, endpoint: dead, context_window: 1000, max_output_tokens: 100,"
        " price: {input: 1, output: 1}, roles: [cheap]}\n"
        "  - {name: b, context_window: 1000, max_output_tokens: 100,"
        " price: {input: 1, output: 1}, roles: [cheap]}\n",
        encoding="utf-8",
    )
    catalog = load_catalog(path)
    client = ModelClient(catalog, llm_settings, sleep=sleeps.append)
    result = client.complete(catalog.chain("cheap"), MESSAGES, role="cheap")
    assert outcomes(result.attempts) == [("a", "connection")] * 3 + [("b", "ok")]
    assert len(sleeps) == 2


def test_context_length_skips_to_a_larger_window(client, catalog, server, sleeps) -> None:
    # cheap chain: gpt-4o (128K) -> llama-4 (100K, smaller: skipped) -> claude-3.7 (200K)
    server.script("gpt-4o", context_length(window=128_000, tokens=150_000))
    server.script("claude-3.7", Reply("Delaware"))
    result = client.complete(catalog.chain("cheap"), MESSAGES, role="cheap")
    assert result.model == "claude-3.7"
    assert outcomes(result.attempts) == [
        ("gpt-4o", "context_length"),
        ("llama-4", "skipped"),
        ("claude-3.7", "ok"),
    ]
    assert "maximum context length is 128000" in result.attempts[0].detail
    assert server.calls("llama-4") == 0 and sleeps == []


def test_malformed_body_is_a_bad_response_and_falls_back(client, catalog, server) -> None:
    server.script("gpt-4o", malformed())
    server.script("llama-4", Reply("Ohio"))
    result = client.complete(catalog.chain("cheap"), MESSAGES, role="cheap")
    assert outcomes(result.attempts) == [("gpt-4o", "bad_response"), ("llama-4", "ok")]
    assert "malformed" in result.attempts[0].detail


def test_when_every_model_fails_one_error_names_each_attempt(
    client, catalog, server, sleeps, registry
) -> None:
    server.script("gpt-4o", rate_limited(retry_after=120))  # longer than we wait: fall back
    server.script("llama-4", unauthorized())
    server.script("claude-3.7", malformed())
    with pytest.raises(AllModelsFailed) as err:
        client.complete(catalog.chain("cheap"), MESSAGES, role="cheap", question_id="q-9")
    assert outcomes(err.value.attempts) == [
        ("gpt-4o", "rate_limited"),
        ("llama-4", "auth"),
        ("claude-3.7", "bad_response"),
    ]
    message = str(err.value)
    for expected in (
        "gpt-4o: rate_limited",
        "retry after 120s",
        "llama-4: auth",
        "rejected the API key",
        "claude-3.7: bad_response",
    ):
        assert expected in message
    assert "sk-" not in message and sleeps == []
    rows = ledger_rows(registry)
    assert [r["outcome"] for r in rows] == ["rate_limited", "auth", "bad_response"]
    assert {r["question_id"] for r in rows} == {"q-9"} and sum(r["cost_usd"] for r in rows) == 0


def test_stream_yields_deltas_then_a_completion_with_usage(
    client, catalog, server, registry
) -> None:
    server.script(
        "gpt-4o",
        Reply(
            "Governed by the laws of Delaware.",
            prompt_tokens=900,
            cached_tokens=512,
            completion_tokens=8,
        ),
    )
    items = list(client.stream(catalog.chain("cheap"), MESSAGES, role="cheap", max_tokens=50))
    *deltas, done = items
    assert len(deltas) > 1 and all(isinstance(d, str) for d in deltas)
    assert "".join(deltas) == done.text == "Governed by the laws of Delaware."
    assert (done.usage.input_tokens, done.usage.cached_input_tokens, done.usage.output_tokens) == (
        900,
        512,
        8,
    )
    # 388 x 1.25 + 512 x 0.625 + 8 x 10 (per 1M)
    assert done.cost_usd == pytest.approx((388 * 1.25 + 512 * 0.625 + 80) / 1e6)
    assert done.first_token_ms is not None and done.first_token_ms <= done.latency_ms
    body = server.requests[0].body
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert [r["outcome"] for r in ledger_rows(registry)] == ["ok"]


def test_stream_falls_back_before_the_first_token(client, catalog, server, sleeps) -> None:
    server.script("gpt-4o", server_error(), server_error(), server_error())
    server.script("llama-4", Reply("Nevada law."))
    *deltas, done = client.stream(catalog.chain("cheap"), MESSAGES, role="cheap")
    assert "".join(deltas) == "Nevada law." and done.model == "llama-4"
    assert outcomes(done.attempts)[-1] == ("llama-4", "ok") and len(sleeps) == 2


def test_stream_broken_after_text_ends_with_the_error(client, catalog, server) -> None:
    server.script("gpt-4o", Reply("one two three four five", cut_after=2))
    received: list[str] = []
    with pytest.raises(AllModelsFailed, match="broke after text was sent") as err:
        for item in client.stream(catalog.chain("cheap"), MESSAGES, role="cheap"):
            received.append(item)
    assert "".join(received) == "one two "
    assert outcomes(err.value.attempts) == [("gpt-4o", "connection")]
    assert server.calls("llama-4") == 0  # no second answer glued onto the first


def test_abandoned_stream_is_recorded_as_cancelled(client, catalog, server, registry) -> None:
    server.script("gpt-4o", Reply("one two three four five"))
    stream = client.stream(catalog.chain("cheap"), MESSAGES, role="cheap")
    assert next(stream) == "one "
    stream.close()
    [row] = ledger_rows(registry)
    assert row["outcome"] == "cancelled" and row["output_tokens"] >= 1


def test_usage_is_counted_when_the_server_omits_it(client, catalog, server) -> None:
    server.script("llama-4", Reply("Utah.", include_usage=False))
    result = client.complete([catalog.get("llama-4")], MESSAGES, role="fallback")
    prompt = "\n".join(m["content"] for m in MESSAGES)
    assert result.usage.input_tokens == count_tokens(prompt) + 4 * len(MESSAGES)
    assert result.usage.output_tokens == count_tokens("Utah.")
    assert result.cost_usd > 0


def test_a_failing_ledger_does_not_lose_the_answer(catalog, llm_settings, server) -> None:
    def broken(_record) -> None:
        raise OSError("disk full")

    client = ModelClient(catalog, llm_settings, ledger=broken)
    assert client.complete(catalog.chain("cheap"), MESSAGES, role="cheap").text == "ok"


def test_without_key_or_base_url_only_the_reader_is_available(settings, catalog) -> None:
    client = ModelClient(catalog, settings)
    assert available_models(catalog, settings) == {"offline-reader"}
    assert not client.available(catalog.get("gpt-4o"))
    assert client.available(catalog.get("offline-reader"))
    with pytest.raises(AllModelsFailed) as err:
        client.complete(catalog.chain("cheap"), MESSAGES, role="cheap")
    assert {a.outcome for a in err.value.attempts} == {"skipped"}
    assert "no API key or base URL configured" in str(err.value)


def test_key_alone_or_base_url_alone_makes_models_available(settings, catalog) -> None:
    keyed = settings.model_copy(update={"openai_api_key": SecretStr("sk-x")})
    assert "gpt-5.2" in available_models(catalog, keyed)
    local_server = settings.model_copy(update={"openai_base_url": "http://127.0.0.1:8080/v1"})
    assert available_models(catalog, local_server) == set(catalog.models)


def test_own_endpoint_uses_its_key_and_never_the_default_one(
    tmp_path, llm_settings, server, monkeypatch
) -> None:
    path = tmp_path / "models.yaml"
    path.write_text(
        f"endpoints:\n  lab: {{base_url: '{server.base_url}', api_key_env: LAB_KEY}}\n"
        f"  open: {{base_url: '{server.base_url}'}}\nmodels:\n"
        "  - {name: keyed, endpoint: lab, provider_model: org/keyed-v2, context_window: 1000,"
        " max_output_tokens: 100, token_limit_param: max_tokens,"
        " price: {input: 1, output: 1}, roles: [cheap]}\n"
        "  - {name: keyless, endpoint: open, context_window: 1000, max_output_tokens: 100,"
        " price: {input: 1, output: 1}, roles: [fallback]}\n",
        encoding="utf-8",
    )
    catalog = load_catalog(path)
    client = ModelClient(catalog, llm_settings)
    monkeypatch.delenv("LAB_KEY", raising=False)
    assert not client.available(catalog.get("keyed"))  # names a key that is not set
    monkeypatch.setenv("LAB_KEY", "lab-secret")
    client.complete([catalog.get("keyed")], MESSAGES, role="cheap")
    client.complete([catalog.get("keyless")], MESSAGES, role="fallback")
    keyed, keyless = server.requests
    assert keyed.headers["authorization"] == "Bearer lab-secret"
    assert keyed.body["model"] == "org/keyed-v2" and keyed.body["max_tokens"] == 100
    assert "sk-test" not in keyless.headers["authorization"]


def test_provider_registry_names_what_to_install(monkeypatch) -> None:
    assert provider_class("openai").__name__ == "OpenAIChat"
    assert provider_class("local").__name__ == "OfflineReader"
    monkeypatch.setitem(PROVIDERS, "exotic", ("folio_missing_module", "Chat", "exotic-sdk"))
    with pytest.raises(ImportError, match=r"pip install exotic-sdk"):
        provider_class("exotic")
    with pytest.raises(ValueError, match="unknown provider kind 'grpc'"):
        provider_class("grpc")


def test_ledger_totals_add_up_by_model(client, catalog, server, registry) -> None:
    server.script("gpt-4o", server_error(), Reply("a", prompt_tokens=1_000, completion_tokens=10))
    server.script(
        "gpt-5.2", Reply("b", prompt_tokens=2_000, cached_tokens=1_000, completion_tokens=20)
    )
    client.complete(catalog.chain("cheap"), MESSAGES, role="cheap")
    client.complete(catalog.chain("long_context"), MESSAGES, role="long_context")
    totals = {r["model"]: r for r in registry.usage.totals()["by_model"]}
    assert totals["gpt-4o"]["calls"] == 2 and totals["gpt-4o"]["input_tokens"] == 1_000
    assert totals["gpt-4o"]["cost_usd"] == pytest.approx((1_000 * 1.25 + 10 * 10) / 1e6)
    assert totals["gpt-5.2"]["cost_usd"] == pytest.approx(
        (1_000 * 1.75 + 1_000 * 0.175 + 20 * 14) / 1e6
    )
    assert Path(registry.path).exists()


@pytest.mark.parametrize("streaming", [False, True])
def test_an_empty_reply_falls_back(client, catalog, server, streaming) -> None:
    server.script("gpt-4o", Reply("", completion_tokens=4096, finish_reason="length"))
    server.script("llama-4", Reply("Idaho"))
    if streaming:
        *_, result = client.stream(catalog.chain("cheap"), MESSAGES, role="cheap")
    else:
        result = client.complete(catalog.chain("cheap"), MESSAGES, role="cheap")
    assert result.text == "Idaho"
    assert outcomes(result.attempts) == [("gpt-4o", "bad_response"), ("llama-4", "ok")]
    assert "empty reply" in result.attempts[0].detail
