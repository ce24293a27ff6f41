"""A cited quote lands on a gold clause when they share enough words, by the rule of the
CUAD benchmark's manifest: at least 3 shared lower-cased alphanumeric words (counted with
multiplicity; all of a gold clause shorter than that), and at least half of the shorter."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> Counter[str]:
    return Counter(_WORD.findall(text.lower()))


def overlaps(quote: str, gold: str) -> bool:
    q, g = _words(quote), _words(gold)
    shared = sum((q & g).values())
    need = min(3, sum(g.values()))
    return shared >= max(need, 1) and shared >= min(sum(q.values()), sum(g.values())) / 2


def lands(quotes: Iterable[str], gold: Iterable[str]) -> bool:
    """Whether any quote overlaps any gold clause."""
    return any(landing(quotes, gold))


def landing(quotes: Iterable[str], gold: Iterable[str]) -> list[bool]:
    """For each quote, whether it overlaps a gold clause."""
    golds = list(gold)
    return [any(overlaps(q, g) for g in golds) for q in quotes]
