"""What the router decides with and what it returns: the `Policy` it follows, the
`RoutePlan` it makes (with the costed alternatives it rejected and the Self-Route
escalation it keeps in reserve), and `RouteError` when no plan can work."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from core.errors import FolioError
from core.llm.latency import ModelLatency
from query.routing.cache import WarmCache

MODES = ("auto", "stuff", "rag")


class SizedDocument(Protocol):
    """What the router needs of a document (a registry `Document` has it)."""

    id: str
    pages: int
    tokens: int


@dataclass(frozen=True)
class Policy:
    """The knobs of routing; the defaults are the service's, a request may override some."""

    mode: str = "auto"
    max_cost_usd: float | None = None
    output_reserve: int = 2_000  # tokens kept free in the window for the answer
    expected_output_tokens: int = 400  # what an answer usually costs, for estimates
    prompt_tokens: int = 350  # instructions (~160) and document tags around the context
    page_marker_tokens: int = 7  # "\n[page N]\n" is 6-7 o200k tokens
    retrieval_budget: int = 8_000  # tokens of retrieved passages for `rag`
    cheap_stuff_max_tokens: int = 32_000  # stuff the cheap model only up to this size ...
    cheap_stuff_max_usd: float = 0.05  # ... and this estimated cost
    many_documents: int = 4  # this many documents make any question global
    available: frozenset[str] | None = None  # usable model names; None: all of them
    prefer: str = "balanced"  # cost | balanced | quality: how the learned router trades
    # fast: the quickest option that fits the budget
    max_latency_ms: float | None = None  # refuse options expected to take longer
    streaming: bool = False  # weigh the first token (streaming) or the whole answer
    # Each model's measured (or prior) speed, by name; None: the catalog's priors.
    latencies: Mapping[str, ModelLatency] | None = None
    # Models whose prompt cache holds these documents now (query/routing/cache.py).
    warm: Mapping[str, WarmCache] | None = None


@dataclass(frozen=True)
class Alternative:
    mode: str
    model: str
    estimated_cost_usd: float
    rejected_because: str
    estimated_latency_ms: dict[str, int] | None = None  # {first_token, total}


@dataclass(frozen=True)
class Escalation:
    """Self-Route: if a `rag` answer says the passages lack the answer, stuff this model;
    behind the learned router, if its escalation gate expects stuffing to pay.

    Planned only in auto mode, when the documents fit its window and both calls together
    stay within max_cost_usd."""

    model: str
    models: tuple[str, ...]
    estimated_cost_usd: float
    context_tokens: int
    # Behind the learned router: what its escalation gate reads of the question, and the
    # expected accuracy gain that pays for stuffing (query.routing.learned.escalates).
    question_features: tuple[float, ...] | None = None
    min_gain: float | None = None


@dataclass(frozen=True)
class RoutePlan:
    mode: str  # "stuff" or "rag"
    model: str  # the first model to try
    models: tuple[str, ...]  # it and its fallbacks that can take this context
    reason: str
    estimated_cost_usd: float
    context_tokens: int  # document tokens to send (stuff) or the retrieval budget (rag)
    input_tokens: int  # estimated prompt size
    scope: str  # "global" or "local"
    offline: bool
    document_ids: tuple[str, ...]
    alternatives: tuple[Alternative, ...] = ()
    escalation: Escalation | None = None
    retrieval_budget: int = 0
    p_rag_ok: float | None = None  # the learned router's estimate, when it decided
    # Offline: the paid model this route stands in for, and its estimate with a key.
    paid_model: str | None = None
    paid_cost_usd: float | None = None
    estimated_latency_ms: dict[str, int] | None = None  # {first_token, total}
    # The stuff estimate priced part of the prompt as cached (a warm provider cache).
    cached_input_tokens: int = 0


class RouteError(FolioError, ValueError):
    """No plan satisfies the request (a forced mode that cannot work, a budget too small)."""

    status = 422
