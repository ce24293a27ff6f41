"""The three ways the router can answer, sized and costed before anything is spent:
stuff the cheap model, stuff the long-context model, or retrieve for the cheap one.

Offline (no model key), the local reader plays every part, but the paid models' windows
still shape the options, so a question is routed the same way with or without a key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.llm.catalog import Catalog, ModelSpec
from core.text.tokens import count_tokens
from query.routing.cache import cached_part
from query.routing.latency import Latency, estimate
from query.routing.plan import Policy, SizedDocument


@dataclass
class Option:
    mode: str
    model: ModelSpec
    chain: tuple[str, ...]  # the model and its fallbacks that can take this context
    input_tokens: int
    context_tokens: int
    cost: float
    fits: bool
    needed: int = 0  # tokens incl. output reserve, for "does not fit" messages
    missing: str | None = None  # why the model cannot be used at all
    stands_for: ModelSpec | None = None  # offline: the paid model this option stands in for
    latency: Latency = Latency(0.0, 0.0)  # expected time to the first token and to the end
    cached_tokens: int = 0  # input expected to hit the model's warm prompt cache


@dataclass
class Options:
    stuff_cheap: Option
    stuff_long: Option
    rag: Option
    offline: bool
    shape_long: ModelSpec | None  # the paid models whose windows shape offline routing
    shape_cheap: ModelSpec | None
    question_tokens: int
    doc_tokens: int
    n_documents: int
    stuff_input: int
    rag_input: int
    small: bool  # cheap enough to stuff the cheap model

    @property
    def subject(self) -> str:
        if self.n_documents == 1:
            return f"the document ({self.doc_tokens:,} tokens)"
        return f"the {self.n_documents} documents ({self.doc_tokens:,} tokens together)"

    @property
    def verb(self) -> str:
        return "fits" if self.n_documents == 1 else "fit"

    def window(self, opt: Option, shape: ModelSpec | None) -> str:
        """'<model>'s N-token window', of the paid model an offline option stands in for."""
        spec = shape if self.offline and shape else opt.model
        return f"{spec.name}'s {spec.context_window:,}-token window"


def options(
    question: str, documents: Sequence[SizedDocument], catalog: Catalog, policy: Policy
) -> Options:
    """Size and cost the three options for these documents, from stored token counts."""
    q_tokens = count_tokens(question)
    doc_tokens = sum(d.tokens for d in documents)
    pages = sum(max(d.pages, 1) for d in documents)
    stuff_input = doc_tokens + pages * policy.page_marker_tokens + policy.prompt_tokens + q_tokens
    rag_context = min(policy.retrieval_budget, doc_tokens)
    rag_input = (
        rag_context + policy.prompt_tokens + q_tokens + min(pages, 20) * policy.page_marker_tokens
    )
    long_m = first_available(catalog, "long_context", policy)
    cheap_m = first_available(catalog, "cheap", policy)
    offline = long_m is None and cheap_m is None
    shape_long, shape_cheap = first(catalog, "long_context"), first(catalog, "cheap")
    local = catalog.for_role("local") if offline else None

    def option(mode: str, model: ModelSpec | None, shape: ModelSpec | None, role: str) -> Option:
        spec = model or local or shape
        window_of = shape if offline else spec
        inp, ctx = (stuff_input, doc_tokens) if mode == "stuff" else (rag_input, rag_context)
        needed = inp + policy.output_reserve
        fits = window_of is not None and needed <= window_of.context_window
        missing = None
        if not offline and model is None:
            missing = f"no {role.replace('_', '-')} model has a key configured"
        chain = tuple(
            m.name
            for m in (catalog.chain(role) if not offline else [spec])
            if usable(m, policy) and needed <= m.context_window
        ) or (spec.name,)
        cached = cached_part(spec, inp, q_tokens, policy.warm or {}) if mode == "stuff" else 0
        cost = spec.cost(inp, policy.expected_output_tokens, cached)
        ok = fits and not missing
        paid = shape if offline else None
        latency = estimate(spec, mode, inp, policy)
        return Option(mode, spec, chain, inp, ctx, cost, ok, needed, missing, paid, latency, cached)

    stuff_cheap = option("stuff", cheap_m, shape_cheap, "cheap")
    # Without a cheap model, the long-context one reads the retrieved passages.
    rag = option("rag", cheap_m or long_m, shape_cheap, "cheap" if cheap_m else "long_context")
    small = (
        stuff_cheap.fits
        and doc_tokens <= policy.cheap_stuff_max_tokens
        and stuff_cheap.cost <= policy.cheap_stuff_max_usd
    )
    return Options(
        stuff_cheap=stuff_cheap,
        stuff_long=option("stuff", long_m, shape_long, "long_context"),
        rag=rag,
        offline=offline,
        shape_long=shape_long,
        shape_cheap=shape_cheap,
        question_tokens=q_tokens,
        doc_tokens=doc_tokens,
        n_documents=len(documents),
        stuff_input=stuff_input,
        rag_input=rag_input,
        small=small,
    )


def usable(model: ModelSpec, policy: Policy) -> bool:
    return policy.available is None or model.name in policy.available


def first_available(catalog: Catalog, role: str, policy: Policy) -> ModelSpec | None:
    return next((m for m in catalog.chain(role) if usable(m, policy) and not m.is_local), None)


def first(catalog: Catalog, role: str) -> ModelSpec | None:
    chain = catalog.chain(role)
    return chain[0] if chain else None
