"""Deterministic text matching the evals share: the numbers stated in an answer.

Numbers are normalised, so "$4,217,000", "4.217 million", "4217000" and "four million
two hundred seventeen thousand" are one value (the NIAH facts and LaRA's golds use it).
"""

from __future__ import annotations

import re

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
