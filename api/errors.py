"""Errors as HTTP answers, in one place: the domain errors' status table, and error bodies
in the documented shapes whatever the input.

Domain errors' messages are written for the person asking, so they go out as `detail`;
routes let them rise and `register()` answers each with its status.

FastAPI's own 422 echoes each offending `input` back; a NaN or an infinity there cannot
be written as JSON (a 500 instead of the 422), and a huge input would be sent back whole.
`validation_error` keeps the documented shape (`detail`: a list of `loc`, `msg`, `type`)
and drops the echoed values.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from api import answer
from api.routing import RouteError
from api.schemas import ErrorOut
from core.budget import BudgetExceeded
from core.llm import AllModelsFailed

STATUS: dict[type[Exception], int] = {
    answer.DocumentNotFound: 404,
    answer.DocumentNotReady: 409,
    answer.NoDocuments: 409,
    RouteError: 422,
    answer.RetrievalUnavailable: 503,
    AllModelsFailed: 502,
    BudgetExceeded: 402,
}
DOMAIN_ERRORS = tuple(STATUS)


def responses(*codes: int) -> dict:
    """OpenAPI `responses` for these status codes, all in the ErrorOut shape."""
    return {code: {"model": ErrorOut} for code in sorted(set(codes))}


def status_of(exc: Exception) -> int:
    """The HTTP status of a domain error of STATUS."""
    return next(code for kind, code in STATUS.items() if isinstance(exc, kind))


async def domain_error(request: Request, exc: Exception) -> JSONResponse:
    """A domain error raised anywhere under a route, answered with its STATUS code."""
    return JSONResponse({"detail": str(exc)}, status_code=status_of(exc))


def register(app: FastAPI) -> None:
    """Install the handlers: each domain error of STATUS, and request validation."""
    for kind in STATUS:
        app.add_exception_handler(kind, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with `detail: [{loc, msg, type}]`, as FastAPI documents it, with no echoed input."""
    detail = [
        {
            "loc": [part if isinstance(part, int) else str(part) for part in err.get("loc", ())],
            "msg": str(err.get("msg", "invalid value")),
            "type": str(err.get("type", "value_error")),
        }
        for err in exc.errors()
    ]
    return JSONResponse({"detail": detail}, status_code=422)
