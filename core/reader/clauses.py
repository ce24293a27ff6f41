"""The clause finder: which of a contract's sentences states a clause of a given kind
(CUAD's 41 categories, core/reader/clause_kinds.yaml), shared by reviews and /query.

Every sentence of the document is embedded once; a kind's score for a sentence is its
best cosine with the kind's paraphrases, plus a little for a wording that states the
kind (`cue`) and for standing in a section headed for it, less for one that says there
is none (`opposite`: "non-exclusive"). The best sentence decides:
over the kind's calibrated threshold (clause_thresholds.json, fitted on the shared CUAD
half by eval/review/fit.py) the clause is found and quoted, with the sentences that
score nearly as well; under it the contract has no such clause. The title, the parties
and the dates are read where a contract states them instead (core.reader.contract_sentences).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from core.embeddings.embedders import Embedder
from core.reader import contract_sentences as rc
from core.reader.answer_types import holds
from core.reader.clause_kinds import ClauseKind, clause_kinds, thresholds
from core.reader.contract import Contract
from core.reader.sentences import Sentence, split_sentences
from core.text.lexical import terms

CUE_WEIGHT = 0.30
HEADING_WEIGHT = 0.10
OPENING = 1.0  # the sentence opening such a section counts its heading twice: it states it
NEAR = 0.04  # a sentence this close to the best is quoted with it
MAX_QUOTES = 3
PASSAGES = 6  # candidate clauses kept as what the finder read closest
_EMBED_CHARS = 400
_DATE = frozenset({"date"})
CACHED = 20_000  # sentence vectors kept (384 floats each: about 30 MB)
_TITLE = re.compile(r"\b(?:agreement|contract|amendment|licen[cs]e|lease|plan|addendum)\b", re.I)


class _Passage(Protocol):
    document_id: str
    page: int
    text: str


@dataclass
class Finding:
    """One kind in one document: found or not, the quoted sentences and the candidates."""

    kind: str
    found: bool
    score: float
    quotes: list[Sentence] = field(default_factory=list)
    candidates: list[Sentence] = field(default_factory=list)  # best first


class ClauseFinder:
    """Finds clauses of given kinds in one document's passages; embeds each sentence once."""

    def __init__(
        self,
        embedder: Embedder | None,
        limits: Mapping[str, float] | None = None,
    ):
        self.embedder = embedder
        self.limits = dict(limits) if limits is not None else None
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def threshold(self, kind: str, purpose: str = "thresholds") -> float:
        """The score a kind's best sentence must reach to count as found."""
        limits = self.limits if self.limits is not None else thresholds(purpose)
        return limits.get(kind, limits.get("*", 0.6))

    def find(
        self,
        passages: Sequence[_Passage],
        kinds: Sequence[str],
        contract: Contract | None = None,
        purpose: str = "thresholds",
        budget: int | None = None,
    ) -> dict[str, Finding]:
        """A Finding per kind name for one document's passages (its pages, in order);
        `purpose` picks the thresholds: "thresholds" (review cells) or "reader". At most
        `budget` sentences are embedded (None: all): the ones worded or headed like an
        asked kind first, then those sharing most words with its descriptions, so a
        question about a 400-page manual stays quick."""
        known = clause_kinds()
        sentences = [s for i, p in enumerate(passages) for s in split_sentences(p.text, i)]
        if not sentences:
            return {k: Finding(k, False, 0.0) for k in kinds}
        doc = passages[0].document_id
        triples = [(doc, p.page, p.text) for p in passages]
        view = rc.views(triples, {doc: contract} if contract else None)[0]
        by_passage: dict[int, list[Sentence]] = {}
        for s in sentences:
            by_passage.setdefault(s.passage, []).append(s)
        texts = [p.text for p in passages]
        ranked = [known[k] for k in kinds if k in known and not known[k].source]
        scores = self.scores(sentences, ranked, view, by_passage, texts, budget)
        out = {}
        for name in kinds:
            kind = known.get(name)
            if kind is not None and kind.source:
                quoted = _read(kind.source, name, view, by_passage, sentences)
                read = _considered(kind.source, quoted, sentences)
                out[name] = Finding(name, bool(quoted), 1.0 if quoted else 0.0, quoted, read)
            elif kind is not None:
                out[name] = self._decide(name, scores[name], sentences, purpose)
            else:
                out[name] = Finding(name, False, 0.0)
        return out

    def scores(
        self, sentences, kinds, view, by_passage, texts, budget=None
    ) -> dict[str, np.ndarray]:
        """Each ranked kind's score for every sentence."""
        if not kinds:
            return {}
        cues = {
            k.name: np.array([bool(k.cue and k.cue.search(s.text)) for s in sentences])
            for k in kinds
        }
        heads = {k.name: _in_sections(view, k, by_passage, texts, sentences) for k in kinds}
        keep = _within_budget(sentences, kinds, cues, heads, budget)
        cosines = self._cosines([sentences[i].text for i in keep], kinds)
        out = {}
        for kind in kinds:
            cue, headed = cues[kind.name], heads[kind.name]
            cosine = np.zeros(len(sentences))
            cosine[keep] = cosines[kind.name]
            score = cosine + CUE_WEIGHT * cue + HEADING_WEIGHT * headed
            if kind.opposite is not None:  # "non-exclusive" says there is none
                against = [bool(kind.opposite.search(s.text)) for s in sentences]
                score -= 2 * CUE_WEIGHT * np.array(against)
            out[kind.name] = score
        return out

    def _decide(
        self, name: str, score: np.ndarray, sentences: list[Sentence], purpose: str
    ) -> Finding:
        order = np.argsort(-score, kind="stable")
        best = float(score[order[0]])
        candidates = [sentences[i] for i in order[:PASSAGES]]
        if best < self.threshold(name, purpose):
            return Finding(name, False, best, [], candidates)
        quotes = [sentences[i] for i in order[:MAX_QUOTES] if score[i] >= best - NEAR]
        return Finding(name, True, best, quotes, candidates)

    def _cosines(self, texts: list[str], kinds: Sequence[ClauseKind]) -> dict[str, np.ndarray]:
        if self.embedder is None:
            return {k.name: np.zeros(len(texts)) for k in kinds}
        rows = self._cached([" ".join(t.split())[:_EMBED_CHARS] for t in texts])
        out = {}
        for kind in kinds:
            matrix = self._cached(list(kind.phrases))
            out[kind.name] = (rows @ matrix.T).max(axis=1)
        return out

    def _cached(self, texts: list[str]) -> np.ndarray:
        """Unit vectors of sentences, each embedded once while it stays among the last
        CACHED (a document's next question, or the next review of it, embeds nothing)."""
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        fresh = dict(zip(missing, self._unit(missing), strict=True)) if missing else {}
        with self._lock:
            self._vectors.update(fresh)
            rows = np.stack([fresh.get(t, self._vectors.get(t)) for t in texts])
            for t in texts:
                self._vectors.move_to_end(t)
            while len(self._vectors) > CACHED:
                self._vectors.popitem(last=False)
        return rows

    def _unit(self, texts: list[str]) -> np.ndarray:
        vectors = np.asarray(self.embedder.embed(texts), dtype=np.float32)
        return vectors / (np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9)


