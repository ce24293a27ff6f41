"""The cell rule of MANIFEST.md §3, and evidence recall.

A quote overlaps a gold clause when the words they share (lower-cased alphanumeric runs,
counted with multiplicity) are at least 3 (or all of a gold clause shorter than that) and
at least half of the shorter of the two. A cell with a gold clause is right (TP) when a
cited quote overlaps one; otherwise it is a false negative, and its quotes, if any, a
false positive too. Quotes on a clause-less cell are a false positive; none there is a
true negative. F1 = 2TP / (2TP + FP + FN) over all cells.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> Counter[str]:
    """The text's lower-cased alphanumeric words, with their counts."""
    return Counter(_WORD.findall(text.lower()))


def overlaps(quote: str, gold: str) -> bool:
    """Whether `quote` overlaps the gold clause by the MANIFEST's rule."""
    q, g = words(quote), words(gold)
    nq, ng = sum(q.values()), sum(g.values())
    if not nq or not ng:
        return False
    shared = sum((q & g).values())
    return shared >= min(3, ng) and shared >= 0.5 * min(nq, ng)


def contains(passage: str, gold: str) -> bool:
    """Whether a passage holds the gold clause: at least half of its words (PDF text and
    CUAD's text differ in hyphens, headers and line breaks, so not verbatim)."""
    p, g = words(passage), words(gold)
    ng = sum(g.values())
    return ng > 0 and sum((p & g).values()) >= max(min(3, ng), 0.5 * ng)


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, outcome: str) -> None:
        """Count one cell's outcome ("tp", "fp", "fn", "fp+fn" or "tn")."""
        for part in outcome.split("+"):
            setattr(self, part, getattr(self, part) + 1)

    @property
    def f1(self) -> float:
        denominator = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denominator if denominator else 1.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def outcome(quotes: Sequence[str], gold: Sequence[str]) -> str:
    """The cell's outcome: "tp", "fn", "fp+fn" (gold, but the quotes miss it), "fp" or "tn"."""
    if gold:
        if any(overlaps(q, g) for q in quotes for g in gold):
            return "tp"
        return "fp+fn" if quotes else "fn"
    return "fp" if quotes else "tn"


def evidence(passages: Iterable[str], gold: Sequence[str]) -> bool:
    """Whether some passage holds some gold clause of the cell."""
    texts = list(passages)
    return any(contains(p, g) for p in texts for g in gold)


def tally(outcomes: Iterable[str]) -> Counts:
    """The counts of many cells' outcomes."""
    counts = Counts()
    for o in outcomes:
        counts.add(o)
    return counts
