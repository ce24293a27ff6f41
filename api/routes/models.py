"""GET /models: the model catalog as the caller's tenant sees it."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ReadPathDep
from api.schemas.models import ModelsOut
from query.models import catalog_view

router = APIRouter(tags=["models"])


@router.get("/models")
def models(rp: ReadPathDep) -> ModelsOut:
    """Each catalog model with its window, prices, roles and chains, whether it can be
    called here, its latency (`first_token_ms`, `output_tokens_per_s` and the `samples`
    behind them: medians of the latest calls, or the catalog's prior until there are
    enough) and its health (circuit breaker, provider limits)."""
    return ModelsOut.model_validate({"models": catalog_view(rp)})
