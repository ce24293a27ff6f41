"""The whole write path on every real PDF: real pypdf, tokenizer, MiniLM and embedded Qdrant."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from core.settings import Settings
from core.storage.chunks import point_id
from core.text.tokens import count_tokens
from ingest.ingestor import Ingestor, build_ingestor
from ingest.pdf import read_pages
from ingest.pipeline import ingest_document


def _register(ing: Ingestor, path: Path) -> str:
    sha, size = ing.files.put_file(path)
    doc, _ = ing.registry.create_or_get("default", path.name, sha, size)
    return doc.id


@pytest.fixture(scope="module")
def ing(tmp_path_factory, embedder) -> Ingestor:
    settings = Settings(data_dir=tmp_path_factory.mktemp("pipeline") / "data", _env_file=None)
    ingestor = build_ingestor(settings, embedder=embedder)
    yield ingestor
    ingestor.parsers.close()
    ingestor.store.client.close()


@pytest.fixture(scope="module")
def ingested(ing: Ingestor, shared_data: Path) -> dict[Path, str]:
    """Every PDF under legal/ and technical/, ingested once for this module (~870K tokens)."""
    folders = (shared_data / "legal", shared_data / "technical")
    pdfs = sorted(p for f in folders for p in f.rglob("*") if p.suffix.lower() == ".pdf")
    ids = {}
    for path in pdfs:
        ids[path] = _register(ing, path)
        ingest_document(ids[path], ing)
    return ids


def test_every_real_pdf_ingests_with_pypdf_page_counts(ing, ingested) -> None:
    assert len(ingested) >= 30
    for path, doc_id in ingested.items():
        doc = ing.registry.get(doc_id)
        assert doc.status == "ready", (path.name, doc.error)
        assert doc.pages == len(PdfReader(path).pages) == doc.pages_total, path.name
        assert doc.chunks == ing.store.count("default", doc_id) == doc.chunks_embedded > 0, (
            path.name
        )
        assert set(doc.timings) >= {"parse_s", "chunk_s", "embed_s", "upsert_s", "total_s"}


def test_token_totals_equal_tiktoken_count_of_extracted_text(ing, ingested) -> None:
    for path, doc_id in ingested.items():
        doc = ing.registry.get(doc_id)
        texts = [p.text for p in ing.pages.read(doc_id)]
        plain = [p.text for p in read_pages(path)]  # the text layer alone, no OCR
        ocr = set(doc.ocr_pages)  # pages with no text layer, read by OCR instead
        assert all(texts[n - 1].strip() for n in ocr), path.name
        kept = [t for n, t in enumerate(texts, 1) if n not in ocr]
        assert kept == [t for n, t in enumerate(plain, 1) if n not in ocr], path.name
        assert doc.page_tokens == [count_tokens(t) for t in texts], path.name
        assert doc.tokens == sum(doc.page_tokens), path.name


def test_the_400_page_irs_manual_is_in(ing, ingested, shared_data) -> None:
    doc_id = ingested[shared_data / "technical" / "pdf2image-memory-error-test-400p.pdf"]
    doc = ing.registry.get(doc_id)
    assert doc.status == "ready" and doc.pages == 400 and doc.tokens > 100_000


def test_stored_chunks_sit_inside_their_page_span(ing, ingested, shared_data) -> None:
    path = shared_data / "technical" / "i1040nr.pdf"
    doc_id = ingested[path]
    pages = [p.text for p in ing.pages.read(doc_id)]
    doc = ing.registry.get(doc_id)
    for chunk in ing.store.chunks("default", doc_id, range(doc.chunks)):
        first = pages[chunk.page_start - 1]
        if chunk.page_start == chunk.page_end:
            assert first[chunk.char_start : chunk.char_end] == chunk.text
        else:
            assert chunk.text.startswith(first[chunk.char_start :].strip()[:40])
            assert chunk.text.endswith(pages[chunk.page_end - 1][: chunk.char_end][-40:])


def test_reingest_gives_same_point_ids_and_count_and_delete_removes_all(ingestor, shared_data):
    # Its own data dir: deleting from the module's store would take others' documents.
    ing = ingestor
    path = shared_data / "legal" / "dmca.pdf"
    doc_id = _register(ing, path)
    ingest_document(doc_id, ing)
    first_ids, first_count = (
        ing.store.point_ids("default", doc_id),
        ing.store.count("default", doc_id),
    )
    ingest_document(doc_id, ing)  # a retry or forced re-ingest replaces, never duplicates
    assert ing.store.point_ids("default", doc_id) == first_ids
    assert ing.store.count("default", doc_id) == first_count == ing.registry.get(doc_id).chunks
    assert first_ids == {point_id(doc_id, i) for i in range(first_count)}
    ing.store.delete_document("default", doc_id)
    assert (
        ing.store.count("default", doc_id) == 0 and ing.store.point_ids("default", doc_id) == set()
    )


def test_a_bad_pdf_fails_alone_with_its_reason(ing, ingested, shared_data) -> None:
    before = {d: ing.store.count("default", d) for d in list(ingested.values())[:3]}
    bad = _register(ing, shared_data / "bad_pdfs" / "DERIVED__crazyones.truncated-5000B.pdf")
    result = ingest_document(bad, ing)
    assert result.status == "failed" and "broken PDF" in result.error
    doc = ing.registry.get(bad)
    assert doc.status == "failed" and doc.error == result.error
    assert ing.store.count("default", bad) == 0
    assert {d: ing.store.count("default", d) for d in before} == before


def test_password_given_at_ingest_opens_the_document(ing, shared_data) -> None:
    doc_id = _register(ing, shared_data / "bad_pdfs" / "unstructured__password.pdf")
    assert ingest_document(doc_id, ing).status == "failed"
    ing.registry.set_password(doc_id, "password")
    result = ingest_document(doc_id, ing)
    assert result.status == "ready" and result.chunks > 0
    assert ing.registry.password(doc_id) is None  # not kept once used
