"""The six evaluation suites, as documents to build and the questions to ask of each.

A suite turns a grid (lengths x depths, a haystack folder, contracts, a seed) into
`DocSpec`s. One DocSpec is one rendered, ingested PDF; all its questions are asked of
it in every mode and trial, so each haystack is ingested once.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from core.text.lexical import terms as stems
from eval.common.paths import shared_data
from eval.common.scoring import numbers
from eval.niah.haystack import (
    Haystack,
    build_haystack,
    default_haystack_dir,
    insert_needles,
    load_corpus,
    read_document,
)
from eval.niah.needles import (
    CLASSIC_ANSWER,
    CLASSIC_FACT,
    CLASSIC_NEEDLE,
    CLASSIC_QUESTION,
    DISTRACTOR,
    IN_FORCE,
    LEGAL,
    LOW_OVERLAP,
    PIZZA,
    PIZZA_QUESTION,
)
from eval.niah.scoring import Distractor, Fact


@dataclass(frozen=True)
class Question:
    """A question, the facts a right answer states, and the needles that hold them."""

    id: str
    text: str
    facts: tuple[Fact, ...]
    needles: tuple[str, ...]
    distractors: tuple[Distractor, ...] = ()
    kind: str = "local"  # "global" when it needs the whole document (router suite)
    expected: str = ""


@dataclass
class DocSpec:
    """One document of a suite: how to build its text, and what to ask of it."""

    suite: str
    key: str
    source: str
    length: int | None  # target tokens; None: the source document's own length
    depth: float | None
    needles: tuple[tuple[str, float], ...]
    questions: tuple[Question, ...]
    background: Callable[[], str] = field(repr=False, default=str)

    def build(self) -> Haystack:
        """The document's text with its needles in place."""
        if self.length is None:
            return insert_needles(self.background(), self.needles)
        return build_haystack(self.background(), self.length, self.needles)


@dataclass
class Grid:
    """What a run covers; each suite takes the parts it needs."""

    lengths: list[int]
    depths: list[float]
    haystack: Path = field(default_factory=default_haystack_dir)
    contracts: list[Path] = field(default_factory=list)
    seed: int = 0
    needle: str = CLASSIC_NEEDLE
    question: str = CLASSIC_QUESTION
    answer: str = CLASSIC_ANSWER


def answer_fact(answer: str) -> Fact:
    """A fact from a free-text expected answer: its numbers and its other content words."""
    values = tuple(sorted(numbers(answer)))
    words = tuple(w for w in answer.replace("$", " ").split() if stems(w) and not numbers(w))
    return Fact(label=answer, terms=words, numbers=values)


def _corpus(folder: Path) -> Callable[[], str]:
    return lambda: load_corpus(folder)


def _label(length: int | None) -> str:
    return "native" if length is None else f"{length // 1000}k" if length >= 1000 else str(length)


Cell = tuple[tuple[tuple[str, float], ...], tuple[Question, ...]]


def _grid_specs(suite: str, grid: Grid, cell: Callable[[int, float], Cell]) -> list[DocSpec]:
    """One haystack per length x depth; `cell(i, depth)` gives its needles and questions."""
    specs = []
    for i, (n, d) in enumerate((n, d) for n in grid.lengths for d in grid.depths):
        needles, questions = cell(i, d)
        key = f"{suite}-{_label(n)}-d{d:g}"
        source = grid.haystack.name
        specs.append(DocSpec(suite, key, source, n, d, needles, questions, _corpus(grid.haystack)))
    return specs


def single_needle(grid: Grid) -> list[DocSpec]:
    """The classic grid: one needle, one question, every length x depth."""
    classic = grid.needle == CLASSIC_NEEDLE and grid.answer == CLASSIC_ANSWER
    fact = CLASSIC_FACT if classic else answer_fact(grid.answer)
    question = Question("single", grid.question, (fact,), (grid.needle,), expected=grid.answer)
    return _grid_specs("single", grid, lambda i, d: (((grid.needle, d),), (question,)))


def spread(depth: float, k: int) -> list[float]:
    """k depths from `depth` evenly to the end, as the reference multi-needle harness."""
    step = (100 - depth) / k
    return [round(depth + i * step, 2) for i in range(k)]


