"""The size and scope rules: what decides where the learned router does not (forced
modes, small documents, questions about the whole text), and what decides everything
without it (FOLIO_ROUTE_LEARNED=false).

A question is "global" when its words ask about the whole text (summarise, list all,
every...) or it spans many documents; else "local". Small documents are read whole by
the cheap model, a global question is stuffed into the long one, anything else retrieves.
"""

from __future__ import annotations

import re

from core.reader.clause_kinds import question_kinds
from core.reader.questions import question_kind
from query.routing.latency import (
    doing,
    limit_words,
    over_limit,
    seconds,
    too_slow,
    wait_words,
    weighed,
)
from query.routing.options import Option, Options
from query.routing.plan import Policy, RouteError

# Words that make a question about the whole text rather than one place in it.
_WHOLE = (
    r"summari[sz]\w*|summary|overview|outline|list\s+(all|every|each)|all\s+(the\s+)?\w+s\b"
    r"|every|each\s+party|throughout|entire|whole|overall|across|all\s+of"
)
# Comparisons are global too, but within one document LaRA asks many (its `comp` task,
# and "how did X change compared to ..." questions), so there the learned router decides.
_COMPARE = r"compar\w*|contrast|differences?"
GLOBAL = re.compile(rf"\b({_WHOLE}|{_COMPARE})\b", re.IGNORECASE)
WHOLE_TEXT = re.compile(rf"\b({_WHOLE})\b", re.IGNORECASE)


def question_scope(question: str, n_documents: int, policy: Policy) -> str:
    """'global' for questions about the whole text (or many documents), else 'local'."""
    if n_documents >= policy.many_documents or GLOBAL.search(question):
        return "global"
    return "local"


def forced(opts: Options, policy: Policy) -> tuple[Option, str]:
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


def offline_whole(question: str, opts: Options, policy: Policy) -> tuple[Option, str] | None:
    """Offline, in auto mode, a question the reader knows (the parties, a date, a clause)
    reads the whole documents where they fit: the reader finds its answer by the
    contract's own structure (preamble, sections, signature blocks), which retrieved
    passages lose, and reading costs nothing either way. None where this does not apply."""
    asked = _known(question)
    if not opts.offline or policy.mode != "auto" or asked is None:
        return None
    whole = opts.stuff_cheap if opts.small else opts.stuff_long
    if whole.missing or not whole.fits:
        return None
    it = "it is" if opts.n_documents == 1 else "they are"
    return whole, (
        f"a question the offline reader knows ({asked}), and {opts.subject} {opts.verb}"
        f" {opts.window(whole, opts.shape_long)}, so {it} read whole: the contract's"
        " structure finds the clause, and reading costs nothing"
    )


def _known(question: str) -> str | None:
    """What the offline reader knows the question to ask for: a kind of contract question
    ("governing law"), or a clause it names ("revenue sharing"); None for any other."""
    if (kind := question_kind(question)) is not None:
        return kind.name.replace("_", " ")
    kinds, _ = question_kinds(question)
    return kinds[0].plain if kinds else None


def by_rules(question: str, opts: Options, policy: Policy, scope: str) -> tuple[Option, str]:
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


def _scope_words(question: str, n_documents: int) -> str:
    match = GLOBAL.search(question)
    if match:
        return f"a question about the whole text ('{match.group(0).lower()}')"
    return f"a question over {n_documents} documents"


def _ways(opts: Options, policy: Policy) -> list[Option]:
    """The options that can answer: they fit, have a model, are within max_cost_usd, and
    (the cheap model) under the ceiling for stuffing it."""
    budget = policy.max_cost_usd
    options = (
        (opts.stuff_cheap, opts.stuff_long, opts.rag) if opts.small else (opts.stuff_long, opts.rag)
    )
    return [o for o in options if o.fits and not o.missing and (budget is None or o.cost <= budget)]


def fastest(opts: Options, policy: Policy) -> tuple[Option, str]:
    """prefer fast: the option expected to answer first (the first token when streaming),
    the cheaper of two as fast; a RouteError where none can answer."""
    ways = _ways(opts, policy)
    if not ways:
        raise RouteError("no way to answer fits the documents and max_cost_usd")
    best = min(ways, key=lambda o: (round(weighed(o.latency, policy)), o.cost))
    return best, (
        f"prefer fast: {doing(best.mode, best.context_tokens, best.model.name)} takes"
        f" {wait_words(best.latency, policy)}, the quickest way that fits"
    )


def within_latency(
    opts: Options, chosen: Option, reason: str, policy: Policy
) -> tuple[Option, str]:
    """The choice, or under max_latency_ms the cheapest way that answers in time, saying
    why the choice was too slow; a RouteError when no way is fast enough (or the mode was
    forced)."""
    if not over_limit(chosen.latency, policy):
        return chosen, reason
    ways = _ways(opts, policy)
    quick = [o for o in ways if not over_limit(o.latency, policy)]
    if policy.mode != "auto" or not quick:
        best = min(ways, key=lambda o: weighed(o.latency, policy), default=None)
        raise too_slow(chosen, best, policy)
    best = min(quick, key=lambda o: (o.cost, weighed(o.latency, policy)))
    slow = doing(chosen.mode, chosen.context_tokens, chosen.model.name)
    how = "retrieval with" if best.mode == "rag" else "stuffing"
    fast = f"{how} {best.model.name}"
    return best, (
        f"{slow} would take {wait_words(chosen.latency, policy)}, over {limit_words(policy)};"
        f" {fast} answers in about {seconds(weighed(best.latency, policy))}"
    )
