"""Contract answers for the offline reader: pick the sentences, then write the answer.

An answer is made of parts, one per document: an optional lead line built only from
words of the document (the parties' names and roles, a section's number and heading),
then the quoted sentences, each cited. A part that quotes a redaction ("[***]") says
so; an answer drawing on several documents names the document of each part.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from core.reader import contract_sentences as rc
from core.reader.contract import Contract
from core.reader.questions import question_kind, topic_words, wants_summary
from core.reader.sentences import Sentence

MAX_SUMMARY_SENTENCES = 12
UNSURE = "Not certain this answers it; the closest passage is quoted."
_REDACTED = re.compile(r"\[\s*\*+\s*\]|\{\s*\*+\s*\}|\[redacted\]", re.IGNORECASE)
CLAUSE_BOOST = 0.4
SECTION_BOOST = 0.2


class _Passage(Protocol):
    document_id: str
    page: int
    text: str


@dataclass
class Part:
    document_id: str
    lead: str = ""
    sentences: list[Sentence] = field(default_factory=list)


def contract_parts(
    question: str,
    passages: Sequence[_Passage],
    sentences: list[Sentence],
    contracts: Mapping[str, Contract] | None,
) -> tuple[list[Part], dict[int, float]]:
    """Parts answering a contract question from its natural place, or none and the
    sentence boosts (by index into `sentences`) for the ranked reader to use."""
    kind, summary = question_kind(question), wants_summary(question)
    if kind is None and not summary:
        return [], {}
    docs = rc.views([(p.document_id, p.page, p.text) for p in passages], contracts)
    by_passage: dict[int, list[Sentence]] = {}
    for s in sentences:
        by_passage.setdefault(s.passage, []).append(s)
    parts: list[Part] = []
    in_sections: set[tuple[int, int]] = set()
    opening: set[tuple[int, int]] = set()
    for view in docs:
        texts = [passages[i].text for i in view.parts]
        if kind is not None and kind.name == "parties":
            lead, quoted = rc.parties(view, by_passage)
            if quoted:
                parts.append(Part(view.document_id, lead, quoted))
            continue
        if kind is not None and kind.name in ("agreement_date", "effective_date"):
            quoted = rc.dates(view, kind.name, by_passage)
            if quoted:
                parts.append(Part(view.document_id, "", quoted))
            continue
        if not view.contract.is_contract:
            continue  # an essay or a report is left to the plain reader
        found = rc.sections(view, kind, topic_words(question))
        bodies = {i: rc.body(view, i, by_passage, texts) for i in found}
        for i in found:
            in_sections.update((s.passage, s.start) for s in bodies[i])
            # A clause's opening sentence states it; the rest qualify it.
            opening.update((s.passage, s.start) for s in bodies[i][:1])
        if summary and any(bodies.values()):
            parts.append(_summary(view, bodies))
    if parts or kind is None or kind.clause is None:
        return parts, {}
    contract_passages = {i for v in docs if v.contract.is_contract for i in v.parts}
    boost: dict[int, float] = {}
    for i, s in enumerate(sentences):
        if s.passage not in contract_passages:
            continue
        # Each further phrase of the clause's wording adds a little ("under no
        # circumstances ... liable ... consequential loss" over "sole remedy").
        n = len(kind.clause.findall(s.text))
        b = CLAUSE_BOOST + 0.05 * min(n - 1, 2) if n else 0.0
        b += SECTION_BOOST if (s.passage, s.start) in in_sections else 0.0
        b += SECTION_BOOST if (s.passage, s.start) in opening else 0.0
        if b:
            boost[i] = b
    return [], boost


def compose(
    parts: list[Part], passages: Sequence[_Passage], labels: Mapping[str, str] | None
) -> tuple[str, list[tuple[str, int, str]]]:
    """The answer text and its (document id, page, verbatim quote) citations."""
    several = len({p.document_id for p in parts}) > 1
    chunks, cites = [], []
    for part in parts:
        if not part.sentences:
            continue
        quotes = [" ".join(s.text.split()) for s in part.sentences]
        words = [part.lead] if part.lead else []
        if several:
            name = (labels or {}).get(part.document_id, part.document_id)
            words.insert(0, f"[{name}]")
        words += quotes
        marks = [m.group(0) for q in quotes for m in _REDACTED.finditer(q)]
        if marks:
            words.append(f"(Part of this text is redacted in the filed copy, marked {marks[0]}.)")
        chunks.append(" ".join(words))
        cites += [(part.document_id, passages[s.passage].page, s.text) for s in part.sentences]
    return "\n\n".join(chunks), cites


def _summary(view: rc.DocView, bodies: Mapping[int, list[Sentence]]) -> Part:
    secs = view.contract.sections
    quoted: list[Sentence] = []
    named = []
    for i, body in bodies.items():
        if not body or len(quoted) >= MAX_SUMMARY_SENTENCES:
            continue
        take = body[: min(rc.MAX_SECTION_SENTENCES, MAX_SUMMARY_SENTENCES - len(quoted))]
        quoted += [s for s in take if s not in quoted]
        more = len(body) - len(take)
        label = " ".join(x for x in (secs[i].number, f"“{secs[i].heading}”") if x)
        named.append(label + (f" (and {more} more sentences)" if more > 0 else ""))
    return Part(view.document_id, "From section " + "; ".join(named) + ":", quoted)
