"""ingest/pdf.py against every real file in shared/data: page counts, passwords, bad PDFs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pypdf import PdfReader

from ingest.pdf import (
    BrokenPdfError,
    EmptyPdfError,
    EncryptedPdfError,
    NotAPdfError,
    NoTextError,
    looks_like_pdf,
    read_pages,
)

# What each file in shared/data/bad_pdfs must do, from its MANIFEST row:
# None = ingested (pypdf opens or repairs it), else the error class it must raise.
BAD_PDFS: dict[str, type[Exception] | None] = {
    "pypdf__r6-both-passwords.pdf": EncryptedPdfError,
    "pypdf__r4-owner-password.pdf": None,
    "pdfjs__bug1782186.pdf": EncryptedPdfError,
    "unstructured__copy-protected.pdf": None,
    "unstructured__password.pdf": EncryptedPdfError,
    "samplefiles__libreoffice-writer-password.pdf": EncryptedPdfError,
    "pdfjs__issue6010_2.pdf": EncryptedPdfError,
    "pdfminer__rc4-40.pdf": EncryptedPdfError,
    "qpdf__extend-c-api_bad.pdf": NotAPdfError,
    "qpdf__bad1.pdf": NotAPdfError,
    "qpdf__bad-xref.pdf": BrokenPdfError,
    "qpdf__bad-xref-entry.pdf": None,
    "qpdf__bad-token-startxref.pdf": None,
    "pdfjs__xref_command_missing.pdf": None,
    "pdfjs__helloworld-bad.pdf": None,
    "pdfjs__bug1606566.pdf": None,
    "DERIVED__pdflatex-4-pages.truncated-60pct.pdf": BrokenPdfError,
    "DERIVED__crazyones.truncated-5000B.pdf": BrokenPdfError,
    "qpdf__empty.pdf": EmptyPdfError,
    "qpdf__c-empty.pdf": EmptyPdfError,
    "pdfjs__poppler-937-0-fuzzed.pdf": BrokenPdfError,
    "unstructured__failure-after-repair.pdf": None,
    "docling__ocr_test.pdf": NoTextError,
    "samplefiles__imagemagick-CCITTFaxDecode.pdf": NoTextError,
    "unstructured__loremipsum-flat.pdf": NoTextError,
    "pdfjs__scan-bad.pdf": NoTextError,
    "pdfjs__GHOSTSCRIPT-698804-1-fuzzed.pdf": NoTextError,
    "pdfjs__textfields.pdf": NoTextError,
    "pdfminer__kampo.pdf": None,
    "unstructured__korean-text-with-tables.pdf": None,
    "pdfjs__copy_paste_ligatures.pdf": None,
    "samplefiles__habibi.pdf": None,
    "docling__right_to_left_01.pdf": None,
    "pdfminer__issue-449-vertical.pdf": None,
    "pdfminer__AcroForm_TEST.pdf": None,
    "pdfjs__xfa_issue14315.pdf": None,
    "pdfjs__prefilled_f1040.pdf": None,
    "pdfjs__TAMReview.pdf": None,
    "pdfminer__zen_of_python_corrupted.pdf": None,
}

PASSWORDS = {
    "pypdf__r6-both-passwords.pdf": "foo",
    "pdfjs__bug1782186.pdf": "Hello",
    "unstructured__password.pdf": "password",
    "samplefiles__libreoffice-writer-password.pdf": "openpassword",
    "pdfjs__issue6010_2.pdf": "æøå",
    "pdfminer__rc4-40.pdf": "baz",
}

ACTIONABLE = {
    EncryptedPdfError: "password",
    NotAPdfError: "not a PDF",
    BrokenPdfError: "broken PDF",
    EmptyPdfError: "no pages",
    NoTextError: "no extractable text",
}


@pytest.fixture(autouse=True)
def _quiet_pypdf():
    logging.getLogger("pypdf").setLevel(logging.ERROR)


def test_every_bad_pdf_is_covered(shared_data: Path) -> None:
    on_disk = {p.name for p in (shared_data / "bad_pdfs").glob("*.pdf")}
    assert on_disk == set(BAD_PDFS), "the table above must name every file in bad_pdfs/"


@pytest.mark.parametrize("name", sorted(BAD_PDFS))
def test_bad_pdf_ends_as_manifest_says(shared_data: Path, name: str) -> None:
    path = shared_data / "bad_pdfs" / name
    expected = BAD_PDFS[name]
    if expected is None:
        pages = list(read_pages(path))
        assert pages and [p.number for p in pages] == list(range(1, len(pages) + 1))
        assert any(p.text.strip() for p in pages)
        return
    with pytest.raises(expected) as info:
        list(read_pages(path))
    assert ACTIONABLE[expected] in str(info.value)
    assert "Traceback" not in str(info.value)


def test_scanned_pdf_message_is_the_promised_one(shared_data: Path) -> None:
    with pytest.raises(NoTextError, match="scanned or image-only PDF: no extractable text; OCR"):
        list(read_pages(shared_data / "bad_pdfs" / "docling__ocr_test.pdf"))


@pytest.mark.parametrize("name", sorted(set(PASSWORDS) - {"pdfjs__bug1782186.pdf"}))
def test_password_opens_encrypted_pdf(shared_data: Path, name: str) -> None:
    pages = list(read_pages(shared_data / "bad_pdfs" / name, password=PASSWORDS[name]))
    assert pages and any(p.text.strip() for p in pages)


def test_password_opens_then_image_only_pdf_fails_for_no_text(shared_data: Path) -> None:
    # bug1782186 decrypts with "Hello" but its one page is an image: the next problem shows.
    path = shared_data / "bad_pdfs" / "pdfjs__bug1782186.pdf"
    with pytest.raises(NoTextError):
        list(read_pages(path, password=PASSWORDS["pdfjs__bug1782186.pdf"]))


def test_wrong_password_says_so(shared_data: Path) -> None:
    with pytest.raises(EncryptedPdfError, match="password given does not open it"):
        list(read_pages(shared_data / "bad_pdfs" / "unstructured__password.pdf", "nope"))


def _real_pdfs(shared_data: Path) -> list[Path]:
    folders = [shared_data / "legal", shared_data / "technical"]
    return sorted(p for f in folders for p in f.rglob("*") if p.suffix.lower() == ".pdf")


def test_page_counts_equal_pypdf_for_every_real_pdf(shared_data: Path) -> None:
    pdfs = _real_pdfs(shared_data)
    assert len(pdfs) >= 30
    for path in pdfs:
        pages = list(read_pages(path))
        assert len(pages) == len(PdfReader(path).pages), path.name


def test_magic_sniff_accepts_repairable_headerless_pdf(shared_data: Path) -> None:
    bad = shared_data / "bad_pdfs"
    assert looks_like_pdf((bad / "pdfjs__bug1606566.pdf").read_bytes()[:1024])
    assert looks_like_pdf((bad / "qpdf__empty.pdf").read_bytes()[:1024])
    assert not looks_like_pdf((bad / "qpdf__bad1.pdf").read_bytes())
    assert not looks_like_pdf((bad / "qpdf__extend-c-api_bad.pdf").read_bytes())
