"""Chunks are token-bounded and anchored: their page span and offsets really hold their text."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.text.tokens import count_tokens
from ingest.chunk import PAGE_SEPARATOR, chunk_pages
from ingest.pdf import read_pages

CONTRACT = "legal/cuad/PHREESIA,INC_05_28_2019-EX-10.18-STRATEGIC ALLIANCE AGREEMENT.PDF"


@pytest.fixture(scope="module")
def pages(shared_data: Path) -> list[str]:
    return [p.text for p in read_pages(shared_data / CONTRACT)]


def _span_text(pages: list[str], chunk) -> str:
    if chunk.page_start == chunk.page_end:
        return pages[chunk.page_start - 1][chunk.char_start : chunk.char_end]
    parts = [pages[chunk.page_start - 1][chunk.char_start :]]
    parts += pages[chunk.page_start : chunk.page_end - 1]
    parts.append(pages[chunk.page_end - 1][: chunk.char_end])
    return PAGE_SEPARATOR.join(parts)


def test_chunk_page_span_and_offsets_contain_its_text(pages: list[str]) -> None:
    chunks = chunk_pages(pages, chunk_tokens=256, overlap=32)
    assert len(chunks) > 40
    assert [c.index for c in chunks] == list(range(len(chunks)))
    for chunk in chunks:
        assert 1 <= chunk.page_start <= chunk.page_end <= len(pages)
        assert _span_text(pages, chunk) == chunk.text


def test_chunks_respect_the_token_budget_and_cover_every_page(pages: list[str]) -> None:
    chunks = chunk_pages(pages, chunk_tokens=128, overlap=16)
    assert max(c.tokens for c in chunks) <= 128
    assert all(c.tokens == count_tokens(c.text) for c in chunks)
    covered = {p for c in chunks for p in range(c.page_start, c.page_end + 1)}
    assert covered == {i + 1 for i, text in enumerate(pages) if text.strip()}


def test_some_chunks_cross_a_page_boundary(pages: list[str]) -> None:
    chunks = chunk_pages(pages, chunk_tokens=512, overlap=32)
    assert any(c.page_end > c.page_start for c in chunks)


def test_empty_pages_yield_no_chunks() -> None:
    assert chunk_pages(["", "   "], chunk_tokens=64, overlap=8) == []


def test_the_warm_up_loads_nltk_without_scipy_and_chunks_the_same(shared_data: Path) -> None:
    """warm_up_splitter imports nltk with scipy and scikit-learn hidden (1-2 s and ~90 MB
    saved per process); the chunks must equal a process that imported nltk in full, and
    scipy must still import afterwards."""
    import subprocess
    import sys

    pdf = shared_data / "legal" / "dmca.pdf"
    chunk = (
        "from pathlib import Path; from ingest.pdf import read_pages;"
        " from ingest.chunk import chunk_pages;"
        f" cs = chunk_pages([p.text for p in read_pages(Path({str(pdf)!r}))], 128, 16);"
        " print(len(cs), sha256(repr([(c.text, c.page_start, c.char_start) for c in cs])"
        ".encode()).hexdigest(), 'scipy' in sys.modules)"
    )
    head = "import sys; from hashlib import sha256;"
    lean = head + " from ingest.chunk_stream import warm_up_splitter; warm_up_splitter().join();"
    full = head + " import nltk;"

    def run(code: str) -> list[str]:
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        return out.stdout.split()

    lean_out = run(lean + chunk + "; import scipy.stats, sklearn")
    full_out = run(full + chunk)
    assert lean_out[2] == "False" and full_out[2] == "True"
    assert lean_out[:2] == full_out[:2]
