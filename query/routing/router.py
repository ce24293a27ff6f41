"""The router: stuff the whole documents or retrieve chunks, decided before anything is spent.

`plan()` is pure. It reads only token counts stored at ingest (never the documents),
the model catalog and a `Policy`, and returns a `RoutePlan` that says which way, with
which model, at what estimated cost, why, and what it rejected (each alternative costed).
It reads in steps: cost the options (options.py), choose one (the learned router,
learned.py; a forced mode or the size and scope rules, rules.py), check the budget, say
why the others lost (alternatives.py), and plan the escalation kept in reserve (decided
after the rag answer, escalation.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from core.llm.catalog import Catalog
from query.routing.alternatives import alternatives
from query.routing.cache import cache_words
from query.routing.latency import over_limit
from query.routing.learned import Pick, learned_pick
from query.routing.model import PREFERENCES, LearnedRouter
from query.routing.options import Option, Options, options
from query.routing.plan import (
    MODES,
    Escalation,
    Policy,
    RouteError,
    RoutePlan,
    SizedDocument,
)
from query.routing.rules import (
    by_rules,
    fastest,
    forced,
    offline_whole,
    question_scope,
    within_latency,
)

OFFLINE_NOTE = "; the offline reader answers because no model key is configured"


def plan(
    question: str,
    documents: Sequence[SizedDocument],
    catalog: Catalog,
    policy: Policy,
    router: LearnedRouter | None = None,
) -> RoutePlan:
    """Choose stuff or rag, and the model, for a question over documents; explain and cost it.

    With a `router` (the learned estimate, loaded by the composition root like the
    catalog), auto mode weighs each affordable way to stuff against retrieval by
    p(rag ok) and `policy.prefer`; without one, the size and scope rules decide."""
    _check_request(policy, documents)
    opts = options(question, documents, catalog, policy)
    scope = question_scope(question, len(documents), policy)
    whole = offline_whole(question, opts, policy)
    pick = None if whole else learned_pick(question, opts, policy, scope, router)
    if whole is not None:
        chosen, reason = whole
    elif pick is not None:
        chosen, reason = pick.chosen, pick.reason
    elif policy.mode in ("stuff", "rag"):
        chosen, reason = forced(opts, policy)
    elif policy.prefer == "fast":
        chosen, reason = fastest(opts, policy)
    else:
        chosen, reason = by_rules(question, opts, policy, scope)
    chosen, reason = within_latency(opts, chosen, reason, policy)
    if chosen.cached_tokens and policy.warm:
        warm = policy.warm[chosen.model.name]
        out = policy.expected_output_tokens
        reason += cache_words(chosen.model, warm, chosen.cached_tokens, chosen.input_tokens, out)
    budget = policy.max_cost_usd
    if budget is not None and chosen.cost > budget:
        raise RouteError(
            f"the cheapest way to answer ({chosen.mode} with {chosen.model.name}) is estimated"
            f" at ${chosen.cost:.4f}, over max_cost_usd ${budget:.4f}"
        )
    paid = chosen.stands_for
    return RoutePlan(
        mode=chosen.mode,
        model=chosen.model.name,
        models=chosen.chain,
        reason=reason + (OFFLINE_NOTE if opts.offline else ""),
        estimated_cost_usd=round(chosen.cost, 6),
        context_tokens=chosen.context_tokens,
        input_tokens=chosen.input_tokens,
        scope=scope,
        offline=opts.offline,
        document_ids=tuple(d.id for d in documents),
        alternatives=alternatives(opts, chosen, pick, policy, scope, catalog),
        escalation=_escalation(opts, chosen, policy, pick, router),
        retrieval_budget=policy.retrieval_budget if chosen.mode == "rag" else 0,
        p_rag_ok=round(pick.p_rag_ok, 4) if pick else None,
        paid_model=paid.name if paid else None,
        paid_cost_usd=(
            round(paid.cost(chosen.input_tokens, policy.expected_output_tokens), 6)
            if paid
            else None
        ),
        estimated_latency_ms=chosen.latency.as_dict(),
        cached_input_tokens=chosen.cached_tokens,
    )


def _check_request(policy: Policy, documents: Sequence[SizedDocument]) -> None:
    if policy.mode not in MODES:
        raise RouteError(f"mode must be one of {', '.join(MODES)}, not {policy.mode!r}")
    if policy.prefer not in (*PREFERENCES, "fast"):
        prefs = ", ".join((*PREFERENCES, "fast"))
        raise RouteError(f"prefer must be one of {prefs}, not {policy.prefer!r}")
    if policy.max_latency_ms is not None and policy.max_latency_ms <= 0:
        raise RouteError("max_latency_ms must be a positive number of milliseconds")
    if not documents:
        raise RouteError("there are no documents to ask: upload one and wait until it is ready")


def _escalation(
    opts: Options, chosen: Option, policy: Policy, pick: Pick | None, router: LearnedRouter | None
) -> Escalation | None:
    """Self-Route in reserve for an auto `rag` plan, if stuffing fits, both calls stay
    within budget and a model would answer (never offline); behind a learned choice only
    where the preference asks for it, and then decided by the router's escalation gate
    where its weights have one."""
    long = opts.stuff_long
    if chosen.mode != "rag" or policy.mode != "auto" or not long.fits:
        return None
    if policy.prefer == "fast" or over_limit(long.latency, policy):
        return None  # a second, longer call is what a request in a hurry cannot wait for
    if opts.offline:
        # The offline reader would answer the re-ask too: it costs nothing and buys no
        # better model, only a second extract; the answer the route chose stands.
        return None
    if policy.max_cost_usd is not None and chosen.cost + long.cost > policy.max_cost_usd:
        return None
    esc = Escalation(long.model.name, long.chain, long.cost, opts.doc_tokens)
    if pick is None or router is None:
        return esc  # the rules decided: Self-Route
    pref = router.preference(policy.prefer)
    if not pref.escalate:
        return None
    if router.model.gate is None:
        return esc
    if pref.gate_value_usd <= 0:
        return None  # a right answer is worth nothing more here: never escalate
    return replace(
        esc, question_features=pick.features, min_gain=pick.stuff_cost / pref.gate_value_usd
    )
