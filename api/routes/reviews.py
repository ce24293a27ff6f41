"""/reviews: a table of documents x fields, each cell a typed value with verified
citations, filled by a worker; exported as csv or xlsx."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response

from api.deps import ReadPathDep, ResourcesDep
from api.errors import QUERY_STATUSES, responses
from api.schemas.common import InvalidOut
from api.schemas.reviews import ReviewCreate, ReviewEstimate, ReviewList, ReviewOut
from query.reviews import export, service
from query.reviews.views import review_view

router = APIRouter(prefix="/reviews", tags=["reviews"])

_ERRORS = responses(*QUERY_STATUSES, 400, 413) | {422: {"model": InvalidOut}}


@router.post(
    "",
    status_code=202,
    response_model=ReviewOut | ReviewEstimate,
    response_model_exclude_none=True,
    responses=_ERRORS | {200: {"model": ReviewEstimate, "description": "estimate_only"}},
)
def create_review(body: ReviewCreate, rp: ReadPathDep, res: ResourcesDep, response: Response):
    """Start a review: each document's cells filled by a worker, routed per document (one
    stuffed call for a short contract, a retrieval per field for a long one). Answers
    202 with the review and its estimate (the whole table's cost, before anything is
    spent); with `estimate_only`, 200 and the estimate alone. 404: unknown document;
    409: not ready; 422: unknown preset, malformed fields, an impossible mode or a table
    over max_cost_usd; 402: the key's or tenant's budget cannot pay for it."""
    request = service.ReviewRequest(
        body.fields, body.document_ids, body.mode, body.prefer, body.max_cost_usd
    )
    if body.estimate_only:
        docs, fields, plan = service.estimate(rp, request)
        response.status_code = 200
        return ReviewEstimate(
            estimate=plan.to_dict(),
            fields=[f.to_dict() for f in fields],
            document_ids=[d.id for d in docs],
        )
    return ReviewOut.model_validate(review_view(service.start(rp, request, res.queue)))


@router.get("", responses=_ERRORS)
def list_reviews(rp: ReadPathDep) -> ReviewList:
    """The tenant's reviews, newest first, with their progress (no rows)."""
    return ReviewList(items=[ReviewOut.model_validate(review_view(r)) for r in service.listed(rp)])


@router.get("/{review_id}", response_model_exclude_none=True, responses=_ERRORS)
def get_review(review_id: str, rp: ReadPathDep) -> ReviewOut:
    """A review with its rows: one per document, a cell per field (value, citations,
    passages read, route, cost); cells fill in as the worker goes. 404: unknown review."""
    review, cells = service.get(rp, review_id)
    return ReviewOut.model_validate(review_view(review, cells))


@router.delete("/{review_id}", response_model_exclude_none=True, responses=_ERRORS)
def cancel_review(review_id: str, rp: ReadPathDep) -> ReviewOut:
    """Cancel a review: it stops before its next model call; the cells it has stay."""
    return ReviewOut.model_validate(review_view(service.cancel(rp, review_id)))


@router.get(
    "/{review_id}/export",
    response_class=Response,
    responses=_ERRORS | {200: {"content": {t: {} for t in export.MEDIA_TYPES.values()}}},
)
def export_review(
    review_id: str, rp: ReadPathDep, request: Request, format: Literal["csv", "xlsx"] = "xlsx"
) -> Response:
    """The table as a spreadsheet: a row per document, a column per field, each value
    beside the page of its first citation (in xlsx a link to the PDF at that page)."""
    review, cells = service.get(rp, review_id)
    content = export.render(review, cells, format, viewer_url=str(request.base_url))
    disposition = f'attachment; filename="review-{review.id}.{format}"'
    return Response(
        content,
        media_type=export.MEDIA_TYPES[format],
        headers={"content-disposition": disposition, "cache-control": "private, no-store"},
    )
