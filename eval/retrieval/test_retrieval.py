"""Retrieval on public benchmarks through the real service (`POST /search`).

The quick run scores a slice of the shared ContractNLI half against the bare baseline;
`pytest eval -m full` (or `folio eval retrieval`) runs all of it and CUAD, and writes the
report that docs/EVAL.md quotes.
"""

from __future__ import annotations

import pytest

from eval.common.paths import shared_data
from eval.retrieval.bench import run_retrieval
from eval.retrieval.data import load_contractnli, load_cuad
from eval.retrieval.metrics import TextSpace
from eval.retrieval.run import extracted_pages, locate_gold

QUICK_DOCUMENTS = 5


@pytest.fixture(scope="module")
def contractnli():
    return load_contractnli(shared_data() / "benchmarks" / "contractnli")


@pytest.fixture(scope="module")
def cuad():
    return load_cuad(shared_data() / "legal" / "cuad")


def _located_share(bench) -> float:
    spaces = {k: TextSpace(extracted_pages(pdf)) for k, pdf in bench.documents.items()}
    total = missing = 0
    for query in bench.queries:
        _, lost = locate_gold(query, spaces[query.document])
        total += len(query.gold)
        missing += lost
    return 1 - missing / total


def test_the_benchmarks_load_and_their_gold_is_found_in_the_pdf_text(contractnli, cuad):
    assert len(contractnli.documents) == 61 and len(contractnli.queries) == 614
    assert all(
        q.question.startswith("Consider the Non-Disclosure Agreement") for q in contractnli.queries
    )
    assert _located_share(contractnli) > 0.995  # one span of 1,229 has a glyph the PDF lacks
    assert len(cuad.documents) == 9 and len(cuad.queries) > 80
    assert _located_share(cuad) > 0.85  # CUAD text marks some redactions "<omitted>"


def _cell(summary, system, setting, k):
    return summary[("contractnli", system, setting)][k]


def test_quick_slice_beats_the_bare_baseline(eval_session, contractnli):
    bench = contractnli.subset(QUICK_DOCUMENTS)
    out = eval_session.options.out / "retrieval"
    report, summary = run_retrieval(eval_session.client, [bench], out)
    for name in ("results.jsonl", "report.md", "retrieval_pr.png"):
        assert (out / name).stat().st_size > 0
    assert "LegalBench-RAG" in report.read_text()
    ours = _cell(summary, "folio", "per-document", 8)
    bare = _cell(summary, "bare-bm25", "per-document", 8)
    assert ours["recall"] > bare["recall"] and ours["recall"] > 0.75
    assert _cell(summary, "folio", "per-document", 1)["precision"] > 0.25
    assert ours["page_recall"] > 0.9
    # Corpus-wide, the question names its agreement: found among the others.
    corpus = _cell(summary, "folio", "corpus", 8)
    assert corpus["recall"] > _cell(summary, "bare-bm25", "corpus", 8)["recall"]
    assert corpus["recall"] > 0.7


@pytest.mark.full
def test_full_benchmarks_meet_the_bars(eval_session, contractnli, cuad):
    out = eval_session.options.out / "retrieval-full"
    _, summary = run_retrieval(eval_session.client, [contractnli, cuad], out)
    assert _cell(summary, "folio", "per-document", 8)["page_recall"] >= 0.95
    assert _cell(summary, "folio", "corpus", 64)["recall"] >= 0.75
    assert _cell(summary, "folio", "per-document", 1)["precision"] >= 0.35
    assert ("cuad", "folio", "per-document") in summary
