"""The read path in OpenAI's chat-completions shape: the three modes as models, a chat's
messages as a question and its history, and an answer as a completion or its chunks.

The answer runs through query/answer.py like any other (prepare, execute or stream); only
the shape changes. The content carries [n] markers and a short "Sources" list for
clients that render only text; the top-level `citations` and `folio` (route, cost,
latency, the rewritten question) carry the rest.

An escalation mid-stream (a `Reset`: the retrieved answer is re-asked with the whole
documents) cannot take back text an OpenAI client has shown, so the stream says so
in the text — a line reading "(Re-reading the whole document: ...)" — and the better
answer follows it; the non-streamed completion holds the final answer only.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from core.errors import FolioError
from query import answer
from query.conversation import markers
from query.conversation.history import Turn, split_messages
from query.events import Delta, Reset
from query.read_path import ReadPath
from query.views import answer_view

#: The models a chat client sees: folio's three modes.
MODELS = {"folio-auto": "auto", "folio-stuff": "stuff", "folio-rag": "rag"}
QUESTION_MAX_CHARS = 8000


class UnknownModel(FolioError, LookupError):
    status = 404


class BadQuestion(FolioError, ValueError):
    status = 400


@dataclass(frozen=True)
class ChatAsk:
    """What a chat request asks, read from its body by the route."""

    model: str
    messages: Sequence[Turn]
    document_ids: Sequence[str] | None = None
    max_cost_usd: float | None = None
    prefer: str | None = None
    max_latency_ms: float | None = None
    stream: bool = False  # a streamed answer is timed to its first token


def models_view(created: int) -> dict:
    """GET /v1/models: the three modes in OpenAI's list shape."""
    data = [{"id": m, "object": "model", "created": created, "owned_by": "folio"} for m in MODELS]
    return {"object": "list", "data": data}


def prepare(rp: ReadPath, ask: ChatAsk) -> answer.Question:
    """The chat's last user message as the question, the turns before it as history;
    refused (404 unknown model, 400 no question) before anything is spent."""
    mode = MODELS.get(ask.model)
    if mode is None:
        raise UnknownModel(
            f"the model {ask.model!r} does not exist; folio's models are {', '.join(MODELS)}"
        )
    question, history = split_messages(ask.messages)
    if len(question) > QUESTION_MAX_CHARS:
        raise BadQuestion(f"the last user message is over {QUESTION_MAX_CHARS} characters")
    return answer.prepare(
        rp,
        question,
        ask.document_ids,
        mode,
        ask.max_cost_usd,
        ask.prefer,
        history=history,
        max_latency_ms=ask.max_latency_ms,
        streaming=ask.stream,
    )


def completion_view(done: answer.Answer, q: answer.Question, created: int) -> dict:
    """A finished answer to `q` as a chat completion (`object: chat.completion`)."""
    body = answer_view(done)
    content = markers.place(done.text, done.citations) + markers.sources(done.citations)
    return {
        "id": f"chatcmpl-{done.question_id}",
        "object": "chat.completion",
        "created": created,
        "model": _answered_by(done),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": _usage(done),
    } | _extras(body, q)


def chunks(
    events: Iterator[answer.Event], q: answer.Question, created: int, include_usage: bool
) -> Iterator[dict]:
    """The answer's stream as `chat.completion.chunk`s: the text as it is written, a
    line where an escalation starts over, the markers and sources, then (last before
    [DONE]) the citations and `folio`, with `usage` when the client asked for it."""
    base = {"id": f"chatcmpl-{q.id}", "object": "chat.completion.chunk", "created": created}
    model = q.plan.model

    def chunk(delta: dict, finish: str | None = None, model: str = model) -> dict:
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
        return base | {"model": model, "choices": [choice]}

    yield chunk({"role": "assistant", "content": ""})
    for event in events:
        if isinstance(event, Delta):
            yield chunk({"content": event.text})
        elif isinstance(event, Reset):
            yield chunk({"content": f"\n\n(Re-reading the whole document: {event.reason})\n\n"})
        else:
            tail = "".join(f"[{n}]" for n in range(1, len(event.citations) + 1))
            text = (f" {tail}" if tail else "") + markers.sources(event.citations)
            last = chunk({"content": text}, "stop", _answered_by(event))
            extras = _extras(answer_view(event), q)
            if include_usage:
                yield last
                yield (
                    base | {"model": last["model"], "choices": [], "usage": _usage(event)} | extras
                )
            else:
                yield last | extras


def error_chunk(status: int, message: str) -> dict:
    """A failure after the stream began, as OpenAI streams send one (the SDK raises it)."""
    return {"error": error_body(status, message)["error"]}


def error_body(status: int, message: str, param: str | None = None) -> dict:
    """OpenAI's error shape: {"error": {"message", "type", "param", "code"}}."""
    kind, code = _ERROR_KINDS.get(status, ("invalid_request_error", None))
    if status >= 500:
        kind, code = "server_error", None
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


_ERROR_KINDS = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    402: ("insufficient_quota", "insufficient_quota"),
    403: ("invalid_request_error", "permission_denied"),
    404: ("invalid_request_error", "not_found"),
    409: ("invalid_request_error", "conflict"),
    413: ("invalid_request_error", "request_too_large"),
    422: ("invalid_request_error", None),
    429: ("rate_limit_error", "rate_limit_exceeded"),
}


def _answered_by(done: answer.Answer) -> str:
    return done.models_used[-1] if done.models_used else done.route.model


def _usage(done: answer.Answer) -> dict:
    u = done.usage
    return {
        "prompt_tokens": u.input_tokens,
        "completion_tokens": u.output_tokens,
        "total_tokens": u.input_tokens + u.output_tokens,
        "prompt_tokens_details": {"cached_tokens": u.cached_input_tokens},
    }


def _extras(body: dict, q: answer.Question) -> dict:
    """The top-level fields folio adds: checked citations, and how it answered."""
    conversation = body.get("conversation")
    asked = q.rewrite.asked if q.rewrite else q.text
    folio = {
        "question_id": body["question_id"],
        "found": body["found"],
        "route": body["route"],
        "models_used": body["models_used"],
        "cost_usd": body["cost_usd"],
        "latency_ms": body["latency_ms"],
        "dropped_citations": body["dropped_citations"],
        "question": asked,
        "rewritten_question": q.text,
        "conversation": conversation,
    }
    return {"citations": body["citations"], "folio": folio}
