"""Errors as HTTP answers, in one place: error bodies in the documented shapes whatever
the input.

Errors a person can act on (core.errors.FolioError) go out as `detail` with their own
status; routes let them rise and `register()` answers each.

FastAPI's own 422 echoes each offending `input` back; a NaN or an infinity there cannot
be written as JSON (a 500 instead of the 422), and a huge input would be sent back whole.
`validation_error` keeps the documented shape (`detail`: a list of `loc`, `msg`, `type`)
and drops the echoed values.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.routing import Match

from api.schemas.common import ErrorOut
from core.errors import FolioError
from query.chat import error_body

#: Routes that speak OpenAI's protocol answer errors in its shape (query/chat.py).
OPENAI_PREFIX = "/v1/"

#: The statuses of the read path's errors (query.answer, routing, budgets, models), for
#: the OpenAPI text of the routes that answer questions.
QUERY_STATUSES = (402, 404, 409, 422, 502, 503)


def responses(*codes: int) -> dict:
    """OpenAPI `responses` for these status codes, all in the ErrorOut shape."""
    return {code: {"model": ErrorOut} for code in sorted(set(codes))}


async def domain_error(request: Request, exc: Exception) -> JSONResponse:
    """A FolioError raised anywhere under a route, answered with its own status."""
    assert isinstance(exc, FolioError)
    if _openai(request):
        return JSONResponse(error_body(exc.status, str(exc)), status_code=exc.status)
    return JSONResponse({"detail": str(exc)}, status_code=exc.status)


def _openai(request: Request) -> bool:
    return request.url.path.startswith(OPENAI_PREFIX)


def register(app: FastAPI) -> None:
    """Install the handlers: every FolioError, request validation, and HTTP errors."""
    app.add_exception_handler(FolioError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)


async def http_error(request: Request, exc: Exception) -> Response:
    """FastAPI's own answer to an HTTPException, with a 405's `Allow` listing every method
    of the path: Starlette names only those of the first route on it (a path served by one
    route per method, as `/documents` is, would say only POST)."""
    assert isinstance(exc, HTTPException)
    if _openai(request):
        body = error_body(exc.status_code, str(exc.detail))
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)
    if exc.status_code == 405:
        methods = [m for m in _METHODS if _served(request, m)]
        exc = HTTPException(405, exc.detail, headers={"Allow": ", ".join(methods)})
    return await http_exception_handler(request, exc)


_METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")


def _served(request: Request, method: str) -> bool:
    """Whether some route of the app takes `method` on the request's path."""
    scope = {**request.scope, "method": method}
    return any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes)


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with `detail: [{loc, msg, type}]`, as FastAPI documents it, with no echoed input
    (on OpenAI's routes: 400 in its shape, naming the first bad parameter)."""
    detail = [
        {
            "loc": [part if isinstance(part, int) else str(part) for part in err.get("loc", ())],
            "msg": str(err.get("msg", "invalid value")),
            "type": str(err.get("type", "value_error")),
        }
        for err in exc.errors()
    ]
    if _openai(request) and detail:
        first = detail[0]
        param = ".".join(str(p) for p in first["loc"][1:]) or None
        message = f"{param or 'body'}: {first['msg']}" if param else first["msg"]
        return JSONResponse(error_body(400, message, param), status_code=400)
    return JSONResponse({"detail": detail}, status_code=422)
