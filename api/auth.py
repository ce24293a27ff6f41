"""Who is asking: the API key of a request resolved to its tenant, once, in a dependency.

Every route but the probes, the docs and /metrics needs `Authorization: Bearer <key>`;
a missing or wrong key is a 401 with `WWW-Authenticate`, a key past its requests per
minute a 429 with `Retry-After`. Nothing below the routes reads headers: they get a
`Caller`, and the read path is scoped to its tenant (`scoped_read_path`).

With FOLIO_AUTH=off (a loopback bind only) every request is the admin of
FOLIO_TENANT_ID.
"""

from __future__ import annotations

import copy
import ipaddress
from dataclasses import dataclass, replace
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.read_path import ReadPath
from core.budget import Budgets, Payer
from core.keys import KeyStore
from core.rate_limit import Limiter, open_limiter
from core.registry import Registry, UsageRecord
from core.settings import Settings

_CHALLENGE = 'Bearer realm="folio"'
_NO_KEY = (
    "this route needs an API key: send `Authorization: Bearer <key>` (`folio serve` printed"
    " one on first start and keeps it in DATA_DIR/admin.key; `folio keys create` makes more)"
)


class UnsafeBindError(RuntimeError):
    """FOLIO_AUTH=off on an address other hosts can reach."""


@dataclass(frozen=True)
class Caller:
    """The tenant a request acts for, and the key it came with (None with auth off)."""

    tenant_id: str
    key_id: str | None
    admin: bool
    budget_usd: float | None = None
    rpm: int | None = None

    @property
    def payer(self) -> Payer:
        return Payer(self.tenant_id, self.key_id, self.budget_usd)


@dataclass
class Guard:
    """Keys, budgets and rate limits of one API process (built by the lifespan)."""

    settings: Settings
    keys: KeyStore
    budgets: Budgets
    limiter: Limiter  # shared by the replicas when the broker is Redis (core.rate_limit)


def build_guard(settings: Settings, registry: Registry) -> Guard:
    """The guard of one API process; close `guard.limiter` at shutdown."""
    keys = KeyStore(registry)
    return Guard(settings, keys, Budgets(registry, keys), open_limiter(settings.broker_url))


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def require_safe_bind(settings: Settings, host: str | None = None) -> None:
    """Refuse to serve without keys on an address other machines can reach."""
    host = host or settings.host
    if settings.auth == "off" and not is_loopback(host):
        raise UnsafeBindError(
            f"FOLIO_AUTH=off is allowed only on a loopback address, not {host!r}: anyone who"
            " reaches the port could read and delete every document. Bind 127.0.0.1, or"
            " keep FOLIO_AUTH=on and use keys (README, Keys and tenants)."
        )


# Declares the scheme in OpenAPI (the Authorize button of /docs); the checks are ours.
_bearer = HTTPBearer(auto_error=False, description="An API key: `folio_...`.")


def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """The caller of this request: 401 without a valid key, 429 past its rate limit."""
    guard: Guard = request.app.state.guard
    if guard.settings.auth == "off":
        return Caller(guard.settings.tenant_id, None, admin=True)
    token = credentials.credentials.strip() if credentials is not None else ""
    if not token:
        raise HTTPException(401, _NO_KEY, headers={"WWW-Authenticate": _CHALLENGE})
    key = guard.keys.verify(token)
    if key is None:  # never echo the key: it may be a real one mistyped
        raise HTTPException(
            401,
            "the API key is not valid (revoked, or mistyped): send `Authorization: Bearer"
            " <key>` with a key from `folio keys create` or DATA_DIR/admin.key",
            headers={"WWW-Authenticate": f'{_CHALLENGE}, error="invalid_token"'},
        )
    wait = guard.limiter.admit(key.id, key.rpm)
    if wait is not None:
        raise HTTPException(
            429,
            f"key {key.id} may make {key.rpm} requests per minute; try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    return Caller(key.tenant_id, key.id, key.admin, key.budget_usd, key.rpm)


def require_admin(caller: Caller) -> Caller:
    if not caller.admin:
        raise HTTPException(403, "managing keys needs an admin key")
    return caller


def scoped_read_path(base: ReadPath, caller: Caller) -> ReadPath:
    """The shared read path acting for `caller`: its tenant's documents, and ledger rows
    with its tenant and key."""
    models = copy.copy(base.models)  # shares the providers' HTTP clients
    ledger = base.models.ledger
    if ledger is not None:

        def stamped(row: UsageRecord) -> None:
            ledger(replace(row, tenant_id=caller.tenant_id, key_id=caller.key_id))

        models.ledger = stamped
    return replace(base, tenant_id=caller.tenant_id, key_id=caller.key_id, models=models)
