"""Bodies of /keys: API keys as the service shows them (never a stored secret)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from core.access.keys import ApiKey


class KeyCreate(BaseModel):
    """A new key; its tenant is created with its first key."""

    tenant: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        description="The tenant the key acts for (letters, digits, '.', '_', '-').",
    )
    name: str = Field(default="", max_length=200, description="A label, e.g. who holds it.")
    budget_usd: float | None = Field(
        default=None, ge=0, le=1e9, description="Monthly cap on model spend (UTC months)."
    )
    rpm: int | None = Field(default=None, ge=1, le=1_000_000, description="Requests/minute.")
    admin: bool = Field(default=False, description="May manage its own tenant's keys.")
    operator: bool = Field(
        default=False,
        description="May manage every tenant's keys (an operator key may make one).",
    )
    tenant_budget_usd: float | None = Field(
        default=None, ge=0, le=1e9, description="Sets the tenant's monthly cap (all its keys)."
    )


class KeyOut(BaseModel):
    id: str
    tenant: str
    name: str
    prefix: str = Field(description="The secret's first characters, to tell keys apart.")
    admin: bool = Field(description="Manages its own tenant's keys (operators: every tenant's).")
    operator: bool = Field(description="Manages every tenant's keys.")
    budget_usd: float | None
    rpm: int | None
    created_at: float
    revoked_at: float | None

    @classmethod
    def of(cls, key: ApiKey) -> KeyOut:
        return cls(
            id=key.id,
            tenant=key.tenant_id,
            name=key.name,
            prefix=key.prefix,
            admin=key.admin,
            operator=key.operator,
            budget_usd=key.budget_usd,
            rpm=key.rpm,
            created_at=key.created_at,
            revoked_at=key.revoked_at,
        )


class KeyCreated(BaseModel):
    key: KeyOut
    secret: str = Field(description="The key itself, shown this once: it is not kept.")


class KeyList(BaseModel):
    items: list[KeyOut]
