"""The router as a table: sizes x question kinds x budgets x forced modes, on the real catalog."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from core.llm.catalog import load_catalog
from core.text.tokens import count_tokens
from query.routing.features import QuestionFacts
from query.routing.plan import Policy, RouteError
from query.routing.router import plan, question_scope

LOCAL_Q = "What is the governing law of this agreement?"
OTHER_Q = "What does the supplier deliver?"  # no kind of question the reader knows
NAMED_Q = "What does the agreement say about revenue sharing?"  # a clause, by what people call it
GLOBAL_Q = "Summarise the termination rights of each party."
ALL_PAID = None  # Policy.available=None: every model usable
OFFLINE = frozenset()  # no key: nothing but the offline reader


@dataclass
class Doc:
    id: str
    pages: int
    tokens: int


def docs(*sizes: int, pages_per_doc: int = 10) -> list[Doc]:
    return [Doc(f"doc-{i}", pages_per_doc, n) for i, n in enumerate(sizes)]


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


# question, documents, policy -> mode, model, escalation model (None: no escalation)
TABLE = [
    # small: the cheap model reads everything, whatever the question
    (LOCAL_Q, docs(1_400), Policy(), "stuff", "gpt-4o", None),
    (GLOBAL_Q, docs(1_400), Policy(), "stuff", "gpt-4o", None),
    (GLOBAL_Q, docs(20_000), Policy(), "stuff", "gpt-4o", None),
    # mid-size: local questions retrieve (and may escalate), global ones stuff the long model
    (LOCAL_Q, docs(90_000), Policy(), "rag", "gpt-4o", "gpt-5.2"),
    (GLOBAL_Q, docs(90_000), Policy(), "stuff", "gpt-5.2", None),
    ("Compare the payment terms.", docs(60_000, 60_000), Policy(), "stuff", "gpt-5.2", None),
    # many documents make any question global
    (LOCAL_Q, docs(15_000, 15_000, 15_000, 15_000), Policy(), "stuff", "gpt-5.2", None),
    # over 400K: retrieval, and nothing to escalate to
    (GLOBAL_Q, docs(500_000), Policy(), "rag", "gpt-4o", None),
    (LOCAL_Q, docs(250_000, 250_000), Policy(), "rag", "gpt-4o", None),
    # budgets: stuffing over max_cost_usd retrieves; escalation only if both calls fit
    (GLOBAL_Q, docs(90_000), Policy(max_cost_usd=0.05), "rag", "gpt-4o", None),
    (LOCAL_Q, docs(90_000), Policy(max_cost_usd=0.05), "rag", "gpt-4o", None),
    (LOCAL_Q, docs(90_000), Policy(max_cost_usd=1.0), "rag", "gpt-4o", "gpt-5.2"),
    (LOCAL_Q, docs(20_000), Policy(max_cost_usd=0.02), "rag", "gpt-4o", None),
    # forced modes (a forced rag is never escalated: the caller asked for retrieval)
    (LOCAL_Q, docs(1_400), Policy(mode="rag"), "rag", "gpt-4o", None),
    (LOCAL_Q, docs(90_000), Policy(mode="stuff"), "stuff", "gpt-5.2", None),
    (GLOBAL_Q, docs(90_000), Policy(mode="rag"), "rag", "gpt-4o", None),  # forced: no escalation
    (LOCAL_Q, docs(10_000), Policy(mode="stuff"), "stuff", "gpt-4o", None),
    # a lower ceiling for cheap stuffing sends a small document to retrieval
    (LOCAL_Q, docs(20_000), Policy(cheap_stuff_max_tokens=10_000), "rag", "gpt-4o", "gpt-5.2"),
    # offline: the same shape, answered by the offline reader; never escalated (the reader
    # would answer the re-ask too: it would cost nothing and buy no better model)
    (LOCAL_Q, docs(1_400), Policy(available=OFFLINE), "stuff", "offline-reader", None),
    (GLOBAL_Q, docs(90_000), Policy(available=OFFLINE), "stuff", "offline-reader", None),
    # Offline, a question the reader knows reads whole what fits; any other retrieves.
    (LOCAL_Q, docs(90_000), Policy(available=OFFLINE), "stuff", "offline-reader", None),
    (OTHER_Q, docs(90_000), Policy(available=OFFLINE), "rag", "offline-reader", None),
    (GLOBAL_Q, docs(500_000), Policy(available=OFFLINE), "rag", "offline-reader", None),
    # only the long-context model has a key: it reads the retrieved passages too
    (LOCAL_Q, docs(90_000), Policy(available=frozenset({"gpt-5.2"})), "rag", "gpt-5.2", "gpt-5.2"),
    # offline, a clause named as people call it ("revenue sharing") is known too
    (NAMED_Q, docs(90_000), Policy(available=OFFLINE), "stuff", "offline-reader", None),
]


@pytest.mark.parametrize(("question", "documents", "policy", "mode", "model", "escalate"), TABLE)
def test_route_table(catalog, question, documents, policy, mode, model, escalate):
    route = plan(question, documents, catalog, policy)
    assert (route.mode, route.model) == (mode, model), route.reason
    assert (route.escalation.model if route.escalation else None) == escalate
    assert route.reason and route.alternatives
    assert route.offline == (policy.available == OFFLINE)
    assert route.document_ids == tuple(d.id for d in documents)
    for alt in route.alternatives:
        assert alt.rejected_because
        assert (alt.mode, alt.model) != (route.mode, route.model)
    if policy.max_cost_usd is not None:
        assert route.estimated_cost_usd <= policy.max_cost_usd
        if route.escalation:
            total = route.estimated_cost_usd + route.escalation.estimated_cost_usd
            assert total <= policy.max_cost_usd


def test_estimate_is_the_catalog_price_of_the_planned_tokens(catalog):
    documents = docs(90_000)
    policy = Policy()
    route = plan(GLOBAL_Q, documents, catalog, policy)
    expected_input = (
        90_000 + 10 * policy.page_marker_tokens + policy.prompt_tokens + count_tokens(GLOBAL_Q)
    )
    assert route.input_tokens == expected_input
    spec = catalog.get("gpt-5.2")
    assert route.estimated_cost_usd == pytest.approx(
        spec.cost(expected_input, policy.expected_output_tokens), abs=1e-6
    )
    # about 0.17 $ = 90K input at 1.75 $/M plus 400 output tokens at 14 $/M
    assert 0.16 < route.estimated_cost_usd < 0.17
    rag = next(a for a in route.alternatives if a.mode == "rag")
    assert rag.model == "gpt-4o" and rag.estimated_cost_usd < route.estimated_cost_usd / 5
    assert "whole text" in rag.rejected_because


def test_window_boundary_is_exact(catalog):
    policy = Policy(mode="stuff")
    overhead = policy.page_marker_tokens + policy.prompt_tokens + count_tokens(GLOBAL_Q)
    fits = 400_000 - policy.output_reserve - overhead
    route = plan(GLOBAL_Q, docs(fits, pages_per_doc=1), catalog, policy)
    assert (route.mode, route.model, route.context_tokens) == ("stuff", "gpt-5.2", fits)
    with pytest.raises(RouteError) as err:
        plan(GLOBAL_Q, docs(fits + 1, pages_per_doc=1), catalog, policy)
    message = str(err.value)
    assert "400,001 tokens" in message and "400,000-token window of gpt-5.2" in message


def test_forced_stuff_that_cannot_fit_says_how_much_against_what(catalog):
    with pytest.raises(RouteError) as err:
        plan(LOCAL_Q, docs(300_000, 300_000), catalog, Policy(mode="stuff"))
    message = str(err.value)
    assert "600,000 tokens" in message and "400,000-token window of gpt-5.2" in message
    assert "rag" in message
    # offline too: the shape of the decision does not depend on having a key
    with pytest.raises(RouteError):
        plan(LOCAL_Q, docs(600_000), catalog, Policy(mode="stuff", available=OFFLINE))


def test_budget_too_small_for_any_route(catalog):
    with pytest.raises(RouteError, match="over max_cost_usd"):
        plan(LOCAL_Q, docs(90_000), catalog, Policy(max_cost_usd=0.0001))
    # offline answers cost nothing, so no budget refuses them
    route = plan(LOCAL_Q, docs(90_000), catalog, Policy(max_cost_usd=0.0, available=OFFLINE))
    assert route.estimated_cost_usd == 0


def test_reasons_read_as_explanations(catalog):
    small = plan(LOCAL_Q, docs(1_400), catalog, Policy())
    assert "fits gpt-4o's 128,000-token window" in small.reason
    assert "no retrieval" in small.reason
    big = plan(GLOBAL_Q, docs(500_000), catalog, Policy())
    assert "too large to stuff" in big.reason
    assert any("400,000-token window" in a.rejected_because for a in big.alternatives)
    local = plan(LOCAL_Q, docs(90_000), catalog, Policy())
    assert "local question" in local.reason
    stuffs = [a for a in local.alternatives if a.mode == "stuff"]
    assert {a.model for a in stuffs} == {"gpt-4o", "gpt-5.2"}
    assert all("cheaper" in a.rejected_because for a in stuffs)
    budget = plan(GLOBAL_Q, docs(90_000), catalog, Policy(max_cost_usd=0.05))
    assert "max_cost_usd" in budget.reason
    glob = plan(GLOBAL_Q, docs(90_000), catalog, Policy())
    assert "'summarise'" in glob.reason


def test_offline_plans_say_why_and_show_what_a_key_would_cost(catalog):
    route = plan(GLOBAL_Q, docs(90_000), catalog, Policy(available=OFFLINE))
    assert "no model key is configured" in route.reason
    assert route.estimated_cost_usd == 0
    paid = {a.model: a for a in route.alternatives if a.model != "offline-reader"}
    assert set(paid) == {"gpt-5.2", "gpt-4o"}
    assert all(a.estimated_cost_usd > 0 for a in paid.values())
    assert all("FOLIO_OPENAI_API_KEY" in a.rejected_because for a in paid.values())
    # The paid model each offline route stands in for, priced as it would be with a key.
    assert route.paid_model == "gpt-5.2"
    assert route.paid_cost_usd == pytest.approx(paid["gpt-5.2"].estimated_cost_usd)
    small = plan(LOCAL_Q, docs(1_400), catalog, Policy(available=OFFLINE))
    assert (small.mode, small.paid_model) == ("stuff", "gpt-4o")  # the cheap one reads it
    price = catalog.get("gpt-4o").cost(small.input_tokens, Policy().expected_output_tokens)
    assert small.paid_cost_usd == pytest.approx(price, abs=1e-6) and price > 0
    online = plan(LOCAL_Q, docs(1_400), catalog, Policy())
    assert (online.paid_model, online.paid_cost_usd) == (None, None)
    assert online.estimated_cost_usd == pytest.approx(small.paid_cost_usd, abs=1e-6)


def test_fallback_chain_keeps_only_models_whose_window_fits(catalog):
    big = plan(GLOBAL_Q, docs(250_000), catalog, Policy())
    assert big.models == ("gpt-5.2",)  # claude-3.7's 200K window cannot take it
    mid = plan(GLOBAL_Q, docs(150_000), catalog, Policy())
    assert mid.models == ("gpt-5.2", "claude-3.7")
    rag = plan(LOCAL_Q, docs(90_000), catalog, Policy())
    assert rag.models == ("gpt-4o", "llama-4", "claude-3.7")


@pytest.mark.parametrize(
    ("question", "n", "scope"),
    [
        ("What is the governing law?", 1, "local"),
        ("Who may terminate for convenience?", 1, "local"),
        ("Summarize the agreement", 1, "global"),
        ("List all obligations of the supplier", 1, "global"),
        ("Compare the indemnities", 2, "global"),
        ("Is every party bound by the non-compete?", 1, "global"),
        ("How is confidentiality treated throughout?", 1, "global"),
        ("What is the notice period?", 4, "global"),
    ],
)
def test_question_scope(question, n, scope):
    assert question_scope(question, n, Policy()) == scope


def test_bad_mode_and_no_documents(catalog):
    with pytest.raises(RouteError, match="mode must be one of"):
        plan(LOCAL_Q, docs(10), catalog, Policy(mode="fast"))
    with pytest.raises(RouteError, match="no documents"):
        plan(LOCAL_Q, [], catalog, Policy())


# --- the learned router (query/routing/route_model.json), as /query and `folio ask` use it -----


@pytest.fixture(scope="module")
def router(embedder):
    from core.embeddings.question_vectors import static_minilm
    from query.routing.model import LearnedRouter, load_route_model

    return LearnedRouter(load_route_model(), static_minilm(embedder))


# Where the learned router rightly differs from TABLE, and why (index into TABLE -> outcome).
LEARNED_DIFFERS = {
    # A local question over mid-size documents: the rules always retrieve, and escalate
    # every refusal. The learned router weighs p(rag ok) against what stuffing gpt-5.2
    # adds, and when it retrieves, its escalation gate decides after the rag answer
    # (not every refusal: on LaRA a rag refusal is the right answer to a quarter of the
    # questions, and escalating all of them lost accuracy; ROUTING.md).
    3: "learned",
    11: "learned",
    17: "learned",
    21: "learned",
    23: "learned",
}


@pytest.mark.parametrize("i", range(len(TABLE)))
def test_route_table_with_the_learned_router(catalog, router, i):
    question, documents, policy, mode, model, escalate = TABLE[i]
    route = plan(question, documents, catalog, policy, router)
    if i not in LEARNED_DIFFERS:
        # small documents, global questions, forced modes, budgets and windows: the rules
        assert (route.mode, route.model) == (mode, model), route.reason
        assert (route.escalation.model if route.escalation else None) == escalate
        return
    assert "p(rag ok)=" in route.reason and router.version in route.reason
    assert route.p_rag_ok is not None
    expected_rag = route.mode == "rag"
    p, better, features = router.estimate(
        QuestionFacts(
            question,
            count_tokens(question),
            sum(d.tokens for d in documents),
            len(documents),
            catalog.get("gpt-5.2").price.input,
            catalog.get("gpt-5.2" if model == "gpt-5.2" else "gpt-4o").price.input,
        )
    )
    assert route.p_rag_ok == pytest.approx(p, abs=1e-4)
    stuffs = [a for a in route.alternatives if a.mode == "stuff" and a.model == "gpt-5.2"]
    if expected_rag and not route.offline:  # offline, the paid ones are rejected for no key
        assert any("p(rag ok)" in a.rejected_because for a in stuffs)
    if route.mode == "stuff":
        assert route.escalation is None
        return
    if route.offline:
        # Priced as the paid models the reader stands in for: the same choice as with a
        # key, in words that say so (the reader costs $0 either way). No escalation: the
        # reader would answer the re-ask too, so it would cost nothing and decide nothing.
        online = plan(question, documents, catalog, replace(policy, available=None), router)
        assert (route.mode, route.p_rag_ok) == (online.mode, online.p_rag_ok)
        assert route.escalation is None and online.escalation is not None
        assert "stuffing gpt-5.2 would add" in route.reason  # the price it weighed, named
        assert "with a key" in route.reason and "with a key" not in online.reason
        weighed = [a for a in route.alternatives if "p(rag ok)" in a.rejected_because]
        assert weighed and all("more with a key" in a.rejected_because for a in weighed)
        return
    # rag, with the same escalation in reserve as the rules, decided by the gate: it reads
    # the question's features again, and needs the gain that pays for stuffing
    assert route.escalation.model == escalate
    assert route.escalation.question_features == features
    value = router.preference("balanced").gate_value_usd
    stuff_cost = route.escalation.estimated_cost_usd
    assert route.escalation.min_gain == pytest.approx(stuff_cost / value, rel=1e-6)


def test_a_comparison_within_one_document_is_the_learned_routers(catalog, router):
    """LaRA asks many comparisons within one document ("how did X change compared to
    ..."), so there the learned router decides; across documents, and for questions about
    the whole text, the rules still stuff."""
    question = "How did revenue change compared to the prior year?"
    one = plan(question, docs(90_000), catalog, Policy(), router)
    assert one.scope == "global" and one.p_rag_ok is not None
    assert plan(question, docs(90_000), catalog, Policy()).mode == "stuff"  # no router
    two = plan(question, docs(60_000, 60_000), catalog, Policy(), router)
    assert (two.mode, two.p_rag_ok) == ("stuff", None)
    whole = plan(GLOBAL_Q, docs(90_000), catalog, Policy(), router)
    assert (whole.mode, whole.p_rag_ok) == ("stuff", None)


def test_preference_moves_the_choice_the_right_way(catalog, router):
    documents = docs(60_000)
    cost = plan(LOCAL_Q, documents, catalog, Policy(prefer="cost"), router)
    quality = plan(LOCAL_Q, documents, catalog, Policy(prefer="quality"), router)
    assert cost.mode == "rag" and "prefer cost" in cost.reason
    assert quality.estimated_cost_usd >= cost.estimated_cost_usd
    with pytest.raises(RouteError, match="prefer must be one of"):
        plan(LOCAL_Q, documents, catalog, Policy(prefer="cheapest"), router)
