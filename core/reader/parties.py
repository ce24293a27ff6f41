"""The preamble of a contract and the parties it names.

The preamble is the opening that says who agrees: "This Agreement ... is entered into
... by and between A, a Delaware corporation ("A"), and B ("B")", a cover layout
("AGREEMENT / between / A / and / B"), a letter ("... hereby confirm their agreement
with B"), or labelled parties ("Party A: ..."). Of the candidates in the first pages, the
one that defines the most parties wins (a cover page lists names; the preamble on a
later page defines them). It ends where the recitals or the first clause begin.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_SEARCH_PAGES = 10
_MAX_CHARS = 2500

_ANCHOR = re.compile(
    r"\b(?:agreement|amendment|contract|addendum)\b[^.;]{0,400}?"
    r"\b(?:by\s+and\s+between|by\s+and\s+among|between\s+and\s+among|between|among)\b"
    r"|\bconfirms?\s+(?:their|its|our)\s+agreement\s+with\b"
    r"|^[ \t\xa0]*Party\s+[A-Z1-9]\s*:",
    re.IGNORECASE | re.MULTILINE,
)
_END = re.compile(
    r"^[ \t\xa0]*(?:WHEREAS|Whereas|W\s?I\s?T\s?N\s?E\s?S\s?S\s?E\s?T\s?H|WITNESSETH|RECITALS"
    r"|R\s?E\s?C\s?I\s?T\s?A\s?L\s?S|Recitals|BACKGROUND|Background|PREAMBLE|Preamble"
    r"|NOW,?\s+THEREFORE|Now,?\s+therefore|Capitalized\s+terms|1\.?[ \t\xa0]+[A-Z])",
    re.MULTILINE,
)
# (“X”), (the “X” or “Y”), (hereinafter “X”), hereinafter referred to as "X" / as X —
_ROLE = re.compile(
    r"\((?:hereinafter(?:\s+(?:referred\s+to\s+as|called))?,?\s*)?(?:the\s+)?[“\"]"
    r"(?P<a>[^”\"\n]{1,40})[”\"](?:\s*(?:or|and|,)\s*(?:the\s+)?[“\"](?P<b>[^”\"\n]{1,40})[”\"])?"
    r"\s*\)"
    r"|hereinafter\s+(?:referred\s+to\s+as|called)\s+(?:the\s+)?(?:[“\"](?P<c>[^”\"\n]{1,40})[”\"]"
    r"|(?P<d>[A-Z][\w’'&.\- ]{0,38}?)[ \t\xa0]*(?=[—–)\-,]|\n|$))",
    re.MULTILINE,
)
_NOT_ROLE = re.compile(r"agreement|amendment|date|part(?:y|ies)\b|term\b", re.IGNORECASE)
_LABEL = re.compile(r"^[ \t\xa0]*(?P<role>Party\s+[A-Z1-9])\s*:\s*(?P<name>[^\n]*)", re.MULTILINE)
_BOUNDARY = re.compile(
    r"\b(?:by\s+and\s+between|by\s+and\s+among|between|among|and|with)\b[:\s]*|[,;]\s+|\)\s*|^",
    re.MULTILINE,
)
_STRONG = re.compile(r"\b(?:between|among|and|with)\b:?|^[ \t\xa0]*AND[ \t\xa0]*$", re.MULTILINE)
_WEAK = re.compile(r",[ \t\xa0]+|^", re.MULTILINE)
_GENERIC = frozenset("Parties Party This The That AND And WHEREAS Agreement A An".split())
_SUFFIX = re.compile(
    r"^(?:Inc|Incorporated|LLC|L\.L\.C|Ltd|Limited|Corp|Corporation|Co|Company|GmbH|AG|S\.A|SA|plc"
    r"|L\.P|LP|N\.V|B\.V|LLP|S\.A\.S|SpA|S\.p\.A|Pty|KG|AB|A/S|Aktiengesellschaft|Bhd)\b\.?,?$",
    re.IGNORECASE,
)


@dataclass
class Party:
    name: str  # as written in the preamble: "Allscripts Healthcare, LLC"
    roles: list[str]  # the defined names it goes by: ["Company", "Phreesia"]
    page: int
    start: int  # where the name starts on its page


def preamble_start(pages: Sequence[str]) -> tuple[int, int] | None:
    """(page index, offset) of the preamble: the candidate defining the most parties."""
    best: tuple[int, int, int] | None = None  # (parties, -page, -offset) ordering below
    where: tuple[int, int] | None = None
    for page, text in enumerate(pages[:_SEARCH_PAGES]):
        for m in _ANCHOR.finditer(text):
            start = _line_start(text, m.start())
            end = preamble_end(text, start)
            found = len(read_parties(text[start:end], page, start))
            if found >= 2:  # the first preamble naming two parties is the one
                return page, start
            key = (found, -page, -start)
            if best is None or key > best:
                best, where = key, (page, start)
    return where


def preamble_end(text: str, start: int) -> int:
    """Where the preamble starting at `start` stops: recitals, "NOW, THEREFORE", clause 1."""
    first_line = text.find("\n", start)
    m = _END.search(text, first_line if first_line > 0 else start)
    end = m.start() if m else len(text)
    return min(end, start + _MAX_CHARS)


def read_parties(text: str, page: int, offset: int) -> list[Party]:
    """The parties a preamble defines: each role in parentheses (or "hereinafter referred
    to as") with the name written just before it; or "Party A: name" labels."""
    parties: list[Party] = []
    for m in _LABEL.finditer(text):
        name, at = m.group("name").strip(" \t\xa0"), m.start("name")
        if not name:  # the name is on the next non-blank line
            rest = text[m.end() :]
            line = next((ln for ln in rest.split("\n") if ln.strip(" \t\xa0")), "")
            name, at = line.strip(" \t\xa0"), m.end() + rest.find(line)
        if name:
            parties.append(Party(_clip(name), [m.group("role")], page, offset + at))
    if parties:
        return parties
    prev = 0
    for m in _ROLE.finditer(text):
        roles = [" ".join(r.split()) for r in m.group("a", "b", "c", "d") if r]
        roles = [r for r in roles if not _NOT_ROLE.search(r)]
        name_at = _name(text, prev, m.start())
        prev = m.end()
        if not roles or name_at is None:
            continue
        name, at = name_at
        same = next((p for p in parties if p.name == name), None)
        if same:
            same.roles += [r for r in roles if r not in same.roles]
        else:
            parties.append(Party(name, roles, page, offset + at))
    return parties


def _name(text: str, lo: int, hi: int) -> tuple[str, int] | None:
    """The name written just before a role, between the previous role and this one.

    Names open a clause ("between X", "and X", ", X" after an address): of the
    capitalised runs that open one, the nearest ending in a corporate suffix ("Inc.",
    "LLC", "GmbH") wins; failing that, the first after the last "between"/"and"."""
    segment = text[lo:hi]
    strong = [m.end() for m in _STRONG.finditer(segment)] or [0]
    weak = [m.end() for m in _WEAK.finditer(segment)]
    runs = [(at, _run(segment[at:])) for at in sorted(set(strong + weak))]
    runs = [(at, r) for at, r in runs if r]
    suffixed = [(at, r) for at, r in runs if _suffixed(r)]
    if suffixed:
        at, name = suffixed[-1]
        # A wrapped line ("FIDELITY\nINVESTMENTS ... INC.") also starts a run: keep the
        # longest run that ends the same way.
        at, name = next((a, r) for a, r in suffixed if r.endswith(name))
    elif runs:
        at, name = next(((a, r) for a, r in runs if a >= strong[0]), runs[0])
    else:
        return None
    return name, lo + at + (len(segment[at:]) - len(segment[at:].lstrip()))


def _suffixed(name: str) -> bool:
    words = name.split()
    return len(words) >= 2 and _SUFFIX.match(words[-1]) is not None


def _run(segment: str) -> str:
    """The capitalised words opening `segment`: "Phreesia, Inc." of "Phreesia, Inc., a ..."."""
    out: list[str] = []
    newline = False
    for token in re.findall(r"\n|[^\s]+", segment.lstrip(" \t\xa0\n")):
        if token == "\n":
            newline = True
            continue
        bare = token.strip("(),;:")
        if not bare:
            break
        if out and out[-1].endswith(",") and not _SUFFIX.match(bare):
            break
        if out and newline and _SUFFIX.match(out[-1].strip(",")):
            break  # a name that ended in "Inc." does not go on to the address line
        capital = bare[0].isupper() or (len(bare) > 1 and bare[1].isupper())
        joiner = bare in ("&", "de", "du", "von", "van", "der", "\u00ab", "\u00bb")
        digit = bare[0].isdigit() and len(bare) <= 3 and bool(out) and not newline
        if not (capital or joiner or digit):
            break
        if not out and (bare in _GENERIC or token[0] in "“\"'"):
            break
        out.append(token.rstrip(";:"))
        newline = False
    name = " ".join(out).rstrip(",")
    return name if sum(c.isalpha() for c in name) >= 2 else ""


def _clip(name: str) -> str:
    return " ".join(name.split(",")[0:2]).strip() if len(name) > 80 else name


def _line_start(text: str, at: int) -> int:
    """The start of the paragraph holding `at`: back over wrapped lines, not past a blank
    line, a salutation ("Ladies and Gentlemen:") or a title in capitals."""
    start = text.rfind("\n", 0, at) + 1
    while start > 0 and at - start < 800:
        prev = text.rfind("\n", 0, start - 1) + 1
        line = text[prev : start - 1].strip(" \t\xa0")
        if not line or line.endswith((":", ".")) or line.isupper():
            break
        start = prev
    return start
