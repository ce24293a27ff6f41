"""The review benchmark through the real service: a quick slice (3 contracts x 6
categories) in the quick run; `pytest eval -m full` (or `folio eval review`) runs all
40 x 41 and writes the report docs/EVAL.md quotes. The scoring rule is tested apart."""

from __future__ import annotations

import pytest

from eval.review.bench import run_review_eval
from eval.review.data import load
from eval.review.scoring import evidence, outcome, overlaps

QUICK_CATEGORIES = [
    "Document Name",
    "Parties",
    "Governing Law",
    "Anti-Assignment",
    "Insurance",
    "Source Code Escrow",
]


def test_the_manifest_rule_counts_shared_words():
    gold = "This Agreement shall be governed by the laws of the State of California."
    assert overlaps("governed by the laws of the State of California", gold)
    assert not overlaps("This Agreement may be assigned with consent of the other party.", gold)
    # Half of the shorter: a long quote holding a short gold clause overlaps it.
    assert overlaps("THIS CONSULTING AGREEMENT is made as of June 1, 2020", "CONSULTING AGREEMENT")
    assert outcome([], []) == "tn" and outcome(["x y z"], []) == "fp"
    assert outcome(["unrelated words here"], [gold]) == "fp+fn" and outcome([], [gold]) == "fn"
    assert evidence(["... " + gold + " ..."], [gold]) and not evidence(["nothing"], [gold])


def test_the_shared_half_loads():
    bench = load()
    assert len(bench.contracts) == 40 and len(bench.categories) == 41
    assert sum(bool(c.gold[k]) for c in bench.contracts for k in bench.categories) == 475
    assert all(c.pdf.exists() for c in bench.contracts)


def test_quick_slice_beats_the_bare_baseline(eval_session):
    bench = load().subset(3, QUICK_CATEGORIES)
    out = eval_session.options.out / "review"
    report, ours = run_review_eval(eval_session.client, bench, out)
    for name in ("results.jsonl", "report.md", "review_f1.png"):
        assert (out / name).stat().st_size > 0
    text = report.read_text()
    assert "DeBERTa-xlarge" in text and "ContractEval" in text and "Per route" in text
    lines = (out / "results.jsonl").read_text().splitlines()
    assert ours["errors"] == 0 and len(lines) == bench.cells  # one CellResult a cell
    assert ours["all"].f1 >= 0.7 and ours["all"].f1 > ours["baseline"]["f1"]
    assert ours["evidence_recall"] >= 0.8
    assert set(ours["routes"]) == {"local"}  # offline: the reader, at $0


@pytest.mark.full
def test_full_review_meets_the_bars(eval_session):
    out = eval_session.options.out / "review-full"
    _, ours = run_review_eval(eval_session.client, load(), out)
    assert ours["all"].f1 >= 0.55 and ours["evidence_recall"] >= 0.95
