"""The router: stuff the whole documents or retrieve chunks, decided before anything is spent.

`plan()` is pure. It reads only token counts stored at ingest (never the documents),
the model catalog and a `Policy`, and returns a `RoutePlan` that says which way, with
which model, at what estimated cost, why, and what it rejected (each alternative costed).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from api.route_learned import learned_pick
from core.catalog import Catalog, ModelSpec
from core.route_model import PREFERENCES, LearnedRouter
from core.tokens import count_tokens

MODES = ("auto", "stuff", "rag")

# Words that make a question about the whole text rather than one place in it.
_GLOBAL = re.compile(
    r"\b(summari[sz]\w*|summary|overview|outline|list\s+(all|every|each)|all\s+(the\s+)?\w+s\b"
    r"|every|each\s+party|compar\w*|contrast|differences?|throughout|entire|whole|overall"
    r"|across|all\s+of)\b",
    re.IGNORECASE,
)


class SizedDocument(Protocol):
    """What the router needs of a document (a registry `Document` has it)."""

    id: str
    pages: int
    tokens: int


@dataclass(frozen=True)
class Policy:
    """The knobs of routing; the defaults are the service's, a request may override some."""

    mode: str = "auto"
    max_cost_usd: float | None = None
    output_reserve: int = 2_000  # tokens kept free in the window for the answer
    expected_output_tokens: int = 400  # what an answer usually costs, for estimates
    prompt_tokens: int = 350  # instructions (~160) and document tags around the context
    page_marker_tokens: int = 7  # "\n[page N]\n" is 6-7 o200k tokens
    retrieval_budget: int = 8_000  # tokens of retrieved passages for `rag`
    cheap_stuff_max_tokens: int = 32_000  # stuff the cheap model only up to this size ...
    cheap_stuff_max_usd: float = 0.05  # ... and this estimated cost
    many_documents: int = 4  # this many documents make any question global
    available: frozenset[str] | None = None  # usable model names; None: all of them
    prefer: str = "balanced"  # cost | balanced | quality: how the learned router trades


@dataclass(frozen=True)
class Alternative:
    mode: str
    model: str
    estimated_cost_usd: float
    rejected_because: str


@dataclass(frozen=True)
class Escalation:
    """Self-Route: if a `rag` answer says the passages lack the answer, stuff this model.

    Planned only in auto mode, when the documents fit its window and both calls together
    stay within max_cost_usd."""

    model: str
    models: tuple[str, ...]
    estimated_cost_usd: float
    context_tokens: int


@dataclass(frozen=True)
class RoutePlan:
    mode: str  # "stuff" or "rag"
    model: str  # the first model to try
    models: tuple[str, ...]  # it and its fallbacks that can take this context
    reason: str
    estimated_cost_usd: float
    context_tokens: int  # document tokens to send (stuff) or the retrieval budget (rag)
    input_tokens: int  # estimated prompt size
    scope: str  # "global" or "local"
    offline: bool
    document_ids: tuple[str, ...]
    alternatives: tuple[Alternative, ...] = ()
    escalation: Escalation | None = None
    retrieval_budget: int = 0
    p_rag_ok: float | None = None  # the learned router's estimate, when it decided


class RouteError(ValueError):
    """No plan satisfies the request (a forced mode that cannot work, a budget too small)."""


