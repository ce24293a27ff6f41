"""GET /usage: what the models cost, from the usage ledger."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import RegistryDep, SettingsDep
from api.schemas import UsageTotals

router = APIRouter(tags=["usage"])


@router.get("/usage")
def usage(registry: RegistryDep, settings: SettingsDep) -> UsageTotals:
    """Calls, input / cached input / output tokens and dollars of this tenant's model
    calls (offline reader included, at $0), by model and by UTC day."""
    return UsageTotals.model_validate(registry.usage_totals(settings.tenant_id))
