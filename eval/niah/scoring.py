"""Deterministic answer scoring: were the required facts stated, was a distractor taken?

A fact is a set of key terms (Porter-stemmed, so "eating" meets "eat"; `a|b` lists
alternatives) and numbers (normalised by eval/common/scoring.py, so "$4,217,000",
"4.217 million" and "4217000" are one value). A distractor is a value that must not
appear: an answer that gives it scores 0, even if it also gives the right one, since it
did not choose.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from core.text.lexical import terms
from eval.common.scoring import numbers


def _stems(text: str) -> set[str]:
    return set(terms(text))


@dataclass(frozen=True)
class Fact:
    """One thing the answer must state: key terms (`a|b` = either) and exact numbers."""

    label: str
    terms: tuple[str, ...] = ()
    numbers: tuple[float, ...] = ()

    def found_in(self, answer: str) -> bool:
        """True when every key term (any alternative) and every number is in `answer`."""
        stems, values = _stems(answer), numbers(answer)
        for term in self.terms:
            options = (_stems(option) for option in term.split("|"))
            if not any(option and option <= stems for option in options):
                return False
        return all(any(abs(v - n) <= 1e-6 * max(1, abs(n)) for v in values) for n in self.numbers)


@dataclass(frozen=True)
class Distractor:
    """A near-miss value the answer must not give (terms and/or numbers, all must match)."""

    label: str
    terms: tuple[str, ...] = ()
    numbers: tuple[float, ...] = ()

    def given_in(self, answer: str) -> bool:
        """True when `answer` states this value (every term and number)."""
        return Fact(self.label, self.terms, self.numbers).found_in(answer)


@dataclass
class Score:
    """Fraction of required facts stated (0 when a distractor was given)."""

    score: float
    found: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    distractor_hit: bool = False


def score_answer(
    answer: str, facts: Sequence[Fact], distractors: Iterable[Distractor] = ()
) -> Score:
    """Score an answer against its required facts and the distractors it must avoid."""
    found = [f.label for f in facts if f.found_in(answer)]
    missing = [f.label for f in facts if f.label not in found]
    hit = any(d.given_in(answer) for d in distractors)
    value = 0.0 if hit or not facts else len(found) / len(facts)
    return Score(score=value, found=found, missing=missing, distractor_hit=hit)


def cites_page(citations: Iterable[dict], document_id: str, pages: Iterable[int]) -> bool:
    """True when some citation points at `document_id` on one of `pages`."""
    wanted = set(pages)
    return any(
        c.get("document_id") == document_id and c.get("page") in wanted for c in citations or ()
    )


def overlap(question: str, needle: str) -> set[str]:
    """Content-word stems a question shares with a needle (the low-overlap suite wants none)."""
    return _stems(question) & _stems(needle)
