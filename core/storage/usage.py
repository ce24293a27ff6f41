"""The usage ledger: one row per model call (its tokens, dollars, latency and outcome), and
the totals asked of it, by model, UTC day and API key, and a tenant's spend.

It lives in the registry's database; the registry opens that and holds its ledger as
`registry.usage` (core/storage/registry.py).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa

from core.storage.registry_schema import usage, utc_day


@dataclass
class UsageRecord:
    """One model call (one attempt: every retry is a row of its own)."""

    model: str
    role: str
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int
    cost_usd: float
    latency_ms: float
    outcome: str  # "ok" or the error kind
    question_id: str | None = None
    tenant_id: str = "default"
    created_at: float = field(default_factory=time.time)
    key_id: str | None = None  # the API key that asked, if any
    first_token_ms: float | None = None  # first streamed text, or the whole call (not streaming)
    output_tokens_per_s: float | None = None  # streaming only: the pace after the first text
    cache_key: str | None = None  # the document set sent as prompt_cache_key


@dataclass(frozen=True)
class Timing:
    """One measured call, as the latency estimate reads it."""

    model: str
    first_token_ms: float
    input_tokens: int
    output_tokens_per_s: float | None


@dataclass(frozen=True)
class CacheUse:
    """The latest call that sent a document set to a model: when, and what it sent and
    found cached."""

    model: str
    created_at: float
    input_tokens: int
    cached_input_tokens: int


class UsageLedger:
    """Model calls in the registry's database (SQLite or PostgreSQL)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def record(self, record: UsageRecord) -> None:
        """Append one model call to the ledger."""
        with self.engine.begin() as conn:
            conn.execute(usage.insert().values(asdict(record)))

    def totals(self, tenant_id: str | None = None) -> dict[str, list[dict]]:
        """Totals of calls, tokens and dollars by model, by UTC day and by API key: of one
        tenant's calls, or (None) of every tenant's."""
        c = usage.c
        summed = (c.input_tokens, c.cached_input_tokens, c.output_tokens, c.cost_usd)
        sums = [sa.func.count().label("calls"), *(sa.func.sum(s).label(s.name) for s in summed)]
        where = [c.tenant_id == tenant_id] if tenant_id else []
        out: dict[str, list[dict]] = {}
        groups = (("by_model", c.model), ("by_day", utc_day(c.created_at)), ("by_key", c.key_id))
        with self.engine.connect() as conn:
            for name, key in groups:
                key = key.label(name.removeprefix("by_"))
                query = sa.select(key, *sums).where(*where).group_by(key).order_by(key)
                out[name] = [_totals(row._mapping) for row in conn.execute(query)]
        return out

    def recent_timings(self, since: float, limit: int = 500) -> list[Timing]:
        """The latest measured good calls since `since` (epoch s), newest first."""
        return recent_timings(self.engine, since, limit)

    def last_cache_use(
        self, cache_key: str, models: list[str], since: float
    ) -> dict[str, CacheUse]:
        """Per model, the latest good call since `since` that sent document set `cache_key`."""
        return last_cache_use(self.engine, cache_key, models, since)

    def spend_since(self, tenant_id: str, since: float, key_id: str | None = None) -> float:
        """Dollars the tenant (or one of its keys) has spent on models since `since`."""
        c = usage.c
        where = [c.tenant_id == tenant_id, c.created_at >= since]
        if key_id is not None:
            where.append(c.key_id == key_id)
        with self.engine.connect() as conn:
            total = conn.scalar(sa.select(sa.func.sum(c.cost_usd)).where(*where))
        return float(total or 0.0)


def recent_timings(engine: sa.Engine, since: float, limit: int) -> list[Timing]:
    """The latest good calls with a measured first token since `since`, newest first."""
    c = usage.c
    query = (
        sa.select(c.model, c.first_token_ms, c.input_tokens, c.output_tokens_per_s)
        .where(c.created_at >= since, c.outcome == "ok", c.first_token_ms.is_not(None))
        .order_by(c.created_at.desc())
        .limit(limit)
    )
    with engine.connect() as conn:
        return [Timing(*row) for row in conn.execute(query)]


def last_cache_use(
    engine: sa.Engine, cache_key: str, models: list[str], since: float
) -> dict[str, CacheUse]:
    """Per model, the latest good call since `since` that sent the document set `cache_key`."""
    c = usage.c
    query = (
        sa.select(c.model, c.created_at, c.input_tokens, c.cached_input_tokens)
        .where(
            c.cache_key == cache_key,
            c.model.in_(models),
            c.outcome == "ok",
            c.created_at >= since,
        )
        .order_by(c.created_at.desc())
    )
    out: dict[str, CacheUse] = {}
    with engine.connect() as conn:
        for row in conn.execute(query):
            out.setdefault(row.model, CacheUse(*row))
    return out


def _totals(row: Mapping[str, Any]) -> dict:
    """Plain ints and a float rounded to the micro-dollar, whatever the driver returned."""
    data = {k: int(v or 0) for k, v in row.items() if k not in ("model", "day", "key", "cost_usd")}
    first = next(k for k in ("model", "day", "key") if k in row)
    return {first: row[first], **data, "cost_usd": round(float(row["cost_usd"] or 0), 6)}
