"""Error bodies in the documented shapes, whatever the input.

FastAPI's own 422 echoes each offending `input` back; a NaN or an infinity there cannot
be written as JSON (a 500 instead of the 422), and a huge input would be sent back whole.
This handler keeps the documented shape (`detail`: a list of `loc`, `msg`, `type`) and
drops the echoed values.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


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
