"""OCR of pages without a text layer: a scan of a shared contract reads back within a
measured character error rate, text pages are left alone, unreadable pages are skipped and
counted, an all-unreadable document fails saying so, and the parsing child keeps its caps."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfWriter

from ingest.limits import IngestLimits
from ingest.ocr import OcrOptions, OcrTally, engine_problem
from ingest.pdf import NoTextError, read_pages
from ingest.sandbox import read_pages_isolated
from tests.ingest.scans import (
    NYLIAC,
    blank_image,
    cer,
    image_pdf,
    page_text,
    scanned_image,
    splice,
)

FAST = OcrOptions(dpi=150)  # the scans are 150 dpi: rendering them finer adds time, not text
#: Measured here: 0.43% and 0.48% on the two scanned pages (docs/OCR.md); bound with room.
MAX_CER = 0.02


@pytest.fixture(scope="module")
def mixed(tmp_path_factory, shared_data) -> Path:
    """Page 1 a scan of the NYLIAC agreement's page 1, page 2 its text page as it is, page 3
    a blank scan."""
    source = shared_data / NYLIAC
    folder = tmp_path_factory.mktemp("scans")
    scan = scanned_image(source, 0)
    scans = image_pdf([scan, blank_image(scan)], folder / "scans.pdf")
    return splice([(scans, 0), (source, 1), (scans, 1)], folder / "mixed.pdf")


@pytest.fixture(scope="module")
def mixed_pages(mixed):
    return list(read_pages(mixed, ocr=FAST))


def test_the_engine_is_installed_with_folio():
    assert engine_problem() is None


def test_scanned_page_is_read_text_page_kept_blank_page_skipped(mixed_pages, shared_data):
    source = shared_data / NYLIAC
    pages = mixed_pages
    assert [p.number for p in pages] == [1, 2, 3]
    scanned, text, blank = pages
    assert scanned.ocr and not scanned.ocr_skipped and scanned.confidence > 0.8
    assert cer(scanned.text, page_text(source, 0)) < MAX_CER
    assert "FIDELITY" in scanned.text and "NEW YORK LIFE INSURANCE" in scanned.text
    assert not text.ocr and text.confidence is None
    assert text.text == page_text(source, 1)  # the text layer, untouched
    assert blank.ocr_skipped and not blank.ocr and blank.text == ""
    tally = OcrTally()
    for page in pages:
        tally.add(page)
    assert tally.fields() == {
        "ocr_pages": [1],
        "ocr_confidence": scanned.confidence,
        "ocr_skipped": 1,
    }


def test_the_parsing_child_ocrs_under_its_memory_cap(mixed, mixed_pages):
    # Tesseract and PDFium peak near 140 MB of address space on a 200 dpi page (docs/OCR.md),
    # so OCR works under a cap far below the default 2048 MB.
    limits = IngestLimits(max_parse_memory_mb=768)
    pages = list(read_pages_isolated(mixed, None, limits, None, FAST))
    assert pages == mixed_pages


def test_shared_scans_become_text(shared_data):
    bad = shared_data / "bad_pdfs"
    (page,) = read_pages(bad / "docling__ocr_test.pdf", ocr=FAST)
    truth = "Docling bundles PDF document conversion to JSON and Markdown in an easy self"
    truth += " contained package"
    assert page.ocr and cer(page.text, truth) < MAX_CER
    # Text flattened to vector outlines looks like text and is read like a scan.
    (page,) = read_pages(bad / "unstructured__loremipsum-flat.pdf", ocr=FAST)
    assert page.ocr and page.text.startswith("Lorem ipsum dolor sit amet")


def test_ocr_off_fails_as_before_and_names_the_setting(shared_data):
    path = shared_data / "bad_pdfs" / "docling__ocr_test.pdf"
    with pytest.raises(NoTextError, match=r"no extractable text; OCR is off \(FOLIO_OCR=off\)"):
        list(read_pages(path, ocr=OcrOptions(mode="off")))


def test_force_reads_text_pages_too(mixed, shared_data):
    pages = list(read_pages(mixed, ocr=OcrOptions(mode="force", dpi=150)))
    assert pages[1].ocr  # the text page, now read from its image
    assert cer(pages[1].text, page_text(shared_data / NYLIAC, 1)) < MAX_CER


def test_a_document_ocr_cannot_read_fails_saying_so(shared_data, tmp_path):
    fax = shared_data / "bad_pdfs" / "samplefiles__imagemagick-CCITTFaxDecode.pdf"  # 4x4 pt
    with pytest.raises(NoTextError, match="OCR read no text on any of its 1 page"):
        list(read_pages(fax, ocr=FAST))
    # A blank poster-size page (200 x 200 inches) is rendered within the pixel cap, not at
    # 200 dpi (1.6 gigapixels), and found blank.
    writer = PdfWriter()
    writer.add_blank_page(14400, 14400)
    writer.add_blank_page(612, 792)
    with open(tmp_path / "blank.pdf", "wb") as fh:
        writer.write(fh)
    limits = IngestLimits(max_parse_memory_mb=768)
    with pytest.raises(NoTextError, match="OCR read no text on any of its 2 page"):
        list(read_pages_isolated(tmp_path / "blank.pdf", None, limits, None, OcrOptions()))


def test_without_the_ocr_model_a_scan_fails_naming_the_install(shared_data, tmp_path, monkeypatch):
    monkeypatch.setenv("TESSDATA_PREFIX", str(tmp_path))  # a folder with no eng.traineddata
    path = shared_data / "bad_pdfs" / "docling__ocr_test.pdf"
    with pytest.raises(NoTextError, match=r"eng.traineddata is not in .*: pip install 'tesserocr"):
        list(read_pages(path, ocr=OcrOptions()))
