"""A cell's typed value read from the words it quotes, for the offline reader, which
quotes and never writes: a date as it is written ("December 18, 1998", "12/18/1998") as
an ISO date, a number, one of an enum's values named in the quote, or the quote itself."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from query.reviews.fields import Field

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        "january february march april may june july august september october november"
        " december".split()
    )
}
_MONTH = r"(?P<month>" + "|".join(_MONTHS) + r")"
_DATES = (
    re.compile(rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})\b", re.I),
    re.compile(
        rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:day\s+of\s+)?{_MONTH},?\s+(?P<year>\d{{4}})\b",
        re.I,
    ),
    re.compile(r"\b(?P<m>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{4})\b"),
)
# "the laws of the State of New York", "the laws of England and Wales", "Delaware law"
_LAW = re.compile(
    r"\blaws?\s+of\s+(?:the\s+)?(?:(?:State|Commonwealth|Province|Republic)\s+of\s+)?"
    r"(?P<place>(?:[A-Z][\w.'-]*)(?:\s+(?:and\s+)?[A-Z][\w.'-]*){0,3}"
    r"(?:\s+of\s+[A-Z]\w+)?)"
    r"|\b(?P<adj>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)\s+law\b"
)
_NOT_PLACE = frozenset({"United", "The", "This", "Such", "Applicable", "Governing", "Federal"})
_GOVERNING = re.compile(r"\bgovern\w*\s+law|\bwhich\s+state", re.I)
_NUMBER = re.compile(r"(?<![\w.])\$?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?")
MAX_TEXT = 300


def value_of(field: Field, found: bool, quotes: Sequence[str]) -> Any:
    """The value `field` takes from `quotes` (a boolean: whether the clause was found);
    None where the quotes do not state one."""
    if field.type == "boolean":
        return found
    if not found or not quotes:
        return None
    text = " ".join(" ".join(q.split()) for q in quotes)
    if field.type == "text" and _GOVERNING.search(f"{field.name} {field.question}"):
        return governing_law(text) or text[:MAX_TEXT]
    if field.type == "date":
        return first_date(text)
    if field.type == "number":
        match = _NUMBER.search(text)
        return float(match.group(0).lstrip("$").replace(",", "")) if match else None
    if field.type == "enum":
        named = [v for v in field.values if re.search(rf"\b{re.escape(v)}\b", text, re.I)]
        return named[0] if len(named) == 1 else None
    if field.type == "list":
        return [" ".join(q.split())[:MAX_TEXT] for q in quotes]
    return text[:MAX_TEXT]


def first_date(text: str) -> str | None:
    """The first date written in `text`, as YYYY-MM-DD; None if there is none."""
    found = []
    for pattern in _DATES:
        for m in pattern.finditer(text):
            groups = m.groupdict()
            month = _MONTHS[groups["month"].lower()] if groups.get("month") else int(groups["m"])
            try:
                day = date(int(groups["year"]), month, int(groups["day"]))
            except ValueError:
                continue
            found.append((m.start(), day))
    return min(found)[1].isoformat() if found else None


def governing_law(text: str) -> str | None:
    """The state or country whose laws the text names ("New York", "England and Wales")."""
    for m in _LAW.finditer(text):
        place = (m.group("place") or m.group("adj") or "").strip(" .,")
        if place and place.split()[0] not in _NOT_PLACE:
            return place
        if place.startswith("United States"):
            return "United States"
    return None
