"""Reviews as the API and the CLI ask for them: estimate, start, read, list, cancel.

Starting does everything that can refuse a review before anything is spent: unknown or
unready documents (404, 409), fields that cannot be read (422), a forced mode that cannot
work or a table over `max_cost_usd` (422), budgets it would pass (402). Then the review
is stored with its estimate and its job queued; a worker fills it (query/reviews/run.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from core.errors import FolioError
from core.llm.client import available_models
from core.storage.reviews import ACTIVE, Cell, Review
from query.documents import resolve
from query.read_path import ReadPath
from query.reviews.fields import read_fields
from query.reviews.plan import ReviewPlan, plan_review


class ReviewNotFound(FolioError, LookupError):
    status = 404


class ReviewQueueDown(FolioError):
    status = 503


class ReviewQueue(Protocol):
    """Where review jobs go (the Celery app)."""

    def enqueue_review(self, review_id: str) -> None: ...


@dataclass(frozen=True)
class ReviewRequest:
    fields: str | list | dict
    document_ids: Sequence[str] | None = None
    mode: str = "auto"
    prefer: str | None = None
    max_cost_usd: float | None = None


def estimate(rp: ReadPath, request: ReviewRequest) -> tuple[list, list, ReviewPlan]:
    """The review's documents, its fields and its plan, checked against the budgets;
    raises before anything is spent."""
    fields = read_fields(request.fields)
    docs = resolve(rp, request.document_ids)
    policy = replace(
        rp.policy,
        mode=request.mode,
        max_cost_usd=request.max_cost_usd,
        prefer=request.prefer or rp.policy.prefer,
        available=available_models(rp.catalog, rp.models.settings),
    )
    plan = plan_review(docs, fields, rp.catalog, policy)
    if rp.budgets is not None and plan.cost_usd > 0:
        rp.budgets.check(rp.payer, plan.cost_usd)  # 402 now, not halfway through the table
    return docs, fields, plan


def start(rp: ReadPath, request: ReviewRequest, queue: ReviewQueue) -> Review:
    """Store the review with its estimate and queue its job."""
    docs, fields, plan = estimate(rp, request)
    options = {"mode": request.mode, "prefer": request.prefer, "max_cost_usd": request.max_cost_usd}
    review = rp.registry.reviews.create(
        rp.tenant_id,
        rp.key_id,
        [f.to_dict() for f in fields],
        [d.id for d in docs],
        options,
        plan.to_dict(),
    )
    try:
        queue.enqueue_review(review.id)
    except Exception as exc:
        rp.registry.reviews.set_status(review.id, "failed", "could not queue it; start it again")
        raise ReviewQueueDown("the job queue is unreachable; try again shortly") from exc
    return review


def get(rp: ReadPath, review_id: str) -> tuple[Review, list[Cell]]:
    """One of the tenant's reviews with its cells; 404 for another tenant's."""
    review = rp.registry.reviews.get(review_id, tenant_id=rp.tenant_id)
    if review is None:
        raise ReviewNotFound(f"no review {review_id}")
    return review, rp.registry.reviews.cells(review_id)


def listed(rp: ReadPath) -> list[Review]:
    """The tenant's reviews, newest first."""
    return rp.registry.reviews.list(rp.tenant_id)


def cancel(rp: ReadPath, review_id: str) -> Review:
    """Stop a review before its next call; the cells it has stay. A finished one is left
    as it is."""
    review, _ = get(rp, review_id)
    if review.status in ACTIVE:
        rp.registry.reviews.set_status(review_id, "cancelled", "cancelled by request")
    return get(rp, review_id)[0]
