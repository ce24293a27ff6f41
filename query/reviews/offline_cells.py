"""A document's cells filled by the offline reader (no model key): each field asked of
the whole document as /query's offline reader answers it, its sentences quoted with their
pages, the value read from them (query/reviews/values.py), and "not found" where nothing
clears the reader's calibrated threshold: the right answer for most cells of a review."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from core.reader.contract import Contract
from core.storage.registry import Document
from core.storage.reviews import Cell
from query import context
from query.read_path import ReadPath
from query.reviews.fields import Field
from query.reviews.values import value_of

REASON = "no model key is configured: the offline reader quotes the clause, at $0"


def fill(rp: ReadPath, doc: Document, fields: Sequence[Field]) -> Iterator[list[Cell]]:
    """The document's cells, all at once (nothing is paid, so nothing to save between)."""
    pages = context.PageCache(rp.pages)
    passages = context.passages(context.whole([doc], pages))
    structure = rp.pages.structure(doc.id)
    contracts = {doc.id: Contract.from_dict(structure)} if structure else None
    route = {"mode": "local", "model": "offline-reader", "reason": REASON}
    cells = []
    for f in fields:
        read = rp.reader.answer(f.question, passages, 2, contracts)
        quotes = [c.quote for c in read.citations]
        cell = Cell(doc.id, f.name, found=read.found, route=route)
        cell.value = value_of(f, read.found, quotes)
        cell.citations = [
            {"page": c.page, "quote": " ".join(c.quote.split())} for c in read.citations
        ]
        cited = sorted({c.page for c in read.citations})
        cell.passages = [{"pages": [p, p], "text": pages.page(doc.id, p) or ""} for p in cited]
        cells.append(cell)
    yield cells
