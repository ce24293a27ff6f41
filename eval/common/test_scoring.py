"""The shared clause-quoting check (the CUAD reader bench and tests/core/test_reader.py)."""

from __future__ import annotations

from eval.common.scoring import folded, quotes_clause

CLAUSE = "Neither party may assign this Agreement without the prior written consent of the other."


def test_six_words_in_a_row_quote_the_clause_whatever_the_case_and_punctuation():
    answer = "No: neither party may ASSIGN this agreement, says Section 12."
    assert quotes_clause(answer, [CLAUSE])
    assert not quotes_clause("A party may assign it with consent.", [CLAUSE])


def test_a_short_gold_text_must_appear_verbatim():
    assert quotes_clause("It is governed by the laws of  Delaware.", ["laws of Delaware"])
    assert not quotes_clause("It is governed by Delaware law.", ["laws of Delaware"])
    assert not quotes_clause("anything", [])
    assert folded("  Laws\nof  DELAWARE ") == "laws of delaware"
