"""/healthz (the process is up) and /readyz (its dependencies answer)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import ResourcesDep
from api.schemas import Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> Health:
    """Liveness: 200 whenever the process serves requests."""
    return Health()


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
def readyz(res: ResourcesDep) -> JSONResponse:
    """Readiness: the broker, the registry and the store (where this process opens it)
    answer; 503 naming each one that does not."""
    checks: dict[str, str] = {}
    for name, probe in res.checks.items():
        try:
            probe()
            checks[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            checks[name] = f"unavailable: {type(exc).__name__}: {exc}"[:300]
    ready = all(v == "ok" for v in checks.values())
    body = Readiness(status="ready" if ready else "not ready", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
