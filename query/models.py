"""The catalog as a tenant sees it (GET /models): each model's window, prices and roles,
whether it can be called here, its latency (measured, or the catalog's prior) and its
health (the circuit breaker, and the provider limits it is admitted under)."""

from __future__ import annotations

from core.llm.latency import LatencyBook, ModelLatency
from core.llm.providers import available_models
from query.read_path import ReadPath


def catalog_view(rp: ReadPath) -> list[dict]:
    """Every catalog model, in catalog order, as GET /models lists it."""
    catalog = rp.catalog
    usable = available_models(catalog, rp.models.settings)
    book = rp.latency or LatencyBook(catalog, None)
    latencies = book.all()
    chains = catalog.chains
    out = []
    for name, spec in catalog.models.items():
        lat = latencies[name]
        out.append(
            {
                "name": name,
                "available": name in usable,
                "context_window": spec.context_window,
                "max_output_tokens": spec.max_output_tokens,
                "price": spec.price.model_dump(),
                "roles": list(spec.roles),
                "chains": sorted(role for role, names in chains.items() if name in names),
                "json_mode": spec.json_mode,
                "json_schema": spec.json_schema,
                "cache_ttl_s": spec.cache_ttl_s,
                "latency": latency_view(lat),
                "health": rp.models.health.state(name) | {"rpm": spec.rpm, "tpm": spec.tpm},
            }
        )
    return out


def latency_view(lat: ModelLatency) -> dict:
    """The estimate in numbers: measured medians once there are samples, else the prior."""
    first = lat.measured_first_token_ms if lat.measured else lat.first_token_ms
    return {
        "first_token_ms": round(first, 1),
        "first_token_ms_per_1k_prompt_tokens": round(lat.first_token_ms_per_1k, 1),
        "output_tokens_per_s": round(lat.output_tokens_per_s, 1),
        "samples": lat.samples,
        "source": "measured" if lat.measured else "prior",
    }