def _within_budget(sentences, kinds, cues, heads, budget: int | None) -> np.ndarray:
    """Indices of the sentences to embed: all, or the budget's most likely."""
    n = len(sentences)
    if budget is None or n <= budget:
        return np.arange(n)
    marked = np.zeros(n)
    for k in kinds:
        marked += cues[k.name] + heads[k.name]
    words = {w for k in kinds for p in k.phrases for w in terms(p)}
    shared = np.array([len(words.intersection(terms(s.text))) for s in sentences])
    order = np.lexsort((-shared, -marked))  # marked first, then by shared words
    return np.sort(order[:budget])


def _in_sections(view, kind: ClauseKind, by_passage, texts, sentences) -> np.ndarray:
    """1 for the sentences in a section whose heading names the kind, 1 + OPENING for
    the first sentence of its body."""
    marks = np.zeros(len(sentences))
    if kind.heading is None:
        return marks
    inside, opening = set(), set()
    for i, sec in enumerate(view.contract.sections):
        if kind.heading.search(sec.heading):
            body = rc.body(view, i, by_passage, texts)
            inside.update((s.passage, s.start) for s in body)
            opening.update((s.passage, s.start) for s in body[:1])
    for j, s in enumerate(sentences):
        at = (s.passage, s.start)
        marks[j] = (at in inside) + OPENING * (at in opening)
    return marks


def _considered(source: str, quoted: list[Sentence], sentences: list[Sentence]):
    """What was read for a title, parties or date: the quoted sentences and, for a date,
    the other dated sentences (the first few of the contract)."""
    if source != "dates":
        return quoted
    dated = [s for s in sentences if holds(_DATE, s.text) and s not in quoted]
    return (quoted + dated)[:PASSAGES]


def _read(source: str, name: str, view, by_passage, sentences: list[Sentence]) -> list[Sentence]:
    """The title, the parties' or the date's sentences, where the contract states them."""
    if source == "preamble":
        return rc.parties(view, by_passage)[1][:MAX_QUOTES]
    if source == "dates":
        which = "agreement_date" if name == "Agreement Date" else "effective_date"
        return rc.dates(view, which, by_passage)[:MAX_QUOTES]
    first = [s for s in sentences[:12] if _TITLE.search(s.text)]
    return first[:1]
