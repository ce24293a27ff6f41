"""Monthly budgets of keys and tenants, checked before a paid model call.

Before a paid call the caller's spend this UTC month (from the usage ledger), plus what
calls still running in this process have reserved, plus the router's estimate, must fit
both the key's cap and its tenant's. The reservation is held until the call ends; by
then the ledger has the real cost, which the next check reads. A call estimated at $0
(the offline reader) always runs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from core.access.keys import KeyStore
from core.errors import FolioError
from core.storage.registry import Registry


class BudgetExceeded(FolioError):
    """The caller's key or tenant would go past its monthly cap."""

    status = 402


@dataclass(frozen=True)
class Payer:
    """Who pays for a call: the tenant and, with auth on, the key and its own cap."""

    tenant_id: str
    key_id: str | None = None
    key_budget_usd: float | None = None


def month_window(now: float) -> tuple[float, float]:
    """Epoch seconds of the start of this UTC month and of the next (when budgets reset)."""
    day = datetime.fromtimestamp(now, UTC)
    start = day.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    reset = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return start.timestamp(), reset.timestamp()


class Budgets:
    """Checks and reservations against the caps of keys and tenants."""

    def __init__(self, registry: Registry, keys: KeyStore) -> None:
        self.usage = registry.usage  # the ledger the caps are checked against
        self.keys = keys
        self._lock = threading.Lock()
        self._held: dict[tuple[str, str | None], float] = {}  # (tenant, key) -> dollars

    @contextmanager
    def reserve(self, payer: Payer, estimate_usd: float) -> Iterator[None]:
        """Hold `estimate_usd` against the payer's caps while the call runs; raise
        BudgetExceeded (nothing spent) when it does not fit."""
        if estimate_usd <= 0:
            yield
            return
        with self._lock:  # check and hold together: two requests cannot both take the rest
            self.check(payer, estimate_usd)
            for scope in self._scopes(payer):
                self._held[scope] = self._held.get(scope, 0.0) + estimate_usd
        try:
            yield
        finally:
            with self._lock:
                for scope in self._scopes(payer):
                    left = self._held.get(scope, 0.0) - estimate_usd
                    if left > 1e-12:
                        self._held[scope] = left
                    else:
                        self._held.pop(scope, None)

    def check(self, payer: Payer, estimate_usd: float, now: float | None = None) -> None:
        """Raise BudgetExceeded if spend + held + `estimate_usd` passes a cap."""
        start, reset = month_window(time.time() if now is None else now)
        caps = [("the tenant", self.keys.tenant_budget(payer.tenant_id), None)]
        if payer.key_id is not None:
            caps.insert(0, ("this key", payer.key_budget_usd, payer.key_id))
        for who, cap, key_id in caps:
            if cap is None:
                continue
            spent = self.usage.spend_since(payer.tenant_id, start, key_id)
            held = self._held.get((payer.tenant_id, key_id), 0.0)
            if spent + held + estimate_usd > cap:
                raise BudgetExceeded(
                    f"{who} has a monthly budget of ${cap:.2f} and has spent ${spent:.4f}"
                    f" this month (${held:.4f} more held by calls running now); this"
                    f" question would cost about ${estimate_usd:.4f}. The budget resets at"
                    f" {datetime.fromtimestamp(reset, UTC):%Y-%m-%dT%H:%M:%SZ}; until then"
                    " only answers that cost nothing (the offline reader) are given."
                )

    def status(self, payer: Payer, now: float | None = None) -> dict:
        """The caps that apply to the payer, this month's spend against each, and when
        they reset (for GET /usage); a cap of None is no cap."""
        start, reset = month_window(time.time() if now is None else now)
        tenant_cap = self.keys.tenant_budget(payer.tenant_id)
        return {
            "key_budget_usd": payer.key_budget_usd,
            "key_spent_usd": (
                round(self.usage.spend_since(payer.tenant_id, start, payer.key_id), 6)
                if payer.key_id is not None
                else None
            ),
            "tenant_budget_usd": tenant_cap,
            "tenant_spent_usd": round(self.usage.spend_since(payer.tenant_id, start, None), 6),
            "resets_at": datetime.fromtimestamp(reset, UTC),
        }

    @staticmethod
    def _scopes(payer: Payer) -> list[tuple[str, str | None]]:
        scopes: list[tuple[str, str | None]] = [(payer.tenant_id, None)]
        if payer.key_id is not None:
            scopes.append((payer.tenant_id, payer.key_id))
        return scopes
