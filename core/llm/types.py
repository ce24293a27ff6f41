"""The records every model call produces: usage, attempts, completions, and the errors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from core.errors import FolioError
from core.llm.catalog import ModelSpec

# Outcomes of one attempt. "skipped" marks a model not tried (no key, window too small);
# skipped models cost nothing and are not written to the ledger.
OUTCOMES = (
    "ok",
    "rate_limited",
    "server_error",
    "timeout",
    "connection",
    "context_length",
    "bad_response",
    "auth",
    "cancelled",
    "skipped",
)
RETRYABLE = frozenset({"rate_limited", "server_error", "timeout", "connection"})


@dataclass
class Usage:
    input_tokens: int = 0  # includes the cached ones, as providers report
    cached_input_tokens: int = 0
    output_tokens: int = 0


@dataclass
class Attempt:
    model: str
    outcome: str  # one of OUTCOMES
    detail: str
    latency_ms: float


@dataclass
class Completion:
    text: str
    model: str
    usage: Usage
    cost_usd: float
    latency_ms: float  # the whole call, retries and fallbacks included
    attempts: list[Attempt]
    first_token_ms: float | None = None  # streaming only


class AllModelsFailed(FolioError):
    """Every model of the chain failed; `attempts` says which, how and why."""

    status = 502

    def __init__(self, attempts: list[Attempt], note: str = "") -> None:
        self.attempts = list(attempts)
        lines = [f"  {a.model}: {a.outcome} ({a.detail})" for a in self.attempts]
        head = note or f"all models failed after {len(self.attempts)} attempt(s)"
        super().__init__("\n".join([head + ":", *lines]) if lines else head)


class ProviderError(Exception):
    """One failed request, already classified: `outcome` is one of OUTCOMES."""

    def __init__(
        self,
        outcome: str,
        detail: str,
        retry_after: float | None = None,
        retryable: bool | None = None,
        usage: Usage | None = None,
    ) -> None:
        super().__init__(f"{outcome}: {detail}")
        self.outcome = outcome
        self.detail = detail
        self.retry_after = retry_after  # seconds the server asked us to wait
        self.retryable = outcome in RETRYABLE if retryable is None else retryable
        self.usage = usage  # tokens billed even though the answer is unusable


@dataclass
class ChatResult:
    text: str
    usage: Usage | None  # None: the server did not say
    finish_reason: str | None = None


@dataclass
class ChatRequest:
    model: ModelSpec
    messages: list[dict]
    max_tokens: int
    json_mode: bool = False
    extra: dict = field(default_factory=dict)
    # A JSON Schema the reply must follow: sent as `response_format` json_schema (strict)
    # where the catalog says the model takes one, else JSON mode.
    schema: dict | None = None


class ChatProvider(Protocol):
    """One way of reaching chat models; raises ProviderError for every failure it knows."""

    def complete(self, request: ChatRequest) -> ChatResult: ...

    def stream(self, request: ChatRequest) -> Iterator[str | Usage]:
        """Text deltas in order; a Usage item when the server reports one."""
        ...
