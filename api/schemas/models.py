"""GET /models: the catalog as the tenant sees it, with measured latency and health."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class PriceOut(BaseModel):
    """US dollars per 1M tokens; `cached_input` null: cached tokens bill at `input`."""

    input: float
    cached_input: float | None
    output: float


class LatencyOut(BaseModel):
    first_token_ms: float = Field(
        description="Median time to the first token of the latest calls (the whole call"
        " when not streamed); the catalog's prior until enough calls are measured."
    )
    first_token_ms_per_1k_prompt_tokens: float = Field(
        description="How much the first token is delayed by each 1K prompt tokens."
    )
    output_tokens_per_s: float
    samples: int = Field(description="Measured calls in the window behind the estimate.")
    source: Literal["measured", "prior"]


class HealthOut(BaseModel):
    circuit: Literal["closed", "open", "half_open"] = Field(
        description="open: skipped by the fallback chain until a probe call succeeds."
    )
    consecutive_failures: int
    times_opened: int
    rpm: int | None = Field(description="Requests a minute admitted to this model; null: any.")
    tpm: int | None = Field(description="Tokens a minute admitted to this model; null: any.")


class ModelOut(BaseModel):
    name: str
    available: bool = Field(description="It can be called here (its endpoint has a key).")
    context_window: int
    max_output_tokens: int
    price: PriceOut
    roles: list[str]
    chains: list[str] = Field(description="The roles whose fallback chain includes it.")
    json_mode: bool
    json_schema: bool
    cache_ttl_s: float = Field(description="How long a prompt prefix stays in its cache.")
    latency: LatencyOut
    health: HealthOut


class ModelsOut(BaseModel):
    models: list[ModelOut]
