"""Why the router did not take each option it rejected, in words, with its cost.

Each reason mirrors a rule of `routing.plan()`: the option did not fit, a mode was
forced, it was over budget, or it lost on scope or price.
"""

from __future__ import annotations

from core.llm.catalog import Catalog, ModelSpec
from query.routing.latency import estimate, limit_words, over_limit, seconds, wait_words, weighed
from query.routing.learned import Pick
from query.routing.options import Option, Options, first
from query.routing.plan import Alternative, Policy


def alternatives(
    opts: Options, chosen: Option, pick: Pick | None, policy: Policy, scope: str, catalog: Catalog
) -> tuple[Alternative, ...]:
    """Every option not taken, costed, with why not; offline, the paid models too."""
    out: list[Alternative] = []
    seen = {(chosen.mode, chosen.model.name)}
    for opt in (opts.stuff_cheap, opts.stuff_long, opts.rag):
        key = (opt.mode, opt.model.name)
        if key in seen:
            continue
        seen.add(key)
        why = (pick.rejected.get(key) if pick else None) or _rejection(
            opt, chosen, policy, scope, opts.offline, opts.shape_long if opts.offline else None
        )
        cost, latency = round(opt.cost, 6), opt.latency.as_dict()
        out.append(Alternative(opt.mode, opt.model.name, cost, why, latency))
    if opts.offline:
        out += _paid_alternatives(catalog, opts.stuff_input, opts.rag_input, policy)
    return tuple(out)


def _rejection(
    opt: Option,
    chosen: Option,
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
    if over_limit(opt.latency, policy):
        return f"would take {wait_words(opt.latency, policy)}, over {limit_words(policy)}"
    if policy.mode != "auto":
        return f"mode '{policy.mode}' was requested"
    if policy.max_cost_usd is not None and opt.cost > policy.max_cost_usd:
        return f"estimated ${opt.cost:.4f} is over max_cost_usd ${policy.max_cost_usd:.4f}"
    if policy.prefer == "fast":
        return (
            f"slower: {wait_words(opt.latency, policy)}, against"
            f" {seconds(weighed(chosen.latency, policy))}"
        )
    if policy.max_latency_ms is not None and opt.cost > chosen.cost:
        return (
            f"answers within {limit_words(policy)} too, but for about ${opt.cost:.4f}"
            f" against ${chosen.cost:.4f}"
        )
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
        spec = first(catalog, role)
        if spec is None:
            continue
        cost = spec.cost(inp, policy.expected_output_tokens)
        why = "no API key is configured (set FOLIO_OPENAI_API_KEY)"
        latency = estimate(spec, mode, inp, policy).as_dict()
        out.append(Alternative(mode, spec.name, round(cost, 6), why, latency))
    return out


def _ratio(expensive: float, cheap: float) -> str:
    return "much" if cheap <= 0 else f"{expensive / cheap:.0f}x"
