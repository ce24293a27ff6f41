"""Filling a review, one document at a time (a worker's job runs `fill_next`, then sends
itself again while documents remain, so ingestion waiting in the same queue is not held
up behind a forty-contract review).

A document's pending cells are claimed first (core/storage/reviews.py), so two workers
never ask the same cells at once; each cell is saved as soon as its call is paid, so a
review resumed after its worker died asks only what is missing. Before every paid call
the caller's budgets are checked; past a cap, or when every model failed, the review
fails with the reason and keeps the cells it has. A cancelled review stops before its
next call.
"""

from __future__ import annotations

import logging

from core.access.budgets import BudgetExceeded
from core.llm.types import AllModelsFailed
from core.storage.reviews import ACTIVE, Cell, Review
from query.read_path import ReadPath
from query.reviews import model_cells, offline_cells
from query.reviews.fields import Field
from query.reviews.plan import DocumentPlan

log = logging.getLogger(__name__)


class Cancelled(Exception):
    """The review was cancelled while it ran."""


def fill_next(base: ReadPath, review_id: str, stale_after_s: float = 600) -> bool:
    """Fill the pending cells of the review's next document; True while documents remain
    (send the job again), False once the review is done, failed or cancelled."""
    store = base.registry.reviews
    review = store.get(review_id)
    if review is None or review.status not in ACTIVE:
        return False
    store.set_status(review_id, "running")
    pending = store.cells(review_id, pending=True)
    if not pending:
        store.set_status(review_id, "done")
        return False
    document_id = next(
        (c.document_id for c in pending if store.claim(review_id, c.document_id, stale_after_s)),
        None,
    )
    if document_id is None:
        return False  # every pending document is being filled by a live worker
    rp = _acting(base, review)
    names = {c.field for c in pending if c.document_id == document_id}
    fields = [Field(**f | {"values": tuple(f["values"])}) for f in review.fields]
    try:
        _fill_document(rp, review, document_id, [f for f in fields if f.name in names])
    except Cancelled:
        return False
    except (BudgetExceeded, AllModelsFailed) as exc:
        store.set_status(review_id, "failed", _first_line(exc))
        return False
    if store.cells(review_id, pending=True):
        return True
    store.set_status(review_id, "done")
    return False


def _fill_document(rp: ReadPath, review: Review, document_id: str, fields: list[Field]) -> None:
    store = rp.registry.reviews
    doc = rp.registry.get(document_id, tenant_id=review.tenant_id)
    if doc is None or doc.status != "ready":
        why = "deleted" if doc is None else doc.status
        gone = [Cell(document_id, f.name, error=f"the document is {why}") for f in fields]
        store.save(review.id, gone)
        return
    plan = DocumentPlan(**_plan_of(review, document_id))

    def check(estimate_usd: float) -> None:
        current = store.get(review.id)
        if current is None or current.status == "cancelled":
            raise Cancelled(review.id)
        if rp.budgets is not None and estimate_usd > 0:
            rp.budgets.check(rp.payer, estimate_usd)

    if plan.mode == "local":
        batches = offline_cells.fill(rp, doc, fields)
    else:
        batches = model_cells.fill(rp, doc, fields, plan, review.id, check)
    for cells in batches:
        store.save(review.id, cells)
    log.info("review %s: %s filled (%d fields)", review.id, doc.filename, len(fields))


def _acting(base: ReadPath, review: Review) -> ReadPath:
    """The read path acting for the tenant and key that asked for the review, with the
    key's own monthly cap."""
    key = None
    if review.key_id is not None and base.budgets is not None:
        key = base.budgets.keys.get(review.key_id)
    budget = key.budget_usd if key is not None else None
    return base.acting_for(review.tenant_id, review.key_id, budget)


def _plan_of(review: Review, document_id: str) -> dict:
    plan = next(d for d in review.estimate["documents"] if d["document_id"] == document_id)
    return plan | {"models": tuple(plan["models"])}


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:500]
