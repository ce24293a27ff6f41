"""The learned branch of `routing.plan()` in auto mode: weigh stuffing the long-context
model against retrieval with the router's estimates, and say why in the plan's words.

Kept apart from routing.py so the rules stay readable; it sees the two options only
through their mode and model (duck-typed, no import of routing).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.route_features import question_type
from core.route_model import LearnedRouter

# (routing option, list cost in $, input price in $/1M tokens)
Priced = tuple[object, float, float]


@dataclass(frozen=True)
class Pick:
    chosen: object  # the routing option taken
    reason: str
    p_rag_ok: float
    rejected: dict[tuple[str, str], str]  # (mode, model) -> why not


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
    (s_opt, s_cost, s_price), (r_opt, r_cost, r_price) = stuff, rag
    p_ok, p_better = router.estimate(
        question, question_tokens, doc_tokens, n_documents, s_price, r_price
    )
    extra = s_cost - r_cost
    gain = router.stuff_gain(p_ok, p_better, extra, prefer)
    kind = question_type(question).replace("_", " ")
    article = "an" if kind[0] in "aeiou" else "a"
    size = f"{doc_tokens / 1000:,.0f}K tokens" if doc_tokens >= 1000 else f"{doc_tokens} tokens"
    stuff_name = s_opt.model.name  # type: ignore[attr-defined]
    head = f"p(rag ok)={p_ok:.2f} for {article} {kind} question over {size}"
    odds = f"a {1 - p_ok:.0%} chance of a better answer (and {p_better:.0%} of a worse one)"
    tag = f"router {router.version}, prefer {prefer}"
    s_key = (s_opt.mode, stuff_name)  # type: ignore[attr-defined]
    r_key = (r_opt.mode, r_opt.model.name)  # type: ignore[attr-defined]
    if gain <= 0:
        reason = f"rag: {head}; stuffing {stuff_name} would add ${extra:.4f} for {odds} ({tag})"
        why = f"p(rag ok)={p_ok:.2f}: {odds} is not worth ${extra:.4f} more ({tag})"
        return Pick(r_opt, reason, p_ok, {s_key: why})
    reason = f"stuff: {head}; {odds} is worth the ${extra:.4f} stuffing {stuff_name} adds ({tag})"
    why = f"p(rag ok)={p_ok:.2f}: retrieval would save ${extra:.4f} but more likely answer worse"
    return Pick(s_opt, reason, p_ok, {r_key: why})
