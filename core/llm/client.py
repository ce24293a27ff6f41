"""Chat models over the OpenAI-compatible protocol, with retries, fallback and a usage ledger.

`ModelClient.complete` / `.stream` try a chain of catalog models in order. Each model
gets `settings.llm_max_retries` retries with exponential backoff and jitter (honouring
Retry-After) on 429, 5xx, timeouts and connection errors; then the next model is tried.
A context-length error skips straight to a model with a larger window. Every attempt
is kept on the result (or on `AllModelsFailed`) and written to the ledger callback.

Where each model is served, and with which key, is decided in core/llm/providers.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from functools import partial
from itertools import chain

from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from core.llm.attempts import AttemptLog, json_text, output_pace, with_cache_key
from core.llm.catalog import Catalog, ModelSpec
from core.llm.health import Breakers
from core.llm.limits import ProviderLimits
from core.llm.providers import (
    PROVIDERS,
    ResolvedEndpoint,
    available_models,
    provider_class,
    resolve_endpoint,
)
from core.llm.types import (
    AllModelsFailed,
    Attempt,
    ChatProvider,
    ChatRequest,
    ChatResult,
    Completion,
    ProviderError,
    Usage,
)
from core.settings import Settings
from core.storage.usage import UsageRecord

__all__ = [
    "PROVIDERS",
    "AllModelsFailed",
    "Attempt",
    "Completion",
    "ModelClient",
    "ProviderError",
    "Usage",
    "available_models",
    "provider_class",
    "resolve_endpoint",
]


class ModelClient:
    """Calls chat models through their provider, with retries, fallback and a ledger."""

    def __init__(
        self,
        catalog: Catalog,
        settings: Settings,
        ledger: Callable[[UsageRecord], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        *,
        backoff_s: float = 0.5,
        backoff_max_s: float = 8.0,
        max_retry_after_s: float = 30.0,
        limits: ProviderLimits | None = None,
    ) -> None:
        self.catalog = catalog
        self.settings = settings
        self.ledger = ledger
        self.max_retry_after_s = max_retry_after_s  # asked to wait longer: fall back instead
        self._sleep = sleep
        self._backoff = wait_exponential_jitter(
            multiplier=backoff_s, max=backoff_max_s, jitter=backoff_s
        )
        self._providers: dict[ResolvedEndpoint, ChatProvider] = {}
        # Shared by the per-caller copies (ReadPath.acting_for): one circuit per model.
        self.health = Breakers(settings.llm_breaker_failures, settings.llm_breaker_open_s)
        self.limits = limits  # catalog rpm/tpm, admitted before each call

    def available(self, model: ModelSpec) -> bool:
        """True for the local reader, or when the model's endpoint has a key or base URL."""
        return resolve_endpoint(self.catalog, self.settings, model).usable

    def complete(
        self,
        models: list[ModelSpec],
        messages: list[dict],
        *,
        role: str,
        json_mode: bool = False,
        max_tokens: int | None = None,
        question_id: str | None = None,
        schema: dict | None = None,
        cache_key: str | None = None,
    ) -> Completion:
        """The first good answer along `models` (the chain); AllModelsFailed if none.

        With `json_mode` the reply must parse as JSON (fences are stripped), else the
        attempt counts as a bad response and the next model is tried. A `schema` (JSON
        Schema) goes to models that take one (catalog `json_schema`); the reply's shape is
        the caller's to check. A `cache_key` (the document set) goes as prompt_cache_key.
        """
        log = self._log(role, question_id, messages, cache_key)
        for spec in log.candidates(models, self._unusable):
            request = self._request(spec, messages, max_tokens, json_mode or schema is not None)
            request.schema = schema
            with_cache_key(request, cache_key)
            if not self._admitted(log, request):
                continue
            call = partial(self._complete_once, self._provider(spec), request, log)
            try:
                result, latency = self._with_retries(spec, log, call)
            except ProviderError:
                continue
            usage = log.usage_of(spec, result.usage, result.text)
            # Not streamed: the first token is known to have come by the end of the call.
            done = result.finish_reason or "stop"
            log.record(spec, "ok", done, latency, usage, first_token_ms=latency)
            return log.completion(spec, result.text, usage)
        raise AllModelsFailed(log.attempts)

    def stream(
        self,
        models: list[ModelSpec],
        messages: list[dict],
        *,
        role: str,
        max_tokens: int | None = None,
        question_id: str | None = None,
        cache_key: str | None = None,
    ) -> Iterator[str | Completion]:
        """Text deltas as they arrive, then one Completion.

        Failures before the first delta fall back like `complete`; once text has been
        sent a failure cannot be taken back, so it ends the stream with AllModelsFailed.
        """
        log = self._log(role, question_id, messages, cache_key)
        for spec in log.candidates(models, self._unusable):
            request = self._request(spec, messages, max_tokens, False)
            with_cache_key(request, cache_key)
            if not self._admitted(log, request):
                continue
            opened = time.perf_counter()
            call = partial(self._open_stream, self._provider(spec), request)
            try:
                (events, head), model_first_ms = self._with_retries(spec, log, call)
            except ProviderError:
                continue
            first_seen = time.perf_counter()
            first_token_ms = (first_seen - log.start) * 1000
            parts: list[str] = []
            usage: Usage | None = None
            try:
                for item in chain(head, events):
                    if isinstance(item, Usage):
                        usage = item
                    elif item:
                        parts.append(item)
                        yield item
            except ProviderError as exc:
                latency = (time.perf_counter() - opened) * 1000
                log.record(spec, exc.outcome, f"mid-stream: {exc.detail}", latency)
                raise AllModelsFailed(log.attempts, "the stream broke after text was sent") from exc
            except GeneratorExit:  # the consumer went away: bill what was generated
                events.close()
                latency = (time.perf_counter() - opened) * 1000
                billed = log.usage_of(spec, usage, "".join(parts))
                log.record(spec, "cancelled", "the consumer stopped reading", latency, billed)
                raise
            text = "".join(parts)
            usage = log.usage_of(spec, usage, text)
            latency = (time.perf_counter() - opened) * 1000
            if not text.strip():  # nothing was sent yet, so the next model may still answer
                log.record(spec, "bad_response", "empty reply", latency, usage)
                continue
            pace = output_pace(usage.output_tokens, time.perf_counter() - first_seen)
            log.record(spec, "ok", "stream", latency, usage, model_first_ms, pace)
            yield log.completion(spec, text, usage, first_token_ms)
            return
        raise AllModelsFailed(log.attempts)

    # --- internals -------------------------------------------------------------------

    def _log(
        self, role: str, question_id: str | None, messages: list[dict], cache_key: str | None
    ) -> AttemptLog:
        tenant = self.settings.tenant_id
        return AttemptLog(role, question_id, messages, self.ledger, tenant, cache_key)

    def _unusable(self, spec: ModelSpec) -> str | None:
        endpoint = resolve_endpoint(self.catalog, self.settings, spec)
        if endpoint.kind == "local":
            return (
                "the offline reader answers from passages (core.reader.offline), not chat messages"
            )
        if not endpoint.usable:
            return f"no API key or base URL configured for endpoint {spec.endpoint!r}"
        return self.health.refuses(spec.name)

    def _admitted(self, log: AttemptLog, request: ChatRequest) -> bool:
        """Within the model's provider limits (waiting briefly for a slot); else skipped."""
        if self.limits is None:
            return True
        spec = request.model
        why = self.limits.admit(spec, lambda: log.prompt_tokens(spec) + request.max_tokens)
        if why is not None:
            log.skip(spec, why)
        return why is None

    @staticmethod
    def _complete_once(provider: ChatProvider, request: ChatRequest, log: AttemptLog) -> ChatResult:
        result = provider.complete(request)
        if request.json_mode and request.schema is None:  # a schema's caller checks the reply
            usage = log.usage_of(request.model, result.usage, result.text)
            result.text = json_text(result.text, usage)
        return result

    @staticmethod
    def _open_stream(provider: ChatProvider, request: ChatRequest) -> tuple[Iterator, list]:
        # Read up to the first text so a failure before any output can still fall back.
        events = provider.stream(request)
        head: list[str | Usage] = []
        for item in events:
            head.append(item)
            if isinstance(item, str) and item:
                break
        return events, head

    def _request(
        self, spec: ModelSpec, messages: list[dict], max_tokens: int | None, json_mode: bool
    ) -> ChatRequest:
        limit = min(max_tokens or spec.max_output_tokens, spec.max_output_tokens)
        return ChatRequest(model=spec, messages=messages, max_tokens=limit, json_mode=json_mode)

    def _provider(self, spec: ModelSpec) -> ChatProvider:
        endpoint = resolve_endpoint(self.catalog, self.settings, spec)
        if endpoint not in self._providers:
            cls = provider_class(endpoint.kind)
            self._providers[endpoint] = cls(
                endpoint.base_url, endpoint.api_key, self.settings.llm_timeout_s
            )
        return self._providers[endpoint]

    def _with_retries(self, spec: ModelSpec, log: AttemptLog, call: Callable) -> tuple:
        """call() with retries, each failed try recorded; returns (result, latency_ms)."""

        def once() -> tuple:
            start = time.perf_counter()
            try:
                result = call()
            except ProviderError as exc:
                self.health.observe(spec.name, exc.outcome)
                log.record(
                    spec, exc.outcome, exc.detail, (time.perf_counter() - start) * 1000, exc.usage
                )
                raise
            self.health.observe(spec.name, "ok")
            return result, (time.perf_counter() - start) * 1000

        def worth_retrying(exc: BaseException) -> bool:
            # A circuit that has just opened: the fallbacks answer sooner than a retry.
            return self._should_retry(exc) and self.health.closed(spec.name)

        retrying = Retrying(
            stop=stop_after_attempt(self.settings.llm_max_retries + 1),
            wait=self._wait,
            retry=retry_if_exception(worth_retrying),
            sleep=self._sleep,
            reraise=True,
        )
        return retrying(once)

    def _should_retry(self, exc: BaseException) -> bool:
        if not isinstance(exc, ProviderError) or not exc.retryable:
            return False
        return exc.retry_after is None or exc.retry_after <= self.max_retry_after_s

    def _wait(self, state) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, ProviderError) and exc.retry_after is not None:
            return exc.retry_after
        return self._backoff(state)
