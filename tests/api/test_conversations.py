"""Conversations through the real app: /query with `history` or a kept `conversation_id`
(per tenant), and an escalation in the middle of a streamed chat completion, as the
openai SDK shows it."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient
from openai import OpenAI
from pydantic import SecretStr

from cli.service import build_app
from tests.api.uploading import offline_settings
from tests.fakes.openai_server import FakeOpenAIServer, Reply
from tests.query.corpus import CONTRACTS

GOVERNING = "Which law governs this agreement?"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory, shared_data, embedder):
    """A data dir with the iVillage contract ingested; each test opens the app on it."""
    data_dir = tmp_path_factory.mktemp("conversations") / "data"
    path = shared_data / "legal" / "cuad" / CONTRACTS["ivillage"]
    with TestClient(build_app(offline_settings(data_dir), embedder=embedder)) as client:
        doc = client.post("/documents", files={"file": (path.name, path.read_bytes())}).json()
        deadline = time.monotonic() + 180
        while client.get(f"/documents/{doc['id']}").json()["status"] != "ready":
            assert time.monotonic() < deadline
            time.sleep(0.2)
    return data_dir, doc["id"]


def _open(prepared, embedder, **settings) -> TestClient:
    app = build_app(offline_settings(prepared[0]).model_copy(update=settings), embedder=embedder)
    return TestClient(app)


def _ask(client: TestClient, **body) -> dict:
    response = client.post("/query", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_query_with_history_rewrites_the_follow_up(prepared, embedder) -> None:
    with _open(prepared, embedder) as client:
        out = _ask(
            client,
            question="Where exactly does it say that?",
            history=[
                {"role": "user", "content": "What does the agreement say about governing law?"},
                {"role": "assistant", "content": "New York law governs it."},
            ],
            document_ids=[prepared[1]],
        )
        standalone = out["conversation"]["rewritten_question"]
        alone = _ask(client, question=standalone, document_ids=[prepared[1]])
    conversation = out["conversation"]
    assert conversation["rewritten_by"] == "rules" and conversation["history_turns"] == 2
    # The router counts the history: the same question alone is estimated cheaper.
    assert out["route"]["paid_estimated_cost_usd"] > alone["route"]["paid_estimated_cost_usd"]
    assert conversation["rewritten_question"] == "Where exactly does the governing law say that?"
    assert "laws of the State of New York" in " ".join(c["quote"] for c in out["citations"])


def test_a_kept_conversation_per_tenant(prepared, embedder) -> None:
    with _open(prepared, embedder) as client:
        first = _ask(client, question=GOVERNING, conversation_id="deal-42")
        assert first["conversation"]["history_turns"] == 0
        assert first["conversation"]["conversation_id"] == "deal-42"
        second = _ask(client, question="Can you quote it?", conversation_id="deal-42")
        registry = client.app.state.resources.registry
        kept = registry.conversations.turns("default", "deal-42")
        other = registry.conversations.turns("another-tenant", "deal-42")
    assert second["conversation"]["history_turns"] == 2
    assert "law" in second["conversation"]["rewritten_question"]
    assert [role for role, _ in kept] == ["user", "assistant"] * 2
    assert kept[2][1] == "Can you quote it?" and other == []


def test_a_bad_conversation_id_is_refused(prepared, embedder) -> None:
    with _open(prepared, embedder) as client:
        response = client.post("/query", json={"question": "x", "conversation_id": "../etc"})
    assert response.status_code == 422


def test_an_escalation_mid_stream_reads_sensibly(prepared, embedder) -> None:
    miss = "Not in the passages.\n###CITATIONS###\n" + json.dumps({"found": False})
    hit = "New York law governs it.\n###CITATIONS###\n" + json.dumps({"found": True})
    with FakeOpenAIServer() as fake:
        fake.script("gpt-4o", Reply(miss, 2_000, 10))
        fake.script("gpt-5.2", Reply(hit, 5_500, 12))
        with _open(
            prepared,
            embedder,
            openai_base_url=fake.base_url,
            openai_api_key=SecretStr("k"),
            route_cheap_stuff_max_tokens=500,
            route_learned=False,
        ) as client:
            sdk = OpenAI(base_url="http://testserver/v1", api_key="x", http_client=client)
            chunks = list(
                sdk.chat.completions.create(
                    model="folio-auto",
                    messages=[{"role": "user", "content": "Which state's law applies?"}],
                    stream=True,
                )
            )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    first, _, second = text.partition("(Re-reading the whole document:")
    assert first.strip() == "Not in the passages." and "New York law governs it." in second
    folio = chunks[-1].model_extra["folio"]
    assert folio["route"]["escalated"] and chunks[-1].model == "gpt-5.2"
