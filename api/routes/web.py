"""The web page at `/`: static HTML, ES modules, CSS and the vendored pdf.js under api/web/.

The page is a client of the public REST API only; these routes serve files and nothing
else, and stay out of the OpenAPI schema.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

router = APIRouter(include_in_schema=False)

WEB_ROOT = Path(__file__).resolve().parent.parent / "web"
# Browsers refuse ES modules served as anything but JavaScript; mimetypes may not know .mjs.
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".pfb": "application/octet-stream",
    ".ttf": "font/ttf",
    ".txt": "text/plain; charset=utf-8",
}
# Revalidate every time (ETag), so a new folio version's page is never mixed with old modules.
_HEADERS = {
    "cache-control": "no-cache",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


# The page loads nothing from elsewhere and may not be framed; pdf.js needs inline styles
# on its text layer and may compile its WebAssembly image decoders.
_CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline';"
    " img-src 'self' data: blob:; font-src 'self' data: blob:; worker-src 'self' blob:;"
    " connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


@router.api_route("/", methods=["GET", "HEAD"], response_class=FileResponse)
def index() -> FileResponse:
    """The web page: upload PDFs, ask them, and read each citation on its page."""
    page = _file("index.html")
    page.headers["content-security-policy"] = _CSP
    return page


@router.api_route("/web/{path:path}", methods=["GET", "HEAD"], response_class=FileResponse)
def asset(path: str) -> FileResponse:
    """One static file of the page (modules, styles, pdf.js); 404 for anything else."""
    return _file(path)


def _file(relative: str) -> FileResponse:
    path = (WEB_ROOT / relative).resolve()
    # Only files under WEB_ROOT with a known type: no traversal, no source files.
    if not path.is_relative_to(WEB_ROOT) or not path.is_file() or path.suffix not in _TYPES:
        raise HTTPException(404, f"no such file: /web/{relative}")
    return FileResponse(path, media_type=_TYPES[path.suffix], headers=_HEADERS)
