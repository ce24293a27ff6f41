"""The offline reader: extractive answers with page citations, no model server, no key.

Passages (pages, or parts of pages) are split into sentences that keep their page and
offsets; stemmed BM25 (core.text.lexical terms, bm25s scoring) ranks every sentence; the
best few dozen are re-scored with the embedder (cosine); the best sentences are the
answer, each cited with a verbatim quote of its page. When the lexical and semantic
evidence of the best sentence is under a calibrated threshold the reader says plainly
that the documents do not answer the question. Only a bounded number of sentences is
embedded, so a 400K-token context takes seconds.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import bm25s
import numpy as np

from core.embeddings.embedders import Embedder
from core.llm.types import Usage
from core.reader.answer_types import holds, question_types
from core.reader.answers import CLAUSE_BOOST, SECTION_BOOST, UNSURE, Part, compose, contract_parts
from core.reader.clause_answers import read_clauses
from core.reader.clauses import ClauseFinder
from core.reader.contract import Contract
from core.reader.sentences import Sentence, split_sentences
from core.text.lexical import terms
from core.text.tokens import count_tokens

# bm25s sets its own logger to DEBUG on import, which would print on every question.
logging.getLogger("bm25s").setLevel(logging.WARNING)

NOT_FOUND = "The provided documents do not contain an answer to this question."
_EMBED_CHARS = 400
_POSSESSIVE = re.compile(r"['\u2019]s\b")
# A provision that says it no longer applies is not the answer while one in force is.
_SUPERSEDED = re.compile(
    r"\b(?:superseded|no longer (?:in force|in effect|applies|applicable)|"
    r"(?:was|has been|have been) (?:replaced|revoked|rescinded))\b",
    re.IGNORECASE,
)

_FOOTER = re.compile(r"(?:page\s+)?\d{1,4}(?:\s+of\s+\d{1,4})?|-\s*\d{1,4}\s*-", re.IGNORECASE)


@dataclass
class Passage:
    document_id: str
    page: int
    text: str  # always one page, or part of one page


@dataclass
class Citation:
    document_id: str
    page: int
    quote: str  # verbatim text of that passage


@dataclass
class ReaderAnswer:
    text: str
    found: bool
    citations: list[Citation]
    usage: Usage
    latency_ms: float


@dataclass
class _Scored:
    sentence: Sentence
    coverage: float  # IDF-weighted share of the question's terms the sentence contains
    bm25: float  # relative to the best candidate
    cosine: float | None
    typed: bool  # holds the kind of value the question asks for (a date, a party ...)
    boost: float = 0.0  # worded like the asked-for clause, or in a section headed for it
    typed_weight: float = 0.8  # less where the clause's wording is known (boost)

    @property
    def evidence(self) -> float:
        """Absolute support for "this answers it", compared with the threshold."""
        if self.cosine is None:
            return self.coverage
        return 0.5 * self.coverage + 0.5 * self.cosine

    @property
    def rank(self) -> float:
        return self.evidence + 0.25 * self.bm25 + self.typed_weight * self.typed + self.boost


class OfflineReader:
    """Answers a question extractively from passages; zero cost, page-cited."""

    def __init__(
        self,
        embedder: Embedder | None = None,
        encoding: str = "o200k_base",
        candidates: int = 24,
        threshold: float | None = None,
    ) -> None:
        self.embedder = embedder
        self.finder = ClauseFinder(embedder)  # shared with the offline review cells
        self.encoding = encoding
        self.candidates = candidates  # how many BM25 hits are embedded and re-scored
        # Calibrated on CUAD questions against off-topic ones (tests/core/test_reader.py):
        # off-topic questions peaked at 0.20 with the embedder and 0.34 without it.
        self.threshold = threshold if threshold is not None else (0.27 if embedder else 0.36)

    def answer(
        self,
        question: str,
        passages: list[Passage],
        max_sentences: int = 3,
        contracts: Mapping[str, Contract] | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> ReaderAnswer:
        """The best sentences of `passages` for `question`, with citations; or a plain no.

        Contract questions (parties, dates, a clause) are answered from where a contract
        states them (core.reader.answers); `contracts` are stored structures by document
        id, used where the passages are that document's whole pages; `labels` name the
        documents when an answer draws on more than one."""
        start = time.perf_counter()
        reading = read_clauses(self.finder, question, passages, contracts, labels)
        if (clause := reading.answer) is not None:  # the finder decides, per document
            text, found = clause.text, clause.found
            citations = [Citation(doc, page, quote) for doc, page, quote in clause.citations]
        else:
            sentences = [s for i, p in enumerate(passages) for s in split_sentences(p.text, i)]
            parts, boost = contract_parts(question, passages, sentences, contracts)
            if not parts:
                for i, sent in enumerate(sentences):  # the finder's best, under its bar
                    if (sent.passage, sent.start) in reading.lifted:
                        boost[i] = max(boost.get(i, 0.0), CLAUSE_BOOST + SECTION_BOOST)
                picked, sure = self._pick(question, sentences, max(1, max_sentences), boost)
                picked = _with_starts(picked, sentences, passages)
                parts = _by_document(picked, passages, "" if sure else UNSURE)
            text, cites = compose(parts, passages, labels)
            found = bool(cites)
            text = text if found else NOT_FOUND
            quoted = {(s.passage, s.start) for part in parts for s in part.sentences}
            note, noted = reading.note(passages, quoted)  # the finder's closest, if not quoted
            text += note
            citations = [Citation(doc, page, quote) for doc, page, quote in cites + noted]
        context = "\n".join(p.text for p in passages)
        usage = Usage(
            input_tokens=count_tokens(f"{question}\n{context}", self.encoding),
            output_tokens=count_tokens(text, self.encoding),
        )
        latency = (time.perf_counter() - start) * 1000
        return ReaderAnswer(text, found, citations, usage, latency)

    def _pick(
        self, question: str, sentences: list[Sentence], k: int, boost: Mapping[int, float]
    ) -> tuple[list[Sentence], bool]:
        """The best sentences, and whether the reader is sure of them: below the threshold
        it answers only with the one sentence worded like the asked-for clause in a
        section headed for it."""
        scored = self._score(question, sentences, boost)
        if not scored:
            return [], False
        scored.sort(key=lambda s: s.rank, reverse=True)
        if boost:  # a clause-worded sentence that fails the threshold must not hide one that passes
            scored = [s for s in scored if s.evidence >= self.threshold] or scored
        best = scored[0]
        if _SUPERSEDED.search(best.sentence.text):
            in_force = (c for c in scored[1:] if not _SUPERSEDED.search(c.sentence.text))
            close = next((c for c in in_force if c.rank >= 0.5 * best.rank), None)
            if close is not None and close.evidence >= self.threshold:
                best = close
        if best.evidence < self.threshold:
            # Only where a section is headed for it: say so, quoting its best sentence.
            clause = next((s for s in scored if s.boost >= CLAUSE_BOOST + SECTION_BOOST), None)
            return ([clause.sentence], False) if clause else ([], False)
        keep, seen = [best], {_norm(best.sentence.text)}
        for cand in scored[1:]:
            if len(keep) >= k:
                break
            # Only near-equals of the best join it (a second clause, not padding), once each.
            text = _norm(cand.sentence.text)
            # A second sentence worded like the clause may join from a little further down.
            near = 0.75 if cand.boost >= CLAUSE_BOOST and best.boost >= CLAUSE_BOOST else 0.9
            if (
                cand.evidence >= self.threshold * (0.6 if cand.boost >= CLAUSE_BOOST else 1.0)
                and cand.rank >= near * best.rank
                and text not in seen
                and cand is not best
                and not _SUPERSEDED.search(cand.sentence.text)
            ):
                keep.append(cand)
                seen.add(text)
        return [s.sentence for s in keep], True

    def _score(
        self, question: str, sentences: list[Sentence], boost: Mapping[int, float]
    ) -> list[_Scored]:
        query = list(dict.fromkeys(_terms(question)))
        if not query or not sentences:
            return []
        index = bm25s.BM25()
        index.index([_terms(s.text) or [""] for s in sentences], show_progress=False)
        n = len(sentences)
        per_term = {t: index.get_scores([t]) for t in query}
        df = {t: int(np.count_nonzero(scores)) for t, scores in per_term.items()}
        idf = {t: math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) for t in query}
        total = sum(per_term.values())
        top = [int(i) for i in np.argsort(-total, kind="stable")[: self.candidates] if total[i] > 0]
        kinds = question_types(question)
        typed = {i for i, s in enumerate(sentences) if kinds and holds(kinds, s.text)}
        # The best sentences holding the asked-for kind of value join the candidates.
        top += [i for i in sorted(typed, key=lambda i: -total[i])[: self.candidates // 2]]
        if boost:  # the clause-worded sentences first; no more embedded than without them
            clause = sorted(boost, key=lambda i: (-boost[i], -total[i]))[: self.candidates * 2 // 3]
            top = list(dict.fromkeys(clause + top))[: self.candidates]
        top = list(dict.fromkeys(top))
        if not top or total[top[0]] <= 0 and not typed and not boost:
            return []
        weight = sum(idf.values())
        best = float(total.max()) or 1.0
        cosines = self._cosines(question, [sentences[i].text for i in top])
        return [
            _Scored(
                sentence=sentences[i],
                coverage=sum(idf[t] for t in query if per_term[t][i] > 0) / weight,
                bm25=float(total[i]) / best,
                cosine=cosines[j] if cosines is not None else None,
                typed=i in typed,
                boost=boost.get(i, 0.0),
                typed_weight=0.3 if boost else 0.8,
            )
            for j, i in enumerate(top)
        ]

    def _cosines(self, question: str, texts: Sequence[str]) -> list[float] | None:
        if self.embedder is None:
            return None
        # MiniLM reads 256 word pieces at most; cutting long clauses first saves time.
        clipped = [" ".join(t.split())[:_EMBED_CHARS] for t in texts]
        vectors = np.asarray(self.embedder.embed([question, *clipped]), dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9
        return [float(v) for v in vectors[1:] @ vectors[0]]


def _by_document(picked: list[Sentence], passages: list[Passage], lead: str) -> list[Part]:
    """The picked sentences grouped by document, documents in order of their best one."""
    parts: dict[str, Part] = {}
    for s in picked:
        doc = passages[s.passage].document_id
        parts.setdefault(doc, Part(doc, lead)).sentences.append(s)
    return list(parts.values())


def _with_starts(
    picked: list[Sentence], sentences: list[Sentence], passages: list[Passage]
) -> list[Sentence]:
    """Each picked sentence that a page break cut (it opens its page in lower case) with
    its start, the last sentence of the page before, so the quote reads whole."""
    where = {(s.passage, s.start): i for i, s in enumerate(sentences)}
    out: list[Sentence] = []
    for s in picked:
        i = where.get((s.passage, s.start), 0) - 1
        while i >= 0 and _FOOTER.fullmatch(sentences[i].text.strip()):
            i -= 1  # the page's number, under the cut sentence
        before = sentences[i] if i >= 0 else None
        if (
            before is not None
            and before.passage == s.passage - 1
            and s.text.lstrip()[:1].islower()
            and passages[before.passage].document_id == passages[s.passage].document_id
            and passages[before.passage].page == passages[s.passage].page - 1
            and before not in out
            and before not in picked
        ):
            out.append(before)
        if s not in out:
            out.append(s)
    return out


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _terms(text: str) -> list[str]:
    return terms(_POSSESSIVE.sub("", text))
