"""POST /query: ask the documents; the router chooses stuff or rag and says why and at what cost."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from api.deps import ReadPathDep
from api.errors import QUERY_STATUSES, responses
from api.responses import query_response, sse, sse_error
from api.schemas.common import InvalidOut
from api.schemas.query import QueryRequest, QueryResponse
from core.llm.client import AllModelsFailed
from query import answer
from query.conversation.history import Turn
from query.read_path import ReadPath

router = APIRouter(tags=["query"])
log = logging.getLogger(__name__)

_ERRORS = responses(*QUERY_STATUSES, 400, 413) | {422: {"model": InvalidOut}}


@router.post(
    "/query",
    response_model=QueryResponse,
    response_model_exclude_none=True,
    responses=_ERRORS | {200: {"content": {"text/event-stream": {}}}},
)
def query(body: QueryRequest, rp: ReadPathDep):
    """Answer a question about the tenant's documents (default: every ready one).

    The router reads whole documents into a long-context model (`stuff`) or retrieves the
    relevant passages for a cheaper model (`rag`), from token counts stored at ingest; the
    `route` says which, with which model, why, the estimated cost and the costed
    alternatives it rejected. A `rag` answer is re-asked stuffed (`route.escalated`) when
    the learned router expects that to pay, or, without it, when the passages lacked the
    answer. Citations are quotes checked against their page. 404: unknown
    document; 409: not ready; 422: an impossible forced mode, budget or `max_latency_ms`
    (each route carries `estimated_latency_ms`); 502: every model
    failed; 402: the key's or tenant's monthly budget cannot pay for it. With `stream:
    true`, server-sent events (see QueryRequest.stream). With `history` or
    `conversation_id`, a follow-up is first rewritten into a standalone question.
    """
    question = answer.prepare(
        rp,
        body.question,
        body.document_ids,
        body.mode,
        body.max_cost_usd,
        body.prefer,
        history=[Turn(t.role, t.content) for t in body.history]
        if body.history is not None
        else None,
        conversation_id=body.conversation_id,
        max_latency_ms=body.max_latency_ms,
        streaming=body.stream,
    )
    if body.stream:
        return StreamingResponse(
            _events(rp, question, body.debug),
            media_type="text/event-stream",
            headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
        )
    return query_response(answer.execute(rp, question), body.debug)


def _events(rp: ReadPath, question: answer.Question, debug: bool) -> Iterator[str]:
    try:
        for event in answer.stream(rp, question):
            yield sse(event, debug)
    except AllModelsFailed as exc:
        # Headers are sent already: the failure becomes the last event.
        yield sse_error(502, str(exc))
