"""Clause questions answered by the clause finder (core/reader/clauses.py): "Is there a
non-compete?", "Which state's law governs?", "Can either party terminate without
cause?". Each document is read on its own: where its best clause of the asked kind
clears the reader's calibrated threshold, the answer quotes it; where it does not, the
answer says plainly "No <clause> was found in <file>.", quoting a sentence that says
there is none where there is one ("the appointment is non-exclusive"). An answer over
several documents labels each part with its file: as good as each document's alone.
A kind the fit never lets be found (too rare in the half) answers only yes/no questions
("Is a termination fee payable?"); "What termination fee is payable?" is left to the
ranked reader, and so is every question when there is no embedder (the thresholds were
fitted with it). A kind the question names only by its own name ("most favored nation")
is answered when found and otherwise left to the ranked reader, which the reading
points at the finder's best sentence wherever the finder does not answer itself. Where no
document has the clause, the answer ends with the finder's two closest sentences, said to
be only close ("Closest to an exclusivity clause: ... as its sole agent ..."): the clause
is often there, worded past the finder's bar, and a person can judge two sentences."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from core.reader.clause_kinds import ClauseKind, clause_kinds, question_kinds
from core.reader.clauses import ClauseFinder, Finding
from core.reader.contract import Contract, read_contract
from core.reader.questions import wants_summary
from core.reader.sentences import Sentence, split_sentences

READER = "reader"  # the thresholds fitted for the questions' accuracy
REVIEW = "thresholds"  # those fitted for the review cells' F1
NEVER = 9.0  # a threshold the fit set over every score: that kind is never "found"
_YES_NO = re.compile(
    r"^\W*(?:is|are|does|do|can|may|must|has|have|will|shall|could|would)\b", re.IGNORECASE
)
BUDGET = 400  # sentences a question embeds at most, per document
CLOSEST = 2  # sentences quoted as the closest where no clause of the kind is found


class _Passage(Protocol):
    document_id: str
    page: int
    text: str


@dataclass
class ClauseAnswer:
    text: str
    found: bool
    citations: list[tuple[str, int, str]]  # (document id, page, verbatim quote)


@dataclass
class ClauseReading:
    """What the finder makes of a question: its answer, or None (the ranked reader
    answers); each document's best sentence for the kinds asked, (passage index,
    start), for the ranked reader to lift where the finder did not answer (its best
    scored under the bar, or the kind is too rare to be fitted); and, where no document
    has the clause, the best document's closest sentences, which the answer quotes as
    such for a person to judge (a clause the finder scored under its bar is often there:
    "sole agent" for exclusivity)."""

    answer: ClauseAnswer | None
    lifted: set[tuple[int, int]]
    closest: list[Sentence] = field(default_factory=list)  # passage: an index of all
    label: str = ""  # what they are closest to: "an exclusivity clause[, in <file>]"

    def note(self, passages: Sequence[_Passage], quoted=frozenset()) -> tuple[str, list[tuple]]:
        """The closest sentences as the answer's last words ("Closest to an exclusivity
        clause: ..."; "Also close to" after one already quoted), and their citations;
        none already quoted ((passage, start) pairs)."""
        shown = [s for s in self.closest if (s.passage, s.start) not in quoted]
        if not shown:
            return "", []
        said = " ".join(" ".join(s.text.split()) for s in shown)
        cites = [(passages[s.passage].document_id, passages[s.passage].page, s.text) for s in shown]
        lead = "Closest to" if len(shown) == len(self.closest) else "Also close to"
        return f" {lead} {self.label}: {said}", cites


def read_clauses(
    finder: ClauseFinder,
    question: str,
    passages: Sequence[_Passage],
    contracts: Mapping[str, Contract] | None,
    labels: Mapping[str, str] | None,
) -> ClauseReading:
    """The finder's reading of the clauses of the kinds the question asks about or names,
    one document at a time; no answer when it asks about none."""
    asked, named = question_kinds(question)
    if finder.embedder is None or not asked or not passages:  # fitted with the embedder
        return ClauseReading(None, set())
    answering = asked
    if not _yes_no(question):  # "what fee is payable?" presumes one: never a fitted "no"
        answering = [k for k in asked if finder.threshold(k.name, READER) < NEVER]
    if wants_summary(question) and len(answering) > 1:
        answering = []
    order = _by_document(passages)
    answers, lifted, taken = [], set(), set()  # (found here, names it, best, text, cites)
    nearest = []  # (the best score, document, its closest sentences), per document
    for doc, index in order.items():
        parts = [passages[i] for i in index]
        contract = (contracts or {}).get(doc)
        found = _find(finder, answering, parts, contract, READER)
        seen = found if answering == asked else _find(finder, asked, parts, contract, READER)
        lifted.update((index[s.passage], s.start) for f in seen.values() for s in f.candidates[:1])
        top = max(seen.values(), key=lambda f: f.score)
        near = [replace(s, passage=index[s.passage]) for s in top.candidates[:CLOSEST]]
        nearest.append((top.score, doc, near))
        if not answering:
            continue
        name = (labels or {}).get(doc, doc)
        text, quoted, best = _quoted(found, answering)
        here = bool(quoted)
        if not here:
            text = f"No {_names(answering)} was found in {name}."
            # What restricts instead ("no non-compete, but an exclusivity clause"), or
            # else a sentence saying there is none ("the appointment is non-exclusive").
            like, said, quoted = _related(finder, answering, parts, contract)
            if quoted:
                text += f" Its {_names(like)} says: {said}"
            elif quoted := _opposite(answering, parts)[:1]:
                text += " It says: " + " ".join(quoted[0].text.split())
        text = f"[{name}] {text}" if len(order) > 1 and here else text
        cited = [(doc, passages[index[s.passage]].page, s.text) for s in quoted]
        answers.append((here, _names_it(question, name), best, text, cited))
        taken.update((index[s.passage], s.start) for s in quoted)
    found_any = any(a[0] for a in answers)
    closest = (
        ([], "") if found_any else _closest(nearest, asked, order, passages, contracts, labels)
    )
    reading = ClauseReading(None, lifted, *closest)
    if not answers or (named and not found_any):  # by name: the finder's clause, never its "no"
        return reading
    # The clauses found first; of those, the document the question names ("the
    # sponsorship agreement"), then the best.
    answers.sort(key=lambda a: (not a[0], not a[1], -a[2]))
    text = "\n\n".join(a[3] for a in answers)
    note, noted = reading.note(passages, taken)
    cites = [c for a in answers for c in a[4]] + noted
    return replace(reading, answer=ClauseAnswer(text + note, found_any, cites))


def _by_document(passages: Sequence[_Passage]) -> dict[str, list[int]]:
    """Each document's passage indices, documents in order of first appearance."""
    order: dict[str, list[int]] = {}
    for i, p in enumerate(passages):
        order.setdefault(p.document_id, []).append(i)
    return order


