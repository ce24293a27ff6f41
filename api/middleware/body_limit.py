"""A cap on request bodies (FOLIO_MAX_REQUEST_KB): larger ones get 413 before they are
held in memory. Uploads (`POST /documents`) are exempt: they stream to disk under their
own limit, FOLIO_MAX_UPLOAD_MB."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _TooLarge(HTTPException):
    """Raised from `receive`: FastAPI re-raises HTTPExceptions met while reading a body,
    and its exception middleware answers them with their status and detail."""

    def __init__(self, detail: str) -> None:
        super().__init__(413, detail)


class BodyLimitMiddleware:
    """Pure ASGI: refuses a declared Content-Length over the cap at once, and counts the
    bytes of a chunked body as they arrive, answering 413 when they pass it."""

    def __init__(self, app: ASGIApp, max_bytes: int, exempt: tuple[str, ...] = ()) -> None:
        self.app, self.max_bytes, self.exempt = app, max_bytes, exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/") in self.exempt:
            await self.app(scope, receive, send)
            return
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        seen, started = 0, False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge(self._detail())
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _TooLarge:
            if started:  # a streamed response is under way: nothing sensible to add
                raise
            await self._refuse(scope, receive, send)

    def _detail(self) -> str:
        return (
            f"the request body is larger than FOLIO_MAX_REQUEST_KB ({self.max_bytes // 1024}"
            " KB); send a shorter body (PDFs go to POST /documents)"
        )

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = {"detail": self._detail()}
        if scope["path"].startswith("/v1/"):  # OpenAI's routes answer in its error shape
            body = {
                "error": {
                    "message": self._detail(),
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "request_too_large",
                }
            }
        response = JSONResponse(body, status_code=413)
        await response(scope, receive, send)
