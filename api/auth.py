"""Who is asking: the API key of a request resolved to its tenant, once, in a dependency.

Every route but the probes, the docs and /metrics needs `Authorization: Bearer <key>`;
a missing or wrong key is a 401 with `WWW-Authenticate`, a key past its requests per
minute a 429 with `Retry-After`. Nothing below the routes reads headers: they get a
`Caller`, and the read path is scoped to its tenant (`scoped_read_path`).

With FOLIO_AUTH=off (a loopback bind only) every request is the admin of
FOLIO_TENANT_ID.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from core.access.budgets import Budgets, Payer
from core.access.keys import KeyStore
from core.access.rate_limits import Limiter, open_limiter
from core.access.roles import Manager
from core.settings import Settings
from core.storage.registry import Registry
from query.read_path import ReadPath

_CHALLENGE = 'Bearer realm="folio"'
_NO_KEY = (
    "this route needs an API key: send `Authorization: Bearer <key>` (`folio serve` printed"
    " one on first start and keeps it in ./data/admin.key, or FOLIO_DATA_DIR/admin.key;"
    " `folio keys create` makes more)"
)


@dataclass(frozen=True)
class Caller:
    """The tenant a request acts for, and the key it came with (None with auth off)."""

    tenant_id: str
    key_id: str | None
    admin: bool
    budget_usd: float | None = None
    rpm: int | None = None
    operator: bool = False

    @property
    def manager(self) -> Manager:
        """The caller as a manager of keys (core/access/roles.py)."""
        return Manager(self.tenant_id, self.admin, self.operator)

    @property
    def payer(self) -> Payer:
        return Payer(self.tenant_id, self.key_id, self.budget_usd)


@dataclass
class Guard:
    """Keys, budgets and rate limits of one API process (built by the lifespan)."""

    settings: Settings
    keys: KeyStore
    budgets: Budgets
    limiter: Limiter  # shared by the replicas when the broker is Redis (core.access.rate_limits)


def build_guard(settings: Settings, registry: Registry) -> Guard:
    """The guard of one API process; close `guard.limiter` at shutdown."""
    keys = KeyStore(registry)
    return Guard(settings, keys, Budgets(registry, keys), open_limiter(settings.broker_url))


# Declares the scheme in OpenAPI (the Authorize button of /docs); the checks are ours.
_bearer = HTTPBearer(auto_error=False, description="An API key: `folio_...`.")


def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """The caller of this request: 401 without a valid key, 429 past its rate limit."""
    guard: Guard = request.app.state.guard
    if guard.settings.auth == "off":
        return Caller(guard.settings.tenant_id, None, admin=True, operator=True)
    token = credentials.credentials.strip() if credentials is not None else ""
    if not token:
        raise HTTPException(401, _NO_KEY, headers={"WWW-Authenticate": _CHALLENGE})
    key = guard.keys.verify(token)
    if key is None:  # never echo the key: it may be a real one mistyped
        raise HTTPException(
            401,
            "the API key is not valid (revoked, or mistyped): send `Authorization: Bearer"
            " <key>` with a key from `folio keys create` or ./data/admin.key",
            headers={"WWW-Authenticate": f'{_CHALLENGE}, error="invalid_token"'},
        )
    wait = guard.limiter.admit(key.id, key.rpm)
    if wait is not None:
        raise HTTPException(
            429,
            f"key {key.id} may make {key.rpm} requests per minute; try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    return Caller(key.tenant_id, key.id, key.admin, key.budget_usd, key.rpm, key.operator)


def scoped_read_path(base: ReadPath, caller: Caller) -> ReadPath:
    """The shared read path acting for `caller`: its tenant's documents, its budgets, and
    ledger rows with its tenant and key."""
    return base.acting_for(caller.tenant_id, caller.key_id, caller.budget_usd)
