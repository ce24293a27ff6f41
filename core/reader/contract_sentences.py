"""The reader's use of contract structure: which sentences answer a contract question.

Parties come from the preamble (or, when it only says "the Parties signatory hereto",
the signature blocks); the agreement date from the preamble and the signature dates;
the effective date from the preamble, the "Effective Date" definition and the clause
saying when the agreement becomes effective; a summary of a clause from the body of
the sections whose heading names it; any other contract question ranks up sentences
in those sections and sentences worded like the clause.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.reader.answer_types import holds
from core.reader.contract import Contract, Span, read_contract
from core.reader.questions import Kind
from core.reader.sentences import Sentence

MAX_SECTION_SENTENCES = 8
_DATE = frozenset({"date"})
_TAKES_EFFECT = re.compile(
    r"\b(?:become|becomes|shall\s+be|is)\s+effective\b|\b(?:come|comes|enter|enters)\s+into"
    r"\s+(?:force|effect)\b",
    re.IGNORECASE,
)
_STARTS = re.compile(r"\beffective\s+(?:as\s+(?:of|from)|on|from)\b|\bcommenc\w*|\bstart\b", re.I)
_BETWEEN = re.compile(r"\b(?:between|among)\b", re.IGNORECASE)
_MEANS = re.compile(r"\bmeans?\b|\bshall\s+mean\b|\bshall\s+have\s+the\s+meaning", re.IGNORECASE)


@dataclass
class DocView:
    """One document's passages read as a contract: `parts[i]` is the passage index of the
    contract's page i."""

    document_id: str
    parts: list[int]
    contract: Contract


def views(
    passage_docs: Sequence[tuple[str, int, str]], contracts: Mapping[str, Contract] | None
) -> list[DocView]:
    """A DocView per document in `passage_docs` ((document id, page, text) per passage).

    A stored structure is used where the passages are that document's whole pages in
    order; otherwise the structure is read from the passages themselves."""
    order: dict[str, list[int]] = {}
    for i, (doc, _, _) in enumerate(passage_docs):
        order.setdefault(doc, []).append(i)
    out = []
    for doc, parts in order.items():
        pages = [passage_docs[i][1] for i in parts]
        stored = (contracts or {}).get(doc)
        if stored is not None and pages == list(range(1, len(pages) + 1)):
            out.append(DocView(doc, parts, stored))
        else:
            out.append(DocView(doc, parts, read_contract([passage_docs[i][2] for i in parts])))
    return out


def within(
    view: DocView, span: Span | None, by_passage: Mapping[int, list[Sentence]]
) -> list[Sentence]:
    """The sentences of `view` that overlap `span`; none when the contract lacks that part
    (a report has no preamble, a statute no signature blocks)."""
    if span is None or span.page >= len(view.parts):
        return []
    found = by_passage.get(view.parts[span.page], [])
    return [s for s in found if s.end > span.start and s.start < span.end]


def parties(view: DocView, by_passage) -> tuple[str, list[Sentence]]:
    """A "Parties: A ("X"); B ("Y")." line (names and roles as written) and the
    preamble sentences that name them."""
    c = view.contract
    quoted = within(view, c.preamble, by_passage) if c.preamble else []
    # The sentences that name a party (or say "between"), not the title or a notice.
    keys = [p.name for p in c.parties] + [r for p in c.parties for r in p.roles]
    quoted = [s for s in quoted if any(k in s.text for k in keys) or _BETWEEN.search(s.text)]
    quoted = quoted[:3]
    if len(c.parties) < 2:  # "between the Parties signatory hereto": who signed
        for block in c.signatures[:4]:
            quoted += within(view, block, by_passage)[:1]
    names = "; ".join(
        p.name + (" (" + ", ".join(f"“{r}”" for r in p.roles) + ")" if p.roles else "")
        for p in c.parties
    )
    return (f"Parties: {names}." if names else ""), _unique(quoted)


def dates(view: DocView, kind: str, by_passage) -> list[Sentence]:
    """Sentences giving the agreement date ("agreement_date") or the effective date."""
    c = view.contract
    pre = [s for s in within(view, c.preamble, by_passage) if holds(_DATE, s.text)]
    pre = pre[:1] if c.preamble else []
    if kind == "agreement_date":
        signed = [
            s for b in c.signatures for s in within(view, b, by_passage) if holds(_DATE, s.text)
        ]
        return _unique(pre + signed[-2:])  # the signing dates close the last blocks
    defined = [
        s
        for term, span in c.terms.items()
        if term.lower() == "effective date"
        for s in within(view, span, by_passage)
        if _MEANS.search(s.text)
    ]
    every = [s for part in view.parts for s in by_passage.get(part, [])]
    takes = [s for s in every if _TAKES_EFFECT.search(s.text)]
    starts = [s for s in every if _STARTS.search(s.text) and holds(_DATE, s.text)]
    return _unique(pre + defined[:1] + takes[:1] + starts[:1])[:3]


def sections(view: DocView, kind: Kind | None, topic: Sequence[str]) -> list[int]:
    """Indices of the sections whose heading names the kind (or the topic words): only
    the most specific (a section is dropped when one of its sub-sections matches), those
    headed in the topic's words first."""
    secs = view.contract.sections

    def matches(i: int) -> bool:
        heading = secs[i].heading.lower()
        if kind is not None and kind.heading is not None:
            return kind.heading.search(heading) is not None
        return bool(topic) and any(w[:6] in heading for w in topic)

    hits = [i for i in range(len(secs)) if matches(i)]
    keep = []
    for i in hits:
        child = next((j for j in hits if j > i and _inside(secs, j, i)), None)
        if child is None:
            keep.append(i)
    # Headed in the question's own words first ("Payments" before "Pricing" for the
    # payment terms), then in the contract's order.
    return sorted(keep, key=lambda i: not any(w[:6] in secs[i].heading.lower() for w in topic))


def body(view: DocView, index: int, by_passage, texts: Sequence[str]) -> list[Sentence]:
    """The sentences of one section's body, its heading left out (bounded)."""
    sec = view.contract.sections[index]
    out: list[Sentence] = []
    for span in view.contract.body(index, texts):
        for s in within(view, span, by_passage):
            if s.end <= sec.body and span.page == sec.page:
                continue  # the heading alone
            out.append(s)
    return _unique(out)


def _inside(secs, child: int, parent: int) -> bool:
    if secs[child].level <= secs[parent].level:
        return False
    return all(secs[k].level > secs[parent].level for k in range(parent + 1, child))


def _unique(sentences: list[Sentence]) -> list[Sentence]:
    seen, out = set(), []
    for s in sentences:
        if (s.passage, s.start) not in seen:
            seen.add((s.passage, s.start))
            out.append(s)
    return out
