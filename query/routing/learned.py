"""The learned branch of `plan()` in auto mode: where the learned router decides, and its
choice — stuff the long-context model or retrieve — weighed by its estimates and said in
the plan's words.

Offline the prices weighed are those of the paid models the reader stands in for, so a
question routes the same with or without a key.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.llm.catalog import ModelSpec
from query.routing.features import QuestionFacts, question_type
from query.routing.model import LearnedRouter
from query.routing.options import Option, Options
from query.routing.plan import Policy
from query.routing.rules import WHOLE_TEXT


@dataclass(frozen=True)
class Priced:
    """An option as the learned router weighs it: its list cost, and the input price and
    name of the model priced (offline: the paid one the reader stands in for)."""

    option: Option
    cost: float
    price: float
    name: str


@dataclass(frozen=True)
class Pick:
    chosen: Option
    reason: str
    p_rag_ok: float
    rejected: dict[tuple[str, str], str]  # (mode, model) -> why not
    features: tuple[float, ...] = ()  # the question's, for the escalation gate
    stuff_cost: float = 0.0  # list cost of stuffing the long model, as weighed here


def learned_pick(
    question: str, opts: Options, policy: Policy, scope: str, router: LearnedRouter | None
) -> Pick | None:
    """The learned router's choice where it decides, else None: auto mode, a local
    question or a comparison within one document (any question where cost is preferred:
    LaRA, which it learned from, asks few about the whole text), a document bigger than
    the retrieval budget, and stuffing the long model affordable."""
    if router is None or not _decides(question, opts, policy, scope):
        return None
    stuff = _priced(opts.stuff_long, opts.shape_long, opts, policy)
    rag = _priced(opts.rag, opts.shape_cheap, opts, policy)
    facts = QuestionFacts(
        question, opts.question_tokens, opts.doc_tokens, opts.n_documents, stuff.price, rag.price
    )
    return weigh(router, policy.prefer, facts, stuff, rag, opts.offline)


def weigh(
    router: LearnedRouter,
    prefer: str,
    facts: QuestionFacts,
    stuff: Priced,
    rag: Priced,
    offline: bool = False,
) -> Pick:
    """Stuff when the expected value of a better answer beats what stuffing adds.
    Offline the prices weighed are the paid models', so the words say "with a key": the
    reader itself costs nothing either way."""
    p_ok, p_better, features = router.estimate(facts)
    extra = stuff.cost - rag.cost
    gain = router.stuff_gain(p_ok, p_better, extra, prefer)
    kind = question_type(facts.question).replace("_", " ")
    article = "an" if kind[0] in "aeiou" else "a"
    n = facts.doc_tokens
    size = f"{n / 1000:,.0f}K tokens" if n >= 1000 else f"{n} tokens"
    head = f"p(rag ok)={p_ok:.2f} for {article} {kind} question over {size}"
    odds = f"a {1 - p_ok:.0%} chance of a better answer (and {p_better:.0%} of a worse one)"
    tag = f"router {router.version}, prefer {prefer}"
    s_key = (stuff.option.mode, stuff.option.model.name)
    r_key = (rag.option.mode, rag.option.model.name)
    key = " with a key" if offline else ""
    if gain <= 0:
        reason = (
            f"rag: {head}; stuffing {stuff.name} would add ${extra:.4f}{key} for {odds} ({tag})"
        )
        why = f"p(rag ok)={p_ok:.2f}: {odds} is not worth ${extra:.4f} more{key} ({tag})"
        return Pick(rag.option, reason, p_ok, {s_key: why}, features, stuff.cost)
    reason = (
        f"stuff: {head}; {odds} is worth the ${extra:.4f} stuffing {stuff.name} adds{key} ({tag})"
    )
    why = (
        f"p(rag ok)={p_ok:.2f}: retrieval would save ${extra:.4f}{key} but more likely answer worse"
    )
    return Pick(stuff.option, reason, p_ok, {r_key: why}, features, stuff.cost)


def _decides(question: str, opts: Options, policy: Policy, scope: str) -> bool:
    if policy.mode != "auto" or opts.rag.missing or policy.prefer == "fast":
        return False
    one_comparison = opts.n_documents == 1 and not WHOLE_TEXT.search(question)
    if scope != "local" and policy.prefer != "cost" and not one_comparison:
        return False
    if opts.small and opts.doc_tokens <= policy.retrieval_budget:
        return False  # read whole either way
    long = opts.stuff_long
    affordable = policy.max_cost_usd is None or long.cost <= policy.max_cost_usd
    return long.fits and not long.missing and affordable


def _priced(opt: Option, shape: ModelSpec | None, opts: Options, policy: Policy) -> Priced:
    if opts.offline and shape:
        cost = shape.cost(opt.input_tokens, policy.expected_output_tokens)
        return Priced(opt, cost, shape.price.input, shape.name)
    # A warm prompt cache makes stuffing cheaper, and the router weighs what it would pay.
    return Priced(opt, opt.cost, opt.model.price.input, opt.model.name)
