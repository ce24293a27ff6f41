"""Scanned PDFs made from shared text PDFs, so the text OCR should read is known: each page
is rendered at 150 dpi, turned a little, blurred, speckled and saved as a JPEG (what an
office scanner gives), then put in a PDF with no text layer."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageFilter
from pypdf import PdfReader, PdfWriter

DPI = 150
NYLIAC = (
    "legal/cuad/NYLIACVARIABLEANNUITYSEPARATEACCOUNTIII_04_10_2020-EX-99.8.KK-SERVICE AGREEMENT.PDF"
)


def scanned_image(source: Path, index: int, seed: int = 0) -> Image.Image:
    """Page `index` of `source` as a grey, skewed, noisy JPEG scan."""
    doc = pdfium.PdfDocument(str(source))
    try:
        image = doc[index].render(scale=DPI / 72, grayscale=True).to_pil().convert("L")
    finally:
        doc.close()
    image = image.rotate(0.6, resample=Image.BICUBIC, fillcolor=255)
    image = image.filter(ImageFilter.GaussianBlur(0.6))
    noisy = np.asarray(image, dtype=np.float32)
    noisy += np.random.default_rng(seed).normal(0, 12, noisy.shape)
    image = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    return Image.open(io.BytesIO(buffer.getvalue()))


def blank_image(like: Image.Image) -> Image.Image:
    """A blank scanned page: paper grey with faint noise, nothing to read."""
    noise = np.random.default_rng(1).normal(245, 3, (like.height, like.width))
    return Image.fromarray(np.clip(noise, 0, 255).astype(np.uint8))


def image_pdf(images: list[Image.Image], out: Path) -> Path:
    """A PDF of these images, one per page, with no text layer."""
    images[0].save(out, "PDF", resolution=DPI, save_all=True, append_images=images[1:])
    return out


def splice(parts: list[tuple[Path, int]], out: Path) -> Path:
    """A PDF of the given (file, 0-based page) pages, in order."""
    writer = PdfWriter()
    for path, index in parts:
        writer.add_page(PdfReader(path).pages[index])
    with open(out, "wb") as fh:
        writer.write(fh)
    return out


def page_text(source: Path, index: int) -> str:
    """The text layer of a page: what a scan of it should read as."""
    return PdfReader(source).pages[index].extract_text()


def cer(read: str, truth: str) -> float:
    """Character error rate: edit distance over the truth's length, whitespace runs as one
    space (OCR's line breaks are not errors)."""
    a, b = " ".join(read.split()), " ".join(truth.split())
    return edit_distance(a, b) / max(1, len(b))


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, one row at a time in numpy: within a row, the insertion chain
    cur[j] = min(cur[j-1] + 1, ...) is a running minimum of (value - j), plus j."""
    steps = np.arange(len(b) + 1)
    codes = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    previous = steps.copy()
    for i, ch in enumerate(a, 1):
        substitute = previous[:-1] + (codes != ord(ch))
        row = np.empty_like(previous)
        row[0] = i
        row[1:] = np.minimum(previous[1:] + 1, substitute)
        previous = np.minimum.accumulate(row - steps) + steps
    return int(previous[-1])
