"""The OpenAI-compatible API driven by the real openai SDK (sync and async, streamed and
not) against a running `folio serve` with the offline reader, and by raw HTTP for the
error shapes: models listed, cited answers, follow-ups rewritten, tenants kept apart."""

from __future__ import annotations

import asyncio

import httpx
import openai
import pytest
from openai import AsyncOpenAI, OpenAI

from tests.api.chat_server import ChatServer, serve_with_documents

GOVERNING = "What does the agreement say about governing law?"


@pytest.fixture(scope="module")
def server(tmp_path_factory, shared_data) -> ChatServer:
    yield from serve_with_documents(tmp_path_factory.mktemp("chat"), shared_data)


@pytest.fixture
def client(server: ChatServer) -> OpenAI:
    return OpenAI(base_url=server.base_url, api_key=server.key, max_retries=0)


def _error(response: httpx.Response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"message", "type", "param", "code"}, body
    return body["error"]


def test_models_are_listed(client: OpenAI) -> None:
    ids = [m.id for m in client.models.list()]
    assert ids == ["folio-auto", "folio-stuff", "folio-rag"]


def test_a_cited_answer(client: OpenAI, server: ChatServer) -> None:
    done = client.chat.completions.create(
        model="folio-auto",
        messages=[{"role": "user", "content": GOVERNING}],
        temperature=0.3,  # accepted, ignored
        top_p=0.9,
        extra_body={"document_ids": [server.document_id], "prefer": "cost"},
    )
    text = done.choices[0].message.content
    extra = done.model_extra
    assert done.model == "offline-reader" and done.choices[0].finish_reason == "stop"
    assert "[1]" in text and "\n\nSources:\n[1] SPHERE3DCORP" in text
    cite = extra["citations"][0]
    assert cite["document_id"] == server.document_id and cite["page"] >= 1
    assert "laws of" in " ".join(c["quote"] for c in extra["citations"]).lower()
    assert extra["folio"]["route"]["mode"] in ("stuff", "rag")
    assert extra["folio"]["question"] == GOVERNING
    assert done.usage.prompt_tokens > 0 and done.usage.completion_tokens > 0


def test_a_follow_up_is_rewritten(client: OpenAI, server: ChatServer) -> None:
    done = client.chat.completions.create(
        model="folio-auto",
        messages=[
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": GOVERNING},
            {"role": "assistant", "content": "The laws of the State of New York govern it."},
            {"role": "user", "content": "Where exactly does it say that?"},
        ],
        extra_body={"document_ids": [server.document_id]},
    )
    folio = done.model_extra["folio"]
    assert folio["question"] == "Where exactly does it say that?"
    assert "governing law" in folio["rewritten_question"]
    assert folio["conversation"]["rewritten_by"] == "rules"
    assert folio["conversation"]["history_turns"] == 2
    quotes = " ".join(c["quote"] for c in done.model_extra["citations"]).lower()
    assert "laws of" in quotes


