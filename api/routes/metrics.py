"""GET /metrics: the service's Prometheus series (see api.metrics and docs/DEPLOY.md)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.deps import MetricsDep

router = APIRouter(tags=["operations"])


@router.get("/metrics", response_class=Response)
def metrics(request: Request, series: MetricsDep) -> Response:
    """Prometheus text format (OpenMetrics when asked): documents by status, ingest totals
    and throughput, queue depth, query latency by mode, tokens and dollars by model,
    failed model attempts, fallbacks and escalations."""
    body, content_type = series.exposition(request.headers.get("accept"))
    return Response(body, media_type=content_type)
