"""The retrieval metrics on hand-made spans whose precision and recall are known."""

from __future__ import annotations

import pytest

from eval.retrieval.metrics import Located, TextSpace, merge_close, score, text_key


def _at(doc: str, start: int, end: int, *pages: int) -> Located:
    return Located(doc, (start, end), frozenset(pages or (1,)))


def test_exact_hit_is_full_precision_and_recall():
    s = score([_at("a", 10, 20)], [_at("a", 10, 20)])
    assert (s.precision, s.recall, s.page_recall) == (1.0, 1.0, 1.0)


def test_partial_overlap_counts_characters():
    # gold 10..20 (10 chars); passage 15..35 (20 chars) covers 15..20: 5 characters.
    s = score([_at("a", 10, 20)], [_at("a", 15, 35)])
    assert s.recall == pytest.approx(5 / 10)
    assert s.precision == pytest.approx(5 / 20)


def test_overlapping_passages_are_not_counted_twice():
    # Two passages 0..10 and 5..15 cover 0..15 (15 chars) once; gold 0..10 fully covered.
    s = score([_at("a", 0, 10)], [_at("a", 0, 10), _at("a", 5, 15)])
    assert s.recall == 1.0
    assert s.precision == pytest.approx(10 / 15)


def test_other_documents_add_only_to_the_passage_characters():
    gold = [_at("a", 0, 10), _at("a", 50, 60)]
    passages = [_at("b", 0, 10), _at("a", 0, 10)]
    s = score(gold, passages)
    assert s.recall == pytest.approx(10 / 20)
    assert s.precision == pytest.approx(10 / 20)


def test_page_recall_is_the_share_of_gold_spans_on_a_passage_page():
    gold = [_at("a", 0, 10, 1), _at("a", 100, 110, 3)]
    s = score(gold, [_at("a", 200, 210, 3)])
    assert s.recall == 0.0 and s.page_recall == 0.5


def test_no_passages_score_zero():
    s = score([_at("a", 0, 10)], [])
    assert (s.precision, s.recall, s.page_recall) == (0.0, 0.0, 0.0)


def test_merge_close_joins_spans_under_two_characters_apart():
    assert merge_close([(0, 10), (11, 20), (25, 30)]) == [(0, 20), (25, 30)]
    assert merge_close([(5, 9), (0, 6)]) == [(0, 9)]


def test_text_space_locates_across_wrapping_and_pages():
    pages = ["The Receiving Party shall\nreturn all", "materials  promptly.\n\u2022 Item"]
    space = TextSpace(pages)
    span = space.locate("shall return all materials promptly.")
    assert span is not None and space.pages_of(span) == {1, 2}
    assert space.locate("\uf0b7 Item", page=2) is not None  # Symbol-font bullet, read as "•"
    assert space.locate("not in the text") is None
    assert text_key(" a \n b\t") == "ab"


def test_locate_prefers_the_given_page_for_repeated_text():
    space = TextSpace(["Confidential Information.", "Confidential Information."])
    first, second = (
        space.locate("Confidential Information."),
        space.locate("Confidential Information.", page=2),
    )
    assert space.pages_of(first) == {1} and space.pages_of(second) == {2}
