"""The learned branch of `routing.plan()` in auto mode: weigh each affordable way to stuff
against retrieval with the router's p(rag ok), and say why in the plan's words.

Kept apart from routing.py so the rules stay readable; it sees the router's options
only through their mode, model, cost and fit (duck-typed, no import of routing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.route_model import LearnedRouter, question_type


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
    stuffs: Sequence[tuple[object, float, float]],
    rag: tuple[object, float, float],
) -> Pick | None:
    """The option with the largest expected gain over `rag`, or rag itself; None if no
    stuff option is usable (the rules then say why: too large, over budget, no key).

    Each option comes as (option, list cost, input price $/1M); offline the prices are the
    paid models' the reader stands in for, so a question routes the same with or without
    a key."""
    rag_opt, rag_cost, rag_price = rag
    best, best_gain, seen = None, 0.0, set()
    ps: list[tuple[object, float, float]] = []
    for opt, cost, price in stuffs:
        if opt.model.name in seen:  # type: ignore[attr-defined]
            continue
        seen.add(opt.model.name)  # type: ignore[attr-defined]
        p, better = router.p_rag_ok(
            question, question_tokens, doc_tokens, n_documents, price, rag_price
        )
        ps.append((opt, p, cost - rag_cost))
        gain = router.stuff_gain(p, better, cost - rag_cost, prefer)
        if gain > best_gain:
            best, best_gain = opt, gain
    if not ps:
        return None
    kind = question_type(question).replace("_", " ")
    size = f"{doc_tokens / 1000:,.0f}K tokens" if doc_tokens >= 1000 else f"{doc_tokens} tokens"
    tag = f"router {router.version}, prefer {prefer}"
    rejected: dict[tuple[str, str], str] = {}
    if best is None:
        opt, p, extra = min(ps, key=lambda t: t[1])
        reason = (
            f"rag: p(rag ok)={p:.2f} for a {kind} question over {size}; stuffing"
            f" {opt.model.name} would add ${extra:.4f} for a {1 - p:.0%} chance of a better"
            f" answer ({tag})"
        )  # type: ignore[attr-defined]
        for o, po, extra_o in ps:
            rejected[(o.mode, o.model.name)] = (  # type: ignore[attr-defined]
                f"p(rag ok)={po:.2f}: a {1 - po:.0%} chance of a better answer is not worth"
                f" ${extra_o:.4f} more ({tag})"
            )
        return Pick(rag_opt, reason, p, rejected)
    p = next(po for o, po, _ in ps if o is best)
    extra = next(e for o, _, e in ps if o is best)
    reason = (
        f"stuff: p(rag ok)={p:.2f} for a {kind} question over {size}; a {1 - p:.0%} chance"
        f" of a better answer is worth the ${extra:.4f} stuffing {best.model.name} adds ({tag})"
    )  # type: ignore[attr-defined]
    rejected[(rag_opt.mode, rag_opt.model.name)] = (  # type: ignore[attr-defined]
        f"p(rag ok)={p:.2f}: retrieval would save ${extra:.4f} but more likely answer worse"
    )
    for o, po, _ in ps:
        if o is not best:
            rejected[(o.mode, o.model.name)] = (  # type: ignore[attr-defined]
                f"p(rag ok)={po:.2f} against it; {best.model.name} is the better bet"  # type: ignore[attr-defined]
            )
    return Pick(best, reason, p, rejected)
