"""Filling a review's cells through a real OpenAI-protocol server on 127.0.0.1: invalid
replies asked once more, quotes checked on their pages, budgets held before anything is
spent, a worker killed halfway resumed without paying a cell twice, and cancelling."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr

from core.access.budgets import BudgetExceeded, Budgets
from core.access.keys import KeyStore
from query.reviews import service
from query.reviews.run import fill_next
from tests.fakes.openai_server import FakeOpenAIServer, Reply
from tests.query.corpus import page_of, read_path

LAW = "in accordance with the laws of the Commonwealth of Massachusetts"
FIELDS = [
    {"name": "Governing Law", "question": "Which law governs?", "type": "text"},
    {
        "name": "Tier",
        "question": "Which service tier?",
        "type": "enum",
        "values": ["gold", "silver"],
    },
    {"name": "Signed", "question": "When was it signed?", "type": "date"},
]


class _Queue:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def enqueue_review(self, review_id: str) -> None:
        self.sent.append(review_id)


@pytest.fixture
def fake():
    with FakeOpenAIServer() as server:
        yield server


def _online(corpus, fake, embedder):
    settings = corpus.settings.model_copy(
        update={"openai_base_url": fake.base_url, "openai_api_key": SecretStr("k")}
    )
    rp = read_path(corpus, embedder, settings)
    rp.budgets = Budgets(corpus.ingestor.registry, KeyStore(corpus.ingestor.registry))
    return rp


def _cell(found=False, value=None, quotes=()) -> dict:
    return {"found": found, "value": value, "quotes": list(quotes)}


def test_invalid_replies_are_asked_once_more_and_a_cell_that_still_fails_says_why(
    corpus, fake, embedder
):
    rp = _online(corpus, fake, embedder)
    doc = corpus.ids["nyliac"]
    page = page_of(corpus, "nyliac", "laws of the Commonwealth of Massachusetts")
    moved = {"page": page, "quote": "governed by the laws of the planet Mars"}
    law = _cell(True, "Massachusetts", [{"page": page, "quote": LAW}, moved])
    fake.script(
        "gpt-4o",
        Reply(json.dumps({"Governing Law": law, "Tier": _cell(True, "platinum")})),  # no "Signed"
        Reply(json.dumps({"Tier": _cell(True, "bronze"), "Signed": _cell(False)})),
    )
    review = service.start(rp, service.ReviewRequest(FIELDS, [doc]), _Queue())
    assert fill_next(rp, review.id) is False
    done, cells = service.get(rp, review.id)
    assert done.status == "done" and fake.calls("gpt-4o") == 2
    by = {c.field: c for c in cells}
    assert by["Governing Law"].found and by["Governing Law"].value == "Massachusetts"
    # The quote that is not on its page is dropped, and the cell says so.
    assert by["Governing Law"].citations == [{"page": page, "quote": LAW}]
    assert "1 quote(s) not found on their page were dropped" in by["Governing Law"].error
    assert by["Signed"].done and not by["Signed"].found and by["Signed"].error is None
    tier = by["Tier"]  # wrong twice: it fails, saying why
    assert tier.done and not tier.found and "is not one of gold, silver" in tier.error
    again = fake.requests[-1].body["messages"][1]["content"].split("Fields:")[1]
    assert "Tier" in again and "Signed" in again and "Governing Law" not in again
    assert "'platinum' is not one of gold, silver" in again and "gave no answer" in again
    # Both calls sent the document under one prompt_cache_key: the re-ask finds it cached.
    keys = {r.body.get("prompt_cache_key") for r in fake.requests[-2:]}
    assert len(keys) == 1 and next(iter(keys)).endswith(":review")

    # A reply that is not JSON at all: every field is asked once more.
    fake.script(
        "gpt-4o", Reply("this is not JSON"), Reply(json.dumps({f["name"]: _cell() for f in FIELDS}))
    )
    review = service.start(rp, service.ReviewRequest(FIELDS, [doc]), _Queue())
    assert fill_next(rp, review.id) is False
    _, cells = service.get(rp, review.id)
    assert fake.calls("gpt-4o") == 4 and all(c.done and c.error is None for c in cells)


def test_a_review_over_the_budget_is_refused_before_anything_is_spent(corpus, fake, embedder):
    rp = _online(corpus, fake, embedder)
    keys = KeyStore(corpus.ingestor.registry)
    before = len(service.listed(rp))
    keys.set_tenant_budget(rp.tenant_id, 0.0)
    try:
        with pytest.raises(BudgetExceeded, match="monthly budget"):
            service.start(rp, service.ReviewRequest(FIELDS, [corpus.ids["nyliac"]]), _Queue())
    finally:
        keys.set_tenant_budget(rp.tenant_id, None)
    assert fake.calls() == 0 and len(service.listed(rp)) == before  # nothing spent or stored


def test_a_worker_killed_halfway_resumes_without_paying_a_cell_twice(corpus, fake, embedder):
    rp = _online(corpus, fake, embedder)
    docs = [corpus.ids["nyliac"], corpus.ids["datacall"]]
    fake.default = Reply(json.dumps({f["name"]: _cell() for f in FIELDS}))
    review = service.start(rp, service.ReviewRequest(FIELDS, docs), _Queue())
    assert fill_next(rp, review.id) is True  # one document filled; then the worker dies
    paid_first = fake.calls()
    assert service.get(rp, review.id)[0].cells_done == len(FIELDS)
    # A new worker (its claim of a stale document: immediately here) finishes the rest.
    assert fill_next(rp, review.id, stale_after_s=0) is False
    done, cells = service.get(rp, review.id)
    assert done.status == "done" and all(c.done for c in cells)
    assert fake.calls() == 2 * paid_first  # one stuffed call per document, none again


def test_a_cancelled_review_stops_before_its_next_call(corpus, fake, embedder):
    rp = _online(corpus, fake, embedder)
    docs = [corpus.ids["nyliac"], corpus.ids["datacall"]]
    review = service.start(rp, service.ReviewRequest(FIELDS, docs), _Queue())
    assert service.cancel(rp, review.id).status == "cancelled"
    assert fill_next(rp, review.id) is False and fake.calls() == 0
    assert service.get(rp, review.id)[0].cells_done == 0
