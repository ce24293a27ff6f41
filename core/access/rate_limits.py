"""Requests per minute per API key, over a sliding one-minute window; and, weighed by a
cost per request, anything else counted a minute at a time (a model's provider tokens per
minute: core/llm/limits.py).

Behind several API replicas (server mode with a Redis broker, as compose.yaml runs it) the
replicas count in one Redis sorted set per key, so a key's limit holds across all of them.
In embedded mode, or with another broker, each process counts its own requests. A replica
that cannot reach Redis counts on its own until it can again: a rate limit is not worth
refusing every request over.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)

WINDOW_S = 60.0


class Limiter(Protocol):
    def admit(self, key_id: str, rpm: int | None, cost: int = 1) -> int | None: ...

    def close(self) -> None: ...


class RateLimiter:
    """Admits up to `rpm` requests of a key in any 60 seconds, counted in this process."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: dict[str, deque[tuple[float, int]]] = {}

    def admit(self, key_id: str, rpm: int | None, cost: int = 1) -> int | None:
        """None if the request may go ahead (and count it, as `cost` of the `rpm` a
        minute); else the seconds to wait. One request over the whole limit goes alone."""
        if rpm is None:
            return None
        now = self._clock()
        with self._lock:
            seen = self._seen.setdefault(key_id, deque())
            while seen and seen[0][0] <= now - WINDOW_S:
                seen.popleft()
            used = sum(c for _, c in seen)
            if used and used + cost > rpm:
                return _wait(seen[0][0], now)
            seen.append((now, cost))
            return None

    def close(self) -> None:
        pass


# One round trip, atomic: drop what left the window, add up the costs (a member ends in
# "#cost"; older members count 1), admit (or say the oldest). The score comes back as a
# string: Redis would truncate a Lua number to an integer.
_ADMIT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
local used = 0
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  used = used + (tonumber(string.match(member, '#(%d+)$')) or 1)
end
if used > 0 and used + tonumber(ARGV[5]) > tonumber(ARGV[3]) then
  return {0, redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]}
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2]) * 1000))
return {1, ''}
"""


class SharedRateLimiter:
    """The same window, counted in Redis for every replica that shares `client`. Scores are
    wall-clock seconds (the replicas' clocks agree far closer than a minute)."""

    prefix = "folio:rpm:"

    def __init__(self, client, clock: Callable[[], float] = time.time) -> None:
        import redis  # here, not at import: an embedded install never needs it

        self._unreachable = redis.RedisError
        self._client = client
        self._clock = clock
        self._script = client.register_script(_ADMIT)
        self._fallback = RateLimiter(clock)
        self._failing = False

    def admit(self, key_id: str, rpm: int | None, cost: int = 1) -> int | None:
        """None if the request may go ahead (and count it, as `cost`); else the seconds
        to wait."""
        if rpm is None:
            return None
        now = self._clock()
        try:
            admitted, oldest = self._script(
                keys=[self.prefix + key_id],
                args=[repr(now), WINDOW_S, rpm, _member(now, cost), max(int(cost), 1)],
            )
        except self._unreachable as exc:
            if not self._failing:
                log.warning("rate limits counted in this process: Redis failed (%s)", exc)
            self._failing = True
            return self._fallback.admit(key_id, rpm, cost)
        if self._failing:
            log.info("rate limits counted in Redis again")
            self._failing = False
        return None if admitted else _wait(float(oldest), now)

    def close(self) -> None:
        self._client.close()


def open_limiter(broker_url: str | None) -> Limiter:
    """The limiter for a process whose broker is `broker_url`: shared in Redis when the
    broker is Redis, else this process's own. Close a shared one's client at shutdown."""
    if not broker_url or not broker_url.startswith(("redis://", "rediss://")):
        return RateLimiter()
    import redis

    # Short timeouts: every request waits on this call.
    client = redis.Redis.from_url(broker_url, socket_timeout=0.5, socket_connect_timeout=0.5)
    return SharedRateLimiter(client)


def _member(now: float, cost: int = 1) -> str:
    # unique, so two requests in one instant both count; the cost last, for the script
    return f"{now!r}:{uuid.uuid4().hex}#{max(int(cost), 1)}"


def _wait(oldest: float, now: float) -> int:
    return max(1, math.ceil(oldest + WINDOW_S - now))
