"""Parsing children started ahead (`ingest.sandbox.Parsers`): a document gets a child that
is already up, or one that parsed it ahead; it parses exactly as a fresh child does, and
no child outlives its use."""

from __future__ import annotations

import fcntl
import termios
import time
from pathlib import Path

import pytest

from ingest.ingestor import Ingestor
from ingest.limits import IngestLimits
from ingest.pdf import EncryptedPdfError, read_pages
from ingest.pipeline import ingest_document
from ingest.sandbox import Parsers, parse_job, read_pages_isolated


@pytest.fixture
def parsers():
    started = Parsers()
    yield started
    started.close()


def test_a_document_takes_the_spare_child_and_the_next_one_starts(
    parsers: Parsers, shared_data: Path
) -> None:
    dmca = shared_data / "legal" / "dmca.pdf"
    parsers.start_spare()
    spare = parsers.spare
    assert spare is not None and spare.poll() is None  # up, waiting for a job

    pages = list(read_pages_isolated(dmca, None, IngestLimits(), parsers=parsers))

    assert [(p.number, p.text) for p in pages] == [
        (p.number, p.text) for p in read_pages(dmca, None, IngestLimits())
    ]
    assert spare.poll() is not None  # the spare did this document, then ended
    assert parsers.spare is not None and parsers.spare is not spare
    assert parsers.spare.poll() is None  # the next document's child is already up
    parsers.close()
    assert parsers.spare is None


def test_a_spare_child_that_died_is_replaced(parsers: Parsers, shared_data: Path) -> None:
    parsers.start_spare()
    assert parsers.spare is not None
    parsers.spare.kill()
    parsers.spare.wait()
    pages = list(
        read_pages_isolated(
            shared_data / "legal" / "dmca.pdf", None, IngestLimits(), parsers=parsers
        )
    )
    assert len(pages) == 18


def test_a_spare_child_exits_when_its_input_closes(parsers: Parsers) -> None:
    # What happens when the parent exits without closing it: no orphan is left waiting.
    parsers.start_spare()
    proc = parsers.spare
    assert proc is not None and proc.stdin is not None
    proc.stdin.close()
    assert proc.wait(timeout=60) == 0


def test_a_spare_child_reports_a_bad_pdf_like_a_fresh_one(
    parsers: Parsers, shared_data: Path
) -> None:
    encrypted = shared_data / "bad_pdfs" / "unstructured__password.pdf"
    parsers.start_spare()
    with pytest.raises(EncryptedPdfError) as spared:
        list(read_pages_isolated(encrypted, None, IngestLimits(), parsers=parsers))
    with pytest.raises(EncryptedPdfError) as fresh:
        list(read_pages_isolated(encrypted, None, IngestLimits()))
    assert str(spared.value) == str(fresh.value)


def test_each_document_is_parsed_by_a_child_started_before_it(
    ingestor: Ingestor, shared_data: Path
) -> None:
    for path in (shared_data / "legal" / "dmca.pdf", shared_data / "technical" / "tracemonkey.pdf"):
        spare = ingestor.parsers.spare  # build_ingestor started the first one
        assert spare is not None and spare.poll() is None
        sha, size = ingestor.files.put_file(path)
        doc, _ = ingestor.registry.create_or_get("default", path.name, sha, size)
        assert ingest_document(doc.id, ingestor).status == "ready"
        # It parsed this document and ended (killed, if it was slower to exit than the
        # parent to finish with it): only a used child ends, a spare waits.
        assert spare.poll() is not None


def _pages(path: Path, parsers: Parsers | None = None) -> list[tuple[int, str]]:
    return [
        (p.number, p.text) for p in read_pages_isolated(path, None, IngestLimits(), parsers=parsers)
    ]


def _waiting_bytes(proc) -> int:
    """Bytes the child has written that nobody has read yet."""
    return int.from_bytes(fcntl.ioctl(proc.stdout.fileno(), termios.FIONREAD, b"\0" * 4), "little")


def test_a_document_parsed_ahead_is_read_from_the_child_that_parsed_it(
    parsers: Parsers, shared_data: Path
) -> None:
    paper = shared_data / "technical" / "tracemonkey.pdf"
    parsers.start_spare()
    child = parsers.spare
    parsers.ahead(parse_job(paper, None, IngestLimits()))
    assert parsers.spare is not child  # the spare took the job; a new spare is up
    next_spare = parsers.spare
    deadline = time.monotonic() + 60
    while _waiting_bytes(child) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _waiting_bytes(child) > 0  # it parses with nobody reading

    assert _pages(paper, parsers) == _pages(paper)
    assert child.poll() is not None  # that child did the document
    assert parsers.spare is next_spare  # and the spare was not needed


def test_a_document_parsed_ahead_is_not_given_to_another(
    parsers: Parsers, shared_data: Path
) -> None:
    dmca, paper = shared_data / "legal" / "dmca.pdf", shared_data / "technical" / "tracemonkey.pdf"
    parsers.start_spare()
    child = parsers.spare
    parsers.ahead(parse_job(dmca, None, IngestLimits()))
    assert _pages(paper, parsers) == _pages(paper)
    parsers.close()  # the document parsed ahead never came: its child is stopped
    assert child.poll() is not None


def test_the_cli_parses_its_first_file_ahead_with_the_job_the_pipeline_asks_for(
    tmp_path: Path, shared_data: Path
) -> None:
    # A job that differed by one field (limits, OCR options) would be parsed for nothing.
    from cli.ingest import _local_ingestor
    from core.settings import Settings

    dmca = shared_data / "legal" / "dmca.pdf"
    ing = _local_ingestor(Settings(data_dir=tmp_path / "data", _env_file=None), dmca, None)
    try:
        sha, size = ing.files.put_file(dmca)
        job = parse_job(ing.files.path_for(sha), None, ing.limits, ing.ocr)
        assert ing.parsers.parsing_ahead(job)
        doc, _ = ing.registry.create_or_get("default", dmca.name, sha, size)
        spare = ing.parsers.spare
        assert ingest_document(doc.id, ing).status == "ready"
        assert not ing.parsers.parsing_ahead(job)  # taken by the document
        assert ing.parsers.spare is spare  # not the spare
    finally:
        ing.parsers.close()
        ing.store.client.close()
        ing.registry.close()


def test_a_document_parsed_ahead_by_the_pipeline_is_taken_by_its_ingest(
    ingestor: Ingestor, shared_data: Path
) -> None:
    from ingest.pipeline import parse_ahead

    paper = shared_data / "technical" / "tracemonkey.pdf"
    sha, size = ingestor.files.put_file(paper)
    doc, _ = ingestor.registry.create_or_get("default", paper.name, sha, size)
    parse_ahead(doc.id, ingestor)
    job = parse_job(ingestor.files.path_for(sha), None, ingestor.limits, ingestor.ocr)
    assert ingestor.parsers.parsing_ahead(job)
    assert ingest_document(doc.id, ingestor).status == "ready"
    assert not ingestor.parsers.parsing_ahead(job)
