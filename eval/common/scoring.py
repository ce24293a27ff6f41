"""Deterministic text matching the evals share: numbers stated in an answer, and whether
an answer quotes a gold clause.

Numbers are normalised, so "$4,217,000", "4.217 million", "4217000" and "four million
two hundred seventeen thousand" are one value (the NIAH facts and LaRA's golds use it).
A clause counts as quoted when six words in a row are shared, or when a short gold text
(under six words) appears verbatim (CUAD's annotated clauses; bench/ and tests/ use it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_SCALES = {
    "thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mm": 1e6, "mn": 1e6,
    "billion": 1e9, "bn": 1e9, "b": 1e9, "trillion": 1e12,
}  # fmt: skip
_NUMBER = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:\s?(thousand|million|billion|trillion|"
    r"mm|mn|bn|k|m|b)\b)?",
    re.IGNORECASE,
)
_UNITS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
        " fifteen sixteen seventeen eighteen nineteen".split()
    )
}
_TENS = {
    w: 10 * i
    for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)
}  # noqa: E501
_WORD_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_WORDS = re.compile(r"[a-z]+", re.IGNORECASE)
_ALNUM = re.compile(r"[a-z0-9]+")


def numbers(text: str) -> set[float]:
    """Every numeric value stated in `text`, in digits or in words, scale words applied."""
    found = set()
    for match in _NUMBER.finditer(text):
        whole, frac, scale = match.groups()
        value = float(whole.replace(",", "") + (frac or ""))
        found.add(round(value * _SCALES.get((scale or "").lower(), 1), 6))
    found.update(_word_numbers(text))
    return found


def _word_numbers(text: str) -> set[float]:
    """'one hundred thirty-seven' -> 137; runs of number words read as one value."""
    found, total, current, active = set(), 0, 0, False
    for word in _WORDS.findall(text.replace("-", " ").lower()) + ["."]:
        if word in _UNITS or word in _TENS:
            current += _UNITS.get(word, 0) + _TENS.get(word, 0)
            active = True
        elif word == "hundred" and active:
            current *= 100
        elif word in _WORD_SCALES and active:
            total += current * _WORD_SCALES[word]
            current = 0
        elif word == "and" and active:
            continue
        else:
            if active:
                found.add(float(total + current))
            total, current, active = 0, 0, False
    return found


def folded(text: str) -> str:
    """Lower-cased, runs of white space as one space: for verbatim containment."""
    return " ".join(text.lower().split())


def _words(text: str) -> list[str]:
    return _ALNUM.findall(text.lower())


def quotes_clause(answer: str, spans: Iterable[str], n: int = 6) -> bool:
    """True when `answer` shares `n` words in a row with one of the gold `spans`, or holds
    verbatim a span shorter than `n` words."""
    words = _words(answer)
    grams = {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}
    for span in spans:
        w = _words(span)
        if len(w) < n and folded(span) in folded(answer):
            return True
        if any(tuple(w[i : i + n]) in grams for i in range(len(w) - n + 1)):
            return True
    return False
