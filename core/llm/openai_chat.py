"""The OpenAI-compatible chat provider: OpenAI, gateways (EvoLink), vLLM, llama-server.

Retries are ModelClient's (so each attempt is recorded): the SDK's own are turned off.
Every SDK error is mapped to a ProviderError with one of the outcomes in llm_types. Its
detail names the status and a short reason; an upstream's own text is passed on only
where it is useful (a 4xx), and then through core.logs' Redactor, since a server may echo
the request's headers, key included. A 5xx body is never passed on.
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from collections.abc import Iterator

import openai
from openai import OpenAI

from core.llm.types import ChatRequest, ChatResult, ProviderError, Usage
from core.logs import Redactor

_CONTEXT = re.compile(
    r"context[_ ]length|maximum context|context window|context size|exceed_context"
    r"|prompt is too long|too many tokens|input is too long",
    re.IGNORECASE,
)


class OpenAIChat:
    """Chat completions over the official `openai` SDK, against any compatible base URL."""

    def __init__(self, base_url: str | None, api_key: str | None, timeout_s: float) -> None:
        # Keyless servers (llama-server, vLLM) still need a non-empty key for the SDK.
        self._client = OpenAI(
            base_url=base_url, api_key=api_key or "not-needed", timeout=timeout_s, max_retries=0
        )
        self._redact = Redactor([api_key] if api_key else [])

    def complete(self, request: ChatRequest) -> ChatResult:
        """One non-streaming request; raises ProviderError."""
        kwargs = _params(request)
        if request.schema is not None and request.model.json_schema:
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": request.schema, "strict": True},
            }
        elif request.json_mode and request.model.json_mode:
            kwargs["response_format"] = {"type": "json_object"}
        try:
            response = self._client.chat.completions.create(**kwargs)
        except Exception as exc:  # noqa: BLE001 - classified or re-raised below
            raise classify(exc, self._redact) from exc
        usage = parse_usage(getattr(response, "usage", None))
        if not response.choices or response.choices[0].message is None:
            raise ProviderError("bad_response", "the response has no choices", usage=usage)
        choice = response.choices[0]
        if choice.message.content is None and choice.message.refusal:
            raise ProviderError("bad_response", "the model refused to answer", usage=usage)
        text = choice.message.content or ""
        if not text.strip():  # e.g. a reasoning model that spent its budget thinking
            detail = f"empty reply (finish_reason={choice.finish_reason})"
            raise ProviderError("bad_response", detail, usage=usage)
        return ChatResult(text, usage, choice.finish_reason)

    def stream(self, request: ChatRequest) -> Iterator[str | Usage]:
        """Text deltas as they arrive, then the usage chunk; raises ProviderError."""
        kwargs = _params(request) | {"stream": True, "stream_options": {"include_usage": True}}
        try:
            events = self._client.chat.completions.create(**kwargs)
        except Exception as exc:  # noqa: BLE001
            raise classify(exc, self._redact) from exc
        try:
            for chunk in events:
                if getattr(chunk, "usage", None):
                    yield parse_usage(chunk.usage)
                for choice in chunk.choices or []:
                    if choice.delta is not None and choice.delta.content:
                        yield choice.delta.content
        except (openai.OpenAIError, ValueError) as exc:
            raise classify(exc, self._redact) from exc
        finally:
            events.close()


def _params(request: ChatRequest) -> dict:
    spec = request.model
    params = {
        "model": spec.api_model,
        "messages": request.messages,
        spec.token_limit_param: request.max_tokens,
        **request.extra,
    }
    if spec.temperature is not None:  # a small local model answers steadier at 0
        params["temperature"] = spec.temperature
    return params


def parse_usage(usage: object) -> Usage | None:
    """prompt/completion tokens and cached prompt tokens, whichever field the server uses."""
    if usage is None:
        return None
    details = getattr(usage, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", None) if details is not None else None
    extra = getattr(usage, "model_extra", None) or {}
    if cached is None:  # DeepSeek and Anthropic-style gateways name it differently
        cached = extra.get("prompt_cache_hit_tokens") or extra.get("cache_read_input_tokens")
    return Usage(
        input_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
        cached_input_tokens=int(cached or 0),
        output_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
    )


def classify(exc: BaseException, redact: Redactor | None = None) -> ProviderError:
    """Map an SDK exception to a ProviderError; unknown exceptions (bugs) are re-raised.
    Any upstream text kept in the detail goes through `redact` (credential shapes at least)."""
    redact = redact or Redactor()
    if isinstance(exc, openai.APITimeoutError):
        return ProviderError("timeout", "no response within the timeout")
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc.__context__
        return ProviderError("connection", redact(_short(cause or exc)))
    if isinstance(exc, openai.APIStatusError):
        return _from_status(exc, redact)
    if isinstance(exc, openai.APIResponseValidationError | json.JSONDecodeError | ValueError):
        return ProviderError("bad_response", f"malformed response ({redact(_short(exc))})")
    raise exc


def _from_status(exc: openai.APIStatusError, redact: Redactor) -> ProviderError:
    status, code = exc.status_code, getattr(exc, "code", None)
    message = redact(_message(exc))
    retry_after = _retry_after(exc.response)
    if status == 429:
        if code == "insufficient_quota":
            return ProviderError("rate_limited", "HTTP 429: quota exhausted", retryable=False)
        wait = f"; retry after {retry_after:g}s" if retry_after is not None else ""
        return ProviderError("rate_limited", f"HTTP 429: rate limited{wait}", retry_after)
    if status in (401, 403):
        # The server's message may echo part of the key: never pass it on.
        return ProviderError("auth", f"HTTP {status}: the endpoint rejected the API key")
    if status == 408:
        return ProviderError("timeout", "HTTP 408: request timeout", retry_after)
    if status >= 500 or status == 409:
        # A failing server's body is the likeliest to hold a dump of the request.
        return ProviderError("server_error", f"HTTP {status}: the server failed", retry_after)
    if code == "context_length_exceeded" or _CONTEXT.search(f"{message} {exc.body}"):
        return ProviderError("context_length", f"HTTP {status}: {message}")
    return ProviderError("bad_response", f"HTTP {status}: {message}")


def _message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return _short(inner["message"])
    return _short(exc.message or type(exc).__name__)


def _retry_after(response: object) -> float | None:
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    try:
        if headers.get("retry-after-ms"):
            return max(float(headers["retry-after-ms"]) / 1000, 0.0)
        value = headers.get("retry-after")
        if not value:
            return None
        try:
            return max(float(value), 0.0)
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            return max(when.timestamp() - time.time(), 0.0)
    except (TypeError, ValueError, OverflowError):
        return None


def _short(value: object, limit: int = 200) -> str:
    text = " ".join(str(value).split()) or type(value).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."
