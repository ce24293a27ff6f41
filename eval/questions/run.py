"""Ask the question set of the offline reader, one contract at a time (its whole pages,
as the service's stuffed route passes them, with the structure read at ingest), and
score each answer (QuestionResult)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from core.reader.contract import read_contract
from core.reader.offline import OfflineReader, Passage
from eval.questions.questions import Question
from eval.review.data import ReviewBench
from eval.review.scoring import overlaps
from ingest.pdf import read_pages


@dataclass(frozen=True)
class QuestionResult:
    """One question's answer, right or wrong."""

    qid: str
    contract: str
    kind: str
    question: str
    has_clause: bool
    found: bool
    right: bool
    answer: str
    quotes: list[str]
    pages: list[int]

    def to_dict(self) -> dict[str, Any]:
        """The results.jsonl line."""
        return asdict(self)


def is_right(q: Question, found: bool, text: str, quotes: Sequence[str]) -> bool:
    """Right: a quote overlaps a gold clause (MANIFEST rule) where there is one; where
    there is none, found is false: the answer says there is none ("No <clause> was found
    in <file>" now; before the clause finder, the reader's "The provided documents do
    not contain an answer to this question")."""
    if q.gold:
        return found and any(overlaps(quote, g) for quote in quotes for g in q.gold)
    return not found and text.startswith(("No ", "The provided documents do not"))


def ask(
    reader: OfflineReader, bench: ReviewBench, questions: Sequence[Question]
) -> Iterator[QuestionResult]:
    """Each question asked of its own contract."""
    by_contract: dict[str, list[Question]] = {}
    for q in questions:
        by_contract.setdefault(q.contract, []).append(q)
    pdfs = {c.name: c.pdf for c in bench.contracts}
    for name, asked in by_contract.items():
        passages = [Passage(name, p.number, p.text) for p in read_pages(pdfs[name])]
        contracts = {name: read_contract([p.text for p in passages])}
        for q in asked:
            read = reader.answer(q.question, passages, 3, contracts, {name: name})
            quotes = [c.quote for c in read.citations]
            yield QuestionResult(
                qid=q.qid,
                contract=name,
                kind=q.kind,
                question=q.question,
                has_clause=bool(q.gold),
                found=read.found,
                right=is_right(q, read.found, read.text, quotes),
                answer=read.text[:600],
                quotes=quotes,
                pages=[c.page for c in read.citations],
            )