def multi_needle(grid: Grid) -> list[DocSpec]:
    """k facts through the document, one question needing all; scored as the share found."""
    facts = tuple(Fact(word, (word,)) for _, word in PIZZA)
    texts = tuple(n for n, _ in PIZZA)
    expected = "figs, prosciutto, smoked applewood bacon"
    question = Question("pizza", PIZZA_QUESTION, facts, texts, expected=expected)
    return _grid_specs(
        "multi",
        grid,
        lambda i, d: (tuple(zip(texts, spread(d, len(texts)), strict=True)), (question,)),
    )


def low_overlap(grid: Grid) -> list[DocSpec]:
    """One NoLiMa-style needle per document, the pair chosen by seed and cell."""
    order = random.Random(grid.seed).sample(range(len(LOW_OVERLAP)), len(LOW_OVERLAP))

    def cell(i: int, depth: float) -> Cell:
        needle, text, name = LOW_OVERLAP[order[i % len(order)]]
        fact = Fact(name, (name,))
        question = Question(f"lowlex-{name.lower()}", text, (fact,), (needle,), expected=name)
        return ((needle, depth),), (question,)

    return _grid_specs("lowlex", grid, cell)


def distractors(grid: Grid) -> list[DocSpec]:
    """The fee in force and a superseded one elsewhere; only the one in force is right."""
    question = Question(
        "fee-in-force",
        "What termination fee is payable under Section 9.2 today?",
        (Fact("$4,217,000", numbers=(4_217_000,)),),
        (IN_FORCE,),
        (Distractor("$3,900,000", numbers=(3_900_000,)),),
        expected="$4,217,000",
    )

    def cell(i: int, depth: float) -> Cell:
        other = (depth + 50) % 100 if depth not in (0, 100) else 50.0
        return ((IN_FORCE, depth), (DISTRACTOR, other)), (question,)

    return _grid_specs("distractor", grid, cell)


def default_contracts() -> list[Path]:
    """The CUAD contracts in shared data (their plain-text versions), smallest first."""
    legal = shared_data() / "legal"
    found = [p for sub in ("cuad", "cuad_extra") for p in (legal / sub).glob("*.txt")]
    return sorted((p for p in found if "README" not in p.name), key=lambda p: p.stat().st_size)


def legal_needles(grid: Grid) -> list[DocSpec]:
    """Three clauses inserted into each real contract, asked as a lawyer would."""
    questions = tuple(
        Question(f"legal-{i}", q, (fact,), (clause,), expected=fact.label)
        for i, (clause, q, fact) in enumerate(LEGAL)
    )
    specs = []
    for path in grid.contracts or default_contracts():
        for d in grid.depths:
            depths = [round((d + 100 * i / len(LEGAL)) % 100, 2) for i in range(len(LEGAL))]
            needles = tuple(zip((c for c, _, _ in LEGAL), depths, strict=True))
            key = f"legal-{path.stem[:24]}-d{d:g}"
            text = partial(read_document, path)
            specs.append(DocSpec("legal", key, path.name, None, d, needles, questions, text))
    return specs


def router(grid: Grid) -> list[DocSpec]:
    """Global and local questions over haystacks of each length, for auto vs stuff vs rag."""
    local = Question(
        "router-local",
        CLASSIC_QUESTION,
        (CLASSIC_FACT,),
        (CLASSIC_NEEDLE,),
        expected=CLASSIC_ANSWER,
    )
    global_ = Question(
        "router-global",
        "List every secret ingredient for the perfect pizza mentioned throughout the document.",
        tuple(Fact(word, (word,)) for _, word in PIZZA),
        tuple(n for n, _ in PIZZA),
        kind="global",
        expected="figs, prosciutto, smoked applewood bacon",
    )
    needles = ((CLASSIC_NEEDLE, 40.0),) + tuple(
        (p, d) for (p, _), d in zip(PIZZA, (15.0, 60.0, 85.0), strict=True)
    )
    corpus, source = _corpus(grid.haystack), grid.haystack.name
    return [
        DocSpec("router", f"router-{_label(n)}", source, n, None, needles, (local, global_), corpus)
        for n in grid.lengths
    ]


SUITES: dict[str, Callable[[Grid], list[DocSpec]]] = {
    "single": single_needle,
    "multi": multi_needle,
    "lowlex": low_overlap,
    "distractor": distractors,
    "legal": legal_needles,
    "router": router,
}
