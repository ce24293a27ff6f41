"""Citation checks: a quote is shown only if it really is on the page it cites.

Quotes and pages are compared after Unicode (NFKC) and whitespace normalisation, so
line breaks and the double spaces of EDGAR-converted PDFs do not matter; a quote with
an ellipsis must match piece by piece, in order. Anything else is dropped and counted.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass

_SPACE = re.compile(r"\s+")
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.+|…|\[\.\.\.\])\s*")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-"})
_STRIP = " \t\n\"'«»"

PageLookup = Callable[[str, int], str | None]  # (document id, page) -> page text


@dataclass(frozen=True)
class Citation:
    document_id: str
    filename: str
    page: int
    quote: str
    ocr: bool = False  # the page's text was read by OCR: the quote was checked against it


def normalise(text: str) -> str:
    """NFKC, straight quotes and dashes, runs of whitespace as one space."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return _SPACE.sub(" ", text).strip()


def quote_on_page(quote: str, page_text: str) -> bool:
    """Whether `quote` occurs on the page (whitespace-normalised; '...' splits it in order)."""
    pieces = [p for p in _ELLIPSIS.split(normalise(quote).strip(_STRIP)) if p.strip(_STRIP)]
    if not pieces:
        return False
    page = normalise(page_text)
    at = 0
    for piece in pieces:
        found = page.find(piece.strip(_STRIP), at)
        if found < 0:
            return False
        at = found + len(piece)
    return True


def verify(
    raw: Iterable[dict],
    page_text: PageLookup,
    filenames: dict[str, str],
    ocr_pages: Mapping[str, Collection[int]] | None = None,
) -> tuple[list[Citation], int]:
    """Keep citations whose quote is on their page of an asked document; count the rest.
    A citation of a page in `ocr_pages` (document id -> pages read by OCR) says so."""
    kept: list[Citation] = []
    dropped = 0
    seen = set()
    for item in raw:
        doc, page, quote = item.get("document_id", ""), item.get("page", 0), item.get("quote", "")
        doc = _resolve(doc, filenames)
        text = page_text(doc, page) if doc in filenames and page > 0 else None
        if text is None or not quote_on_page(quote, text):
            dropped += 1
            continue
        key = (doc, page, normalise(quote))
        if key not in seen:
            seen.add(key)
            ocr = page in (ocr_pages or {}).get(doc, ())
            kept.append(Citation(doc, filenames[doc], page, normalise(quote).strip(_STRIP), ocr))
    return kept, dropped


def _resolve(doc: str, filenames: dict[str, str]) -> str:
    """Models sometimes cite a document by its file name, or omit it when there is one."""
    if doc in filenames:
        return doc
    by_name = [d for d, name in filenames.items() if name == doc]
    if by_name:
        return by_name[0]
    return next(iter(filenames)) if len(filenames) == 1 else doc
