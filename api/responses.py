"""An answer as the API and the CLI show it: POST /query's body, built from the domain
object, and the events of its stream, serialised one way for the route and the CLI."""

from __future__ import annotations

import json
from dataclasses import asdict

from api.answer import Answer
from api.schemas import (
    AlternativeOut,
    CitationOut,
    QueryResponse,
    RetrievedOut,
    RouteOut,
    TokenUsage,
)


def query_response(answer: Answer, debug: bool = False) -> QueryResponse:
    """The response body of POST /query; `debug` adds the retrieved chunks in rank order."""
    r = answer.route
    route = RouteOut(
        mode=r.mode,
        model=r.model,
        reason=r.reason,
        estimated_cost_usd=r.estimated_cost_usd,
        context_tokens=r.context_tokens,
        alternatives=[AlternativeOut(**asdict(a)) for a in r.alternatives],
        escalated=answer.escalated,
        scope=r.scope,
        offline=r.offline,
    )
    retrieved = None
    if debug:
        retrieved = [
            RetrievedOut(
                document_id=c.document_id,
                chunk_index=c.chunk_index,
                page_start=c.page_start,
                page_end=c.page_end,
                tokens=c.tokens,
                score=round(c.score, 6),
            )
            for c in answer.retrieved
        ]
    return QueryResponse(
        question_id=answer.question_id,
        answer=answer.text,
        found=answer.found,
        citations=[CitationOut(**asdict(c)) for c in answer.citations],
        dropped_citations=answer.dropped_citations,
        route=route,
        models_used=answer.models_used,
        usage=TokenUsage(**asdict(answer.usage)),
        cost_usd=round(answer.cost_usd, 6),
        latency_ms=round(answer.latency_ms, 1),
        retrieved=retrieved,
    )


def event_data(kind: str, value: object, debug: bool = False) -> dict:
    """The data of one stream event of `answer.stream()`: delta, reset or answer."""
    if kind == "delta":
        return {"text": value}
    if kind == "reset":
        return {"reason": value}
    assert isinstance(value, Answer)
    return query_response(value, debug).model_dump(exclude_none=True)


def sse(event: str, data: dict) -> str:
    """One server-sent event."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
