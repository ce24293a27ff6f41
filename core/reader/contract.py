"""A contract's structure read from its page texts: preamble, parties, defined terms,
numbered sections with their headings, and signature blocks.

Contracts are written to a shape: a preamble names the parties ("by and between X, a
Delaware corporation ("X") and Y ...") before the recitals; clauses are numbered
("12.", "12.3", "Article 4", "Section 5.") and headed ("Governing Law."); terms are
defined in quotes ("Effective Date" means ...; (the "Company")); execution ends in
signature blocks ("IN WITNESS WHEREOF", "By:", "Name:", "Title:"). Every location is an
offset into one page text (`Span`), so whatever the reader quotes is verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from core.reader.parties import Party, preamble_end, preamble_start, read_parties


@dataclass
class Span:
    page: int  # index into the page list the structure was read from (0-based)
    start: int
    end: int


@dataclass
class Section:
    number: str  # "12", "12.3", "1.A", "IV"; "" for an unnumbered capitalised heading
    heading: str  # "Governing Law"
    level: int  # 1 for "12" or "Article 4", 2 for "12.3" or "A.", ...
    page: int
    start: int  # where the heading starts on its page
    body: int  # where its body starts on the same page


@dataclass
class Contract:
    preamble: Span | None = None
    parties: list[Party] = field(default_factory=list)
    terms: dict[str, Span] = field(default_factory=dict)  # defined term -> where it is defined
    sections: list[Section] = field(default_factory=list)
    signatures: list[Span] = field(default_factory=list)

    @property
    def is_contract(self) -> bool:
        """Read as a contract: a preamble, and parties it defines or signature blocks (an
        essay, a report or a statute has neither)."""
        return self.preamble is not None and bool(self.parties or self.signatures)

    def to_dict(self) -> dict:
        """A JSON-ready form, stored next to the page texts."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Contract:
        """The inverse of `to_dict`."""
        pre = data.get("preamble")
        return cls(
            preamble=Span(**pre) if pre else None,
            parties=[Party(**p) for p in data.get("parties", [])],
            terms={k: Span(**v) for k, v in data.get("terms", {}).items()},
            sections=[Section(**s) for s in data.get("sections", [])],
            signatures=[Span(**s) for s in data.get("signatures", [])],
        )

    def body(self, index: int, pages: Sequence[str]) -> list[Span]:
        """The text of section `index`, after its heading, up to the next heading of the
        same or a higher level (sub-clauses belong to it), as one span per page."""
        sec = self.sections[index]
        stop = next(
            (s for s in self.sections[index + 1 :] if s.level <= sec.level),
            None,
        )
        end_page, end_off = (stop.page, stop.start) if stop else (len(pages) - 1, None)
        spans = []
        for page in range(sec.page, min(end_page, len(pages) - 1) + 1):
            start = sec.body if page == sec.page else 0
            end = end_off if page == end_page and end_off is not None else len(pages[page])
            if end > start and pages[page][start:end].strip():
                spans.append(Span(page, start, end))
        return spans


_NUMBER = r"(?:\d{1,3}(?:\.\d{1,3})*|[IVX]{1,6}|[A-Z])"
_HEADING = re.compile(
    rf"^(?P<lead>[ \t\xa0]*(?:(?:ARTICLE|Article|SECTION|Section)[ \t\xa0]+)?)"
    rf"(?P<num>{_NUMBER}(?:\.[A-Z0-9]{{1,3}})*)(?:\.|\))?[ \t\xa0]+"
    r"(?P<title>[A-Z][^\n]{0,90}?)(?P<stop>[.:](?=[ \t\xa0]|$)|$)",
    re.MULTILINE,
)
_CAPS_LINE = re.compile(
    r"^[ \t\xa0]*(?P<title>[A-Z][A-Z&,;'’\- \t\xa0]{2,60}?)\.?[ \t\xa0]*$", re.M
)
_SMALL = frozenset("a an and as by for from in of on or the to with under upon its".split())
_LEADER = re.compile(r"(?:[ .\xa0]*\.{2,}|(?:\s\.){2,})[ .\xa0]*\d*$|[ \t\xa0]+\d{1,3}$")
_TERM = re.compile(
    r"[“\"]([A-Z][^”\"\n]{0,60}?)[”\"]\s*(?:\)|(?:shall\s+)?means?\b|shall\s+have\s+the\s+meaning"
    r"|-\s)"
)
_SIGNATURE = re.compile(
    r"^[ \t\xa0]*(?:By|Name|Title|Date|Signature|Signed|Witness(?:es)?)[ \t\xa0]*:?"
    r"|/s/|IN\s+WITNESS\s+WHEREOF|For\s+and\s+on\s+behalf\s+of",
    re.MULTILINE | re.IGNORECASE,
)


