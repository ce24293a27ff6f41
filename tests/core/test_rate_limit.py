"""Per-key rate limits shared by API replicas in the real Redis at 127.0.0.1:6379 (test-only
db 11, emptied before and after), and what a replica does when Redis does not answer."""

from __future__ import annotations

import logging

import pytest
import redis

from core.access.rate_limits import RateLimiter, SharedRateLimiter, open_limiter
from tests.procs import clean_redis_db, free_port

REDIS_URL = "redis://127.0.0.1:6379/11"


@pytest.fixture
def redis_db():
    with clean_redis_db(REDIS_URL) as client:
        yield client


def _replicas(n: int, clock) -> list[SharedRateLimiter]:
    """`n` limiters on clients of their own, as `n` API processes would hold them."""
    return [SharedRateLimiter(redis.Redis.from_url(REDIS_URL), clock=clock) for _ in range(n)]


def test_replicas_share_one_sliding_minute_per_key(redis_db) -> None:
    now = [1_000_000.0]
    a, b = _replicas(2, lambda: now[0])
    assert [a.admit("k", 3), b.admit("k", 3), a.admit("k", 3)] == [None, None, None]
    assert b.admit("k", 3) == 60 and a.admit("k", 3) == 60  # refused ones do not count
    assert b.admit("other", 3) is None and a.admit("k", None) is None
    now[0] += 30
    assert b.admit("k", 3) == 30
    now[0] += 30.5  # the first three have left the window
    assert [b.admit("k", 3), a.admit("k", 3), a.admit("k", 3)] == [None, None, None]
    assert a.admit("k", 3) == 60
    # the window's set expires with the window: idle keys leave nothing behind
    assert 0 < redis_db.pttl(SharedRateLimiter.prefix + "k") <= 60_000


def test_requests_in_one_instant_all_count(redis_db) -> None:
    (limiter,) = _replicas(1, lambda: 5.0)
    assert [limiter.admit("k", 4) for _ in range(5)] == [None, None, None, None, 60]


def test_without_redis_a_replica_counts_alone_and_says_so_once(caplog) -> None:
    password = "limiterPw-secret"
    down = redis.Redis.from_url(
        f"redis://default:{password}@127.0.0.1:{free_port()}/0", socket_connect_timeout=0.2
    )
    limiter = SharedRateLimiter(down)
    with caplog.at_level(logging.WARNING, logger="core.access.rate_limits"):
        first, second, third = (limiter.admit("k", 2) for _ in range(3))
    assert first is None and second is None and third is not None  # limited, in this process
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "counted in this process" in warnings[0].getMessage()
    assert password not in caplog.text


def test_the_broker_picks_the_limiter() -> None:
    assert isinstance(open_limiter(None), RateLimiter)
    assert isinstance(open_limiter("amqp://guest:guest@127.0.0.1:5672//"), RateLimiter)
    shared = open_limiter(REDIS_URL)
    assert isinstance(shared, SharedRateLimiter)
    shared.close()
