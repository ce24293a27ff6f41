"""PDF to page texts with pypdf, page by page, with errors a person can act on.

Every failure is a `PdfError` whose message says what is wrong with the file and what
to do about it; files pypdf can repair are read, not rejected.
"""

from __future__ import annotations

import logging
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import LimitReachedError, PdfReadError, PdfStreamError

from ingest.limits import IngestLimits
from ingest.ocr import OcrOptions, fill, needs_ocr, why_no_ocr
from ingest.ocr_reader import PageOcr

log = logging.getLogger(__name__)

_OBJ_HEADER = re.compile(rb"\d+\s+\d+\s+obj\b")
# Under this many characters per page, on pages that carry images, we call it a scan.
_SCAN_CHARS_PER_PAGE = 16


class PdfError(Exception):
    """A PDF that cannot be ingested; `kind` is stable for programs, the message for people."""

    kind = "pdf_error"


class NotAPdfError(PdfError):
    kind = "not_a_pdf"


class EncryptedPdfError(PdfError):
    kind = "encrypted"


class BrokenPdfError(PdfError):
    kind = "broken"


class EmptyPdfError(PdfError):
    kind = "empty"


class NoTextError(PdfError):
    kind = "no_text"


class LimitError(PdfError):
    """Over one of the IngestLimits; the message names the limit and its FOLIO_ setting."""

    kind = "limit"


@dataclass
class Page:
    number: int  # 1-based
    text: str
    ocr: bool = False  # the text was read by OCR
    confidence: float | None = None  # OCR's mean word confidence, 0..1
    ocr_skipped: bool = False  # OCR was tried and read nothing (blank, a picture)


def looks_like_pdf(head: bytes) -> bool:
    """Magic-byte sniff: a %PDF- header, or (as some repairable files have) an object header."""
    window = head[:1024]
    return b"%PDF-" in window or _OBJ_HEADER.search(window) is not None


def open_pdf(path: Path, password: str | None = None) -> PdfReader:
    """Open and, if needed, decrypt a PDF; raise a PdfError that says what is wrong."""
    with open(path, "rb") as fh:
        head = fh.read(1024)
    try:
        reader = PdfReader(path, strict=False)
    except (PdfStreamError, PdfReadError, ValueError, KeyError, TypeError) as exc:
        if not looks_like_pdf(head):
            raise NotAPdfError(
                "not a PDF: the file has no PDF header and cannot be read as one;"
                " check that you uploaded the right file"
            ) from exc
        raise BrokenPdfError(
            f"broken PDF: its structure is damaged beyond repair ({_short(exc)}); the file may"
            " be truncated or corrupted: download it again or re-export it from its source"
        ) from exc
    if reader.is_encrypted:
        _decrypt(reader, password)
    return reader


def _decrypt(reader: PdfReader, password: str | None) -> None:
    try:
        opened = reader.decrypt(password or "")
    except (NotImplementedError, PdfReadError) as exc:
        raise EncryptedPdfError(
            f"encrypted PDF with an unsupported encryption scheme ({_short(exc)});"
            " remove the password in a PDF viewer and upload it again"
        ) from exc
    if not opened:
        if password:
            raise EncryptedPdfError(
                "encrypted PDF: the password given does not open it; check the password"
            )
        raise EncryptedPdfError(
            "encrypted PDF: a password is required to open it; upload it again with its"
            " password (form field `password`, or --password on the command line)"
        )


