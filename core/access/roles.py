"""Who may manage which keys: the operator every tenant's, a tenant's admin its own.

The operator's keys (the first one is made by `folio serve` on first start and saved in
DATA_DIR/admin.key) manage every tenant: they make keys for any tenant, operator keys
included, set tenants' monthly caps, list and revoke any key. A tenant's admin keys
manage that tenant's keys only: another tenant is 403 when named (creating, listing) and
its keys are 404 (revoking: their ids are not confirmed to exist); an admin key cannot
make an operator key, set its tenant's cap, or revoke an operator key. Keys that are
neither manage nothing. The last operator key cannot be revoked (core/access/keys.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.access.keys import ApiKey, KeyStore
from core.errors import FolioError


class Forbidden(FolioError):
    """The caller's key may not do this."""

    status = 403


class UnknownKey(FolioError, LookupError):
    status = 404


@dataclass(frozen=True)
class KeyRequest:
    """A key to make (POST /keys, `folio keys create`)."""

    tenant: str
    name: str = ""
    admin: bool = False
    budget_usd: float | None = None
    rpm: int | None = None
    operator: bool = False
    tenant_budget_usd: float | None = None  # set the tenant's monthly cap as well


@dataclass(frozen=True)
class Manager:
    """The key a key-management request comes with: its tenant and role."""

    tenant_id: str
    admin: bool
    operator: bool

    def require_admin(self) -> None:
        if not (self.admin or self.operator):
            raise Forbidden("managing keys needs an admin key")

    def create(self, keys: KeyStore, request: KeyRequest) -> tuple[ApiKey, str]:
        """Make the key asked for (and set its tenant's cap, if asked) where this caller
        may; returns it and its secret, shown this once."""
        self.require_admin()
        if not self.operator:
            if request.tenant != self.tenant_id:
                raise Forbidden(
                    f"an admin key of tenant {self.tenant_id} manages its own keys only"
                )
            if request.operator:
                raise Forbidden("only an operator key may make an operator key")
            if request.tenant_budget_usd is not None:
                raise Forbidden("only an operator key may set a tenant's monthly budget")
        key, secret = keys.create(
            request.tenant,
            request.name,
            request.admin,
            request.budget_usd,
            request.rpm,
            request.operator,
        )
        if request.tenant_budget_usd is not None:
            keys.set_tenant_budget(request.tenant, request.tenant_budget_usd)
        return key, secret

    def list(self, keys: KeyStore, tenant: str | None = None) -> list[ApiKey]:
        """The keys this caller sees: any tenant's (all, or `tenant`) for the operator,
        its own tenant's for an admin."""
        self.require_admin()
        if not self.operator:
            if tenant not in (None, self.tenant_id):
                raise Forbidden(f"an admin key of tenant {self.tenant_id} lists its own keys only")
            tenant = self.tenant_id
        return keys.list(tenant)

    def revoke(self, keys: KeyStore, key_id: str) -> ApiKey:
        """Revoke a key this caller manages; UnknownKey where it is none of its tenant's."""
        self.require_admin()
        key = keys.get(key_id, None if self.operator else self.tenant_id)
        if key is None:
            raise UnknownKey(f"no key {key_id}")
        if key.operator and not self.operator:
            raise Forbidden("only an operator key may revoke an operator key")
        revoked = keys.revoke(key_id)
        assert revoked is not None
        return revoked
