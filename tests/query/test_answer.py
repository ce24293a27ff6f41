"""Answering over real contracts: offline against CUAD annotations, and through a real
OpenAI-protocol server on 127.0.0.1 for Self-Route escalation, prompt caching and streaming."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr

from core.llm.catalog import load_catalog
from query import prompt
from query.answer import Answer, execute, prepare, stream
from query.citations import quote_on_page, verify
from query.documents import DocumentNotFound, DocumentNotReady, NoDocuments, resolve
from query.events import Delta, Reset
from tests.fakes.openai_server import FakeOpenAIServer, Reply
from tests.query.corpus import (
    annotation_spans,
    page_of,
    read_path,
    squash,
)

GOVERNING_LAW = "Which law governs this agreement?"


@pytest.mark.parametrize("mode", ["auto", "rag"])
@pytest.mark.parametrize("short", ["nyliac", "datacall", "ivillage", "ultragenyx"])
def test_offline_answers_match_cuad_governing_law(corpus, embedder, short, mode):
    rp = read_path(corpus, embedder)
    q = prepare(rp, GOVERNING_LAW, [corpus.ids[short]], mode=mode)
    answer = execute(rp, q)
    note = corpus.annotations[short]["Governing Law"]
    assert answer.found and note["answer"] in answer.text
    assert answer.route.offline and answer.route.model == "offline-reader"
    assert answer.route.mode == ("stuff" if mode == "auto" else "rag")  # small: read whole
    assert answer.cost_usd == 0 and answer.usage.input_tokens > 0
    assert answer.citations and answer.dropped_citations == 0
    # The cited page holds the clause CUAD annotated for this contract.
    spans = [squash(s) for s in annotation_spans(note)]
    pages = corpus.page_texts(corpus.ids[short])
    cited = {c.page for c in answer.citations}
    assert any(span in squash(pages[p - 1]) for p in cited for span in spans)
    filename = rp.registry.get(corpus.ids[short]).filename
    assert {(c.document_id, c.filename) for c in answer.citations} == {
        (corpus.ids[short], filename)
    }


def test_offline_reader_writes_the_ledger(corpus, embedder):
    rp = read_path(corpus, embedder)
    before = _calls(rp, "offline-reader")
    execute(rp, prepare(rp, GOVERNING_LAW, [corpus.ids["nyliac"]]))
    assert _calls(rp, "offline-reader") == before + 1


def test_unknown_unready_and_missing_documents(corpus, embedder):
    rp = read_path(corpus, embedder)
    with pytest.raises(DocumentNotFound, match="no-such-id"):
        resolve(rp, ["no-such-id"])
    doc, _ = rp.registry.create_or_get(rp.tenant_id, "pending.pdf", "f" * 64, 10)
    with pytest.raises(DocumentNotReady, match="queued"):
        resolve(rp, [corpus.ids["nyliac"], doc.id])
    rp.registry.mark_failed(doc.id, "not a PDF: the file has no PDF header")
    with pytest.raises(DocumentNotReady, match="failed: not a PDF"):
        resolve(rp, [doc.id])
    rp.registry.delete(doc.id)
    # Defaults to every ready document of the tenant, in a stable order.
    assert [d.id for d in resolve(rp, None)] == sorted(corpus.ids.values())
    assert resolve(rp, list(reversed(sorted(corpus.ids.values())))) == resolve(rp, None)
    other = read_path(corpus, embedder)
    other.tenant_id = "another-tenant"
    with pytest.raises(NoDocuments):
        resolve(other, None)
    with pytest.raises(DocumentNotFound):  # another tenant's document is not found
        resolve(other, [corpus.ids["nyliac"]])


# --- with a real OpenAI-protocol server ---------------------------------------------------


@pytest.fixture
def fake():
    server = FakeOpenAIServer().start()
    yield server
    server.stop()


def _online(corpus, fake, embedder, **policy):
    settings = corpus.settings.model_copy(
        update={"openai_base_url": fake.base_url, "openai_api_key": SecretStr("test-key")}
    )
    return read_path(corpus, embedder, settings, **policy)


def _json(answer: str, found: bool, citations=()) -> str:
    return json.dumps({"answer": answer, "found": found, "citations": list(citations)})


def test_self_route_escalates_a_rag_miss_to_stuff(corpus, fake, embedder):
    # A low ceiling for cheap stuffing and a small retrieval budget make this a rag question.
    rp = _online(corpus, fake, embedder, cheap_stuff_max_tokens=500, retrieval_budget=600)
    doc = corpus.ids["ivillage"]
    law_page = page_of(corpus, "ivillage", "the laws of the State of New York")
    real = "construed in accordance with the laws of the State of New York"
    fake.script("gpt-4o", Reply(_json("The passages do not say.", False), 900, 20))
    fake.script(
        "gpt-5.2",
        Reply(
            _json(
                "New York law governs the agreement.",
                True,
                [
                    {"document_id": doc, "page": law_page, "quote": real},
                    {"document_id": doc, "page": law_page, "quote": "governed by Delaware law"},
                    {"document_id": doc, "page": law_page + 1, "quote": real},  # wrong page
                ],
            ),
            prompt_tokens=6_000,
            completion_tokens=60,
            cached_tokens=4_000,
        ),
    )
    before = {m: _calls(rp, m) for m in ("gpt-4o", "gpt-5.2")}
    q = prepare(rp, "Which state's law applies?", [doc])
    assert (q.plan.mode, q.plan.model, q.plan.escalation.model) == ("rag", "gpt-4o", "gpt-5.2")
    answer = execute(rp, q)

    assert answer.escalated and answer.models_used == ["gpt-4o", "gpt-5.2"]
    assert (answer.route.mode, answer.route.model) == ("stuff", "gpt-5.2")
    assert "escalated" in answer.route.reason
    assert answer.text == "New York law governs the agreement." and answer.found
    assert [(c.page, c.quote) for c in answer.citations] == [(law_page, real)]
    assert answer.dropped_citations == 2
    catalog = load_catalog()
    expected = catalog.get("gpt-4o").cost(900, 20) + catalog.get("gpt-5.2").cost(6_000, 60, 4_000)
    assert answer.cost_usd == pytest.approx(expected)
    assert (answer.usage.input_tokens, answer.usage.cached_input_tokens) == (6_900, 4_000)
    assert answer.usage.output_tokens == 80
    assert {m: _calls(rp, m) - n for m, n in before.items()} == {"gpt-4o": 1, "gpt-5.2": 1}
    # The first call saw excerpts only; the escalation read every page.
    first, second = (r.body["messages"][1]["content"] for r in fake.requests)
    pages = len(corpus.page_texts(doc))
    assert all(f"[page {p}]" in second for p in range(1, pages + 1))
    assert len(first) < len(second) / 2
    assert all(r.body.get("response_format") == {"type": "json_object"} for r in fake.requests)


def test_stuffed_prompts_share_a_prefix_and_price_cached_input(corpus, fake, embedder):
    rp = _online(corpus, fake, embedder)
    docs = [corpus.ids["ivillage"], corpus.ids["nyliac"]]
    fake.script("gpt-4o", Reply(_json("first", True), 5_000, 10))
    fake.script("gpt-4o", Reply(_json("second", True), 5_000, 10, cached_tokens=4_608))
    a = execute(rp, prepare(rp, "Who are the parties?", docs, mode="stuff"))
    b = execute(rp, prepare(rp, "When does it end?", list(reversed(docs)), mode="stuff"))
    assert a.route.model == b.route.model == "gpt-4o"
    one, two = (r.body["messages"] for r in fake.requests)
    assert one[0] == two[0]  # the same instructions
    head1, _, q1 = one[1]["content"].rpartition("Question:")
    head2, _, q2 = two[1]["content"].rpartition("Question:")
    assert head1 == head2  # the same documents, in the same order, before the question
    assert (q1.strip(), q2.strip()) == ("Who are the parties?", "When does it end?")
    assert head1.index(sorted(docs)[0]) < head1.index(sorted(docs)[1])
    spec = load_catalog().get("gpt-4o")
    assert b.usage.cached_input_tokens == 4_608
    assert b.cost_usd == pytest.approx(spec.cost(5_000, 10, 4_608))
    assert b.cost_usd < a.cost_usd


def test_streaming_sends_prose_then_the_checked_answer(corpus, fake, embedder):
    rp = _online(corpus, fake, embedder)
    doc = corpus.ids["nyliac"]
    page = page_of(corpus, "nyliac", "laws of the Commonwealth of Massachusetts")
    quote = "in accordance with the laws of the Commonwealth of Massachusetts"
    tail = {"found": True, "citations": [{"document_id": doc, "page": page, "quote": quote}]}
    prose = "The agreement is governed by Massachusetts law."
    fake.script("gpt-4o", Reply(f"{prose}\n{prompt.CITATIONS_MARK}\n{json.dumps(tail)}"))
    events = list(stream(rp, prepare(rp, GOVERNING_LAW, [doc])))
    deltas = [e.text for e in events if isinstance(e, Delta)]
    assert len(deltas) > 1 and "".join(deltas).strip() == prose
    assert prompt.CITATIONS_MARK not in "".join(deltas)
    answer = events[-1]
    assert isinstance(answer, Answer) and answer.text == prose
    assert [c.page for c in answer.citations] == [page]
    assert fake.requests[-1].body["stream"] is True


def test_streaming_a_json_reply_sends_the_answer_not_the_json(corpus, fake, embedder):
    rp = _online(corpus, fake, embedder)
    fake.script("gpt-4o", Reply(_json("Massachusetts law governs.", True)))
    events = list(stream(rp, prepare(rp, GOVERNING_LAW, [corpus.ids["nyliac"]])))
    assert events[0] == Delta("Massachusetts law governs.")
    assert [type(e) for e in events] == [Delta, Answer]


def test_streaming_escalation_resets_what_was_sent(corpus, fake, embedder):
    rp = _online(corpus, fake, embedder, cheap_stuff_max_tokens=500, retrieval_budget=600)
    miss = f"Not in these passages.\n{prompt.CITATIONS_MARK}\n" + json.dumps({"found": False})
    fake.script("gpt-4o", Reply(miss))
    fake.script("gpt-5.2", Reply(f"New York.\n{prompt.CITATIONS_MARK}\n" + '{"found": true}'))
    events = list(stream(rp, prepare(rp, "Which state's law applies?", [corpus.ids["ivillage"]])))
    kinds = [type(e) for e in events]
    reset = kinds.index(Reset)
    assert Delta in kinds[:reset] and Delta in kinds[reset:]
    assert kinds[-1] is Answer and events[-1].escalated
    assert "".join(e.text for e in events[reset:] if isinstance(e, Delta)).strip() == "New York."


def test_the_learned_gate_decides_the_escalation_from_the_rag_answer(corpus, fake, embedder):
    """Behind the learned router, a rag answer escalates when the gate's expected gain
    reaches what pays for stuffing, whatever the answer says; and the reason says so."""
    from dataclasses import replace as with_

    from core.embeddings.question_vectors import static_minilm
    from query.routing.model import LearnedRouter, load_route_model

    rp = _online(corpus, fake, embedder, cheap_stuff_max_tokens=500, retrieval_budget=600)
    doc, question = corpus.ids["ivillage"], "Which state's law applies?"
    hedged = "It may be New York law, but the passages seem unclear about it."
    refusal = "The passages do not say."
    shipped = LearnedRouter(load_route_model(), static_minilm(embedder))
    rp.router = shipped
    plan = prepare(rp, question, [doc], prefer="quality").plan
    assert plan.mode == "rag" and plan.escalation.min_gain is not None
    features = plan.escalation.question_features
    gains = {
        text: shipped.escalation_gain(features, text, found)
        for text, found in ((hedged, True), (refusal, False))
    }
    # Value a right answer so that stuffing pays after the more promising answer only.
    high, low = max(gains.values()), min(gains.values())
    assert high > 0 and high - low > 0.01, gains
    need = (high + max(low, 0.0)) / 2
    value = plan.escalation.estimated_cost_usd / need
    pref = with_(shipped.preference("quality"), gate_value_usd=value)
    prefs = dict(shipped.model.preferences, quality=pref)
    rp.router = LearnedRouter(with_(shipped.model, preferences=prefs), shipped.vectors)
    for text, found in ((hedged, True), (refusal, False)):
        fake.script("gpt-4o", Reply(_json(text, found), 900, 20))
        fake.script("gpt-5.2", Reply(_json("New York law governs.", True), 6_000, 30))
        answer = execute(rp, prepare(rp, question, [doc], prefer="quality"))
        expected = gains[text] >= need
        assert answer.escalated == expected, (text, gains)
        assert answer.models_used == (["gpt-4o", "gpt-5.2"] if expected else ["gpt-4o"])
        assert f"expected gain {gains[text]:+.2f}" in answer.route.reason
        assert ("escalated: reading the whole text is worth it" in answer.route.reason) == expected
        assert ("not escalated" in answer.route.reason) == (not expected)
        assert shipped.version in answer.route.reason


# --- citations and reply parsing ----------------------------------------------------------


def test_quotes_are_checked_whitespace_normalised():
    page = "9.  Governing   Law.\nThis Agreement shall be\n  governed by the laws of Ohio."
    assert quote_on_page("This Agreement shall be governed by the laws of Ohio.", page)
    assert quote_on_page("“This Agreement shall be governed … laws of Ohio”", page)
    assert not quote_on_page("governed by the laws of Iowa", page)
    assert not quote_on_page("laws of Ohio ... This Agreement", page)  # pieces out of order
    assert not quote_on_page("   ", page)
    pages = {("d1", 1): page}
    kept, dropped = verify(
        [
            {"document_id": "d1", "page": 1, "quote": "governed by the laws of Ohio"},
            {"document_id": "d1", "page": 2, "quote": "governed by the laws of Ohio"},
            {"document_id": "d2", "page": 1, "quote": "governed by the laws of Ohio"},
            {"document_id": "contract.pdf", "page": 1, "quote": "Governing Law"},
            {"document_id": "d1", "page": 1, "quote": "governed  by the laws of Ohio"},  # dup
        ],
        lambda doc, n: pages.get((doc, n)),
        {"d1": "contract.pdf", "d3": "other.pdf"},
    )
    assert [(c.document_id, c.page, c.quote) for c in kept] == [
        ("d1", 1, "governed by the laws of Ohio"),
        ("d1", 1, "Governing Law"),
    ]
    assert dropped == 2


@pytest.mark.parametrize(
    ("text", "answer", "found", "pages"),
    [
        ('{"answer": "Ohio", "found": true, "citations": [{"document_id": "d", "page": 3, '
         '"quote": "q"}]}', "Ohio", True, [3]),
        ('```json\n{"answer": "Ohio", "found": "yes", "citations": []}\n```', "Ohio", True, []),
        ('Sure! {"answer": "Ohio", "citations": [{"document_id": "d", "page": "p. 7", '
         '"quote": "q"}]} Hope that helps.', "Ohio", True, [7]),
        ('{"answer": "The documents do not say.", "citations": []}',
         "The documents do not say.", False, []),
        ("Ohio law applies.", "Ohio law applies.", True, []),
        ("The documents do not contain the governing law.", None, False, []),
        (f'Ohio.\n{prompt.CITATIONS_MARK}\n{{"found": true, "citations": '
         '[{"document_id": "d", "page": 2, "quote": "q"}]}', "Ohio.", True, [2]),
        (f"Ohio.\n{prompt.CITATIONS_MARK}\nnot json", "Ohio.", True, []),
    ],
)  # fmt: skip
def test_replies_are_parsed_forgivingly(text, answer, found, pages):
    reply = prompt.parse(text)
    assert reply.answer == (answer if answer is not None else text)
    assert reply.found is found
    assert [c["page"] for c in reply.citations] == pages


def _calls(rp, model: str) -> int:
    totals = rp.registry.usage.totals(rp.tenant_id)["by_model"]
    return next((row["calls"] for row in totals if row["model"] == model), 0)


def test_budgets_are_held_by_the_read_path_itself(corpus, fake, embedder):
    """Budgets are held inside query/, so a read path with no HTTP in front of it (the
    CLI's in-process path) is refused like POST /query: before any call, and the hold
    lasts until the answer is in."""
    from core.access.budgets import BudgetExceeded, Budgets
    from core.access.keys import KeyStore

    rp = _online(corpus, fake, embedder)
    keys = KeyStore(corpus.ingestor.registry)
    rp.budgets = Budgets(corpus.ingestor.registry, keys)
    doc = corpus.ids["nyliac"]
    estimate = prepare(rp, GOVERNING_LAW, [doc]).plan.estimated_cost_usd
    assert estimate > 0
    rp.budgets = Budgets(corpus.ingestor.registry, keys)  # nothing held by the probe above
    try:
        keys.set_tenant_budget(rp.tenant_id, 0.0)
        with pytest.raises(BudgetExceeded, match="monthly budget of \\$0.00"):
            prepare(rp, GOVERNING_LAW, [doc])
        assert fake.requests == []  # refused before anything was spent
        # Room for one question's estimate (over what this module's tests spent already):
        # a second one waits until the first is answered.
        spent = corpus.ingestor.registry.usage.spend_since(rp.tenant_id, 0, None)
        keys.set_tenant_budget(rp.tenant_id, spent + estimate * 1.5)
        first = prepare(rp, GOVERNING_LAW, [doc])
        with pytest.raises(BudgetExceeded, match="held by calls running now"):
            prepare(rp, GOVERNING_LAW, [doc])
        for _ in range(2):
            fake.script("gpt-4o", Reply(_json("Massachusetts law.", True), 10, 5))
        assert execute(rp, first).cost_usd < estimate / 2  # in the ledger; the hold is gone
        execute(rp, prepare(rp, GOVERNING_LAW, [doc]))  # so the next one fits again
    finally:
        keys.set_tenant_budget(rp.tenant_id, None)
