"""Requests per minute per API key: a sliding one-minute window, in this process.

Each API process counts its own requests; behind several processes a key's limit holds
per process (docs/DEPLOY.md).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

WINDOW_S = 60.0


class RateLimiter:
    """Admits up to `rpm` requests of a key in any 60 seconds."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: dict[str, deque[float]] = {}

    def admit(self, key_id: str, rpm: int | None) -> int | None:
        """None if the request may go ahead (and count it); else the seconds to wait."""
        if rpm is None:
            return None
        now = self._clock()
        with self._lock:
            seen = self._seen.setdefault(key_id, deque())
            while seen and seen[0] <= now - WINDOW_S:
                seen.popleft()
            if len(seen) >= rpm:
                return max(1, math.ceil(seen[0] + WINDOW_S - now))
            seen.append(now)
            return None
