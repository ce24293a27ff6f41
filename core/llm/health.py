"""A circuit breaker per model: a provider that keeps failing is skipped, not rediscovered.

After `threshold` consecutive failures (server errors, timeouts, lost connections) a
model's circuit opens: for `open_s` seconds the fallback chain passes it over at once,
without spending a request or a timeout on it. Then one call is let through as a probe:
its success closes the circuit, its failure opens it again. Any success resets the count.
Rate limits, refusals and bad replies are not the provider being down, and do not count.

Each process keeps its own circuits: a replica finds a dead provider after `threshold`
calls of its own, which costs little and needs nothing shared.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

FAILURES = frozenset({"server_error", "timeout", "connection"})


@dataclass
class Circuit:
    failures: int = 0  # consecutive
    opened_at: float | None = None
    probing: bool = False
    probe_at: float = 0.0
    opened_total: int = 0  # times it opened, for /metrics


class Breakers:
    """The circuits of every model this process calls."""

    def __init__(
        self, threshold: int = 3, open_s: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.threshold = threshold
        self.open_s = open_s
        self._clock = clock
        self._lock = threading.Lock()
        self._circuits: dict[str, Circuit] = {}

    def refuses(self, model: str) -> str | None:
        """Why `model` must be skipped now (its circuit is open), or None; once `open_s`
        has passed the first caller gets through as the probe."""
        with self._lock:
            c = self._circuits.get(model)
            if c is None or c.opened_at is None:
                return None
            now = self._clock()
            left = c.opened_at + self.open_s - now
            # A probe that never reported (skipped at its provider limit, say) is given up
            # after another `open_s`, so the circuit cannot stay shut for good.
            stale = c.probing and now - c.probe_at > self.open_s
            if left <= 0 and (not c.probing or stale):
                c.probing, c.probe_at = True, now
                return None
            if c.probing:
                return f"circuit open after {c.failures} failures; a probe call is under way"
            return f"circuit open after {c.failures} consecutive failures; next try in {left:.0f} s"

    def observe(self, model: str, outcome: str) -> None:
        """Count one attempt's outcome ('ok' closes, a provider failure counts)."""
        with self._lock:
            c = self._circuits.setdefault(model, Circuit())
            if outcome == "ok":
                c.failures, c.opened_at, c.probing = 0, None, False
            elif outcome in FAILURES:
                c.failures += 1
                if c.probing or (c.opened_at is None and c.failures >= self.threshold):
                    c.opened_total += c.opened_at is None
                    c.opened_at, c.probing = self._clock(), False
            elif c.probing:  # the probe ended without saying the provider is down
                c.probing = False

    def closed(self, model: str) -> bool:
        """True while the model's circuit is closed (no side effect, unlike `refuses`)."""
        with self._lock:
            c = self._circuits.get(model)
            return c is None or c.opened_at is None

    def snapshot(self) -> dict[str, dict]:
        """The state of every model called so far (for /metrics)."""
        with self._lock:
            names = list(self._circuits)
        return {name: self.state(name) for name in names}

    def state(self, model: str) -> dict:
        """`closed`, `open` or `half_open`, with the consecutive failures (for GET /models)."""
        with self._lock:
            c = self._circuits.get(model, Circuit())
            if c.opened_at is None:
                status = "closed"
            elif c.probing or self._clock() >= c.opened_at + self.open_s:
                status = "half_open"
            else:
                status = "open"
            return {
                "circuit": status,
                "consecutive_failures": c.failures,
                "times_opened": c.opened_total,
            }
