"""A real HTTP server on 127.0.0.1 that speaks OpenAI's chat-completions protocol.

Tests script what it answers, per model or for any model, and it records every request:

    with FakeOpenAIServer() as server:
        server.script("gpt-4o", rate_limited(retry_after=1), Reply("Delaware", cached_tokens=64))
        client = OpenAI(base_url=server.base_url, api_key="test")
        ...
        assert server.calls("gpt-4o") == 2

A scripted step is consumed by one request. With nothing scripted for a model the
server answers with `default` (a step, or a function of the request body returning
one), echoing "ok" unless told otherwise. `windows` makes it refuse prompts longer
than a model's window with OpenAI's context_length_exceeded error, as a real one would.
Streaming (`"stream": true`) is answered as server-sent events, with a usage chunk
when the request asks for `stream_options.include_usage`. With `prompt_cache` (a token
counter) it counts prompts with it and caches them as OpenAI does: a request with the
`prompt_cache_key` and model of an earlier one reports the prefix they share as
`cached_tokens`, in whole 128-token blocks and only from 1,024 (unless a step says
otherwise).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """A successful completion. Token counts default to an estimate from the request.

    Callers pass the first three positionally (text, prompt_tokens, completion_tokens):
    keep that order.
    """

    text: str = "ok"
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached_tokens: int = 0
    include_usage: bool = True  # False: no usage block (some servers omit it)
    finish_reason: str = "stop"
    delay_s: float = 0.0  # before the response starts
    cut_after: int | None = None  # streaming: drop the connection after this many deltas


@dataclass
class Fault:
    """An HTTP error response: status, JSON (dict) or raw (str) body, extra headers."""

    status: int
    body: dict | str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Hang:
    """Accept the request and send nothing for `seconds` (past the client's timeout)."""

    seconds: float = 30.0


@dataclass
class EchoHeaders:
    """An HTTP error whose body echoes the request's headers, Authorization included, as
    a careless or hostile upstream might: in the error message, or as raw text."""

    status: int = 500
    raw: bool = False  # True: a plain-text body rather than OpenAI's JSON error


Step = Reply | Fault | Hang | EchoHeaders


def _error(message: str, type_: str, code: str | None, param: str | None = None) -> dict:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def rate_limited(retry_after: float | None = 1.0, quota: bool = False) -> Fault:
    """429 as OpenAI sends it, with Retry-After (seconds) unless None."""
    headers = {} if retry_after is None else {"retry-after": f"{retry_after:g}"}
    if quota:
        body = _error(
            "You exceeded your current quota.", "insufficient_quota", "insufficient_quota"
        )
    else:
        body = _error("Rate limit reached for requests.", "requests", "rate_limit_exceeded")
    return Fault(429, body, headers)


def server_error(status: int = 500) -> Fault:
    return Fault(
        status, _error("The server had an error processing your request.", "server_error", None)
    )


def context_length(window: int = 128_000, tokens: int | None = None) -> Fault:
    """OpenAI's 400 for a prompt longer than the model's window."""
    message = (
        f"This model's maximum context length is {window} tokens. However, your messages"
        f" resulted in {tokens or window + 1} tokens. Please reduce the length of the messages."
    )
    return Fault(
        400, _error(message, "invalid_request_error", "context_length_exceeded", "messages")
    )


def unauthorized() -> Fault:
    return Fault(
        401, _error("Incorrect API key provided.", "invalid_request_error", "invalid_api_key")
    )


def malformed(status: int = 200) -> Fault:
    """A body that is not JSON at all, sent as application/json."""
    return Fault(status, '{"id": "chatcmpl-broken", "choices": [{"message": ')


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]  # lower-cased names
    body: dict[str, Any]

    @property
    def model(self) -> str | None:
        return self.body.get("model")

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))