def test_streaming_with_usage(client: OpenAI, server: ChatServer) -> None:
    stream = client.chat.completions.create(
        model="folio-rag",
        messages=[{"role": "user", "content": GOVERNING}],
        stream=True,
        stream_options={"include_usage": True},
        extra_body={"document_ids": [server.document_id]},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "Sources:\n[1]" in text
    last = chunks[-1]
    assert last.choices == [] and last.usage.total_tokens > 0
    assert last.model_extra["citations"] and last.model_extra["folio"]["route"]["mode"] == "rag"
    finish = [c for c in chunks if c.choices and c.choices[0].finish_reason == "stop"]
    assert len(finish) == 1


def test_streaming_without_usage_ends_with_citations(client: OpenAI, server: ChatServer) -> None:
    chunks = list(
        client.chat.completions.create(
            model="folio-stuff",
            messages=[{"role": "user", "content": GOVERNING}],
            stream=True,
            extra_body={"document_ids": [server.document_id]},
        )
    )
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop" and last.usage is None
    assert last.model_extra["citations"] and last.model_extra["folio"]["route"]["mode"] == "stuff"


def test_async_client(server: ChatServer) -> None:
    async def ask() -> tuple[str, str]:
        client = AsyncOpenAI(base_url=server.base_url, api_key=server.key, max_retries=0)
        done = await client.chat.completions.create(
            model="folio-auto",
            messages=[{"role": "user", "content": GOVERNING}],
            extra_body={"document_ids": [server.document_id]},
        )
        streamed = await client.chat.completions.create(
            model="folio-auto",
            messages=[{"role": "user", "content": GOVERNING}],
            stream=True,
            extra_body={"document_ids": [server.document_id]},
        )
        parts = [c.choices[0].delta.content or "" async for c in streamed if c.choices]
        await client.close()
        return done.choices[0].message.content, "".join(parts)

    whole, streamed = asyncio.run(ask())
    assert "Sources:" in whole and "Sources:" in streamed


def test_a_wrong_key_is_401_in_openai_shape(server: ChatServer) -> None:
    bad = OpenAI(base_url=server.base_url, api_key="folio_wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad.models.list()
    response = httpx.post(
        f"{server.base_url}/chat/completions",
        json={"model": "folio-auto", "messages": [{"role": "user", "content": "hi"}]},
    )
    assert response.status_code == 401
    assert _error(response)["code"] == "invalid_api_key"


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"model": "gpt-4", "messages": [{"role": "user", "content": "x"}]}, 404, "folio-auto"),
        ({"model": "folio-auto", "messages": []}, 400, "messages"),
        ({"model": "folio-auto", "messages": [{"role": "wizard", "content": "x"}]}, 400, "role"),
        ({"model": "folio-auto", "messages": [{"role": "system", "content": "x"}]}, 400, "user"),
        ({"model": "folio-auto", "messages": [{"role": "user", "content": "  "}]}, 400, "empty"),
        ({"model": "folio-auto", "messages": "hello"}, 400, "messages"),
        (
            {"model": "folio-auto", "n": 2, "messages": [{"role": "user", "content": "x"}]},
            400,
            "n > 1",
        ),
        (
            {
                "model": "folio-auto",
                "tools": [{"type": "function", "function": {"name": "f"}}],
                "messages": [{"role": "user", "content": "x"}],
            },
            400,
            "tools",
        ),
    ],
)
def test_bad_requests_in_openai_shape(server: ChatServer, body, status, words) -> None:
    response = httpx.post(
        f"{server.base_url}/chat/completions",
        json=body,
        headers={"Authorization": f"Bearer {server.key}"},
    )
    assert response.status_code == status, response.text
    assert words in _error(response)["message"]


def test_a_huge_history_is_refused_or_trimmed(server: ChatServer) -> None:
    headers = {"Authorization": f"Bearer {server.key}"}
    turn = {"role": "user", "content": "Tell me about the fees. " * 2000}
    huge = [turn, {"role": "assistant", "content": "ok"}] * 22  # about 1 MB
    too_big = {"model": "folio-auto", "messages": [*huge, {"role": "user", "content": "x"}]}
    response = httpx.post(f"{server.base_url}/chat/completions", json=too_big, headers=headers)
    assert response.status_code == 413 and "FOLIO_MAX_REQUEST_KB" in _error(response)["message"]
    # Just under the cap: the oldest turns are dropped to fit the prompt's history budget.
    body = {
        "model": "folio-auto",
        "messages": [*huge[:30], {"role": "user", "content": "What about governing law?"}],
        "document_ids": [server.document_id],
    }
    response = httpx.post(
        f"{server.base_url}/chat/completions", json=body, headers=headers, timeout=120
    )
    assert response.status_code == 200, response.text
    conversation = response.json()["folio"]["conversation"]
    assert conversation["dropped_turns"] > 20 and conversation["history_tokens"] <= 2000


def test_another_tenants_document_is_404(client: OpenAI, server: ChatServer) -> None:
    with pytest.raises(openai.NotFoundError) as raised:
        client.chat.completions.create(
            model="folio-auto",
            messages=[{"role": "user", "content": "Who are the parties?"}],
            extra_body={"document_ids": [server.other_document_id]},
        )
    assert "iVillage" not in str(raised.value) and "IVILLAGE" not in str(raised.value)
    # And the other tenant, asking everything it has, never reads the admin's contract.
    other = OpenAI(base_url=server.base_url, api_key=server.other_key, max_retries=0)
    done = other.chat.completions.create(
        model="folio-auto", messages=[{"role": "user", "content": "Who are the parties?"}]
    )
    cited = {c["document_id"] for c in done.model_extra["citations"]}
    assert cited <= {server.other_document_id}
    assert "Sphere 3D" not in done.choices[0].message.content


def test_a_keys_rate_limit_holds_on_chat(server: ChatServer) -> None:
    admin = {"Authorization": f"Bearer {server.key}"}
    made = httpx.post(f"{server.url}/keys", json={"tenant": "slow", "rpm": 1}, headers=admin)
    limited = OpenAI(base_url=server.base_url, api_key=made.json()["secret"], max_retries=0)
    limited.models.list()
    with pytest.raises(openai.RateLimitError) as raised:
        limited.models.list()
    assert raised.value.code == "rate_limit_exceeded"
    assert raised.value.response.headers["retry-after"]