def _find(finder: ClauseFinder, kinds: list[ClauseKind], parts, contract, purpose: str):
    if not kinds:
        return {}
    return finder.find(parts, [k.name for k in kinds], contract, purpose, BUDGET)


def _quoted(found: Mapping[str, Finding], kinds: list[ClauseKind]):
    """The found clauses' quotes (each sentence once), as text, and the best score."""
    quoted, seen = [], set()
    for kind in kinds:
        for s in found[kind.name].quotes:
            if (s.passage, s.start) not in seen:
                seen.add((s.passage, s.start))
                quoted.append(replace(s))
    best = max((found[k.name].score for k in kinds), default=0.0)
    return " ".join(" ".join(s.text.split()) for s in quoted), quoted, best


def _related(finder: ClauseFinder, kinds: list[ClauseKind], parts, contract):
    """The first kind of a like restriction the document has (`related` in
    clause_kinds.yaml: exclusivity for a non-compete), its text and its quotes. It is
    found at the review's bar (best F1), not the reader's: the answer has already said
    "no"; this only points to the closest clause."""
    known = clause_kinds()
    for name in dict.fromkeys(r for k in kinds for r in k.related):
        if name in known:
            like = [known[name]]
            text, quoted, _ = _quoted(_find(finder, like, parts, contract, REVIEW), like)
            if quoted:
                return like, text, quoted
    return [], "", []


def _opposite(kinds: list[ClauseKind], parts: Sequence[_Passage]) -> list[Sentence]:
    """Sentences saying the contract has none of the kind ("the appointment is
    non-exclusive"), to quote beside "No ... was found"."""
    marks = [k.opposite for k in kinds if k.opposite is not None]
    return [
        s
        for i, p in enumerate(parts)
        for s in split_sentences(p.text, i)
        if any(m.search(s.text) for m in marks)
    ]


def _names_it(question: str, label: str) -> bool:
    """Whether the question names the document (a word of five letters or more of its
    file name: "sponsorship" for "...-SPONSORSHIP AGREEMENT.PDF")."""
    named = {w for w in re.findall(r"[a-z]{5,}", label.lower())} - {"agreement", "contract"}
    return any(w in named for w in re.findall(r"[a-z]{5,}", question.lower()))


def _yes_no(question: str) -> bool:
    """Whether the question asks whether there is such a clause ("Is there ...?")."""
    return _YES_NO.match(question) is not None


def _closest(nearest, kinds, order, passages, contracts, labels) -> tuple[list[Sentence], str]:
    """The closest sentences of the document the finder scored best, and what they are
    close to ("an exclusivity clause, in <file>"); none where that document does not read
    as a contract: an essay's sentence closest to an insurance clause is noise."""
    _, doc, sentences = max(nearest, key=lambda n: n[0])
    contract = (contracts or {}).get(doc) or read_contract([passages[i].text for i in order[doc]])
    if not contract.is_contract:
        return [], ""
    where = f", in {(labels or {}).get(doc, doc)}" if len(order) > 1 else ""
    return sentences, _a(_names(kinds)) + where


def _a(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def _names(kinds: list[ClauseKind]) -> str:
    names = [k.plain + ("" if k.plain.endswith("clause") else " clause") for k in kinds]
    return " or ".join(names)