class FakeOpenAIServer:
    """Start with `start()` (or `with`), point a client at `base_url`, `stop()` when done."""

    def __init__(
        self,
        default: Step | Callable[[dict], Step] | None = None,
        windows: dict[str, int] | None = None,
        prompt_cache: Callable[[str], int] | None = None,
    ) -> None:
        self.default = default if default is not None else Reply()
        self.windows = dict(windows or {})
        self.prompt_cache = prompt_cache  # a token counter: count prompts, cache prefixes
        self._prefixes: dict[tuple[str | None, str], str] = {}
        self.requests: list[Recorded] = []
        self._queues: dict[str | None, deque[Step]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> FakeOpenAIServer:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases hung handlers
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "call start() first"
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # --- scripting -------------------------------------------------------------------

    def script(self, model: str | None, *steps: Step) -> None:
        """Queue steps for requests naming `model` (None: any model, after its own queue)."""
        with self._lock:
            self._queues[model].extend(steps)

    def pending(self, model: str | None = None) -> int:
        with self._lock:
            return len(self._queues[model])

    def calls(self, model: str | None = None) -> int:
        """Requests received, for one model or in all."""
        return sum(1 for r in self.requests if model is None or r.model == model)

    def _cached(self, step: Reply, body: dict) -> Reply:
        """The reply with its prompt counted and its cached prefix, where caching is on."""
        if self.prompt_cache is None or step.prompt_tokens is not None or step.cached_tokens:
            return step
        messages = body.get("messages", [])
        text = "\n".join(str(m.get("content", "")) for m in messages)
        prompt = self.prompt_cache(text) + 4 * len(messages)
        cached, key = 0, body.get("prompt_cache_key")
        if key:
            with self._lock:
                before = self._prefixes.get((body.get("model"), key))
                self._prefixes[(body.get("model"), key)] = text
            if before is not None:
                shared = self.prompt_cache(os.path.commonprefix([before, text]))
                cached = shared // 128 * 128 if shared >= 1024 else 0
        return replace(step, prompt_tokens=prompt, cached_tokens=cached)

    def _next_step(self, body: dict) -> Step:
        model = body.get("model")
        with self._lock:
            for key in (model, None):
                if self._queues[key]:
                    return self._queues[key].popleft()
        window = self.windows.get(model or "")
        if window is not None and _prompt_tokens(body) > window:
            return context_length(window, _prompt_tokens(body))
        return self.default(body) if callable(self.default) else self.default


def _prompt_tokens(body: dict) -> int:
    # About four characters a token: close enough for a fake.
    return max(1, len(json.dumps(body.get("messages", []))) // 4)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOpenAIServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # keep test output clean

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        if self.path.rstrip("/").endswith("/models"):
            names = sorted({*self.fake.windows, *(k for k in self.fake._queues if k)})
            data = [{"id": n, "object": "model", "owned_by": "fake"} for n in names]
            self._send_json(200, {"object": "list", "data": data})
        else:
            self._send_json(404, _error("not found", "invalid_request_error", None))

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            self._send_json(400, _error("invalid JSON body", "invalid_request_error", None))
            return
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send_json(404, _error(f"no route {self.path}", "invalid_request_error", None))
            return
        with self.fake._lock:
            headers = {k.lower(): v for k, v in self.headers.items()}
            self.fake.requests.append(Recorded(self.path, headers, body))
        step = self.fake._next_step(body)
        try:
            self._answer(step, body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout): nothing left to say

    def _answer(self, step: Step, body: dict) -> None:
        if isinstance(step, Hang):
            if self.fake._stopping.wait(step.seconds):
                return
            step = Reply("too late")
        if isinstance(step, EchoHeaders):
            echoed = f"request failed; headers were {dict(self.headers.items())}"
            body = echoed if step.raw else _error(echoed, "server_error", None)
            step = Fault(step.status, body)
        if isinstance(step, Fault):
            if isinstance(step.body, str):
                self._send_raw(step.status, step.body.encode(), step.headers)
            else:
                self._send_json(step.status, step.body, step.headers)
            return
        step = self.fake._cached(step, body)
        if step.delay_s:
            time.sleep(step.delay_s)
        if body.get("stream"):
            self._stream(step, body)
        else:
            self._send_json(200, _completion(step, body))

    def _stream(self, step: Reply, body: dict) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("connection", "close")
        self.end_headers()
        model = body.get("model", "fake")
        pieces = [w for w in _split_words(step.text)]
        self._event(_chunk(model, {"role": "assistant", "content": ""}))
        for i, piece in enumerate(pieces):
            if step.cut_after is not None and i >= step.cut_after:
                self.wfile.write(b'ff\r\ndata: {"trunc')  # half a chunk, then hang up
                self.wfile.flush()
                self.close_connection = True
                return
            self._event(_chunk(model, {"content": piece}))
        self._event(_chunk(model, {}, step.finish_reason))
        if step.include_usage and (body.get("stream_options") or {}).get("include_usage"):
            self._event(_chunk(model, None) | {"usage": _usage(step, body)})
        self._write_chunk(b"data: [DONE]\n\n")
        self._write_chunk(b"")
        self.close_connection = True

    def _event(self, payload: dict) -> None:
        self._write_chunk(f"data: {json.dumps(payload)}\n\n".encode())

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _send_json(self, status: int, payload: dict, headers: dict | None = None) -> None:
        self._send_raw(status, json.dumps(payload).encode(), headers)

    def _send_raw(self, status: int, data: bytes, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("connection", "close")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()
        self.close_connection = True


def _split_words(text: str) -> list[str]:
    words = text.split(" ")
    return [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]


def _usage(step: Reply, body: dict) -> dict:
    prompt = step.prompt_tokens if step.prompt_tokens is not None else _prompt_tokens(body)
    completion = step.completion_tokens
    if completion is None:
        completion = max(1, len(step.text) // 4)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": step.cached_tokens, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0},
    }


def _completion(step: Reply, body: dict) -> dict:
    out = {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": step.text},
                "finish_reason": step.finish_reason,
            }
        ],
    }
    if step.include_usage:
        out["usage"] = _usage(step, body)
    return out


def _chunk(model: str, delta: dict | None, finish: str | None = None) -> dict:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": choices,
    }
