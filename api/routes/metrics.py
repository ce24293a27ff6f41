"""GET /metrics: the service's Prometheus series (see core.metrics and docs/DEPLOY.md)."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, HTTPException, Request, Response

from api.deps import MetricsDep

router = APIRouter(tags=["operations"])


@router.get("/metrics", response_class=Response, responses={401: {"description": "No token"}})
def metrics(request: Request, series: MetricsDep) -> Response:
    """Prometheus text format (OpenMetrics when asked): documents by status, ingest totals
    and throughput, queue depth, query latency by mode, tokens and dollars by model,
    failed model attempts, fallbacks and escalations. With FOLIO_METRICS_TOKEN set, only
    for `Authorization: Bearer <that token>` (401 otherwise); API keys are not asked."""
    token = request.app.state.settings.metrics_token
    if token is not None:
        want = f"Bearer {token.get_secret_value()}".encode()
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, want):
            raise HTTPException(
                401,
                "GET /metrics needs the scrape token: Authorization: Bearer <FOLIO_METRICS_TOKEN>",
                headers={"WWW-Authenticate": 'Bearer realm="folio-metrics"'},
            )
    body, content_type = series.exposition(request.headers.get("accept"))
    return Response(body, media_type=content_type)
