"""The shared CUAD half: 40 contracts as PDFs, CUAD's text of each, and the gold clauses
of every (contract, category) cell (../shared/data/benchmarks/cuad/, MANIFEST.md §3)."""

from __future__ import annotations

import ast
import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from eval.common.paths import shared_data


def cuad_dir() -> Path:
    """../shared/data/benchmarks/cuad (or under FOLIO_SHARED_DATA)."""
    return shared_data() / "benchmarks" / "cuad"


@dataclass(frozen=True)
class Contract:
    """One contract: its PDF, CUAD's text (where there is one) and gold clauses."""

    name: str  # the PDF's file name, as the annotations key it
    pdf: Path
    txt: Path | None
    pages: int
    gold: dict[str, list[str]] = field(default_factory=dict)  # category -> clause texts


@dataclass(frozen=True)
class ReviewBench:
    categories: list[str]
    descriptions: dict[str, str]  # category -> CUAD's description
    contracts: list[Contract]

    def subset(self, documents: int | None = None, categories: list[str] | None = None):
        """The first `documents` contracts (sorted by name) and only `categories`."""
        cats = [c for c in self.categories if categories is None or c in categories]
        docs = self.contracts[:documents] if documents else self.contracts
        docs = [
            Contract(c.name, c.pdf, c.txt, c.pages, {k: c.gold.get(k, []) for k in cats})
            for c in docs
        ]
        return ReviewBench(cats, {k: self.descriptions[k] for k in cats}, docs)

    @property
    def cells(self) -> int:
        return len(self.categories) * len(self.contracts)


def load(folder: Path | None = None) -> ReviewBench:
    """The benchmark in `folder` (default: the shared CUAD half)."""
    folder = folder or cuad_dir()
    notes = json.loads((folder / "cuad_annotations.json").read_text(encoding="utf-8"))
    categories = list(notes["categories"])
    contracts = []
    for name, entry in sorted(notes["contracts"].items()):
        txt = (folder / "pdfs" / name).with_suffix(".txt")
        gold = {
            cat: [s for s in ast.literal_eval(cell.get("context_raw") or "[]") if s.strip()]
            for cat, cell in entry["categories"].items()
        }
        contracts.append(
            Contract(
                name, folder / "pdfs" / name, txt if txt.exists() else None, entry["pages"], gold
            )
        )
    described = read_descriptions(folder / "category_descriptions.csv")
    # The CSV spells some names differently ("Cap on Liability"): matched case-blind.
    folded = {k.lower(): v for k, v in described.items()}
    descriptions = {c: folded.get(c.lower(), c) for c in categories}
    return ReviewBench(categories, descriptions, contracts)


def read_descriptions(path: Path) -> dict[str, str]:
    """category -> description, from CUAD's category_descriptions.csv."""
    out = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.reader(fh):
            if len(row) < 2 or not row[0].startswith("Category:"):
                continue
            name = row[0].removeprefix("Category:").strip()
            out[name] = row[1].removeprefix("Description:").strip()
    return out
