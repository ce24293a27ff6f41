"""GET /usage: what the models cost, from the usage ledger."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CallerDep, GuardDep, RegistryDep
from api.schemas.usage import UsageTotals

router = APIRouter(tags=["usage"])


@router.get("/usage")
def usage(registry: RegistryDep, caller: CallerDep, guard: GuardDep) -> UsageTotals:
    """Calls, input / cached input / output tokens and dollars of the caller's tenant's
    model calls (offline reader included, at $0), by model, by UTC day and by API key;
    and `budget`: the caller's key and tenant caps, this month's spend, when they reset."""
    totals = registry.usage.totals(caller.tenant_id)
    return UsageTotals.model_validate(totals | {"budget": guard.budgets.status(caller.payer)})
