"""The reader's question set, offline: a quick slice (3 contracts x 10 kinds) in the quick
run; `python -m eval.questions` (or `folio eval questions`) asks all 400."""

from __future__ import annotations

from eval.questions.bench import run_questions
from eval.questions.questions import KINDS, question_set
from eval.questions.run import is_right
from eval.review.data import load


def test_the_set_asks_every_kind_of_every_contract_in_plain_words():
    questions = question_set(load())
    assert len(questions) == 400 and len({q.kind for q in questions}) == 10
    assert {q.question for q in questions} == {w for _, ws in KINDS.values() for w in ws}
    assert sum(not q.gold for q in questions) == 243  # clause-less: most of them


def test_a_plain_no_is_right_only_where_there_is_no_clause():
    q = question_set(load().subset(1), ["insurance"])[0]
    assert not q.gold
    assert is_right(q, False, "No insurance clause was found in x.pdf.", [])
    assert not is_right(q, True, "The Company shall maintain insurance.", ["The Company"])


def test_quick_slice_answers_most_questions_right(eval_session):
    out = eval_session.options.out / "questions"
    report, s = run_questions(out, documents=3)
    assert (out / "results.jsonl").stat().st_size > 0 and "clause there" in report.read_text()
    assert s["n"] == 30 and s["right"] >= 0.7 and s["clause_less"] >= 0.7
