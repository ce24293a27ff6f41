"""Offline contract answers through the read path: structure stored at ingest, quotes that
pass the citation check, and one labelled part per document."""

from __future__ import annotations

from query.answer import execute, prepare
from tests.query.corpus import read_path


def test_parties_and_a_clause_summary_through_the_read_path(corpus, embedder):
    rp = read_path(corpus, embedder)
    doc = corpus.ids["ivillage"]
    assert rp.pages.structure(doc) is not None  # kept with the page texts at ingest
    parties = execute(rp, prepare(rp, "Who are the parties?", [doc]))
    assert parties.text.startswith("Parties: Ford Motor Media (“FMM”); iVillage, Inc.")
    summary = execute(rp, prepare(rp, "Summarise the termination rights", [doc]))
    assert summary.found and len(summary.citations) >= 3 and summary.dropped_citations == 0
    assert "may terminate" in summary.text and summary.text != "1. Term and Termination."


def test_each_document_part_is_labelled_with_its_file_name(corpus, embedder):
    rp = read_path(corpus, embedder)
    ids = [corpus.ids["ivillage"], corpus.ids["nyliac"]]
    answer = execute(rp, prepare(rp, "Who are the parties?", ids))
    names = [rp.registry.get(i).filename for i in ids]
    parts = answer.text.split("\n\n")
    assert sorted(p[1 : p.index("]")] for p in parts) == sorted(names)
    assert {c.document_id for c in answer.citations} == set(ids)
    assert answer.dropped_citations == 0
