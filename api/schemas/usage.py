"""GET /usage: calls, tokens and dollars by model, day and key, and the budgets."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class UsageRow(BaseModel):
    calls: int
    input_tokens: int | None
    cached_input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None


class ModelUsage(UsageRow):
    model: str


class DayUsage(UsageRow):
    day: str = Field(description="UTC date, YYYY-MM-DD.")


class KeyUsage(UsageRow):
    key: str | None = Field(description="The API key's id; null for calls made without one.")


class BudgetOut(BaseModel):
    """The monthly caps on the caller's spend (None: no cap) and this month's spend."""

    key_budget_usd: float | None
    key_spent_usd: float | None = Field(description="None with auth off (no key).")
    tenant_budget_usd: float | None
    tenant_spent_usd: float
    resets_at: datetime = Field(description="Start of the next UTC month.")


class UsageTotals(BaseModel):
    """Model calls, tokens and dollars from the usage ledger of the caller's tenant, by
    model, by UTC day and by API key, and the budgets that apply to the caller."""

    by_model: list[ModelUsage]
    by_day: list[DayUsage]
    by_key: list[KeyUsage] = []
    budget: BudgetOut | None = None
