"""The attempts of one model call across its fallback chain, and the ledger rows they make."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterator

from core.llm.catalog import ModelSpec
from core.llm.types import Attempt, ChatRequest, Completion, ProviderError, Usage
from core.storage.usage import UsageRecord
from core.text.tokens import count_tokens

log = logging.getLogger("core.llm.client")

_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


class AttemptLog:
    """Collects every attempt of one call and writes each to the ledger (if there is one)."""

    def __init__(
        self,
        role: str,
        question_id: str | None,
        messages: list[dict],
        ledger: Callable[[UsageRecord], None] | None,
        tenant_id: str,
        cache_key: str | None = None,
    ) -> None:
        self.role = role
        self.cache_key = cache_key
        self.question_id = question_id
        self.messages = messages
        self.ledger = ledger
        self.tenant_id = tenant_id
        self.attempts: list[Attempt] = []
        self.start = time.perf_counter()
        self.too_small = 0  # after a context-length error only larger windows are worth a try
        self._prompt_tokens: int | None = None

    def candidates(
        self, models: list[ModelSpec], usable: Callable[[ModelSpec], str | None]
    ) -> Iterator[ModelSpec]:
        """The models worth trying, in order; `usable` returns why a model cannot be, or None."""
        for spec in models:
            why = usable(spec)
            if why is None and spec.context_window <= self.too_small:
                why = (
                    f"window {spec.context_window:,} is not larger than the one that"
                    f" was too small ({self.too_small:,})"
                )
            if why is not None:
                self.skip(spec, why)
                continue
            yield spec
            if self.attempts and self.attempts[-1].outcome == "context_length":
                self.too_small = max(self.too_small, spec.context_window)

    def skip(self, spec: ModelSpec, why: str) -> None:
        """A model not tried (no key, window too small, circuit open, at its limit)."""
        self.attempts.append(Attempt(spec.name, "skipped", why, 0.0))
        log.info("model %s skipped: %s", spec.name, why)

    def prompt_tokens(self, spec: ModelSpec) -> int:
        """The prompt's tokens by the catalog tokenizer (counted once per call)."""
        if self._prompt_tokens is None:
            prompt = "\n".join(str(m.get("content", "")) for m in self.messages)
            self._prompt_tokens = count_tokens(prompt, spec.tokenizer) + 4 * len(self.messages)
        return self._prompt_tokens

    def usage_of(self, spec: ModelSpec, usage: Usage | None, text: str = "") -> Usage:
        """The server's usage or, when it gives none, our count with the catalog tokenizer."""
        if usage is not None:
            return usage
        return Usage(
            input_tokens=self.prompt_tokens(spec),
            output_tokens=count_tokens(text, spec.tokenizer),
        )

    def record(
        self,
        spec: ModelSpec,
        outcome: str,
        detail: str,
        latency_ms: float,
        usage: Usage | None = None,
        first_token_ms: float | None = None,
        output_tokens_per_s: float | None = None,
    ) -> None:
        """Keep one attempt and write its ledger row (with its first-token time and pace
        where measured); a ledger failure is logged, not raised."""
        self.attempts.append(Attempt(spec.name, outcome, detail, latency_ms))
        if outcome != "ok":
            log.warning("model %s: %s (%s)", spec.name, outcome, detail)
        if self.ledger is None:
            return
        usage = usage or Usage()
        row = UsageRecord(
            model=spec.name,
            role=self.role,
            input_tokens=usage.input_tokens,
            cached_input_tokens=usage.cached_input_tokens,
            output_tokens=usage.output_tokens,
            cost_usd=cost(spec, usage),
            latency_ms=latency_ms,
            outcome=outcome,
            question_id=self.question_id,
            tenant_id=self.tenant_id,
            first_token_ms=first_token_ms,
            output_tokens_per_s=output_tokens_per_s,
            cache_key=self.cache_key,
        )
        try:
            self.ledger(row)
        except Exception:  # an answer already paid for must not be lost to the ledger
            log.exception("could not write the usage ledger row for %s", spec.name)

    def completion(
        self, spec: ModelSpec, text: str, usage: Usage, first_token_ms: float | None = None
    ) -> Completion:
        return Completion(
            text=text,
            model=spec.name,
            usage=usage,
            cost_usd=cost(spec, usage),
            latency_ms=(time.perf_counter() - self.start) * 1000,
            attempts=list(self.attempts),
            first_token_ms=first_token_ms,
        )


def cost(spec: ModelSpec, usage: Usage) -> float:
    return spec.cost(usage.input_tokens, usage.output_tokens, usage.cached_input_tokens)


def json_text(text: str, usage: Usage) -> str:
    """The reply's JSON with any code fence removed; bad_response if it is not JSON."""
    match = _FENCE.match(text)
    body = match.group(1) if match else text.strip()
    try:
        json.loads(body)
    except ValueError:
        raise ProviderError(
            "bad_response", "JSON mode: the reply is not valid JSON", usage=usage
        ) from None
    return body


def with_cache_key(request: ChatRequest, cache_key: str | None) -> None:
    """Send the document set as prompt_cache_key: the provider then routes its calls to the
    machine holding that prefix (the documents come first in every prompt)."""
    if cache_key and request.model.prompt_cache_key and not request.model.is_local:
        request.extra["prompt_cache_key"] = cache_key


def output_pace(output_tokens: int, seconds: float) -> float | None:
    """Output tokens a second after the first text; None where too little to measure."""
    if output_tokens < 2 or seconds <= 0:
        return None
    return (output_tokens - 1) / seconds
