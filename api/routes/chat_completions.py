"""OpenAI-compatible chat: GET /v1/models and POST /v1/chat/completions, so the openai
SDK, Open WebUI or LibreChat can ask folio (errors in OpenAI's shape: api/errors.py)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from api.deps import ReadPathDep
from api.schemas.chat import ChatCompletion, ChatRequest, ModelList, OpenAIErrorOut
from core.llm.client import AllModelsFailed
from query import answer, chat
from query.conversation.history import Turn
from query.read_path import ReadPath

router = APIRouter(prefix="/v1", tags=["openai"])
# Errors on /v1 are in OpenAI's shape (api/errors.py), the 401 and 429 of the keys too.
_ERRORS = {
    code: {"model": OpenAIErrorOut} for code in (400, 401, 402, 404, 409, 413, 422, 429, 502, 503)
}


@router.get("/models", response_model=ModelList, responses=_ERRORS)
def list_models() -> dict:
    """folio's modes as models: folio-auto (the router decides), folio-stuff, folio-rag."""
    return chat.models_view(int(time.time()))


@router.post(
    "/chat/completions",
    response_model=ChatCompletion,
    responses=_ERRORS | {200: {"content": {"text/event-stream": {}}}},
)
def chat_completions(body: ChatRequest, rp: ReadPathDep):
    """Answer the last user message about the tenant's documents (or `document_ids`), the
    earlier messages as the conversation: a follow-up is rewritten into a standalone
    question first (`folio.rewritten_question`). With `stream: true`, chunks as OpenAI
    sends them; the last before [DONE] carries `citations` and `folio`."""
    ask = chat.ChatAsk(
        model=body.model,
        messages=[Turn(m.role, m.text) for m in body.messages],
        document_ids=body.document_ids,
        max_cost_usd=body.max_cost_usd,
        prefer=body.prefer,
        max_latency_ms=body.max_latency_ms,
        stream=bool(body.stream),
    )
    question = chat.prepare(rp, ask)
    created = int(time.time())
    if body.stream:
        usage = body.stream_options is not None and body.stream_options.include_usage
        return StreamingResponse(
            _sse(rp, question, created, usage),
            media_type="text/event-stream",
            headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
        )
    return chat.completion_view(answer.execute(rp, question), question, created)


def _sse(rp: ReadPath, question: answer.Question, created: int, usage: bool) -> Iterator[str]:
    try:
        for item in chat.chunks(answer.stream(rp, question), question, created, usage):
            yield f"data: {json.dumps(item, ensure_ascii=False)}\n\n"
    except AllModelsFailed as exc:
        # Headers are sent already: the failure goes as an error chunk, as OpenAI's does.
        yield f"data: {json.dumps(chat.error_chunk(502, str(exc)))}\n\n"
    yield "data: [DONE]\n\n"
