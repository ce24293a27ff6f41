"""The router replay: the LaRA scorer's rules, and a slice of real LaRA rows through the
real `routing.plan()` (quick run: 60 rows, a few seconds). `-m full` replays every row."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from core.llm.catalog import load_catalog
from eval.router.lara import DEFAULT_DATA, load_rows, pair_catalog
from eval.router.replay import Replay
from eval.router.report import summarise, table, write_results
from eval.router.scoring import is_refusal, normalise, score, token_f1
from query.routing.model import LearnedRouter, load_route_model

DATA = Path(os.environ.get("FOLIO_LARA_DATA", DEFAULT_DATA))


# --- the scorer ---------------------------------------------------------------------


def test_short_gold_is_contained_after_normalising():
    assert score("location", "The nickname was Pippin, given by the clerks.", "Pippin.")
    assert score("location", "The net loss was $(647,571).", "$647,571.")
    assert score("location", "It reached 79.4% against the single RM.", "79.4%")
    assert not score("location", "The nickname was Turkey.", "Pippin.")
    assert normalise("$(1,234.5) Net-Loss!") == "$1234.5 net loss"


def test_numbers_in_the_gold_must_be_stated():
    gold = "The cost of revenues rose from 67.3% of revenue in 2022 to 71% in 2023."
    right = "Cost of revenues rose from 67.3% in 2022 to 71% of revenue in 2023."
    assert score("comp", right, gold)
    assert not score("comp", "Cost of revenues rose from 67.3% in 2022 to 75% in 2023.", gold)


def test_long_gold_needs_token_f1_of_one_half():
    gold = "Anne distrusts Mr. Elliot's character while Lady Russell admires him."
    close = "Anne distrusts Mr. Elliot's character, whereas Lady Russell admires him greatly."
    assert token_f1(close, gold) >= 0.5 and score("comp", close, gold)
    far = "The weather in Bath is described at length in the novel's later chapters."
    assert token_f1(far, gold) < 0.5 and not score("comp", far, gold)


def test_refusals_are_right_only_on_hallucination_questions():
    refusal = "The financial statement does not provide information about employee turnover."
    gold = "The document does not mention the turnover rate."
    assert is_refusal(refusal) and score("hallu", refusal, gold)
    assert not score("location", refusal, "12%")
    made_up = "The turnover rate was 12% in 2023."
    assert not is_refusal(made_up) and not score("hallu", made_up, gold)
    for text in ("There is no mention of it.", "This cannot be determined from the context."):
        assert is_refusal(text)
    assert not score("location", None, "Pippin.") and not score("hallu", "  ", gold)


# --- the replay -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def rows(request):
    if not DATA.is_file():
        pytest.fail(f"LaRA DEV rows not found at {DATA}; set FOLIO_LARA_DATA")
    return load_rows(DATA)


def _replay(rows, n):
    catalog = load_catalog()
    router = LearnedRouter(load_route_model())  # no question vectors: fast, still real
    replay = Replay(catalog, "gpt-4o", "gpt-4o-mini")
    return replay.run(rows[:n], {"router": lambda row: router}, ("balanced", "cost", "quality"))


def test_slice_goes_through_the_real_router(rows, tmp_path):
    items = _replay(rows, 60)
    learned = gated = escalated = 0
    for item in items:
        res = item.results
        routed = res["router"]
        assert routed.mode in ("stuff", "rag")
        if routed.p_rag_ok is not None:  # a local question: the learned router decided
            assert "lara-dev" in routed.reason and 0 < routed.p_rag_ok < 1
            learned += 1
        else:  # a question about the whole text: the rules decided, as without a router
            assert routed == res["today's rule"]
        # the oracle is right whenever either side is, and never dearer than needed
        either = res["always-stuff"].right or res["always-rag"].right
        assert res["oracle"].right == either
        dearest = max(res["always-stuff"].cost_usd, res["always-rag"].cost_usd)
        assert res["oracle"].cost_usd <= dearest
        # the router's gate, like Self-Route, pays both calls exactly when it escalates
        if routed.mode == "rag" and "expected gain" in routed.reason:
            gated += 1
            both = res["always-rag"].cost_usd + res["always-stuff"].cost_usd
            paid = both if routed.escalated else res["always-rag"].cost_usd
            assert routed.cost_usd == pytest.approx(paid, abs=1e-6)  # plans round to 1e-6
            assert ("escalated: reading the whole text" in routed.reason) == routed.escalated
            escalated += routed.escalated
        # Self-Route pays both calls exactly when it escalates
        sr = res["self-route"]
        both = res["always-rag"].cost_usd + res["always-stuff"].cost_usd
        assert sr.cost_usd == pytest.approx(both if sr.escalated else res["always-rag"].cost_usd)
    assert learned > 30
    assert 0 < escalated < gated  # the gate escalates some rag answers, not all
    stuff, rag = summarise(items, "always-stuff"), summarise(items, "always-rag")
    assert stuff["stuff_share"] == 1 and rag["stuff_share"] == 0
    assert stuff["cost_usd"] > 10 * rag["cost_usd"]  # 32K-128K documents against 8K chunks
    oracle = summarise(items, "oracle")["accuracy"]
    assert all(summarise(items, k)["accuracy"] <= oracle for k in items[0].results)
    write_results(items, tmp_path / "results.jsonl")
    lines = (tmp_path / "results.jsonl").read_text().splitlines()
    assert len(lines) == 60
    first = json.loads(lines[0])
    assert {"qid", "mode", "escalated", "reason", "estimated_cost_usd"} <= set(first)
    assert any(line.startswith("| router |") for line in table(items, "slice"))


def test_pair_catalog_routes_between_exactly_the_two_models():
    catalog = pair_catalog(load_catalog(), "gpt-4o", "gpt-4o-mini")
    assert [m.name for m in catalog.chain("long_context")] == ["gpt-4o"]
    assert [m.name for m in catalog.chain("cheap")] == ["gpt-4o-mini"]
    with pytest.raises(KeyError, match="not in the catalog"):
        pair_catalog(load_catalog(), "gpt-9", "gpt-4o")


@pytest.mark.full
def test_preferences_keep_their_promises_on_every_row(rows):
    """prefer quality is never below always-stuff; prefer cost is no dearer than always-rag
    and at least as accurate (in-sample here: the shipped weights saw these rows)."""
    items = _replay(rows, len(rows))
    s = {k: summarise(items, k) for k in items[0].results}
    assert s["router (quality)"]["accuracy"] >= s["always-stuff"]["accuracy"]
    assert s["router (cost)"]["cost_usd"] <= s["always-rag"]["cost_usd"] + 1e-9
    assert s["router (cost)"]["accuracy"] >= s["always-rag"]["accuracy"]


def test_judge_grades_each_distinct_answer_once_next_to_the_scorer(rows):
    from openai import OpenAI

    from eval.common.judge import Judge
    from eval.router.report import grade
    from tests.fakes import FakeOpenAIServer, Reply

    items = _replay(rows, 4)
    with FakeOpenAIServer() as fake:
        fake.script("judge", *[Reply('{"score": 0.5}', 50, 5) for _ in range(40)])
        judge = Judge(OpenAI(base_url=fake.base_url, api_key="k", max_retries=0), "judge")
        grades = grade(items, judge)
        asked = fake.calls("judge")
    answered = [g for g in grades.values() if g is not None]
    # one call per distinct (question, model, side) that has an answer; never more
    assert 0 < asked <= len(grades) <= 4 * 3 and len(answered) == len(grades)
    assert set(answered) <= {0.0, 0.5}
    lines = table(items, "slice", grades)
    assert "| strategy | accuracy | judge |" in lines[2]
    assert any(line.startswith("| always-rag |") and "50.0%" in line for line in lines)