def read_pages(
    path: Path,
    password: str | None = None,
    limits: IngestLimits | None = None,
    ocr: OcrOptions | None = None,
) -> Iterator[Page]:
    """Yield the text of each page in order, 1-based, holding one page at a time.

    With `ocr` (mode auto), a page with almost no text is rendered and read by OCR (mode
    force: every page); a page OCR cannot read keeps its text, flagged `ocr_skipped`.
    Raises EmptyPdfError for a PDF without pages and NoTextError (after the last page)
    when the whole file has no text, its reason saying whether OCR ran. With `limits`,
    raises LimitError for too many pages, or before extracting a page whose content
    streams (or the document's so far) decode to more than allowed.
    """
    reader = open_pdf(path, password)
    try:
        count = len(reader.pages)
    except (PdfReadError, PdfStreamError, KeyError, TypeError, ValueError) as exc:
        raise BrokenPdfError(
            f"broken PDF: its page tree cannot be read ({_short(exc)}); re-export it from"
            " its source"
        ) from exc
    if count == 0:
        raise EmptyPdfError("empty PDF: the file has no pages")
    if limits is not None and count > limits.max_pages:
        raise LimitError(limits.pages_reason(count))
    chars = decoded = tried = 0
    problem = why_no_ocr(ocr)
    reading = PageOcr(path, password, ocr) if ocr is not None and problem is None else None
    # Pages wait here, in order, while OCR reads up to `window` of them at once.
    pending: deque = deque()
    window = max(1, ocr.workers) if reading is not None else 0
    try:
        for index in range(count + 1):
            if index < count:
                if limits is not None:
                    decoded += _check_decoded(reader, index, decoded, limits)
                page = Page(number=index + 1, text=_page_text(reader, index))
                wanted = reading is not None and needs_ocr(reading.options, page.text)
                tried += wanted
                pending.append((page, reading.submit(index) if wanted else None))
            while pending and (index == count or pending[0][1] is None or len(pending) > window):
                page, reading_page = pending.popleft()
                if reading_page is not None:
                    fill(page, reading_page.result())
                chars += len("".join(page.text.split()))
                yield page
    finally:
        if reading is not None:
            reading.close()
    if chars == 0 and _has_form_fields(reader):
        raise NoTextError(
            "form-only PDF: no extractable text, only interactive form fields; fill it in and"
            " print it to PDF (flatten it), then upload that"
        )
    if tried and chars == 0:
        raise NoTextError(
            f"scanned or image-only PDF: OCR read no text on any of its {count} page(s);"
            " they look blank or hold pictures, not text: check the scan"
        )
    scanned = chars < _SCAN_CHARS_PER_PAGE * count and not tried and _mostly_images(reader)
    if chars == 0 or scanned:
        raise NoTextError(f"scanned or image-only PDF: no extractable text; {problem}")


def page_count(path: Path, password: str | None = None) -> int:
    """Number of pages, without extracting text."""
    return len(open_pdf(path, password).pages)


def _check_decoded(reader: PdfReader, index: int, so_far: int, limits: IngestLimits) -> int:
    """The decoded size of page `index`'s content streams; LimitError when it, or the
    document's total with it, is over the limits. Decoding stops at pypdf's own cap."""
    try:
        contents = reader.pages[index].get_contents()
        size = len(contents.get_data()) if contents is not None else 0
    except LimitReachedError:
        raise LimitError(limits.page_decoded_reason(index + 1, None)) from None
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - a broken stream is the text extractor's to report
        return 0
    if size > limits.max_page_decoded_bytes:
        raise LimitError(limits.page_decoded_reason(index + 1, size))
    if so_far + size > limits.max_decoded_bytes:
        raise LimitError(limits.decoded_reason(index + 1, so_far + size))
    return size


def _page_text(reader: PdfReader, index: int) -> str:
    try:
        return reader.pages[index].extract_text() or ""
    except MemoryError:  # the parser's memory cap: the whole document fails, not a page
        raise
    except Exception as exc:  # noqa: BLE001 - one bad page must not sink the document
        log.warning("page %d: text extraction failed (%s); page kept empty", index + 1, _short(exc))
        return ""


def _mostly_images(reader: PdfReader) -> bool:
    with_images = 0
    for page in reader.pages:
        try:
            with_images += bool(page.images)
        except Exception:  # noqa: BLE001 - a broken image entry counts as none
            continue
    return with_images * 2 >= len(reader.pages)


def _has_form_fields(reader: PdfReader) -> bool:
    try:
        return bool(reader.get_fields())
    except Exception:  # noqa: BLE001 - a broken form counts as none
        return False


def _short(exc: BaseException) -> str:
    return (str(exc) or type(exc).__name__)[:160]
