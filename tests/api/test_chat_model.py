"""The OpenAI-compatible API with a model behind folio (the scripted OpenAI-protocol
server on 127.0.0.1): the follow-up is rewritten by the cheap model in a short, costed
call, the answer streams as it is written, and `model` and `usage` are the real ones."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from openai import APIStatusError, OpenAI

from tests.api.chat_server import ChatServer, serve_with_documents
from tests.fakes.openai_server import FakeOpenAIServer, Reply

QUOTE = "THIS CONSULTING AGREEMENT is made and entered into as of June 1st, 2020"
ANSWER = "It was made on June 1st, 2020, between Groupe Parameus Corp and Sphere 3D Corp."
REWRITTEN = "When was the consulting agreement between the parties made?"
HISTORY = [
    {"role": "user", "content": "Who are the parties to the consulting agreement?"},
    {"role": "assistant", "content": "Groupe Parameus Corp and Sphere 3D Corp."},
    {"role": "user", "content": "When did they make it?"},
]


def _reply(body: dict) -> Reply:
    """The rewrite call gets a standalone question; the answer call cites page 1."""
    if body["messages"][0]["content"].startswith("You rewrite"):
        return Reply(REWRITTEN, 120, 12)
    found = re.search(r'<document id="([^"]+)"', body["messages"][-1]["content"])
    cite = {"document_id": found.group(1) if found else "?", "page": 1, "quote": QUOTE}
    if body.get("stream"):
        return Reply(
            f"{ANSWER}\n###CITATIONS###\n" + json.dumps({"found": True, "citations": [cite]})
        )
    return Reply(json.dumps({"answer": ANSWER, "found": True, "citations": [cite]}))


@pytest.fixture(scope="module")
def model():
    with FakeOpenAIServer(default=_reply) as fake:
        yield fake


@pytest.fixture(scope="module")
def server(tmp_path_factory, shared_data, model) -> ChatServer:
    yield from serve_with_documents(
        tmp_path_factory.mktemp("chat-model"),
        shared_data,
        FOLIO_OPENAI_BASE_URL=model.base_url,
        FOLIO_OPENAI_API_KEY="test",
    )


@pytest.fixture
def client(server: ChatServer) -> OpenAI:
    return OpenAI(base_url=server.base_url, api_key=server.key, max_retries=0)


def test_a_follow_up_rewritten_by_the_cheap_model(client, server, model) -> None:
    before = len(model.requests)
    done = client.chat.completions.create(
        model="folio-auto", messages=HISTORY, extra_body={"document_ids": [server.document_id]}
    )
    calls = model.requests[before:]
    assert len(calls) == 2  # the rewrite, then the answer
    rewrite, answer = calls
    assert "When did they make it?" in rewrite.body["messages"][-1]["content"]
    prompt = answer.body["messages"][-1]["content"]
    # The documents, then the earlier turns, then the standalone question last.
    assert prompt.index("</documents>") < prompt.index("Groupe Parameus Corp and Sphere 3D")
    assert prompt.endswith(f"Question: {REWRITTEN}")
    folio = done.model_extra["folio"]
    assert folio["rewritten_question"] == REWRITTEN
    assert folio["conversation"]["rewritten_by"] == rewrite.model
    assert folio["conversation"]["rewrite_cost_usd"] > 0
    assert folio["cost_usd"] > folio["conversation"]["rewrite_cost_usd"]
    assert done.model == answer.model == folio["models_used"][-1]
    # The usage counts both calls, as the model server reported them.
    assert done.usage.completion_tokens >= 12 and done.usage.prompt_tokens > 120
    text = done.choices[0].message.content
    assert text.startswith("It was made on June 1st, 2020") and "[1]" in text
    assert done.model_extra["citations"][0]["quote"] == QUOTE


def test_the_answer_streams_as_it_is_written(client, server) -> None:
    stream = client.chat.completions.create(
        model="folio-stuff",
        messages=[HISTORY[0]],
        stream=True,
        stream_options={"include_usage": True},
        extra_body={"document_ids": [server.document_id]},
    )
    deltas, last = [], None
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            deltas.append(chunk.choices[0].delta.content)
        last = chunk
    # Word by word, as the model wrote it, before the sources and the citations.
    assert len(deltas) > 5 and deltas[0] != ANSWER
    assert "".join(deltas).startswith(ANSWER)
    assert "###CITATIONS###" not in "".join(deltas)
    assert last.usage.prompt_tokens > 0 and last.model_extra["citations"][0]["page"] == 1
    assert last.model == last.model_extra["folio"]["models_used"][-1]


def test_a_key_over_budget_pays_not_even_the_rewrite(server, model) -> None:
    """The rewrite is a paid call: a key whose cap it would pass gets OpenAI's error shape
    and the model server hears nothing."""
    admin = {"Authorization": f"Bearer {server.key}"}
    me = httpx.get(f"{server.url}/keys/me", headers=admin).json()
    made = httpx.post(
        f"{server.url}/keys",
        headers=admin,
        json={"tenant": me["tenant"], "name": "capped", "budget_usd": 0.000001},
    ).json()
    capped = OpenAI(base_url=server.base_url, api_key=made["secret"], max_retries=0)
    before = len(model.requests)
    with pytest.raises(APIStatusError) as refused:
        capped.chat.completions.create(
            model="folio-auto",
            messages=HISTORY,
            extra_body={"document_ids": [server.document_id]},
        )
    assert refused.value.status_code == 402
    assert "monthly budget" in refused.value.body["message"]
    assert len(model.requests) == before


def test_max_latency_ms_reaches_the_router_through_the_sdk(client, server, model) -> None:
    """The extension weighs the route as /query does: stuffing cannot reach its first token
    in 1 ms, so the forced mode is refused in words before any call."""
    before = len(model.requests)
    with pytest.raises(APIStatusError) as refused:
        client.chat.completions.create(
            model="folio-stuff",
            messages=[HISTORY[0]],
            stream=True,
            extra_body={"document_ids": [server.document_id], "max_latency_ms": 1},
        )
    assert refused.value.status_code == 422
    assert "max_latency_ms" in refused.value.body["message"]
    assert len(model.requests) == before
