"""/healthz (the process is up) and /readyz (its dependencies answer).

Both are `async`: neither waits for a thread of the pool that sync routes (queries,
uploads) share, so a busy API still answers its probes at once. /readyz runs its
blocking probes on threads of its own, a few at a time.
"""

from __future__ import annotations

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import Resources
from api.schemas.common import Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(request: Request) -> Health:
    """Liveness: 200 whenever the process serves requests, however busy it is; with the
    id of the data directory it serves."""
    return Health(instance_id=request.app.state.instance_id)


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
async def readyz(request: Request) -> JSONResponse:
    """Readiness: the broker, the registry and the store (where this process opens it)
    answer, and in server mode a worker has answered a ping lately; 503 naming each one
    that does not."""
    # Not through ResourcesDep: FastAPI runs a sync dependency on the shared thread pool.
    res: Resources = request.app.state.resources
    checks: dict[str, str] = {}
    for name, probe in res.checks.items():
        try:
            await anyio.to_thread.run_sync(probe, limiter=request.app.state.probe_threads)
            checks[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            checks[name] = f"unavailable: {type(exc).__name__}: {exc}"[:300]
    ready = all(v == "ok" for v in checks.values())
    body = Readiness(status="ready" if ready else "not ready", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