@dataclass
class _Option:
    mode: str
    model: ModelSpec
    chain: tuple[str, ...]
    input_tokens: int
    context_tokens: int
    cost: float
    fits: bool
    needed: int = 0  # tokens incl. output reserve, for "does not fit" messages
    missing: str | None = None  # why the model cannot be used at all


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
    if policy.mode not in MODES:
        raise RouteError(f"mode must be one of {', '.join(MODES)}, not {policy.mode!r}")
    if policy.prefer not in PREFERENCES:
        raise RouteError(f"prefer must be one of {', '.join(PREFERENCES)}, not {policy.prefer!r}")
    if not documents:
        raise RouteError("there are no documents to ask: upload one and wait until it is ready")
    q_tokens = count_tokens(question)
    doc_tokens = sum(d.tokens for d in documents)
    pages = sum(max(d.pages, 1) for d in documents)
    stuff_input = doc_tokens + pages * policy.page_marker_tokens + policy.prompt_tokens + q_tokens
    rag_context = min(policy.retrieval_budget, doc_tokens)
    rag_input = (
        rag_context + policy.prompt_tokens + q_tokens + min(pages, 20) * policy.page_marker_tokens
    )
    scope = question_scope(question, len(documents), policy)

    long_m = _first_available(catalog, "long_context", policy)
    cheap_m = _first_available(catalog, "cheap", policy)
    offline = long_m is None and cheap_m is None
    # Offline, the local reader plays both parts, but the paid windows still shape the
    # decision, so a question is routed the same way with or without a key.
    shape_long = _first(catalog, "long_context")
    shape_cheap = _first(catalog, "cheap")
    local = catalog.for_role("local") if offline else None

    def option(mode: str, model: ModelSpec | None, shape: ModelSpec | None, role: str) -> _Option:
        spec = model or local or shape
        window_of = shape if offline else spec
        inp = stuff_input if mode == "stuff" else rag_input
        ctx = doc_tokens if mode == "stuff" else rag_context
        needed = inp + policy.output_reserve
        fits = window_of is not None and needed <= window_of.context_window
        missing = None
        if not offline and model is None:
            missing = f"no {role.replace('_', '-')} model has a key configured"
        chain = tuple(
            m.name
            for m in (catalog.chain(role) if not offline else [spec])
            if _usable(m, policy) and needed <= m.context_window
        ) or (spec.name,)
        cost = spec.cost(inp, policy.expected_output_tokens)
        return _Option(mode, spec, chain, inp, ctx, cost, fits and not missing, needed, missing)

    stuff_cheap = option("stuff", cheap_m, shape_cheap, "cheap")
    stuff_long = option("stuff", long_m, shape_long, "long_context")
    # Without a cheap model, the long-context one reads the retrieved passages.
    rag = option("rag", cheap_m or long_m, shape_cheap, "cheap" if cheap_m else "long_context")
    small = (
        stuff_cheap.fits
        and doc_tokens <= policy.cheap_stuff_max_tokens
        and stuff_cheap.cost <= policy.cheap_stuff_max_usd
    )
    budget = policy.max_cost_usd
    n = len(documents)
    subject = (
        f"the document ({doc_tokens:,} tokens)"
        if n == 1
        else f"the {n} documents ({doc_tokens:,} tokens together)"
    )
    verb, needs = ("fits", "needs") if n == 1 else ("fit", "need")
    pick = None
    # A document no bigger than the retrieval budget is read whole either way, and a
    # question about the whole text (or many documents) is stuffed unless cost is
    # preferred: LaRA, which the router learned from, asks few such questions. Otherwise
    # the learned router weighs stuffing the long-context model against retrieval.
    whole_anyway = small and doc_tokens <= policy.retrieval_budget
    learned = router is not None and policy.mode == "auto"
    learned = learned and (scope == "local" or policy.prefer == "cost")
    if learned and router is not None and not rag.missing and not whole_anyway:

        def priced(opt: _Option, shape: ModelSpec | None) -> tuple[_Option, float, float]:
            spec = shape if offline and shape else opt.model
            return opt, spec.cost(opt.input_tokens, policy.expected_output_tokens), spec.price.input

        affordable = budget is None or stuff_long.cost <= budget
        usable = stuff_long.fits and not stuff_long.missing and affordable
        if usable:
            args = (question, q_tokens, doc_tokens, n, priced(stuff_long, shape_long))
            pick = learned_pick(router, policy.prefer, *args, priced(rag, shape_cheap))

    if pick is not None:
        chosen, reason = pick.chosen, pick.reason  # type: ignore[assignment]
    elif policy.mode == "stuff":
        chosen = stuff_cheap if small else stuff_long
        if chosen.missing:
            raise RouteError(f"cannot stuff: {chosen.missing}")
        if not chosen.fits:
            limit = shape_long if offline else stuff_long.model
            raise RouteError(
                f"cannot stuff: {subject} {needs} {stuff_long.needed:,} tokens with the prompt and"
                f" a {policy.output_reserve:,}-token answer reserve, over the"
                f" {limit.context_window:,}-token window of {limit.name}; ask with mode 'rag'"
            )
        reason = f"stuff was requested; {subject} {verb} {_window(chosen, shape_long, offline)}"
    elif policy.mode == "rag":
        chosen = rag
        reason = f"rag was requested; the most relevant {rag.context_tokens:,} tokens are retrieved"
    elif small and (budget is None or stuff_cheap.cost <= budget):
        chosen = stuff_cheap
        reason = (
            f"{subject} {verb} {_window(stuff_cheap, shape_cheap, offline)}"
            f"{'' if offline else f' for about ${stuff_cheap.cost:.4f}'},"
            f" so {'it is' if n == 1 else 'they are'} read whole; no retrieval needed"
        )
    elif scope == "global" and stuff_long.fits and (budget is None or stuff_long.cost <= budget):
        chosen = stuff_long
        reason = (
            f"{_scope_words(question, n, policy)}, and {subject} {verb}"
            f" {_window(stuff_long, shape_long, offline)}, so everything is read"
        )
    else:
        chosen = rag
        if scope == "global" and stuff_long.missing:
            why = stuff_long.missing
        elif scope == "global" and not stuff_long.fits:
            why = f"{subject} {'is' if n == 1 else 'are'} too large to stuff: over" + (
                f" {_window(stuff_long, shape_long, offline)}"
            )
        elif budget is not None and (small or scope == "global"):
            cost = stuff_cheap.cost if small else stuff_long.cost
            why = f"stuffing would cost about ${cost:.4f}, over max_cost_usd ${budget:.4f}"
        else:
            why = "a local question (one place in the text answers it)"
        reason = f"{why}; the most relevant {rag.context_tokens:,} tokens are retrieved"

    if budget is not None and chosen.cost > budget:
        raise RouteError(
            f"the cheapest way to answer ({chosen.mode} with {chosen.model.name}) is estimated"
            f" at ${chosen.cost:.4f}, over max_cost_usd ${budget:.4f}"
        )
    if offline:
        reason += "; the offline reader answers because no model key is configured"

    alternatives: list[Alternative] = []
    seen = {(chosen.mode, chosen.model.name)}
    for opt in (stuff_cheap, stuff_long, rag):
        if (opt.mode, opt.model.name) in seen:
            continue
        seen.add((opt.mode, opt.model.name))
        why = (pick.rejected.get((opt.mode, opt.model.name)) if pick else None) or _rejection(
            opt, chosen, policy, scope, offline, shape_long if offline else None
        )
        alternatives.append(Alternative(opt.mode, opt.model.name, round(opt.cost, 6), why))
    if offline:
        alternatives += _paid_alternatives(catalog, stuff_input, rag_input, policy)

    escalation = None
    # Self-Route stays behind the learned choice, where the preference asks for it.
    escalate = pick is None or router is None or router.preference(policy.prefer).escalate
    if chosen.mode == "rag" and policy.mode == "auto" and stuff_long.fits and escalate:
        total = chosen.cost + stuff_long.cost
        if budget is None or total <= budget:
            escalation = Escalation(
                stuff_long.model.name, stuff_long.chain, stuff_long.cost, doc_tokens
            )
    return RoutePlan(
        mode=chosen.mode,
        model=chosen.model.name,
        models=chosen.chain,
        reason=reason,
        estimated_cost_usd=round(chosen.cost, 6),
        context_tokens=chosen.context_tokens,
        input_tokens=chosen.input_tokens,
        scope=scope,
        offline=offline,
        document_ids=tuple(d.id for d in documents),
        alternatives=tuple(alternatives),
        escalation=escalation,
        retrieval_budget=policy.retrieval_budget if chosen.mode == "rag" else 0,
        p_rag_ok=round(pick.p_rag_ok, 4) if pick else None,
    )


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


