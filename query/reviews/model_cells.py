"""A document's cells filled by a model: one stuffed call for every field, or a retrieval
and a call per field, through /query's own pieces (query/context.py for the pages or the
passages, core/llm for the calls with their fallbacks, query/citations.py for the quotes).

The reply must follow the fields' JSON Schema (strict where the catalog says the model
takes one, JSON mode otherwise); fields whose answer is invalid are asked once more, and
a cell that still fails says why. Every quote is checked on its page; one that is not
there is dropped, and the cell says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from core.storage.registry import Document
from core.storage.reviews import Cell
from query import context
from query.citations import verify
from query.read_path import ReadPath
from query.reviews import prompt
from query.reviews.fields import Field
from query.reviews.plan import RETRIEVAL_TOKENS, DocumentPlan
from query.routing.cache import document_set_key

Check = Callable[[float], None]  # before each call, with its estimate: raises to stop


def fill(
    rp: ReadPath,
    doc: Document,
    fields: Sequence[Field],
    plan: DocumentPlan,
    review_id: str,
    check: Check,
) -> Iterator[list[Cell]]:
    """The document's cells, a call's worth at a time (so each is saved once paid)."""
    pages = context.PageCache(rp.pages)
    if plan.mode == "stuff":
        check(plan.cost_usd)
        sources = context.whole([doc], pages)
        # The document first, then the fields: the re-ask of invalid fields finds it cached.
        # (A namespace of its own: a review's prompt shares no prefix with a question's.)
        key = document_set_key(rp.tenant_id, [doc.id]) + ":review"
        answers, errors, cost = _ask(rp, sources, fields, plan, review_id, key)
        route = {"mode": "stuff", "model": plan.model, "reason": plan.reason}
        yield [
            _cell(doc, f, answers.get(f.name), errors.get(f.name), pages, route, cost / len(fields))
            for f in fields
        ]
        return
    store, embedder = rp.retrieval("a review by retrieval", ", or review with mode 'stuff'")
    for f in fields:
        check(plan.cost_usd / max(plan.calls, 1))
        sources, _ = context.retrieved(
            store, embedder, f.question, rp.tenant_id, [doc], RETRIEVAL_TOKENS, pages, rp.ranking
        )
        answers, errors, cost = _ask(rp, sources, [f], plan, review_id)
        route = {"mode": "rag", "model": plan.model, "reason": plan.reason}
        cell = _cell(doc, f, answers.get(f.name), errors.get(f.name), pages, route, cost)
        cell.passages = [
            {"pages": [s.page, s.page], "text": s.text} for src in sources for s in src.sections
        ]
        yield [cell]


def _ask(
    rp: ReadPath,
    sources: list,
    fields: Sequence[Field],
    plan: DocumentPlan,
    review_id: str,
    cache_key: str | None = None,
) -> tuple[dict[str, prompt.CellReply], dict[str, str], float]:
    """One call for `fields`, and once more for the fields whose answer was invalid."""
    chain = [rp.catalog.get(name) for name in plan.models]
    role = "long_context" if "long_context" in chain[0].roles else "cheap"
    answers: dict[str, prompt.CellReply] = {}
    errors: dict[str, str] = {}
    cost, asking, note = 0.0, list(fields), ""
    for _ in range(2):
        done = rp.models.complete(
            chain,
            prompt.messages(sources, asking, note),
            role=role,
            max_tokens=max(1_000, 120 * len(asking)),
            question_id=review_id,
            schema=prompt.schema(asking),
            cache_key=cache_key,
        )
        cost += done.cost_usd
        got, errors = prompt.read(done.text, asking)
        answers |= got
        if not errors:
            break
        asking, note = [f for f in asking if f.name in errors], prompt.describe(errors)
    return answers, errors, cost


def _cell(
    doc: Document,
    f: Field,
    answer: prompt.CellReply | None,
    error: str | None,
    pages: context.PageCache,
    route: dict,
    cost: float,
) -> Cell:
    cell = Cell(doc.id, f.name, route=route, cost_usd=round(cost, 8))
    if answer is None:
        cell.error = f"no usable answer after asking twice: {error}"
        return cell
    raw = [{"document_id": doc.id, "page": q.page, "quote": q.quote} for q in answer.quotes]
    kept, dropped = verify(raw, pages.page, {doc.id: doc.filename}, {doc.id: doc.ocr_pages})
    cell.found, cell.value = answer.found, answer.value
    cell.citations = [{"page": c.page, "quote": c.quote} for c in kept]
    cited = sorted({c.page for c in kept})
    cell.passages = [{"pages": [p, p], "text": pages.page(doc.id, p) or ""} for p in cited]
    if dropped:
        cell.error = f"{dropped} quote(s) not found on their page were dropped"
    return cell
