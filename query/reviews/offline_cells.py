"""A document's cells filled offline (no model key), by the clause finder that /query's
offline reader shares (core/reader/clauses.py): the document's sentences are embedded
once and ranked for every field at once; a field whose best clause clears its
calibrated threshold quotes it (with the sentences that score nearly as well), with
pages, and takes a typed value from it (query/reviews/values.py); below the threshold
the cell is "not found", the right answer for most cells of a review. A field the
finder does not know (your own fields) is asked of the whole document as /query's
offline reader answers it. A cell's passages are the clauses the finder ranked closest:
what it read before deciding."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from core.reader.clause_kinds import clause_kinds
from core.reader.clauses import Finding
from core.reader.contract import Contract
from core.reader.offline import Passage
from core.reader.sentences import Sentence
from core.storage.registry import Document
from core.storage.reviews import Cell
from query import context
from query.read_path import ReadPath
from query.reviews.fields import Field
from query.reviews.values import value_of

REASON = "no model key is configured: the offline reader quotes the clause, at $0"
ROUTE = {"mode": "local", "model": "offline-reader", "reason": REASON}
_BEFORE, _AFTER = 200, 800  # characters of context around a candidate clause


def fill(rp: ReadPath, doc: Document, fields: Sequence[Field]) -> Iterator[list[Cell]]:
    """The document's cells, all at once (nothing is paid, so nothing to save between)."""
    pages = context.PageCache(rp.pages)
    passages = context.passages(context.whole([doc], pages))
    structure = rp.pages.structure(doc.id)
    contract = Contract.from_dict(structure) if structure else None
    known = [f.name for f in fields if f.name in clause_kinds()]
    found = rp.reader.finder.find(passages, known, contract) if passages and known else {}
    cells = []
    for f in fields:
        if f.name in found:
            cells.append(_cell(doc, f, found[f.name], passages))
        else:
            cells.append(_asked(rp, doc, f, passages, contract, pages))
    yield cells


def _cell(doc: Document, f: Field, finding: Finding, passages: list[Passage]) -> Cell:
    cell = Cell(doc.id, f.name, found=finding.found, route=ROUTE)
    quotes = [" ".join(s.text.split()) for s in finding.quotes]
    cell.value = value_of(f, finding.found, quotes)
    cell.citations = [
        {"page": passages[s.passage].page, "quote": q}
        for s, q in zip(finding.quotes, quotes, strict=True)
    ]
    cell.passages = [_around(s, passages) for s in finding.candidates]
    return cell


def _around(s: Sentence, passages: list[Passage]) -> dict:
    """A candidate clause with the text around it on its page."""
    p = passages[s.passage]
    start = p.text.rfind(" ", 0, max(0, s.start - _BEFORE)) + 1
    end = p.text.find(" ", min(len(p.text), s.end + _AFTER))
    return {"pages": [p.page, p.page], "text": p.text[start : end if end > 0 else None].strip()}


def _asked(rp: ReadPath, doc, f: Field, passages, contract, pages) -> Cell:
    """A field the finder does not know, asked of the whole document."""
    read = rp.reader.answer(f.question, passages, 2, {doc.id: contract} if contract else None)
    quotes = [c.quote for c in read.citations]
    cell = Cell(doc.id, f.name, found=read.found, route=ROUTE)
    cell.value = value_of(f, read.found, quotes)
    cell.citations = [{"page": c.page, "quote": " ".join(c.quote.split())} for c in read.citations]
    cited = sorted({c.page for c in read.citations})
    cell.passages = [{"pages": [p, p], "text": pages.page(doc.id, p) or ""} for p in cited]
    return cell
