"""Shapes every route shares: errors and the health probes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

# A cap in dollars: /query, the chat API and reviews refuse a plan estimated above it.
MaxCostUsd = Annotated[float, Field(ge=0, le=1_000_000, allow_inf_nan=False)]
# A limit in milliseconds: to the first token when streaming, else to the whole answer.
MaxLatencyMs = Annotated[float, Field(gt=0, le=3_600_000, allow_inf_nan=False)]
Prefer = Literal["cost", "balanced", "quality", "fast"]


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    instance_id: str = Field(
        description="The data directory this server serves (the CLI checks it before using it)."
    )


class Readiness(BaseModel):
    """Each dependency and `ok` or what is wrong with it."""

    status: Literal["ready", "not ready"]
    checks: dict[str, str]


class ErrorOut(BaseModel):
    detail: str


class FieldErrorOut(BaseModel):
    """One invalid field of a request (FastAPI's ValidationError, without the input)."""

    loc: list[str | int]
    msg: str
    type: str


class InvalidOut(BaseModel):
    """A 422: a list of invalid fields, or one message about the request as a whole."""

    detail: list[FieldErrorOut] | str
