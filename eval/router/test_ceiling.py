"""The cell ceiling: what a router told each LaRA question's task, length and document
type could reach at a cost limit (eval/router/ceiling.py)."""

from __future__ import annotations

from core.llm.catalog import load_catalog
from eval.router.ceiling import cell_ceiling
from eval.router.lara import DEFAULT_DATA, load_rows
from eval.router.replay import Replay


def test_the_cell_ceiling_lies_between_always_rag_and_the_oracle_and_keeps_its_limit():
    rows = load_rows(DEFAULT_DATA)[::4]  # every document's questions, a quarter of them
    replay = Replay(load_catalog(), "gpt-4o", "gpt-4o-mini")
    base = [replay.baselines(r) for r in rows]
    mean = lambda name, attr: sum(getattr(b[name], attr) for b in base) / len(base)  # noqa: E731
    none = cell_ceiling(rows, base, mean("always-rag", "cost_usd"))
    assert none.cells == [] and none.accuracy == mean("always-rag", "right")
    limit = mean("self-route", "cost_usd")
    capped = cell_ceiling(rows, base, limit)
    unlimited = cell_ceiling(rows, base, float("inf"))
    assert capped.cost_usd <= limit + 1e-12 and capped.cells
    assert none.accuracy < capped.accuracy <= unlimited.accuracy <= mean("oracle", "right")
    assert unlimited.accuracy >= max(mean("always-stuff", "right"), none.accuracy)
