"""Passages grown from ranked chunks: which neighbours join, and the text they make."""

from __future__ import annotations

from core.storage.chunks import StoredChunk
from query.passages import grow, run_score, run_text

PAGES = ["Alpha beta gamma. Delta epsilon.", "Zeta eta theta. Iota kappa."]


def _chunk(index: int, score: float, page: int, start: int, end: int) -> StoredChunk:
    text = PAGES[page - 1][start:end]
    return StoredChunk("d", index, text, page, page, start, end, 5, score=score)


def _texts(document_id: str) -> list[str]:
    return PAGES


# Chunks 0..3 in document order: "Alpha beta gamma." / "Delta epsilon." / "Zeta eta
# theta." / "Iota kappa."; the ranking lists them best first.
C0, C1 = _chunk(0, 0.9, 1, 0, 17), _chunk(1, 0.2, 1, 18, 32)
C2, C3 = _chunk(2, 1.0, 2, 0, 15), _chunk(3, 0.95, 2, 16, 27)
RANKED = [C2, C3, C0, C1]


def test_a_hit_takes_in_a_neighbour_that_scores_nearly_as_well():
    runs = grow(RANKED, k=10, within=0.5, max_chunks=3)
    assert [[c.chunk_index for c in r] for r in runs] == [[2, 3], [0], [1]]
    assert [run_score(r) for r in runs] == [1.0, 0.9, 0.2]


def test_no_growth_keeps_single_chunks_in_rank_order():
    runs = grow(RANKED, k=10, within=0.0, max_chunks=3)
    assert [[c.chunk_index for c in r] for r in runs] == [[2], [3], [0], [1]]


def test_runs_stop_at_max_chunks_and_k():
    runs = grow(RANKED, k=1, within=10.0, max_chunks=2)
    assert len(runs) == 1 and len(runs[0]) == 2


def test_a_longer_list_starts_with_the_shorter_one():
    for within in (0.0, 0.5, 2.0):
        long = grow(RANKED, k=4, within=within, max_chunks=3)
        for k in range(1, 4):
            assert grow(RANKED, k=k, within=within, max_chunks=3) == long[:k]


def test_a_run_across_a_page_break_is_the_documents_text():
    run = [C1, C2]
    assert run_text(run, _texts) == "Delta epsilon.\n\nZeta eta theta."
    assert run_text([C3], _texts) == "Iota kappa."