def _rejection(
    opt: _Option,
    chosen: _Option,
    policy: Policy,
    scope: str,
    offline: bool,
    shape: ModelSpec | None,
) -> str:
    """Why the router did not take `opt`, in words."""
    if opt.missing:
        return opt.missing
    if not opt.fits:
        spec = shape or opt.model
        return (
            f"needs {opt.needed:,} tokens, over {spec.name}'s {spec.context_window:,}-token window"
        )
    if policy.mode != "auto":
        return f"mode '{policy.mode}' was requested"
    if policy.max_cost_usd is not None and opt.cost > policy.max_cost_usd:
        return f"estimated ${opt.cost:.4f} is over max_cost_usd ${policy.max_cost_usd:.4f}"
    if chosen.mode == "stuff" and opt.mode == "rag":
        if scope == "global":
            return "the question is about the whole text; retrieval would see only part of it"
        return "the documents are small enough to read whole; retrieval could miss the answer"
    if chosen.mode == "stuff":  # two stuff options: the chosen one is cheaper or the only fit
        if opt.model.context_window > chosen.model.context_window:
            return f"{chosen.model.name} holds the documents for less"
        return _ceiling(policy)
    # chosen is rag, opt is a stuff that fits and is affordable
    if scope == "local":
        if offline:
            return "a local question: retrieval points the reader at the passages that matter"
        return f"a local question: retrieval is {_ratio(opt.cost, chosen.cost)} cheaper"
    return _ceiling(policy)


def _ceiling(policy: Policy) -> str:
    return (
        f"over the ceiling for stuffing the cheap model ({policy.cheap_stuff_max_tokens:,}"
        f" tokens or ${policy.cheap_stuff_max_usd:.2f})"
    )


def _paid_alternatives(
    catalog: Catalog, stuff_input: int, rag_input: int, policy: Policy
) -> list[Alternative]:
    out = []
    for role, mode, inp in (("long_context", "stuff", stuff_input), ("cheap", "rag", rag_input)):
        spec = _first(catalog, role)
        if spec is None:
            continue
        cost = spec.cost(inp, policy.expected_output_tokens)
        why = "no API key is configured (set FOLIO_OPENAI_API_KEY)"
        out.append(Alternative(mode, spec.name, round(cost, 6), why))
    return out


def _scope_words(question: str, n_documents: int, policy: Policy) -> str:
    match = _GLOBAL.search(question)
    if match:
        return f"a question about the whole text ('{match.group(0).lower()}')"
    return f"a question over {n_documents} documents"


def _ratio(expensive: float, cheap: float) -> str:
    if cheap <= 0:
        return "much"
    return f"{expensive / cheap:.0f}x"


def _window(opt: _Option, shape: ModelSpec | None, offline: bool) -> str:
    spec = shape if offline and shape else opt.model
    return f"{spec.name}'s {spec.context_window:,}-token window"


def _usable(model: ModelSpec, policy: Policy) -> bool:
    return policy.available is None or model.name in policy.available


def _first_available(catalog: Catalog, role: str, policy: Policy) -> ModelSpec | None:
    return next((m for m in catalog.chain(role) if _usable(m, policy) and not m.is_local), None)


def _first(catalog: Catalog, role: str) -> ModelSpec | None:
    chain = catalog.chain(role)
    return chain[0] if chain else None
