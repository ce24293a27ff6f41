"""LaRA router-replay rows (../shared/data/benchmarks/lara/, MANIFEST section 1): loading,
the document folio's router is shown for each, and the catalog for a pair of models."""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path

from core.llm.catalog import Catalog
from eval.common.paths import REPO

REQUIRED = ("qid", "task", "length", "context_id", "context_tokens", "question", "answer", "preds")
# LaRA kept no page boundaries; folio's PDFs run about this many o200k tokens a page,
# which only sets the page-marker overhead of the stuffed prompt.
TOKENS_PER_PAGE = 600
DEFAULT_DATA = REPO.parent / "shared/data/benchmarks/lara/dev.jsonl.gz"


@dataclass(frozen=True)
class LaraDocument:
    """A LaRA context as folio's router sees it: a size and a page count, no text."""

    id: str
    pages: int
    tokens: int


def load_rows(path: Path) -> list[dict]:
    """The rows of a .jsonl or .jsonl.gz file, checked for the fields the replay reads."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no LaRA data at {path}: pass --data <file.jsonl[.gz]>")
    opener = gzip.open if path.suffix == ".gz" else open
    rows = []
    with opener(path, "rt", encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            missing = [k for k in REQUIRED if k not in row]
            if missing:
                raise ValueError(f"{path} line {n}: missing {', '.join(missing)}")
            rows.append(row)
    if not rows:
        raise ValueError(f"{path} has no rows")
    return rows


def document(row: dict) -> LaraDocument:
    """The document the router is shown for a row: its size, in tokens and pages."""
    tokens = int(row["context_tokens"])
    return LaraDocument(row["context_id"], max(1, round(tokens / TOKENS_PER_PAGE)), tokens)


def answer(row: dict, model: str, mode: str) -> str | None:
    """The model's LaRA answer in `mode` ('stuff' reads LaRA's 'full', 'rag' its 'rag')."""
    preds = row["preds"].get(model)
    if preds is None:
        known = ", ".join(sorted(row["preds"]))
        raise KeyError(f"LaRA has no answers from {model!r}; it has {known}")
    return preds["full" if mode == "stuff" else "rag"]


def pair_catalog(catalog: Catalog, stuff_model: str, rag_model: str) -> Catalog:
    """The catalog with one long-context model (`stuff_model`) and one cheap (`rag_model`),
    so plan() chooses between exactly the two answers LaRA recorded."""
    for name in (stuff_model, rag_model):
        catalog.get(name)  # a clear error naming the catalog's models
    chains = dict(catalog.chains)
    chains.update(long_context=[stuff_model], cheap=[rag_model])
    return replace(catalog, chains=chains)


def fold_of(context_id: str, folds: int, salt: str = "fold") -> int:
    """The cross-validation fold of a document (by document, never by question). Salted:
    the DEV half is itself `sha256(context_id) % 2 == 0`, so an unsalted even modulus
    would leave folds empty. Another salt is another assignment (eval/router/folds.py)."""
    digest = hashlib.sha256(f"{salt}:{context_id}".encode()).hexdigest()
    return int(digest, 16) % folds


def data_digest(path: Path) -> str:
    """The first 16 hex digits of the data file's sha256 (recorded with trained weights)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
