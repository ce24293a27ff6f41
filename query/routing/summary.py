"""The route in one plain sentence, for a person rather than an engineer: what was read,
by what, and what it cost (offline: what a model would have cost). The reason and the
alternatives keep the router's details; the page and `folio ask` put this line first."""

from __future__ import annotations

from query.routing.plan import RoutePlan


def route_summary(route: RoutePlan, escalated: bool, model: str, cost_usd: float) -> str:
    """One sentence: "Read the whole document — no model key, so the answer quotes the
    text; with a key, gpt-4o would cost about $0.012." `model` is the one that answered
    (a fallback's name, or the stuffed model's after an escalation)."""
    n = len(route.document_ids)
    where = "the document" if n == 1 else "both documents" if n == 2 else f"the {n} documents"
    what = "the whole document" if n == 1 else f"{where} whole"
    if escalated:
        how = f"Searched {where}, then read {'it' if n == 1 else 'them'} whole"
    elif route.mode == "stuff":
        how = f"Read {what}"
    else:
        how = f"Searched {where} for the passages that answer the question"
    if route.offline:
        paid = ""
        if route.paid_model and route.paid_cost_usd is not None:
            paid = f"; with a key, {route.paid_model} would cost about {about(route.paid_cost_usd)}"
        return f"{how} — no model key, so the answer quotes the text{paid}."
    calls = " (both calls)" if escalated else ""
    return (
        f"{how} with {model}, for ${cost_usd:.4f}{calls}"
        f" (estimated ${route.estimated_cost_usd:.4f})."
    )


def about(usd: float) -> str:
    """A rough price in two significant figures: $0.012, $0.17, $1.2."""
    if usd <= 0:
        return "$0"
    if usd < 0.0001:
        return "under $0.0001"
    return f"${usd:.2g}"
