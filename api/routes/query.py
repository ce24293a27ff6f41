"""POST /query: ask the documents; the router chooses stuff or rag and says why and at what cost."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from api import answer
from api.deps import CallerDep, GuardDep, ReadPathDep
from api.errors import STATUS, responses
from api.read_path import ReadPath
from api.responses import event_data, query_response, sse
from api.schemas import InvalidOut, QueryRequest, QueryResponse
from core.llm import AllModelsFailed

router = APIRouter(tags=["query"])
log = logging.getLogger(__name__)

_ERRORS = responses(*STATUS.values(), 400, 413) | {422: {"model": InvalidOut}}


@router.post(
    "/query",
    response_model=QueryResponse,
    response_model_exclude_none=True,
    responses=_ERRORS | {200: {"content": {"text/event-stream": {}}}},
)
def query(body: QueryRequest, rp: ReadPathDep, caller: CallerDep, guard: GuardDep):
    """Answer a question about the tenant's documents (default: every ready one).

    The router reads whole documents into a long-context model (`stuff`) or retrieves the
    relevant passages for a cheaper model (`rag`), from token counts stored at ingest; the
    `route` says which, with which model, why, the estimated cost and the costed
    alternatives it rejected. A `rag` answer is re-asked stuffed (`route.escalated`) when
    the learned router expects that to pay, or, without it, when the passages lacked the
    answer. Citations are quotes checked against their page. 404: unknown
    document; 409: not ready; 422: an impossible forced mode or budget; 502: every model
    failed; 402: the key's or tenant's monthly budget cannot pay for it. With `stream:
    true`, server-sent events (see QueryRequest.stream).
    """
    question = answer.prepare(
        rp, body.question, body.document_ids, body.mode, body.max_cost_usd, body.prefer
    )
    # The router's estimate (with an escalation's) is held against the budgets until the
    # answer is done and its real cost is in the ledger; 402 here, before any spending.
    paid = ExitStack()
    paid.enter_context(guard.budgets.reserve(caller.payer, _estimate(question.plan)))
    if body.stream:
        return StreamingResponse(
            _events(rp, question, body.debug, paid),
            media_type="text/event-stream",
            headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
        )
    with paid:
        return query_response(answer.execute(rp, question), body.debug)


def _estimate(route) -> float:
    escalation = route.escalation.estimated_cost_usd if route.escalation else 0.0
    return route.estimated_cost_usd + escalation


def _events(rp: ReadPath, question: answer.Question, debug: bool, paid: ExitStack) -> Iterator[str]:
    with paid:
        try:
            for kind, value in answer.stream(rp, question):
                yield sse(kind, event_data(kind, value, debug))
        except AllModelsFailed as exc:
            # Headers are sent already: the failure becomes the last event.
            yield sse("error", {"status": 502, "detail": str(exc)})
