"""/documents: upload PDFs, watch their ingestion, list and delete them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import anyio.from_thread
from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from api.deps import CallerDep, RegistryDep, ResourcesDep, UploadsDep
from api.multipart import FormStream
from api.schemas.common import ErrorOut, InvalidOut
from api.schemas.documents import DocumentOut, DocumentPage, Status

router = APIRouter(prefix="/documents", tags=["documents"])

_ERRORS = {code: {"model": ErrorOut} for code in (400, 404, 409, 413, 415, 503)} | {
    422: {"model": InvalidOut}
}
# Past this, SQL OFFSET overflows; no tenant has a billion documents.
MAX_OFFSET = 1_000_000_000
# The body is parsed as a stream (api/multipart.py), so FastAPI is told its shape here.
_UPLOAD_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "The PDF."},
                        "password": {
                            "type": "string",
                            "description": "For an encrypted PDF; kept until ingestion ends.",
                        },
                    },
                }
            }
        },
    }
}


@router.post(
    "",
    status_code=202,
    response_model=DocumentOut,
    responses={200: {"model": DocumentOut, "description": "Already uploaded"}} | _ERRORS,
    openapi_extra=_UPLOAD_FORM,
)
async def upload_document(
    request: Request, response: Response, uploads: UploadsDep
) -> DocumentOut | Response:
    """Upload a PDF (multipart field `file`, optional `password`) and queue its ingestion.

    Answers 202 with the queued document; 200 with the existing document when the same
    file was uploaded before; 413 over FOLIO_MAX_UPLOAD_MB (stops reading there); 415
    when the file is not a PDF; 400 when the body ends early. Poll `GET /documents/{id}`
    for progress.
    """
    uploads.check_declared_length(request.headers.get("content-length"))
    form = FormStream(
        request.headers.get("content-type", ""), _body_blocks(request), uploads.max_body
    )
    try:
        outcome = await run_in_threadpool(uploads.receive, form)
    except ClientDisconnect:  # the client went away mid-upload: nothing was kept
        return JSONResponse({"detail": "the upload ended early; nothing was kept"}, 400)
    if not outcome.queued:
        response.status_code = 200
    return DocumentOut.of(outcome.document)


@router.get("", responses=_ERRORS)
def list_documents(
    registry: RegistryDep,
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    status: Status | None = None,
) -> DocumentPage:
    """List documents, newest first, a page at a time; optionally only those in `status`."""
    docs, total = registry.list(caller.tenant_id, limit=limit, offset=offset, status=status)
    return DocumentPage(
        items=[DocumentOut.of(d) for d in docs], total=total, limit=limit, offset=offset
    )


@router.get("/{document_id}", responses=_ERRORS)
def get_document(document_id: str, registry: RegistryDep, caller: CallerDep) -> DocumentOut:
    """A document's status, counts and ingestion progress; 404 if there is no such id."""
    doc = registry.get(document_id, tenant_id=caller.tenant_id)  # another tenant's: 404
    if doc is None:
        raise HTTPException(404, f"no document {document_id}")
    return DocumentOut.of(doc)


@router.get(
    "/{document_id}/file",
    response_class=FileResponse,
    responses={200: {"content": {"application/pdf": {}}}} | _ERRORS,
)
def get_document_file(
    document_id: str, registry: RegistryDep, caller: CallerDep, res: ResourcesDep
) -> FileResponse:
    """The original uploaded PDF, byte for byte (still encrypted if it was); 404 if there
    is no such id. Private to its tenant: never cached by shared proxies."""
    doc = registry.get(document_id, tenant_id=caller.tenant_id)  # another tenant's: 404
    if doc is None:
        raise HTTPException(404, f"no document {document_id}")
    path = res.files.path_for(doc.sha256)
    if not path.is_file():
        raise HTTPException(404, f"the file of document {document_id} is no longer stored")
    return FileResponse(
        path,
        media_type="application/pdf",
        filename=doc.filename,
        content_disposition_type="inline",
        headers={"cache-control": "private, no-store"},
    )


@router.delete("/{document_id}", status_code=204, responses=_ERRORS)
def delete_document(document_id: str, uploads: UploadsDep) -> Response:
    """Delete a document with its file, chunks and page texts; 409 while it is being ingested."""
    uploads.remove(document_id)
    return Response(status_code=204)


def _body_blocks(request: Request) -> Iterator[bytes]:
    """The request body as a plain iterator, for code running in a worker thread."""
    stream = request.stream()

    async def next_block() -> bytes | None:
        try:
            return await stream.__anext__()
        except StopAsyncIteration:
            return None

    while (block := anyio.from_thread.run(next_block)) is not None:
        if block:
            yield block
