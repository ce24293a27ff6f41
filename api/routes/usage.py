"""GET /usage: what the models cost, from the usage ledger."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CallerDep, RegistryDep
from api.schemas import UsageTotals

router = APIRouter(tags=["usage"])


@router.get("/usage")
def usage(registry: RegistryDep, caller: CallerDep) -> UsageTotals:
    """Calls, input / cached input / output tokens and dollars of the caller's tenant's
    model calls (offline reader included, at $0), by model, by UTC day and by API key."""
    return UsageTotals.model_validate(registry.usage_totals(caller.tenant_id))
