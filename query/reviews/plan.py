"""How a review fills each document's cells, and what the whole table will cost, decided
before anything is spent.

Per document, both ways are costed from the token counts stored at ingest: one stuffed
call that fills every field at once (the documents first, as /query stuffs them, so a
provider's prompt cache sees the same prefix), or one retrieval call per field (the
passages retrieval picks for that field's question, for the cheap model). A short
contract is one stuffed call, cheaper than forty retrievals; a long one is read field by
field. `mode` forces one way; `prefer` "quality" stuffs whatever fits the long-context
window. With no model key the offline reader fills every cell, at $0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from core.llm.catalog import Catalog, ModelSpec
from core.storage.registry import Document
from core.text.tokens import count_tokens
from query.reviews import prompt
from query.reviews.fields import Field
from query.routing.options import first_available
from query.routing.plan import Policy, RouteError

# What a field's answer costs: most cells are "not found" (about 17 tokens of JSON), the
# rest a value and a one-sentence quote (about 55); CUAD's contracts hold 29% of cells.
OUTPUT_TOKENS_PER_FIELD = 30
RETRIEVAL_TOKENS = 2_000  # passages retrieved per field: one clause and its neighbours
TAGS = 30  # <documents>, a <document> tag and "Fields:" around the text
_RULES = count_tokens(prompt.SYSTEM) + TAGS


@dataclass(frozen=True)
class DocumentPlan:
    """One document's way: `mode` stuff (one call), rag (a call per field) or local (the
    offline reader), with `model` first in its chain `models`."""

    document_id: str
    filename: str
    mode: str
    model: str
    models: tuple[str, ...]
    calls: int
    cost_usd: float
    reason: str
    other_usd: float | None = None  # the way not taken, costed


@dataclass(frozen=True)
class ReviewPlan:
    documents: list[DocumentPlan]
    offline: bool

    @property
    def cost_usd(self) -> float:
        return round(sum(d.cost_usd for d in self.documents), 6)

    @property
    def calls(self) -> int:
        return sum(d.calls for d in self.documents)

    def to_dict(self) -> dict:
        return {
            "cost_usd": self.cost_usd,
            "calls": self.calls,
            "offline": self.offline,
            "documents": [asdict(d) | {"models": list(d.models)} for d in self.documents],
        }

    def of(self, document_id: str) -> DocumentPlan:
        return next(d for d in self.documents if d.document_id == document_id)


def plan_review(
    documents: Sequence[Document], fields: Sequence[Field], catalog: Catalog, policy: Policy
) -> ReviewPlan:
    """The way each document is read and its cost; RouteError when a forced mode cannot
    work or `policy.max_cost_usd` cannot pay for the whole table."""
    long = first_available(catalog, "long_context", policy)
    cheap = first_available(catalog, "cheap", policy) or long
    if long is None and cheap is None:
        local = catalog.for_role("local")
        why = "no model key is configured: the offline reader fills every cell, at $0"
        docs = [DocumentPlan(d.id, d.filename, "local", local.name, (local.name,), 0, 0.0, why)
                for d in documents]  # fmt: skip
        return ReviewPlan(docs, offline=True)
    plans = [_document(d, fields, long, cheap, catalog, policy) for d in documents]
    review = ReviewPlan(plans, offline=False)
    budget = policy.max_cost_usd
    if budget is not None and review.cost_usd > budget:
        raise RouteError(
            f"the review is estimated at ${review.cost_usd:.4f} ({review.calls} model calls),"
            f" over max_cost_usd ${budget:.4f}"
        )
    return review


def _document(
    doc: Document,
    fields: Sequence[Field],
    long: ModelSpec | None,
    cheap: ModelSpec,
    catalog: Catalog,
    policy: Policy,
) -> DocumentPlan:
    n = len(fields)
    asks = [count_tokens(prompt.field_line(f)) for f in fields]  # what each field adds
    stuff_in = doc.tokens + max(doc.pages, 1) * policy.page_marker_tokens + _RULES + sum(asks)
    stuff_out = n * OUTPUT_TOKENS_PER_FIELD
    reader = _stuffer(doc, stuff_in + stuff_out, cheap, long, policy)
    stuff_cost = reader.cost(stuff_in, stuff_out) if reader else None
    passages = min(RETRIEVAL_TOKENS, doc.tokens) + policy.page_marker_tokens * 4
    rag_cost = sum(cheap.cost(passages + _RULES + a, OUTPUT_TOKENS_PER_FIELD) for a in asks)
    rag_in = passages + _RULES + max(asks)
    stuffs = policy.mode == "stuff" or (
        policy.mode == "auto"
        and stuff_cost is not None
        and (stuff_cost <= rag_cost or policy.prefer == "quality")
    )
    if policy.mode == "stuff" and reader is None:
        raise RouteError(
            f"cannot stuff {doc.filename} ({doc.tokens:,} tokens): it does not fit the window"
            " of any model with a key; review it with mode 'rag'"
        )
    if stuffs:
        assert reader is not None and stuff_cost is not None
        why = f"one stuffed call fills all {n} fields for ${stuff_cost:.4f}"
        why += f"; a retrieval per field would cost ${rag_cost:.4f}"
        chain = _chain(catalog, reader, stuff_in + stuff_out, policy)
        return DocumentPlan(doc.id, doc.filename, "stuff", reader.name, chain, 1, stuff_cost,
                            why, round(rag_cost, 6))  # fmt: skip
    why = f"a retrieval per field ({n} calls) costs ${rag_cost:.4f}"
    why += (
        f"; stuffing it would cost ${stuff_cost:.4f}"
        if stuff_cost is not None
        else "; the document does not fit a window to be stuffed"
    )
    chain = _chain(catalog, cheap, rag_in + OUTPUT_TOKENS_PER_FIELD, policy)
    other = None if stuff_cost is None else round(stuff_cost, 6)
    return DocumentPlan(doc.id, doc.filename, "rag", cheap.name, chain, n, rag_cost, why, other)


def _stuffer(
    doc: Document, needed: int, cheap: ModelSpec, long: ModelSpec | None, policy: Policy
) -> ModelSpec | None:
    """The model that reads the whole document: the cheap one for a short document, the
    long-context one otherwise; None when it fits neither window."""
    if needed <= cheap.context_window and doc.tokens <= policy.cheap_stuff_max_tokens:
        return cheap
    if long is not None and needed <= long.context_window:
        return long
    return None


def _chain(catalog: Catalog, spec: ModelSpec, needed: int, policy: Policy) -> tuple[str, ...]:
    """The model and, after it, its role's fallbacks whose windows hold the call."""
    role = "long_context" if "long_context" in spec.roles else "cheap"
    rest = [
        m.name
        for m in catalog.chain(role)
        if m.name != spec.name
        and needed <= m.context_window
        and (policy.available is None or m.name in policy.available)
    ]
    return (spec.name, *rest)
