"""Fit the clause finder's thresholds on the shared CUAD half (never on single rows):

    python -m eval.review.fit [--write]

Every contract's pages are read as the service reads them (ingest.pdf), the finder ranks
every kind with no threshold, and each kind's threshold is the one that gives the best
cell F1 over the whole half, the kinds taking turns (three rounds). A kind with fewer
than MIN_GOLD clauses in the half shares one threshold with the other rare kinds, so no
threshold is fitted to one or two contracts. Prints the fitted F1 and a two-fold check
(fitted on half the contracts, scored on the other half), which is what the kept-aside
half should show. The reader's thresholds (fit_reader) are fitted for its questions'
accuracy instead; --write saves core/reader/clause_thresholds.json.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from dataclasses import dataclass

from core.embeddings.embedders import LocalEmbedder
from core.reader.clause_kinds import THRESHOLDS_FILE, clause_kinds
from core.reader.clauses import ClauseFinder
from core.reader.contract import read_contract
from eval.review.data import ReviewBench, load
from eval.review.scoring import Counts, outcome
from ingest.pdf import read_pages

MIN_GOLD = 5
NEVER = 9.0
SHARED = "*"


@dataclass
class _Page:
    document_id: str
    page: int
    text: str


@dataclass(frozen=True)
class Ranked:
    """A cell as the finder ranks it: its best score and the outcome if it answers."""

    contract: str
    kind: str
    score: float
    answered: str  # the outcome when the finder answers with its quotes
    gold: bool


def rank_cells(bench: ReviewBench, finder: ClauseFinder) -> list[Ranked]:
    """Every cell of the bench with the finder's best score (no threshold applied)."""
    out = []
    for contract in bench.contracts:
        pages = [_Page(contract.name, p.number, p.text) for p in read_pages(contract.pdf)]
        structure = read_contract([p.text for p in pages])
        found = finder.find(pages, bench.categories, structure)
        for kind in bench.categories:
            f, gold = found[kind], contract.gold.get(kind, [])
            quotes = [s.text for s in f.quotes]
            out.append(Ranked(contract.name, kind, f.score, outcome(quotes, gold), bool(gold)))
    return out


def counts(cells: Iterable[Ranked], limits: dict[str, float]) -> Counts:
    """The cells' counts when each kind answers at or over its threshold."""
    total = Counts()
    for c in cells:
        if c.score >= limits.get(c.kind, limits[SHARED]):
            total.add(c.answered)
        else:
            total.add("fn" if c.gold else "tn")
    return total


def fit(cells: list[Ranked], rounds: int = 3) -> dict[str, float]:
    """Thresholds maximising the cells' F1: per kind, one shared by the rare kinds."""
    kinds = sorted({c.kind for c in cells})
    sourced = {k for k, v in clause_kinds().items() if v.source}
    gold = {k: sum(c.gold for c in cells if c.kind == k) for k in kinds}
    groups = [[k] for k in kinds if gold[k] >= MIN_GOLD or k in sourced]
    groups.append([k for k in kinds if gold[k] < MIN_GOLD and k not in sourced])
    limits = {k: NEVER for k in kinds} | {SHARED: NEVER}
    for _ in range(rounds):
        for group in groups:
            names = set(group) | ({SHARED} if group is groups[-1] else set())
            options = sorted({round(c.score, 4) for c in cells if c.kind in names}) + [NEVER]
            best = (-1.0, NEVER)
            for t in options:
                f1 = counts(cells, limits | {n: t for n in names}).f1
                if f1 > best[0] + 1e-9:
                    best = (f1, t)
            limits.update({n: best[1] for n in names})
    rare = groups[-1]
    return {k: v for k, v in limits.items() if k not in rare}


def fit_reader(cells: list[Ranked]) -> dict[str, float]:
    """Per kind a plain question asks about, the threshold that answers most questions
    right: the clause cited where there is one, "not found" where there is none (a
    reader's answer is right or wrong, so accuracy, not F1)."""
    asked = {k for k, v in clause_kinds().items() if v.ask is not None}
    limits = {}
    for kind in sorted(asked):
        mine = [c for c in cells if c.kind == kind]
        options = sorted({round(c.score, 4) for c in mine}) + [NEVER]
        limits[kind] = max(options, key=lambda t: (_right(mine, t), -t))
    return limits


def _right(cells: list[Ranked], t: float) -> int:
    return sum(c.answered == "tp" if c.score >= t else not c.gold for c in cells)


def two_fold(cells: list[Ranked]) -> Counts:
    """Fitted on every other contract, scored on the rest, both ways, summed."""
    names = sorted({c.contract for c in cells})
    total = Counts()
    for fold in (0, 1):
        held = set(names[fold::2])
        limits = fit([c for c in cells if c.contract not in held])
        part = counts([c for c in cells if c.contract in held], limits)
        for f in ("tp", "fp", "fn", "tn"):
            setattr(total, f, getattr(total, f) + getattr(part, f))
    return total


def reader_two_fold(cells: list[Ranked]) -> tuple[int, int]:
    """The reader's questions right (of all) with thresholds fitted on the other half."""
    names = sorted({c.contract for c in cells})
    asked = [c for c in cells if clause_kinds()[c.kind].ask is not None]
    right = 0
    for fold in (0, 1):
        held = set(names[fold::2])
        limits = fit_reader([c for c in asked if c.contract not in held])
        for c in (c for c in asked if c.contract in held):
            right += _right([c], limits[c.kind])
    return right, len(asked)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="save the thresholds")
    args = parser.parse_args()
    bench = load()
    cells = rank_cells(bench, ClauseFinder(LocalEmbedder(), limits={SHARED: -NEVER}))
    limits, reader = fit(cells), fit_reader(cells)
    fitted, check = counts(cells, limits), two_fold(cells)
    print(f"fitted on the half: F1 {fitted.f1:.3f} ({fitted})")
    print(f"two-fold check: F1 {check.f1:.3f} ({check})")
    right, asked = reader_two_fold(cells)
    fitted_right = sum(_right([c], reader[c.kind]) for c in cells if c.kind in reader)
    print(f"reader questions right, fitted: {fitted_right}/{asked}; two-fold check:"
          f" {right}/{asked} = {right / asked:.3f}")  # fmt: skip
    if args.write:
        body = {
            "fitted_on": "../shared/data/benchmarks/cuad (40 contracts), python -m eval.review.fit",
            "f1_fitted": round(fitted.f1, 3),
            "f1_two_fold": round(check.f1, 3),
            "thresholds": {k: round(v, 4) for k, v in sorted(limits.items())},
            "reader": {k: round(v, 4) for k, v in sorted(reader.items())},
        }
        THRESHOLDS_FILE.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {THRESHOLDS_FILE}")


if __name__ == "__main__":
    main()
