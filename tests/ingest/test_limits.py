"""Per-document limits on real hostile PDFs built here: each bomb fails alone, with a
reason naming its FOLIO_ setting, and the parser's memory stays bounded in its child."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

from ingest.ingestor import Ingestor
from ingest.limits import IngestLimits
from ingest.pipeline import ingest_document
from tests.ingest.hostile import decompression_bomb, token_bomb

SAFE = IngestLimits()  # the defaults the settings give


def _ingest(ing: Ingestor, tmp_path: Path, data: bytes, **limits) -> object:
    path = tmp_path / "hostile.pdf"
    path.write_bytes(data)
    sha, size = ing.files.put_file(path)
    doc, _ = ing.registry.create_or_get("default", path.name, sha, size)
    ing.limits = dataclasses.replace(SAFE, **limits)
    result = ingest_document(doc.id, ing)
    assert result.status == "failed", result
    return ing.registry.get(doc.id)


_PEAK = """
import resource, sys
from pathlib import Path
from ingest.limits import IngestLimits
from ingest.pdf import PdfError
from ingest.sandbox import read_pages_isolated
try:
    list(read_pages_isolated(Path(sys.argv[1]), None, IngestLimits()))
except PdfError:
    pass
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def _parser_peak_mb(path: Path) -> float:
    """The parser child's peak RSS, from a fresh process whose only child it is (this
    test process has had bigger children: servers, CLI runs)."""
    out = subprocess.run(
        [sys.executable, "-c", _PEAK, str(path)], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    return int(out.stdout.split()[-1]) / 1024


def test_defaults_fail_a_decompression_bomb_on_its_first_page(ingestor, tmp_path):
    # 100 pages of 40 MB of zeros: 4 GB decoded from a ~4 MB file.
    doc = _ingest(ingestor, tmp_path, decompression_bomb(100, 40))
    assert "FOLIO_MAX_PAGE_DECODED_MB (32 MB)" in doc.error and "page 1" in doc.error
    assert doc.pages_parsed == 0 and ingestor.store.count("default", doc.id) == 0
    # The bound: the parser child never held more than its address-space cap allows.
    assert _parser_peak_mb(tmp_path / "hostile.pdf") < SAFE.max_parse_memory_mb


def test_total_decoded_bytes_are_capped_per_document(ingestor, tmp_path):
    doc = _ingest(
        ingestor, tmp_path, decompression_bomb(6, 10), max_page_decoded_mb=16, max_decoded_mb=25
    )
    assert "FOLIO_MAX_DECODED_MB (25 MB)" in doc.error and "pages 1-3" in doc.error


def test_the_parser_memory_cap_fails_the_document_not_the_process(ingestor, tmp_path):
    # Per-stream and per-document caps opened wide: only the child's RLIMIT_AS stops it.
    doc = _ingest(
        ingestor,
        tmp_path,
        decompression_bomb(8, 60),
        max_page_decoded_mb=1000,
        max_decoded_mb=100_000,
        max_parse_memory_mb=160,
    )
    assert "FOLIO_MAX_PARSE_MEMORY_MB (160 MB)" in doc.error, doc.error


def test_too_many_pages(ingestor, tmp_path):
    doc = _ingest(ingestor, tmp_path, token_bomb(3, 2), max_pages=2)
    assert "3 pages" in doc.error and "FOLIO_MAX_PAGES (2 pages)" in doc.error


def test_token_bomb_stops_at_the_token_limit(ingestor, tmp_path):
    doc = _ingest(ingestor, tmp_path, token_bomb(40, 60), max_document_tokens=10_000)
    assert "FOLIO_MAX_DOCUMENT_TOKENS (10,000 tokens)" in doc.error, doc.error
    assert doc.pages_parsed < 40 and ingestor.store.count("default", doc.id) == 0


def test_wall_time_limit_kills_a_slow_parse(ingestor, tmp_path):
    doc = _ingest(
        ingestor,
        tmp_path,
        decompression_bomb(30, 60),
        max_page_decoded_mb=1000,
        max_decoded_mb=100_000,
        max_ingest_s=1,
    )
    assert "FOLIO_MAX_INGEST_S (1 s)" in doc.error and "parsing" in doc.error, doc.error


def test_limits_come_from_settings(settings):
    limits = IngestLimits.from_settings(
        settings.model_copy(update={"max_pages": 7, "max_parse_memory_mb": 300})
    )
    assert (limits.max_pages, limits.max_parse_memory_mb, limits.isolate) == (7, 300, True)
    assert IngestLimits.from_settings(settings) == SAFE
