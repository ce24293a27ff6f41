"""How long a model takes: its catalog prior until enough calls are measured, then the
median of its latest calls in the usage ledger.

Every call's time to its first token (the first streamed text; the whole call when not
streaming) and its output pace go to the ledger (core/llm/attempts.py). The ledger is the
registry's database, so every API process (and worker) reads the same window: the
estimate is shared without any other store. A model's first-token time grows with its
prompt; each measurement is brought back to an empty prompt with the prior's growth per
1K tokens before the median is taken, so calls of different sizes estimate one base.
Medians ignore the odd stalled call (a cold connection, a retry) that a mean would not.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from core.llm.catalog import Catalog, ModelSpec
from core.storage.usage import Timing

WINDOW = 20  # the latest calls per model that make its estimate
MIN_SAMPLES = 3  # measured calls before the measurement replaces the prior
MAX_AGE_S = 3600.0  # calls older than this say little about the provider now


@dataclass(frozen=True)
class ModelLatency:
    """A model's expected speed: first-token time on an empty prompt, its growth per 1K
    prompt tokens, and output tokens a second; `samples` measured calls behind it (0: the
    catalog's prior)."""

    first_token_ms: float
    first_token_ms_per_1k: float
    output_tokens_per_s: float
    samples: int = 0
    # The median first-token time as measured (at the prompt sizes seen), for people.
    measured_first_token_ms: float | None = None
    measured: bool = False  # False: the catalog's prior (too few samples yet)
    # Measured from whole calls (not streamed): the "first token" already holds the answer.
    includes_output: bool = False

    @classmethod
    def prior(cls, spec: ModelSpec) -> ModelLatency:
        p = spec.latency
        return cls(p.first_token_ms, p.first_token_ms_per_1k, p.output_tokens_per_s)

    def first_token(self, prompt_tokens: int) -> float:
        """Milliseconds to the first token of a prompt this long."""
        return self.first_token_ms + self.first_token_ms_per_1k * max(prompt_tokens, 0) / 1000

    def total(self, prompt_tokens: int, output_tokens: int) -> float:
        """Milliseconds to the whole answer: the first token, then the rest at its pace."""
        if self.includes_output:
            return self.first_token(prompt_tokens)
        return self.first_token(prompt_tokens) + 1000 * max(output_tokens, 0) / (
            self.output_tokens_per_s
        )


class LatencyBook:
    """Every catalog model's latency: measured (from the ledger's window) or its prior."""

    def __init__(
        self,
        catalog: Catalog,
        timings: Callable[[float, int], list[Timing]] | None,
        *,
        window: int = WINDOW,
        min_samples: int = MIN_SAMPLES,
        max_age_s: float = MAX_AGE_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.catalog = catalog
        self._timings = timings  # UsageLedger.recent_timings, or None: priors only
        self.window = window
        self.min_samples = min_samples
        self.max_age_s = max_age_s
        self._clock = clock

    def all(self) -> dict[str, ModelLatency]:
        """Each model's estimate now (one read of the ledger)."""
        by_model: dict[str, list[Timing]] = defaultdict(list)
        if self._timings is not None:
            limit = self.window * max(len(self.catalog.models), 1) * 4
            for t in self._timings(self._clock() - self.max_age_s, limit):
                if len(by_model[t.model]) < self.window:
                    by_model[t.model].append(t)
        return {
            name: self.estimate(spec, by_model.get(name, []))
            for name, spec in self.catalog.models.items()
        }

    def of(self, name: str) -> ModelLatency:
        return self.all()[name]

    def estimate(self, spec: ModelSpec, timings: list[Timing]) -> ModelLatency:
        """The prior, or with `min_samples` measurements their medians. Streamed calls
        measure the first token and the pace apart; where too few streamed, the whole
        calls measured (their first token is their end) stand for the whole answer."""
        prior = ModelLatency.prior(spec)
        if len(timings) < self.min_samples:
            return ModelLatency(
                prior.first_token_ms,
                prior.first_token_ms_per_1k,
                prior.output_tokens_per_s,
                len(timings),
                statistics.median(t.first_token_ms for t in timings) if timings else None,
            )
        growth = prior.first_token_ms_per_1k
        streamed = [t for t in timings if t.output_tokens_per_s]
        whole = len(streamed) < self.min_samples
        used = timings if whole else streamed
        base = statistics.median(
            max(t.first_token_ms - growth * t.input_tokens / 1000, 0.0) for t in used
        )
        pace = (
            prior.output_tokens_per_s
            if whole
            else statistics.median(t.output_tokens_per_s for t in streamed)
        )
        return ModelLatency(
            base,
            growth,
            pace,
            len(timings),
            statistics.median(t.first_token_ms for t in timings),
            measured=True,
            includes_output=whole,
        )
