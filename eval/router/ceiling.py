"""How far any router that decides before spending could get on LaRA: the cell ceiling.

A router that knew each question's LaRA task, length bucket and document type (which no
real router knows) and which of those cells pay to stuff (read off the same rows, so
in-sample) would stuff whole cells, best net gain per dollar first, until it reached a
cost per question. Its accuracy bounds what question-level features can do at that cost.

    python -m eval.router.ceiling [--data FILE] [--stuff-model M] [--rag-model M]
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from core.llm.catalog import load_catalog
from eval.router.lara import DEFAULT_DATA, load_rows
from eval.router.replay import Replay


@dataclass
class Ceiling:
    """The in-sample cell router at a cost limit, beside always-rag."""

    accuracy: float  # of the cell router at the cost limit
    always_rag: float
    cost_usd: float  # its $/question
    cells: list[tuple[str, str, str]]  # (task, length, doc_type) stuffed


def cell_ceiling(rows: list[dict], baselines: list[dict], max_cost_usd: float) -> Ceiling:
    """The in-sample cell router's accuracy at no more than `max_cost_usd` a question;
    `baselines` are `Replay.baselines(row)` for each row, computed once by the caller."""
    gain: dict[tuple, int] = defaultdict(int)  # stuff right, rag wrong minus the reverse
    extra: dict[tuple, float] = defaultdict(float)  # what stuffing the cell adds, in $
    right = cost = 0.0
    for row, base in zip(rows, baselines, strict=True):
        stuff, rag = base["always-stuff"], base["always-rag"]
        cell = (row["task"], row["length"], row["doc_type"])
        gain[cell] += int(stuff.right) - int(rag.right)
        extra[cell] += stuff.cost_usd - rag.cost_usd
        right, cost = right + rag.right, cost + rag.cost_usd
    always_rag, taken = right / len(rows), []
    for cell in sorted((c for c in gain if gain[c] > 0), key=lambda c: -gain[c] / extra[c]):
        if (cost + extra[cell]) / len(rows) <= max_cost_usd:
            right, cost = right + gain[cell], cost + extra[cell]
            taken.append(cell)
    return Ceiling(right / len(rows), always_rag, cost / len(rows), taken)


def main() -> None:
    """Print the cell ceiling at Self-Route's cost and with no cost limit."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--stuff-model", default="gpt-4o")
    parser.add_argument("--rag-model", default="gpt-4o-mini")
    args = parser.parse_args()
    rows = load_rows(args.data)
    replay = Replay(load_catalog(None), args.stuff_model, args.rag_model)
    base = [replay.baselines(r) for r in rows]
    self_route = sum(b["self-route"].cost_usd for b in base) / len(rows)
    for label, limit in (("Self-Route's cost", self_route), ("no cost limit", float("inf"))):
        c = cell_ceiling(rows, base, limit)
        print(
            f"{args.stuff_model} / {args.rag_model}, {label}: cell router {c.accuracy:.1%}"
            f" at ${c.cost_usd:.4f} (always-rag {c.always_rag:.1%}, +"
            f"{(c.accuracy - c.always_rag) * 100:.1f} points; {len(c.cells)} cells stuffed)"
        )


if __name__ == "__main__":
    main()
