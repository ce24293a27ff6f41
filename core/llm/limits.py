"""A provider's limits per model: requests and tokens a minute (catalog `rpm`/`tpm`),
admitted before each call so folio waits briefly or falls back instead of collecting 429s.

Counted by core/access/rate_limits.py's sliding minute: in Redis when the broker is
Redis (every API replica and worker shares the provider's tier), else in this process.
A call that would pass a limit waits for a slot up to `wait_s`; longer, the model is
skipped and the fallback chain goes on.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from core.access.rate_limits import Limiter
from core.llm.catalog import ModelSpec


class ProviderLimits:
    """Admission of calls to models with catalog `rpm` or `tpm`."""

    def __init__(
        self,
        limiter: Limiter,
        wait_s: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limiter = limiter
        self.wait_s = wait_s
        self._sleep = sleep
        self._clock = clock

    @staticmethod
    def applies(spec: ModelSpec) -> bool:
        return spec.rpm is not None or spec.tpm is not None

    def admit(self, spec: ModelSpec, tokens: Callable[[], int]) -> str | None:
        """None once the call may go (counted); else why the model is skipped. `tokens`
        (the prompt and the answer's cap) is counted only for a model with a `tpm`."""
        if not self.applies(spec):
            return None
        cost = max(tokens(), 1) if spec.tpm is not None else 1
        deadline = self._clock() + self.wait_s
        while True:
            wait, which = self._try(spec, cost)
            if wait is None:
                return None
            if self._clock() + wait > deadline:
                return (
                    f"provider limit: {which} for {spec.name} reached; a slot opens in"
                    f" {wait} s, more than the {self.wait_s:g} s folio waits"
                )
            self._sleep(wait)

    def _try(self, spec: ModelSpec, cost: int) -> tuple[int | None, str]:
        wait = self.limiter.admit(f"model:{spec.name}:rpm", spec.rpm)
        if wait is not None:
            return wait, f"{spec.rpm:,} requests a minute"
        # (An rpm slot taken here is not handed back when tpm refuses: a conservative count.)
        wait = self.limiter.admit(f"model:{spec.name}:tpm", spec.tpm, cost)
        if wait is not None:
            return wait, f"{spec.tpm:,} tokens a minute"
        return None, ""
