"""The service's Prometheus series, on a registry of its own per app (no global state).

Two kinds of series:
- observed in this process as it answers: query latency by mode, escalations, and the
  model attempts that failed (`Metrics.observe_*`, called by the read path);
- read at scrape time from what every process shares (`StateCollector`): documents by
  status, ingest totals, tokens and dollars by model from the usage ledger, and the
  broker's queue depth, each over all tenants. These are right whichever process
  ingested or answered.

Counters read from the registry are sums over what it holds now: deleting documents (or
their ledger rows) lowers them, which Prometheus takes for a counter reset.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder

from core.llm.types import Attempt
from core.storage.registry import Registry

log = logging.getLogger(__name__)

# Offline answers take tens of milliseconds; a stuffed 400K-token prompt, a minute or two.
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300)
#: Ready documents finished this recently make the "recent throughput" gauges.
RECENT_S = 15 * 60
# Outcomes that are not a model failing: an answer, a model not tried, a client gone.
_NOT_FAILED = frozenset({"ok", "skipped", "cancelled"})
# Skips that say a model's health or its provider's limits, not this request's fit.
_SKIPS = ("circuit open", "provider limit")


class Metrics:
    """The series of one API app; the composition root builds it, the read path feeds it."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.query_latency = Histogram(
            "folio_query_latency_seconds",
            "Time to answer a question, by the mode the router chose (an escalated rag"
            " answer counts as rag, escalation included)",
            ["mode"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.escalations = Counter(
            "folio_query_escalations",
            "rag answers re-asked stuffed (the learned router's gate, or Self-Route)",
            registry=self.registry,
        )
        self.failed_attempts = Counter(
            "folio_model_failed_attempts",
            "Model calls that failed, retries included, by model and outcome",
            ["model", "outcome"],
            registry=self.registry,
        )
        self.fallbacks = Counter(
            "folio_model_fallbacks",
            "Models given up on after their retries (the call moved on to the next model of"
            " the chain, or failed), by model and the last attempt's outcome",
            ["model", "outcome"],
            registry=self.registry,
        )
        self.skipped_models = Counter(
            "folio_model_skipped",
            "Models passed over without a call, by model and why (circuit: its circuit"
            " breaker is open; limit: it is at its provider's rpm/tpm)",
            ["model", "why"],
            registry=self.registry,
        )
        self.upload_parts_removed = Counter(
            "folio_upload_parts_removed",
            "Partial files of uploads cut off by a crash, removed when the API started",
            registry=self.registry,
        )
        self._state: StateCollector | None = None
        self._circuits: CircuitCollector | None = None

    def watch(
        self, registry: Registry, queue_depth: Callable[[], int | None] | None = None
    ) -> None:
        """Read documents, ingest totals, model usage and the queue at each scrape (again
        after a restart of the app's lifespan: the old collector is replaced)."""
        if self._state is not None:
            self.registry.unregister(self._state)
        self._state = StateCollector(registry, queue_depth)
        self.registry.register(self._state)

    def watch_circuits(self, circuits: Callable[[], dict[str, dict]]) -> None:
        """Read each model's circuit breaker (core/llm/health.py) at each scrape."""
        if self._circuits is not None:
            self.registry.unregister(self._circuits)
        self._circuits = CircuitCollector(circuits)
        self.registry.register(self._circuits)

    def observe_answer(self, mode: str, seconds: float, escalated: bool) -> None:
        """One answered question: its planned mode, how long it took, whether it escalated."""
        self.query_latency.labels(mode=mode).observe(seconds)
        if escalated:
            self.escalations.inc()

    def observe_attempts(self, attempts: Sequence[Attempt]) -> None:
        """The attempts of one model call along its fallback chain."""
        last: dict[str, str] = {}
        for attempt in attempts:
            if attempt.outcome not in _NOT_FAILED:
                self.failed_attempts.labels(attempt.model, attempt.outcome).inc()
            elif attempt.outcome == "skipped" and attempt.detail.startswith(_SKIPS):
                why = "circuit" if attempt.detail.startswith("circuit") else "limit"
                self.skipped_models.labels(attempt.model, why).inc()
            if attempt.outcome != "skipped":
                last[attempt.model] = attempt.outcome
        for model, outcome in last.items():
            if outcome not in _NOT_FAILED:
                self.fallbacks.labels(model, outcome).inc()

    def exposition(self, accept: str | None = None) -> tuple[bytes, str]:
        """The scrape body and its content type (OpenMetrics when the scraper asks for it)."""
        encoder, content_type = choose_encoder(accept or "")
        return encoder(self.registry), content_type


class CircuitCollector:
    """Each model's circuit breaker of this process, read at scrape time."""

    def __init__(self, circuits: Callable[[], dict[str, dict]]) -> None:
        self.circuits = circuits

    def describe(self) -> list[Metric]:
        return []  # no registration-time collect

    def collect(self) -> Iterator[Metric]:
        is_open = GaugeMetricFamily(
            "folio_model_circuit_open",
            "1 while a model's circuit is open or half-open (skipped but for one probe call)",
            labels=["model"],
        )
        opened = CounterMetricFamily(
            "folio_model_circuit_opened",
            "Times a model's circuit opened in this process",
            labels=["model"],
        )
        for model, state in sorted(self.circuits().items()):
            is_open.add_metric([model], 0 if state["circuit"] == "closed" else 1)
            opened.add_metric([model], state["times_opened"])
        yield is_open
        yield opened


class StateCollector:
    """Series read at scrape time from the registry, the usage ledger and the broker."""

    def __init__(self, registry: Registry, queue_depth: Callable[[], int | None] | None) -> None:
        self.registry = registry  # every series covers all tenants
        self.queue_depth = queue_depth

    def describe(self) -> list[Metric]:
        return []  # nothing is read at registration: the database may not be up yet

    def collect(self) -> Iterator[Metric]:
        docs = GaugeMetricFamily("folio_documents", "Documents by status", labels=["status"])
        for status, count in sorted(self.registry.count_by_status().items()):
            docs.add_metric([status], count)
        yield docs
        yield from self._ingest()
        yield from self._usage()
        depth = self._depth()
        if depth is not None:
            yield GaugeMetricFamily(
                "folio_queue_depth", "Ingestion jobs waiting in the broker's queue", value=depth
            )

    def _ingest(self) -> Iterator[Metric]:
        totals, recent = self.registry.ready_totals(since=time.time() - RECENT_S)
        for key, help_text in (
            ("pages", "Pages of ready documents"),
            ("chunks", "Chunks embedded and stored for ready documents"),
            ("seconds", "Seconds spent ingesting ready documents (sum over workers)"),
        ):
            yield CounterMetricFamily(f"folio_ingest_{key}", help_text, value=totals[key])
        if recent["seconds"] > 0:
            for key in ("pages", "chunks"):
                yield GaugeMetricFamily(
                    f"folio_ingest_{key}_per_second",
                    f"{key.capitalize()} per second of ingest work, over documents finished"
                    f" in the last {RECENT_S // 60} minutes (one worker's speed)",
                    value=recent[key] / recent["seconds"],
                )

    def _usage(self) -> Iterator[Metric]:
        tokens = CounterMetricFamily(
            "folio_model_tokens",
            "Tokens billed by model and kind (input includes cached_input), from the ledger",
            labels=["model", "kind"],
        )
        dollars = CounterMetricFamily(
            "folio_model_cost_usd",
            "Dollars spent by model, from the usage ledger",
            labels=["model"],
        )
        calls = CounterMetricFamily(
            "folio_model_calls", "Model attempts by model, from the usage ledger", labels=["model"]
        )
        for row in self.registry.usage.totals()["by_model"]:
            model = row["model"]
            for kind in ("input", "cached_input", "output"):
                tokens.add_metric([model, kind], row[f"{kind}_tokens"])
            dollars.add_metric([model], row["cost_usd"])
            calls.add_metric([model], row["calls"])
        yield from (tokens, dollars, calls)

    def _depth(self) -> int | None:
        if self.queue_depth is None:
            return None
        try:
            return self.queue_depth()
        except Exception as exc:  # noqa: BLE001 - a scrape must not fail with the broker
            log.warning("queue depth unavailable: %s", type(exc).__name__)
            return None
