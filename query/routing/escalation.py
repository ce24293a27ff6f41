"""After a `rag` answer: re-ask it stuffed? Decided here once, for the answer path and
the LaRA replay alike.

Without a gate in the plan's escalation (the rules, or weights without one) this is
Self-Route: escalate when the model says the passages lack the answer. With the learned
router's gate, escalate when the expected gain of reading the whole text pays for it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from query.routing.model import LearnedRouter
from query.routing.plan import Escalation, RouteError, RoutePlan

ESCALATION_NOTE = "the retrieved passages did not contain the answer, so the whole text was read"


@dataclass(frozen=True)
class Verdict:
    """What follows a rag answer: `route` is the plan the answer ends with (its reason
    says why, either way; escalated, it is the stuffed plan costing both calls), and
    `stuffed` the second call's own plan when there is one."""

    escalate: bool
    why: str
    route: RoutePlan
    stuffed: RoutePlan | None = None


def after_rag(router: LearnedRouter | None, route: RoutePlan, answer: str, found: bool) -> Verdict:
    """The verdict on a `route`'s first answer: escalate only a rag plan that keeps an
    escalation in reserve, when `escalates` says so."""
    if route.mode != "rag" or route.escalation is None:
        return Verdict(False, "", route)
    go, why = escalates(router, route.escalation, answer, found)
    if not go:
        said = replace(route, reason=f"{route.reason}; {why}") if why else route
        return Verdict(False, why, said)
    stuffed = stuff_plan(route)
    both = replace(
        stuffed,
        reason=f"{route.reason}; escalated: {why}",
        estimated_cost_usd=round(route.estimated_cost_usd + stuffed.estimated_cost_usd, 6),
    )
    return Verdict(True, why, both, stuffed)


def escalates(
    router: LearnedRouter | None, escalation: Escalation, answer: str, found: bool
) -> tuple[bool, str]:
    """After a `rag` answer: stuff as well? And why, in words for the route's reason
    ("" when there is nothing to say: Self-Route that did not escalate).

    Without a gate in the plan's escalation (the rules, or weights without one) this is
    Self-Route: escalate when the model says the passages lack the answer (`found`
    false). With one, escalate when the expected gain of reading the whole text reaches
    what pays for it; the gate reads a refusal in the answer's words as well."""
    features, min_gain = escalation.question_features, escalation.min_gain
    gain = None
    if router is not None and features is not None and min_gain is not None:
        gain = router.escalation_gain(features, answer, found)
    if gain is None:
        return (True, ESCALATION_NOTE) if not found else (False, "")
    verdict = f"expected gain {gain:+.2f} in accuracy, {min_gain:.2f} pays for it"
    if gain >= min_gain:
        return True, f"reading the whole text is worth it ({verdict}; router {router.version})"
    return False, f"not escalated ({verdict}; router {router.version})"


def stuff_plan(route: RoutePlan) -> RoutePlan:
    """The plan a Self-Route escalation runs: stuff with the long-context model."""
    esc = route.escalation
    if esc is None:
        raise RouteError("this plan has no escalation")
    return replace(
        route,
        mode="stuff",
        model=esc.model,
        models=esc.models,
        estimated_cost_usd=esc.estimated_cost_usd,
        context_tokens=esc.context_tokens,
        escalation=None,
        retrieval_budget=0,
    )
