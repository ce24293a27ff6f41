"""Answer types: what kind of value a question asks for, and whether a sentence holds one.

"When ...?" wants a date, "how long ...?" a duration, "how much ...?" an amount, "who are
the parties?" names of organisations. Sentences holding such a value are added to the
reader's candidates and ranked up; a question of no known type is left to BM25 alone.
"""

from __future__ import annotations

import re

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE = re.compile(
    # March 24, 2006 | the 18th day of April 2000 | 03/24/06
    rf"\b{_MONTH}\s+\d{{1,2}}(?:\s*(?:st|nd|rd|t\s?h))?,?\s+\d{{4}}\b"
    rf"|\b\d{{1,2}}(?:\s*(?:st|nd|rd|th))?\s+(?:day\s+of\s+)?{_MONTH},?\s+\d{{4}}\b"
    r"|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b",
    re.IGNORECASE,
)
_DURATION = re.compile(
    r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|thirty|sixty|ninety"
    r"|[a-z-]+\s+\(\d+\))\s+(?:business\s+|calendar\s+)?(?:days?|weeks?|months?|years?)\b",
    re.IGNORECASE,
)
_MONEY = re.compile(
    r"[$€£]\s?\d|\b(?:us\$|usd|eur|gbp)\s?\d|\b\d[\d,.]*\s+(?:dollars|euros)\b", re.IGNORECASE
)
_ORG = re.compile(
    r"\b(?:inc|llc|ltd|limited|corp(?:oration)?|company|gmbh|ag|s\.a|plc|l\.p|n\.v|b\.v)\b\.?",
    re.IGNORECASE,
)
_BETWEEN = re.compile(r"\b(?:between|among)\b", re.IGNORECASE)

_QUESTION_TYPES = (  # first match wins
    ("party", re.compile(r"\bparties\b|\bwho\b.*\b(?:sign|part(?:y|ies)|enter)", re.I)),
    ("duration", re.compile(r"\bhow long\b", re.I)),
    ("date", re.compile(r"\bwhen\b|\bwhat date\b|\bdated?\b", re.I)),
    ("money", re.compile(r"\bhow much\b|\b(?:amount|fees?|price|cost|payment)\b", re.I)),
    ("duration", re.compile(r"\b(?:period|duration|term)\b", re.I)),
)
# A term "expires" at a date, or after a duration: either answers.
_TERM = re.compile(r"\b(?:term|expire\w*|expiration|until|last)\b", re.I)


def question_types(question: str) -> frozenset[str]:
    """The kinds of value the question asks for (empty: no known kind)."""
    for name, pattern in _QUESTION_TYPES:
        if pattern.search(question):
            if name == "date" and _TERM.search(question):
                return frozenset({"date", "duration"})
            return frozenset({name})
    return frozenset()


def holds(kinds: frozenset[str], sentence: str) -> bool:
    """Whether the sentence contains a value of one of those kinds."""
    return any(_HOLDS[kind](sentence) for kind in kinds)


def _party(sentence: str) -> bool:
    return len(_ORG.findall(sentence)) >= 2 and _BETWEEN.search(sentence) is not None


_HOLDS = {
    "date": lambda s: _DATE.search(s) is not None,
    "duration": lambda s: _DURATION.search(s) is not None,
    "money": lambda s: _MONEY.search(s) is not None,
    "party": _party,
}
