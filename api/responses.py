"""An answer as the API sends it: POST /query's body (query/views.py's dict, checked
against its schema) and the server-sent events of its stream."""

from __future__ import annotations

import json

from api.schemas.query import QueryResponse
from query.answer import Answer, Event
from query.views import answer_view, event_view


def query_response(answer: Answer, debug: bool = False) -> QueryResponse:
    """The response body of POST /query; `debug` adds the retrieved chunks in rank order."""
    return QueryResponse.model_validate(answer_view(answer, debug))


def sse(event: Event, debug: bool = False) -> str:
    """One server-sent event of an answer's stream."""
    name, data = event_view(event, debug)
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def sse_error(status: int, detail: str) -> str:
    """The last event of a stream that failed after its headers were sent."""
    return f"event: error\ndata: {json.dumps({'status': status, 'detail': detail})}\n\n"
