"""The learned branch of `routing.plan()` in auto mode: weigh stuffing the long-context
model against retrieval with the router's estimates, and say why in the plan's words;
and, once a `rag` answer is in, whether to escalate it (`escalates`, which answer.py and
the LaRA replay both call).

Kept apart from routing.py so the rules stay readable; it sees the two options only
through their mode and model (duck-typed, no import of routing).
"""

from __future__ import annotations

from dataclasses import dataclass

from query.routing.features import question_type
from query.routing.model import LearnedRouter

# (routing option, list cost in $, input price in $/1M tokens, the model priced: offline,
# the paid one the reader stands in for)
Priced = tuple[object, float, float, str]


@dataclass(frozen=True)
class Pick:
    chosen: object  # the routing option taken
    reason: str
    p_rag_ok: float
    rejected: dict[tuple[str, str], str]  # (mode, model) -> why not
    features: tuple[float, ...] = ()  # the question's, for the escalation gate
    stuff_cost: float = 0.0  # list cost of stuffing the long model, as weighed here


def learned_pick(
    router: LearnedRouter,
    prefer: str,
    question: str,
    question_tokens: int,
    doc_tokens: int,
    n_documents: int,
    stuff: Priced,
    rag: Priced,
) -> Pick:
    """Stuff when the expected value of a better answer beats what stuffing adds.

    Offline the prices are those of the paid models the reader stands in for, so a
    question routes the same with or without a key."""
    (s_opt, s_cost, s_price, stuff_name), (r_opt, r_cost, r_price, _) = stuff, rag
    p_ok, p_better, features = router.estimate(
        question, question_tokens, doc_tokens, n_documents, s_price, r_price
    )
    extra = s_cost - r_cost
    gain = router.stuff_gain(p_ok, p_better, extra, prefer)
    kind = question_type(question).replace("_", " ")
    article = "an" if kind[0] in "aeiou" else "a"
    size = f"{doc_tokens / 1000:,.0f}K tokens" if doc_tokens >= 1000 else f"{doc_tokens} tokens"
    head = f"p(rag ok)={p_ok:.2f} for {article} {kind} question over {size}"
    odds = f"a {1 - p_ok:.0%} chance of a better answer (and {p_better:.0%} of a worse one)"
    tag = f"router {router.version}, prefer {prefer}"
    s_key = (s_opt.mode, s_opt.model.name)  # type: ignore[attr-defined]
    r_key = (r_opt.mode, r_opt.model.name)  # type: ignore[attr-defined]
    if gain <= 0:
        reason = f"rag: {head}; stuffing {stuff_name} would add ${extra:.4f} for {odds} ({tag})"
        why = f"p(rag ok)={p_ok:.2f}: {odds} is not worth ${extra:.4f} more ({tag})"
        return Pick(r_opt, reason, p_ok, {s_key: why}, features, s_cost)
    reason = f"stuff: {head}; {odds} is worth the ${extra:.4f} stuffing {stuff_name} adds ({tag})"
    why = f"p(rag ok)={p_ok:.2f}: retrieval would save ${extra:.4f} but more likely answer worse"
    return Pick(s_opt, reason, p_ok, {r_key: why}, features, s_cost)
