"""Latency in the route: how long each option is expected to take, and what a request's
`max_latency_ms` or `prefer: fast` make of it.

An option's time is its model's (core/llm/latency.py: measured medians, or the catalog's
prior) at the option's prompt size: the first token, then the expected answer at the
model's pace; retrieval adds its search. A streaming request weighs the first token (what
the reader waits for), any other the whole answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from core.llm.catalog import ModelSpec
from core.llm.latency import ModelLatency
from query.routing.plan import Policy, RouteError

# Embedding the question and searching the chunks, before a rag prompt can be sent.
RETRIEVAL_MS = 200.0


@dataclass(frozen=True)
class Latency:
    first_token_ms: float
    total_ms: float

    def as_dict(self) -> dict[str, int]:
        return {"first_token": round(self.first_token_ms), "total": round(self.total_ms)}


class Timed(Protocol):
    """What these words need of a routing option (routing/options.py: Option)."""

    mode: str
    context_tokens: int
    model: ModelSpec
    latency: Latency


def estimate(spec: ModelSpec, mode: str, input_tokens: int, policy: Policy) -> Latency:
    """Milliseconds to the first token and to the whole answer of one option."""
    model = (policy.latencies or {}).get(spec.name) or ModelLatency.prior(spec)
    search = RETRIEVAL_MS if mode == "rag" else 0.0
    first = search + model.first_token(input_tokens)
    total = search + model.total(input_tokens, policy.expected_output_tokens)
    return Latency(first, total)


def weighed(latency: Latency, policy: Policy) -> float:
    """What a request waits for: the first token when streaming, else the whole answer."""
    return latency.first_token_ms if policy.streaming else latency.total_ms


def over_limit(latency: Latency, policy: Policy) -> bool:
    limit = policy.max_latency_ms
    return limit is not None and weighed(latency, policy) > limit


def wait_words(latency: Latency, policy: Policy) -> str:
    """'about 40 s to the first token' (streaming) or 'about 2.1 s to answer'."""
    what = "to the first token" if policy.streaming else "to answer"
    return f"about {seconds(weighed(latency, policy))} {what}"


def seconds(ms: float) -> str:
    """Milliseconds as a person says them: '40 s', '2.1 s', '0.4 s'."""
    s = ms / 1000
    return f"{s:.0f} s" if s >= 10 else f"{s:.1f} s"


def doing(mode: str, context_tokens: int, model: str) -> str:
    """'stuffing 380K tokens into gpt-5.2' or 'retrieval with gpt-4o'."""
    if mode == "rag":
        return f"retrieval with {model}"
    size = f"{context_tokens / 1000:,.0f}K" if context_tokens >= 1000 else f"{context_tokens:,}"
    return f"stuffing {size} tokens into {model}"


def limit_words(policy: Policy) -> str:
    return f"max_latency_ms {policy.max_latency_ms:,.0f}"


def too_slow(option: Timed, fastest: Timed | None, policy: Policy) -> RouteError:
    """No option answers within max_latency_ms: say how long the asked and fastest take."""
    head = doing(option.mode, option.context_tokens, option.model.name)
    msg = f"{head} would take {wait_words(option.latency, policy)}, over {limit_words(policy)}"
    if fastest is not None and fastest is not option:
        quick = doing(fastest.mode, fastest.context_tokens, fastest.model.name)
        msg += f"; the fastest way ({quick}) takes {wait_words(fastest.latency, policy)}"
    return RouteError(msg)
