"""Reads pages of one PDF by OCR: PDFium renders each page (in the calling thread: PDFium
is not thread-safe), Tesseracts read them in a small thread pool, one engine per thread.

Rendering is grey (one byte a pixel) and capped in pixels, so an oversized page (a poster,
a hostile MediaBox) renders at a lower dpi instead of at any size.
"""

from __future__ import annotations

import logging
import math
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from ingest.ocr import MIN_CONFIDENCE, MIN_READ_CHARS, OcrOptions, OcrResult, tessdata_dir, tidy

log = logging.getLogger(__name__)


class PageOcr:
    """OCR for the pages of one PDF; the document and the engines open on first use."""

    def __init__(self, path: Path, password: str | None, options: OcrOptions) -> None:
        self.path, self.password, self.options = path, password, options
        self._doc = None
        self._pool: ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._engines: list = []
        self._lock = threading.Lock()

    def submit(self, index: int) -> Future:
        """Render page `index` (0-based) now and read it in the pool; the future's result is
        an OcrResult, or None when OCR reads nothing (blank, a picture, cannot render)."""
        try:
            image = self._render(index)
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001 - one unrenderable page is skipped, not fatal
            log.warning("page %d: cannot be rendered for OCR (%s)", index + 1, str(exc)[:160])
            image = None
        if image is None:
            done: Future = Future()
            done.set_result(None)
            return done
        if self._pool is None:
            workers = max(1, self.options.workers)
            self._pool = ThreadPoolExecutor(workers, thread_name_prefix="ocr")
        return self._pool.submit(self._recognise, image)

    def read(self, index: int) -> OcrResult | None:
        """Page `index` read by OCR, waiting for it."""
        return self.submit(index).result()

    def close(self) -> None:
        """Stop the pool (pages not started are dropped), end the engines, close the PDF."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        for engine in self._engines:
            engine.End()
        if self._doc is not None:
            self._doc.close()
        self._pool, self._engines, self._doc = None, [], None

    def _recognise(self, image) -> OcrResult | None:
        api = self._engine()
        api.SetImage(image)
        text = api.GetUTF8Text() or ""
        confidences = [c for c in api.AllWordConfidences() if c >= 0]
        api.Clear()
        confidence = sum(confidences) / len(confidences) / 100 if confidences else 0.0
        if sum(ch.isalnum() for ch in text) < MIN_READ_CHARS or confidence < MIN_CONFIDENCE:
            return None
        return OcrResult(tidy(text), round(confidence, 4))

    def _render(self, index: int):
        import pypdfium2 as pdfium

        if self._doc is None:
            self._doc = pdfium.PdfDocument(str(self.path), password=self.password)
        page = self._doc[index]
        try:
            width, height = page.get_size()  # points
            if width * height <= 0:
                return None
            scale = self.options.dpi / 72
            scale = min(scale, math.sqrt(self.options.max_pixels / (width * height)))
            if width * scale < 8 or height * scale < 8:  # a speck: nothing to read
                return None
            return page.render(scale=scale, grayscale=True).to_pil()
        finally:
            page.close()

    def _engine(self):
        api = getattr(self._local, "api", None)
        if api is None:
            import tesserocr

            api = tesserocr.PyTessBaseAPI(
                path=str(tessdata_dir()), lang=self.options.lang, psm=tesserocr.PSM.AUTO
            )
            self._local.api = api
            with self._lock:
                self._engines.append(api)
        return api
