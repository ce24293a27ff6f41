"""API keys and tenants: random secrets shown once, kept only as a sha256.

A key is `folio_` and 43 URL-safe characters (32 bytes from `secrets`), so secret
scanners recognise it. It belongs to one tenant, which its first key creates; it may
carry a monthly budget and a requests per minute limit. Roles: an operator key (the one
`folio serve` makes on first start) manages every tenant's keys; an admin key manages
its own tenant's (core/access/roles.py says who may do what); other keys manage none.
Revoking sets `revoked_at`; every request looks its key up again, so a revoked key stops
at once. The last active operator key cannot be revoked: no one could manage keys then.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass

import sqlalchemy as sa

from core.errors import FolioError
from core.storage.registry import Registry
from core.storage.registry_schema import api_keys, insert_ignoring_conflicts, tenants

PREFIX = "folio_"
_SECRET_BYTES = 32
_SHOWN = 10  # characters of the secret kept to tell keys apart in lists
TENANT_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class KeyRequestError(FolioError, ValueError):
    """A key request that cannot be met (a bad tenant name, a negative budget)."""

    status = 422


class LastOperatorError(FolioError):
    """Revoking this key would leave no operator key."""

    status = 409


@dataclass(frozen=True)
class ApiKey:
    """A key as stored: never its secret."""

    id: str
    tenant_id: str
    name: str
    prefix: str
    admin: bool
    budget_usd: float | None
    rpm: int | None
    created_at: float
    revoked_at: float | None
    operator: bool = False

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def role(self) -> str:
        """operator, admin or member: what the key may manage (core/access/roles.py)."""
        return "operator" if self.operator else "admin" if self.admin else "member"


def digest(secret: str) -> str:
    """The stored form of a secret. Keys carry 256 random bits, so a plain hash is enough
    (no dictionary can reach them) and lets each request find its key by an index."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def looks_like_key(secret: str) -> bool:
    return secret.startswith(PREFIX) and 40 <= len(secret) <= 100


class KeyStore:
    """Keys and tenants in the registry's database (SQLite or PostgreSQL)."""

    def __init__(self, registry: Registry) -> None:
        self.engine = registry.engine

    def create(
        self,
        tenant_id: str,
        name: str = "",
        admin: bool = False,
        budget_usd: float | None = None,
        rpm: int | None = None,
        operator: bool = False,
    ) -> tuple[ApiKey, str]:
        """A new key for `tenant_id` (created if new); returns it and its secret, which is
        not kept and cannot be shown again. An operator key is an admin key too."""
        if not TENANT_PATTERN.match(tenant_id):
            raise KeyRequestError(
                f"tenant {tenant_id!r}: use 1-64 letters, digits, '.', '_' or '-',"
                " starting with a letter or digit"
            )
        if budget_usd is not None and budget_usd < 0:
            raise KeyRequestError("the budget must be 0 or more dollars")
        if rpm is not None and rpm < 1:
            raise KeyRequestError("the rate limit must be at least 1 request per minute")
        secret = PREFIX + secrets.token_urlsafe(_SECRET_BYTES)
        key_id = "key_" + secrets.token_hex(6)
        now = time.time()
        row = {
            "id": key_id,
            "tenant_id": tenant_id,
            "name": name[:200],
            "secret_sha256": digest(secret),
            "prefix": secret[:_SHOWN],
            "admin": admin or operator,
            "operator": operator,
            "budget_usd": budget_usd,
            "rpm": rpm,
            "created_at": now,
            "revoked_at": None,
        }
        new_tenant = insert_ignoring_conflicts(tenants, self.engine.dialect.name).values(
            id=tenant_id, budget_usd=None, created_at=now
        )
        with self.engine.begin() as conn:
            conn.execute(new_tenant)
            conn.execute(api_keys.insert().values(row))
        return _key(row), secret

    def verify(self, secret: str) -> ApiKey | None:
        """The active key with this secret, or None."""
        if not looks_like_key(secret):
            return None
        query = sa.select(api_keys).where(
            api_keys.c.secret_sha256 == digest(secret), api_keys.c.revoked_at.is_(None)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return _key(row._mapping) if row else None

    def get(self, key_id: str, tenant_id: str | None = None) -> ApiKey | None:
        where = [api_keys.c.id == key_id]
        if tenant_id is not None:
            where.append(api_keys.c.tenant_id == tenant_id)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(api_keys).where(*where)).first()
        return _key(row._mapping) if row else None

    def list(self, tenant_id: str | None = None, include_revoked: bool = True) -> list[ApiKey]:
        """Keys, oldest first; of one tenant when given."""
        query = sa.select(api_keys).order_by(api_keys.c.created_at, api_keys.c.id)
        if tenant_id is not None:
            query = query.where(api_keys.c.tenant_id == tenant_id)
        if not include_revoked:
            query = query.where(api_keys.c.revoked_at.is_(None))
        with self.engine.connect() as conn:
            return [_key(r._mapping) for r in conn.execute(query)]

    def revoke(self, key_id: str, tenant_id: str | None = None) -> ApiKey | None:
        """Revoke a key (of `tenant_id` when given); the key as it now is, None if unknown.
        LastOperatorError for the last active operator key, which nothing replaces."""
        where = [api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None)]
        if tenant_id is not None:
            where.append(api_keys.c.tenant_id == tenant_id)
        others = sa.select(sa.func.count()).where(
            api_keys.c.operator.is_(True), api_keys.c.revoked_at.is_(None), api_keys.c.id != key_id
        )
        with self.engine.begin() as conn:
            is_operator = conn.scalar(sa.select(api_keys.c.operator).where(*where))
            if is_operator and not conn.scalar(others):
                raise LastOperatorError(
                    f"{key_id} is the last operator key: make another one first (`folio keys"
                    " create --operator`), or no key could manage keys any more"
                )
            conn.execute(api_keys.update().where(*where).values(revoked_at=time.time()))
        return self.get(key_id, tenant_id)

    def make_operator(self, key_id: str) -> None:
        """Give a key the operator's role (and so an admin's)."""
        with self.engine.begin() as conn:
            query = api_keys.update().where(api_keys.c.id == key_id)
            conn.execute(query.values(operator=True, admin=True))

    def tenant_budget(self, tenant_id: str) -> float | None:
        """The tenant's monthly cap in dollars, if it has one."""
        query = sa.select(tenants.c.budget_usd).where(tenants.c.id == tenant_id)
        with self.engine.connect() as conn:
            return conn.scalar(query)

    def set_tenant_budget(self, tenant_id: str, budget_usd: float | None) -> None:
        """Set (None: remove) the monthly cap shared by all the tenant's keys."""
        if budget_usd is not None and budget_usd < 0:
            raise KeyRequestError("the budget must be 0 or more dollars")
        new = insert_ignoring_conflicts(tenants, self.engine.dialect.name).values(
            id=tenant_id, budget_usd=None, created_at=time.time()
        )
        with self.engine.begin() as conn:
            conn.execute(new)
            conn.execute(
                tenants.update().where(tenants.c.id == tenant_id).values(budget_usd=budget_usd)
            )


def _key(row) -> ApiKey:
    data = dict(row)
    data.pop("secret_sha256", None)
    data["admin"] = bool(data["admin"])
    data["operator"] = bool(data.get("operator"))
    return ApiKey(**data)