_SIGNATURE_GAP = 300


def read_contract(pages: Sequence[str]) -> Contract:
    """The structure of a contract whose page texts are `pages` (in order)."""
    contract = Contract(sections=_sections(pages), terms=_terms(pages))
    found = preamble_start(pages)
    if found is not None:
        page, start = found
        end = preamble_end(pages[page], start)
        contract.preamble = Span(page, start, end)
        contract.parties = read_parties(pages[page][start:end], page, start)
    contract.signatures = _signatures(pages)
    return contract


def _sections(pages: Sequence[str]) -> list[Section]:
    found: list[Section] = []
    for page, text in enumerate(pages):
        for m in _HEADING.finditer(text):
            title = _title(m.group("title"))
            closed = m.group("stop") != "" or len(title.split()) <= 8
            if not title or not closed or not _opens_line(text, m.start()):
                continue
            lead, num = m.group("lead").strip(), m.group("num")
            level = 1 if lead.lower() == "article" else num.count(".") + 1
            if not lead and len(num) == 1 and num.isalpha() and num not in "IVX":
                level = 2  # "A. Term." inside a numbered clause
            found.append(Section(num, title, level, page, m.start(), m.end()))
        for m in _CAPS_LINE.finditer(text):
            title = _title(m.group("title"))
            if title and len(title.split()) <= 6 and _opens_line(text, m.start()):
                if not any(s.page == page and s.start <= m.start() < s.body for s in found):
                    found.append(Section("", title, 1, page, m.start(), m.end()))
    found.sort(key=lambda s: (s.page, s.start))
    return found


def _title(raw: str) -> str:
    """The heading text, or "" when the words after the number are a sentence, not a title."""
    title = _LEADER.sub("", " ".join(raw.split())).strip(" .:")
    words = title.split()
    if not words or len(words) > 12 or title.endswith(","):
        return ""
    content = [w for w in words if w.lower() not in _SMALL]
    capital = sum(1 for w in content if w[0].isupper() or w[0].isdigit())
    return title if content and capital >= 0.75 * len(content) else ""


def _opens_line(text: str, at: int) -> bool:
    """Whether a heading at `at` begins a paragraph: the line before it is blank or closed."""
    prev_end = text.rfind("\n", 0, at)
    if prev_end < 0:
        return True
    line = text[text.rfind("\n", 0, prev_end) + 1 : prev_end].strip(" \t\xa0")
    return not line or line[-1] in ".:;!?)]\"'”" or line.isupper() or _LEADER.search(line)


def _terms(pages: Sequence[str]) -> dict[str, Span]:
    terms: dict[str, Span] = {}
    for page, text in enumerate(pages):
        for m in _TERM.finditer(text):
            term = " ".join(m.group(1).split())
            if term not in terms and len(term.split()) <= 6:
                start = max(text.rfind(". ", 0, m.start()) + 2, text.rfind("\n\n", 0, m.start()))
                terms[term] = Span(page, max(start, 0), m.end())
    return terms


def _signatures(pages: Sequence[str]) -> list[Span]:
    """Signature blocks: clusters of signature lines ("By:", "Name:", "/s/" ...), each
    from a few lines above its first (the signing party) to the end of its last."""
    blocks: list[Span] = []
    for page, text in enumerate(pages):
        hits = list(_SIGNATURE.finditer(text))
        clusters: list[list[re.Match[str]]] = []
        for m in hits:
            if clusters and m.start() - clusters[-1][-1].end() <= _SIGNATURE_GAP:
                clusters[-1].append(m)
            else:
                clusters.append([m])
        for group in (g for g in clusters if len(g) >= 2):
            start = group[0].start()
            for _ in range(3):  # the party's name sits just above "By:"
                start = max(text.rfind("\n", 0, max(start - 1, 0)), 0)
            end = text.find("\n", group[-1].end())
            blocks.append(Span(page, start, end if end >= 0 else len(text)))
    return blocks
