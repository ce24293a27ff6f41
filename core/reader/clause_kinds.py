"""The clause kinds the clause finder knows (clause_kinds.yaml: CUAD's 41 categories,
the title, parties and dates, and a few kinds a search names, such as payment terms),
their fitted thresholds (clause_thresholds.json), and which kinds a question or a
search asks about."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

HERE = Path(__file__).parent
KINDS_FILE = HERE / "clause_kinds.yaml"
THRESHOLDS_FILE = HERE / "clause_thresholds.json"


@dataclass(frozen=True)
class ClauseKind:
    name: str
    description: str
    paraphrases: tuple[str, ...]
    source: str = ""  # "title", "preamble", "dates" or "" (ranked)
    cue: re.Pattern[str] | None = None
    heading: re.Pattern[str] | None = None
    ask: re.Pattern[str] | None = None
    opposite: re.Pattern[str] | None = None  # a clause saying there is none ("non-exclusive")
    related: tuple[str, ...] = ()  # kinds quoted instead when none is found (exclusivity)
    search: re.Pattern[str] | None = None  # how a search names it, where the reader does not
    names: re.Pattern[str] | None = None  # what people call it, besides its own name

    @property
    def phrases(self) -> tuple[str, ...]:
        """What a clause of the kind is matched against: its description and paraphrases."""
        return (self.description, *self.paraphrases)

    @property
    def plain(self) -> str:
        """The kind's name in plain words ("governing law", "audit rights")."""
        return self.name.lower().replace("ip ", "IP ")


def _re(pattern: str | None) -> re.Pattern[str] | None:
    return re.compile(pattern, re.IGNORECASE) if pattern else None


@cache
def clause_kinds() -> dict[str, ClauseKind]:
    """The known kinds by name, from clause_kinds.yaml."""
    rows = yaml.safe_load(KINDS_FILE.read_text(encoding="utf-8"))
    return {
        r["name"]: ClauseKind(
            r["name"],
            " ".join(r["description"].split()),
            tuple(r.get("paraphrases") or ()),
            r.get("source", ""),
            _re(r.get("cue")),
            _re(r.get("heading")),
            _re(r.get("ask")),
            _re(r.get("opposite")),
            tuple(r.get("related") or ()),
            _re(r.get("search")),
            _re(r.get("names")),
        )
        for r in rows
    }


@cache
def thresholds(purpose: str = "thresholds") -> dict[str, float]:
    """The fitted threshold of each kind ("*": the default for kinds fitted together),
    for review cells ("thresholds": best F1) or the reader's questions ("reader": most
    answers right, the review's where none was fitted)."""
    if not THRESHOLDS_FILE.exists():
        return {"*": 0.6}
    fitted = json.loads(THRESHOLDS_FILE.read_text(encoding="utf-8"))
    return fitted["thresholds"] | fitted.get(purpose, {})


def asked_kinds(question: str) -> list[ClauseKind]:
    """The clause kinds a plain question asks about (none: not a clause question)."""
    return [k for k in clause_kinds().values() if k.ask is not None and k.ask.search(question)]


def named_kinds(question: str) -> list[ClauseKind]:
    """The clause kinds a question names by their own name ("most favored nation", "non
    compete") or another name people use ("revenue sharing"), other than the title,
    parties and dates and kinds only searches name."""
    kinds = (k for k in clause_kinds().values() if not k.source and k.search is None)
    return [
        k
        for k in kinds
        if _named(k.name).search(question) or (k.names is not None and k.names.search(question))
    ]


def question_kinds(question: str) -> tuple[list[ClauseKind], bool]:
    """The kinds a question asks about by their `ask` wording, or else those it names
    ("most favored nation", "revenue sharing"), and whether by name."""
    asked = asked_kinds(question)
    return (asked, False) if asked else (named_kinds(question), True)


@cache
def _named(name: str) -> re.Pattern[str]:
    """A kind's name as a question may write it: "Non-Compete" as "non compete" too."""
    words = re.findall(r"[a-z0-9]+", name.lower())
    return re.compile(r"\b" + r"[\s/-]+".join(words) + r"\b", re.IGNORECASE)


def searched_kinds(query: str) -> list[ClauseKind]:
    """The clause kinds a search names ("non-compete exclusivity", "payment terms")."""
    named = (k for k in clause_kinds().values() if not k.source)
    return [k for k in named if any(p is not None and p.search(query) for p in (k.ask, k.search))]
