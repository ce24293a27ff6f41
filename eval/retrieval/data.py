"""Retrieval benchmarks from outside, in one shape: documents (PDFs) and queries with gold.

- ContractNLI as LegalBench-RAG poses it (`benchmarks/contractnli/`): one query per
  annotated hypothesis of an NDA, gold = the annotated evidence spans. Spans less than
  two characters apart are merged first, as LegalBench-RAG does.
- CUAD (`legal/cuad/`): one query per clause category that a contract has, asked with
  CUAD's own category description; gold = the annotated clause texts.

Queries name their document the LegalBench-RAG way ("Consider the <title>; ..."), so the
corpus-wide setting has to find the document as well as the clause.
"""

from __future__ import annotations

import ast
import csv
import json
from dataclasses import dataclass
from pathlib import Path

from eval.retrieval.metrics import merge_close


@dataclass
class BenchQuery:
    qid: str
    document: str  # key into Benchmark.documents
    question: str
    gold: list[str]  # the gold texts, to be located in the document's extracted text
    kind: str = ""  # hypothesis id or clause category, for the per-kind table


@dataclass
class Benchmark:
    name: str
    documents: dict[str, Path]  # document key -> its PDF
    queries: list[BenchQuery]

    def subset(self, max_documents: int | None) -> Benchmark:
        """The first `max_documents` documents (by key) and their queries: a quick slice."""
        if max_documents is None:
            return self
        keep = sorted(self.documents)[:max_documents]
        docs = {k: self.documents[k] for k in keep}
        return Benchmark(self.name, docs, [q for q in self.queries if q.document in docs])


def load_contractnli(folder: Path) -> Benchmark:
    """`folder` holds queries.jsonl and docs/<document>.{txt,pdf} (see its MANIFEST)."""
    folder = Path(folder)
    docs, queries = {}, []
    with open(folder / "queries.jsonl", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    texts: dict[str, str] = {}
    for row in rows:
        name = row["document"]
        if name not in texts:
            texts[name] = (folder / "docs" / f"{name}.txt").read_text(encoding="utf-8")
            docs[name] = folder / "docs" / f"{name}.pdf"
        spans = merge_close([(s["start"], s["end"]) for s in row["gold_spans"]])
        gold = [texts[name][start:end] for start, end in spans]
        queries.append(
            BenchQuery(row["qid"], name, row["question"], gold, row.get("hypothesis_id", ""))
        )
    return Benchmark("contractnli", docs, queries)


def load_cuad(folder: Path) -> Benchmark:
    """`folder` holds cuad_shared_annotations.json, category_descriptions.csv and the PDFs."""
    folder = Path(folder)
    annotations = json.loads((folder / "cuad_shared_annotations.json").read_text("utf-8"))
    described = _descriptions(folder / "category_descriptions.csv")
    docs, queries = {}, []
    for filename, categories in sorted(annotations["contracts"].items()):
        pdf = _find_pdf(folder, filename)
        if pdf is None:
            continue
        docs[pdf.stem] = pdf
        for category, cell in categories.items():
            spans = [s for s in _spans(cell.get("context_raw", "")) if len(s.strip()) >= 3]
            if not spans or category not in described:
                continue
            question = f"Consider the {pdf.stem}; {described[category]}"
            qid = f"cuad_{pdf.stem[:40]}_{category}".replace(" ", "_")
            queries.append(BenchQuery(qid, pdf.stem, question, spans, category))
    return Benchmark("cuad", docs, queries)


def _descriptions(path: Path) -> dict[str, str]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    out = {}
    for row in rows:
        category = row[0].removeprefix("Category:").strip()
        out[category] = row[1].removeprefix("Description:").strip()
    return out


def _spans(raw: str) -> list[str]:
    try:
        value = ast.literal_eval(raw) if raw else []
    except (ValueError, SyntaxError):
        return [raw]
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _find_pdf(folder: Path, filename: str) -> Path | None:
    path = folder / filename
    if path.exists():
        return path
    stem = Path(filename).stem.lower()
    return next(
        (p for p in folder.iterdir() if p.suffix.lower() == ".pdf" and p.stem.lower() == stem), None
    )
