"""The router: stuff the whole documents or retrieve chunks, decided before anything is spent.

`plan()` is pure. It reads only token counts stored at ingest (never the documents),
the model catalog and a `Policy`, and returns a `RoutePlan` that says which way, with
which model, at what estimated cost, why, and what it rejected (each alternative costed).
It reads in steps: cost the options, choose one (the learned router, a forced mode, or
the size and scope rules), check the budget, say why the others lost, and plan the
Self-Route escalation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from core.llm.catalog import Catalog, ModelSpec
from query.routing.alternatives import alternatives
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

# Words that make a question about the whole text rather than one place in it.
_WHOLE = (
    r"summari[sz]\w*|summary|overview|outline|list\s+(all|every|each)|all\s+(the\s+)?\w+s\b"
    r"|every|each\s+party|throughout|entire|whole|overall|across|all\s+of"
)
# Comparisons are global too, but within one document LaRA asks many (its `comp` task,
# and "how did X change compared to ..." questions), so there the learned router decides.
_COMPARE = r"compar\w*|contrast|differences?"
_GLOBAL = re.compile(rf"\b({_WHOLE}|{_COMPARE})\b", re.IGNORECASE)
_WHOLE_TEXT = re.compile(rf"\b({_WHOLE})\b", re.IGNORECASE)
OFFLINE_NOTE = "; the offline reader answers because no model key is configured"


def question_scope(question: str, n_documents: int, policy: Policy) -> str:
    """'global' for questions about the whole text (or many documents), else 'local'."""
    if n_documents >= policy.many_documents or _GLOBAL.search(question):
        return "global"
    return "local"


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
    pick = _learned(question, opts, policy, scope, router)
    if pick is not None:
        chosen, reason = pick.chosen, pick.reason
    elif policy.mode in ("stuff", "rag"):
        chosen, reason = _forced(opts, policy)
    else:
        chosen, reason = _by_rules(question, opts, policy, scope)
    budget = policy.max_cost_usd
    if budget is not None and chosen.cost > budget:
        raise RouteError(
            f"the cheapest way to answer ({chosen.mode} with {chosen.model.name}) is estimated"
            f" at ${chosen.cost:.4f}, over max_cost_usd ${budget:.4f}"
        )
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
    )


def _check_request(policy: Policy, documents: Sequence[SizedDocument]) -> None:
    if policy.mode not in MODES:
        raise RouteError(f"mode must be one of {', '.join(MODES)}, not {policy.mode!r}")
    if policy.prefer not in PREFERENCES:
        raise RouteError(f"prefer must be one of {', '.join(PREFERENCES)}, not {policy.prefer!r}")
    if not documents:
        raise RouteError("there are no documents to ask: upload one and wait until it is ready")


def _learned(
    question: str, opts: Options, policy: Policy, scope: str, router: LearnedRouter | None
) -> Pick | None:
    """The learned router's choice, where it decides: auto mode, a local question or a
    comparison within one document (any question where cost is preferred: LaRA, which
    it learned from, asks few about the whole text), a document bigger than the
    retrieval budget, and stuffing the long model affordable."""
    if router is None or policy.mode != "auto" or opts.rag.missing:
        return None
    one_comparison = opts.n_documents == 1 and not _WHOLE_TEXT.search(question)
    if scope != "local" and policy.prefer != "cost" and not one_comparison:
        return None
    if opts.small and opts.doc_tokens <= policy.retrieval_budget:
        return None  # read whole either way
    long = opts.stuff_long
    affordable = policy.max_cost_usd is None or long.cost <= policy.max_cost_usd
    if not (long.fits and not long.missing and affordable):
        return None

    def priced(opt: Option, shape: ModelSpec | None) -> tuple[Option, float, float, str]:
        spec = shape if opts.offline and shape else opt.model
        cost = spec.cost(opt.input_tokens, policy.expected_output_tokens)
        return opt, cost, spec.price.input, spec.name

    return learned_pick(
        router,
        policy.prefer,
        question,
        opts.question_tokens,
        opts.doc_tokens,
        opts.n_documents,
        priced(long, opts.shape_long),
        priced(opts.rag, opts.shape_cheap),
    )


def _forced(opts: Options, policy: Policy) -> tuple[Option, str]:
    """mode 'stuff' or 'rag', as requested, or a RouteError saying why it cannot work."""
    if policy.mode == "rag":
        rag = opts.rag
        return (
            rag,
            f"rag was requested; the most relevant {rag.context_tokens:,} tokens are retrieved",
        )
    chosen = opts.stuff_cheap if opts.small else opts.stuff_long
    if chosen.missing:
        raise RouteError(f"cannot stuff: {chosen.missing}")
    if not chosen.fits:
        limit = opts.shape_long if opts.offline else opts.stuff_long.model
        needs = "needs" if opts.n_documents == 1 else "need"
        raise RouteError(
            f"cannot stuff: {opts.subject} {needs} {opts.stuff_long.needed:,} tokens with the"
            f" prompt and a {policy.output_reserve:,}-token answer reserve, over the"
            f" {limit.context_window:,}-token window of {limit.name}; ask with mode 'rag'"
        )
    window = opts.window(chosen, opts.shape_long)
    return chosen, f"stuff was requested; {opts.subject} {opts.verb} {window}"


def _by_rules(question: str, opts: Options, policy: Policy, scope: str) -> tuple[Option, str]:
    """Auto mode without the learned router: small documents are read whole by the cheap
    model, a global question is stuffed into the long one, anything else retrieves."""
    budget, n = policy.max_cost_usd, opts.n_documents
    cheap, long, rag = opts.stuff_cheap, opts.stuff_long, opts.rag
    if opts.small and (budget is None or cheap.cost <= budget):
        price = "" if opts.offline else f" for about ${cheap.cost:.4f}"
        return cheap, (
            f"{opts.subject} {opts.verb} {opts.window(cheap, opts.shape_cheap)}{price},"
            f" so {'it is' if n == 1 else 'they are'} read whole; no retrieval needed"
        )
    if scope == "global" and long.fits and (budget is None or long.cost <= budget):
        return long, (
            f"{_scope_words(question, n)}, and {opts.subject} {opts.verb}"
            f" {opts.window(long, opts.shape_long)}, so everything is read"
        )
    if scope == "global" and long.missing:
        why = long.missing
    elif scope == "global" and not long.fits:
        why = f"{opts.subject} {'is' if n == 1 else 'are'} too large to stuff: over" + (
            f" {opts.window(long, opts.shape_long)}"
        )
    elif budget is not None and (opts.small or scope == "global"):
        cost = cheap.cost if opts.small else long.cost
        why = f"stuffing would cost about ${cost:.4f}, over max_cost_usd ${budget:.4f}"
    else:
        why = "a local question (one place in the text answers it)"
    return rag, f"{why}; the most relevant {rag.context_tokens:,} tokens are retrieved"


def _escalation(
    opts: Options, chosen: Option, policy: Policy, pick: Pick | None, router: LearnedRouter | None
) -> Escalation | None:
    """Self-Route in reserve for an auto `rag` plan, if stuffing fits and both calls stay
    within budget; behind a learned choice only where the preference asks for it, and
    then decided by the router's escalation gate where its weights have one."""
    long = opts.stuff_long
    if chosen.mode != "rag" or policy.mode != "auto" or not long.fits:
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


def _scope_words(question: str, n_documents: int) -> str:
    match = _GLOBAL.search(question)
    if match:
        return f"a question about the whole text ('{match.group(0).lower()}')"
    return f"a question over {n_documents} documents"
