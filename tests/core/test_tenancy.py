"""Tenants in the registry, API keys and budgets, on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from core.access.budgets import BudgetExceeded, Budgets, Payer, month_window
from core.access.keys import PREFIX, KeyRequestError, KeyStore, digest
from core.access.rate_limits import RateLimiter
from core.logs import redact
from core.storage.registry import Registry
from core.storage.registry_schema import api_keys
from core.storage.usage import UsageRecord
from tests.core.test_registry import pg_admin_url, pg_url, reg, target  # noqa: F401

SHA = "cd" * 32


def _spend(registry: Registry, tenant: str, key: str | None, usd: float, at: float | None = None):
    registry.usage.record(
        UsageRecord(
            "gpt-4o", "cheap", 100, 0, 10, usd, 5.0, "ok", None, tenant, at or time.time(), key
        )
    )


def test_documents_and_usage_are_scoped_to_their_tenant(reg: Registry) -> None:  # noqa: F811
    acme, _ = reg.create_or_get("acme", "nda.pdf", SHA, 10)
    beta, created = reg.create_or_get("beta", "nda.pdf", SHA, 10)
    assert created and acme.id != beta.id  # the same file, two tenants: two documents
    assert reg.get(acme.id, tenant_id="acme") == acme
    assert reg.get(acme.id, tenant_id="beta") is None  # another tenant's: not found
    assert [d.id for d in reg.list("beta")[0]] == [beta.id]
    reg.delete(acme.id)
    assert reg.file_in_use(SHA)  # beta's document still needs the stored file
    assert reg.get(beta.id, tenant_id="beta") is not None
    reg.delete(beta.id)
    assert not reg.file_in_use(SHA)

    _spend(reg, "acme", "key_a1", 0.25)
    _spend(reg, "acme", "key_a2", 0.5)
    _spend(reg, "beta", "key_b1", 9.0)
    totals = reg.usage.totals("acme")
    assert {r["key"]: r["cost_usd"] for r in totals["by_key"]} == {"key_a1": 0.25, "key_a2": 0.5}
    assert sum(r["calls"] for r in totals["by_model"]) == 2  # beta's call is not there
    start, _ = month_window(time.time())
    assert reg.usage.spend_since("acme", start) == pytest.approx(0.75)
    assert reg.usage.spend_since("acme", start, "key_a2") == pytest.approx(0.5)
    assert reg.usage.spend_since("acme", time.time() + 60) == 0.0


def test_keys_are_random_shown_once_and_stored_as_a_hash(reg: Registry) -> None:  # noqa: F811
    keys = KeyStore(reg)
    key, secret = keys.create("acme", name="alice", budget_usd=5, rpm=60)
    other, other_secret = keys.create("acme")
    assert secret.startswith(PREFIX) and len(secret) >= len(PREFIX) + 43  # 32 random bytes
    assert secret != other_secret and key.id != other.id
    assert keys.verify(secret) == key and key.tenant_id == "acme" and not key.admin
    assert keys.verify(secret + "x") is None and keys.verify("folio_" + "a" * 43) is None
    with reg.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.select(api_keys))]
    stored = repr(rows)
    assert secret not in stored and secret[10:] not in stored  # only its hash is kept
    assert digest(secret) in stored
    assert redact(f"a log line with {secret} in it") == "a log line with [redacted] in it"
    assert [k.id for k in keys.list("acme")] == [key.id, other.id] and keys.list("beta") == []

    assert keys.revoke(key.id, tenant_id="beta") is None  # not beta's key
    assert keys.verify(secret) == key
    assert keys.revoke(key.id).revoked_at is not None
    assert keys.verify(secret) is None and keys.verify(other_secret) == other
    with pytest.raises(KeyRequestError):
        keys.create("no spaces allowed")
    with pytest.raises(KeyRequestError):
        keys.create("acme", budget_usd=-1)


def test_budgets_refuse_what_would_pass_a_cap_and_let_free_answers_through(
    reg: Registry,  # noqa: F811
) -> None:
    keys = KeyStore(reg)
    key, _ = keys.create("acme", budget_usd=1.0)
    budgets = Budgets(reg, keys)
    payer = Payer("acme", key.id, key.budget_usd)
    _spend(reg, "acme", key.id, 0.9)
    budgets.check(payer, 0.05)
    with pytest.raises(BudgetExceeded) as refused:
        budgets.check(payer, 0.2)
    message = str(refused.value)
    _, reset = month_window(time.time())
    assert "$1.00" in message and "$0.9000" in message
    assert datetime.fromtimestamp(reset, UTC).strftime("%Y-%m-%dT00:00:00Z") in message
    with budgets.reserve(payer, 0.0):  # the offline reader costs nothing: always answers
        pass
    # A call in flight holds its estimate: a second one cannot take the same dollars.
    with budgets.reserve(payer, 0.06):
        with pytest.raises(BudgetExceeded):
            budgets.check(payer, 0.06)
    budgets.check(payer, 0.06)  # released when the first one ended
    # The tenant's cap covers every key of the tenant.
    keys.set_tenant_budget("acme", 0.95)
    other, _ = keys.create("acme")
    with pytest.raises(BudgetExceeded, match="the tenant"):
        budgets.check(Payer("acme", other.id, None), 0.1)
    budgets.check(Payer("beta", None, None), 100.0)  # beta has no cap


def test_month_window_resets_on_the_first_of_the_next_utc_month() -> None:
    december = datetime(2026, 12, 31, 23, 59, tzinfo=UTC).timestamp()
    start, reset = month_window(december)
    assert datetime.fromtimestamp(start, UTC) == datetime(2026, 12, 1, tzinfo=UTC)
    assert datetime.fromtimestamp(reset, UTC) == datetime(2027, 1, 1, tzinfo=UTC)


def test_rate_limit_is_a_sliding_minute_per_key() -> None:
    now = [1000.0]
    limiter = RateLimiter(clock=lambda: now[0])
    assert [limiter.admit("k", 2) for _ in range(2)] == [None, None]
    assert limiter.admit("k", 2) == 60
    assert limiter.admit("other", 2) is None and limiter.admit("k", None) is None
    now[0] += 30
    assert limiter.admit("k", 2) == 30
    now[0] += 30.5
    assert limiter.admit("k", 2) is None
