"""Documents in and out: stream an upload to disk, sniff it, register it, queue it; delete.

Plain code, no FastAPI: the route hands over the request's content type and its body as
an iterable of byte blocks. The body is parsed as it arrives (api.multipart), the file
part goes straight into the content-addressed FileStore, and reading stops at the size
limit or as soon as the first kilobyte shows the file is not a PDF.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from core.errors import FolioError
from core.storage.chunks import ChunkStore
from core.storage.documents import Document
from core.storage.files import FileStore, FileTooLargeError
from core.storage.pages import PageStore
from core.storage.registry import Registry
from ingest.pdf import looks_like_pdf

log = logging.getLogger(__name__)

_FORM_OVERHEAD = 64 * 1024  # multipart headers and small fields around the file
DEFAULT_FILENAME = "upload.pdf"
_MAX_NAME_CHARS = 255
# Control (Cc), format (Cf: bidi overrides such as U+202E, zero-width characters),
# surrogate, private-use and unassigned code points, and line/paragraph separators.
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


class UploadError(FolioError):
    """An upload or a delete refused, with a message for the person uploading."""


class TooLargeError(UploadError):
    status = 413


class NotPdfError(UploadError):
    status = 415


class NotFoundError(UploadError):
    status = 404


class BusyError(UploadError):
    status = 409


class QueueUnavailableError(UploadError):
    status = 503


class UploadForm(Protocol):
    """An upload's form as it is read (api/multipart.py's FormStream): the file's bytes
    as they arrive, then its name and the optional password."""

    filename: str | None
    password: str | None

    def file_blocks(self, check_head: Callable[[bytes], None]) -> Iterator[bytes]:
        """The file's bytes; `check_head` sees the first kilobyte before the rest is read."""
        ...


class JobQueue(Protocol):
    """Where ingestion jobs go (the Celery app); status lives in the registry."""

    def enqueue(self, document_id: str) -> None: ...

    def enqueue_purge(self, document_id: str) -> None: ...

    def queue_depth(self) -> int | None:
        """Jobs waiting in the queue (for /metrics); raises if the broker is unreachable."""
        ...


@dataclass
class Outcome:
    document: Document
    queued: bool  # a new ingestion job was queued by this upload


@dataclass
class Uploads:
    """Receives uploads and deletes documents for one tenant."""

    registry: Registry
    files: FileStore
    pages: PageStore
    store: ChunkStore | None  # None where a worker process owns the store
    queue: JobQueue
    tenant_id: str
    max_bytes: int

    def check_declared_length(self, content_length: str | None) -> None:
        """Refuse an upload whose Content-Length is over the limit before reading any of it."""
        if content_length and content_length.isdigit():
            if int(content_length) > self.max_body:
                raise TooLargeError(self._too_large())

    @property
    def max_body(self) -> int:
        """The most bytes an upload's whole body may have: the file and its form around it."""
        return self.max_bytes + _FORM_OVERHEAD

    def receive(self, form: UploadForm) -> Outcome:
        """Store the form's file and queue it; the same file again is returned as it is
        (re-queued if it failed and a password now comes, or failed for a reason other
        than the file itself)."""
        blocks = form.file_blocks(check_head=_check_pdf)
        try:
            with self.files.storing(blocks, max_bytes=self.max_bytes) as (sha, size):
                # registered under the file store's lock: a delete of the same bytes waits
                doc, created = self.registry.create_or_get(
                    self.tenant_id, safe_filename(form.filename), sha, size
                )
        except FileTooLargeError:
            raise TooLargeError(self._too_large()) from None
        return self._queue_new(doc, created, form.password)

    def remove(self, document_id: str) -> None:
        """Delete a document: its points, page texts, file and registry row."""
        doc = self.registry.get(document_id, tenant_id=self.tenant_id)
        if doc is None:  # another tenant's document is not found either
            raise NotFoundError(f"no document {document_id}")
        # Taken from the workers first, atomically: a worker claiming it a moment earlier
        # makes this a 409, and one claiming it a moment later finds nothing to claim.
        if not self.registry.withdraw(document_id):
            raise BusyError("the document is being ingested; delete it when it is ready or failed")
        if self.store is not None:
            self.store.delete_document(self.tenant_id, document_id)
        else:
            self._send(self.queue.enqueue_purge, document_id, self.tenant_id)
        self.pages.delete(document_id)
        self.registry.delete(document_id)
        # Files are stored once per content: another tenant's copy may still need it.
        self.files.delete_unused(doc.sha256, self.registry.file_in_use)

    def _queue_new(self, doc: Document, created: bool, password: str | None) -> Outcome:
        retry = doc.status == "failed" and (
            password is not None or (doc.error or "").startswith("ingest error")
        )
        if not created and not retry:
            return Outcome(doc, queued=False)
        self.registry.set_password(doc.id, password)
        if retry:
            self.registry.mark_queued(doc.id)
        self._queue(doc.id)
        return Outcome(self.registry.get(doc.id) or doc, queued=True)

    def _queue(self, document_id: str) -> None:
        try:
            self.queue.enqueue(document_id)
            # Unmarked, a queued document whose job never went out (this process died
            # first) is sent by the workers' recovery sweep (workers/recovery.py).
            self.registry.job_sent(document_id)
        except Exception as exc:
            self.registry.mark_failed(
                document_id,
                f"ingest error: could not queue it ({type(exc).__name__}); upload it again",
            )
            raise QueueUnavailableError("the job queue is unreachable; try again shortly") from exc

    def _send(self, enqueue, *args: str) -> None:
        try:
            enqueue(*args)
        except Exception as exc:
            raise QueueUnavailableError("the job queue is unreachable; try again shortly") from exc

    def _too_large(self) -> str:
        return f"the file is larger than FOLIO_MAX_UPLOAD_MB ({self.max_bytes // (1 << 20)} MB)"


def safe_filename(raw: str | None) -> str:
    """The name to store and show for an uploaded file: its last path part only, without
    control or bidi-override characters, leading dots or surrounding spaces, at most 255
    characters (the extension kept); `upload.pdf` when nothing is left."""
    name = unicodedata.normalize("NFC", raw or "")
    name = "".join(ch for ch in name if unicodedata.category(ch) not in _DROPPED_CATEGORIES)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = name.strip().lstrip(". ").rstrip()
    if len(name) > _MAX_NAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        ext = dot + ext if stem and len(ext) <= 16 else ""
        name = name[: _MAX_NAME_CHARS - len(ext)] + ext
    return name or DEFAULT_FILENAME


def _check_pdf(head: bytes) -> None:
    if not looks_like_pdf(head):
        raise NotPdfError(
            "not a PDF: the file does not start like one (magic bytes); only PDFs are accepted"
        )
