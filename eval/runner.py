"""Run suites against a live service: build, render, upload, wait, ask in each mode, score.

Each DocSpec is ingested once and all its questions are asked of it in every mode and
trial; then it is deleted (unless kept), so a long grid never grows the store past one
haystack. A row per (question, mode, trial) goes to `on_row` as soon as it exists.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from client import FolioClient, ServerError
from core.llm.catalog import Catalog
from eval.document import build_document
from eval.evidence import Evidence
from eval.haystack import Haystack
from eval.render import RenderedPdf
from eval.scoring import cites_page, score_answer
from eval.suites import DocSpec, Question

Row = dict[str, Any]
MODES = ("stuff", "rag", "auto")


@dataclass
class RunConfig:
    """How to run: modes, trials, where to put rendered PDFs, what the service chunks by."""

    workdir: Path
    modes: tuple[str, ...] = MODES
    trials: int = 1
    seed: int = 0
    keep_documents: bool = False
    chunk_tokens: int = 128
    chunk_overlap: int = 16
    max_cost_usd: float | None = None
    ingest_timeout_s: float = 3600.0


def folio_version(repo: Path | None = None) -> str:
    """Package version plus the git commit of the tree under test, when there is one."""
    try:
        ver = version("folio")
    except PackageNotFoundError:
        ver = "unknown"
    repo = repo or Path(__file__).resolve().parents[1]
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ver
    return f"{ver}+{sha}" if sha else ver


def list_price(catalog: Catalog | None, response: dict) -> float | None:
    """The answer's usage at catalog list prices: its own model's, or, when the offline
    reader answered, the model its mode would use (stuff: long-context, rag: cheap)."""
    if catalog is None:
        return None
    route, usage = response.get("route") or {}, response.get("usage") or {}
    spec = catalog.models.get(route.get("model") or "")
    if spec is None or spec.is_local:
        try:
            spec = catalog.for_role("long_context" if route.get("mode") == "stuff" else "cheap")
        except KeyError:
            return None
    return spec.cost(
        int(usage.get("input_tokens") or 0),
        int(usage.get("output_tokens") or 0),
        int(usage.get("cached_input_tokens") or 0),
    )


class Runner:
    """Runs DocSpecs on one service; the composition root builds and passes its parts."""

    def __init__(
        self,
        client: FolioClient,
        config: RunConfig,
        catalog: Catalog | None = None,
        judge: Any = None,
        on_row: Callable[[Row], None] | None = None,
        on_status: Callable[[str], None] | None = None,
    ) -> None:
        self.client = client
        self.config = config
        self.catalog = catalog
        self.judge = judge
        self.on_row = on_row or (lambda row: None)
        self.on_status = on_status or (lambda text: None)
        self.version = folio_version()

    def run(self, specs: Iterable[DocSpec]) -> list[Row]:
        """Every row of every spec, in order."""
        rows: list[Row] = []
        for spec in specs:
            rows.extend(self.run_doc(spec))
        return rows

    def run_doc(self, spec: DocSpec) -> list[Row]:
        """Build, render and ingest one document, then ask all its questions."""
        self.on_status(f"{spec.key}: building")
        pdf = self.config.workdir / f"{spec.key}.pdf"
        hay, rendered = build_document(spec, pdf)
        pdf_tokens = rendered.tokens
        self.on_status(f"{spec.key}: ingesting {pdf_tokens:,} tokens, {rendered.pages} pages")
        started = time.monotonic()
        doc: dict = {}
        created = False
        try:
            doc, created = self.client.upload(pdf)
            doc = self.client.wait(doc["id"], timeout_s=self.config.ingest_timeout_s)
            error = None if doc.get("status") == "ready" else f"ingest: {doc.get('error')}"
        except (ServerError, TimeoutError) as exc:
            error = f"ingest: {exc}"
        ingest_s = time.monotonic() - started
        evidence = Evidence(pdf, [n for n, _ in spec.needles], *self._chunking())
        base = {
            "suite": spec.suite,
            "doc": spec.key,
            "source": spec.source,
            "context_length": spec.length or pdf_tokens,
            "pdf_tokens": pdf_tokens,
            "haystack_tokens": hay.tokens,
            "depth": spec.depth,
            "document_id": doc.get("id"),
            "doc_tokens": doc.get("tokens"),
            "pages": doc.get("pages") or rendered.pages,
            "chunks": doc.get("chunks"),
            "ingest_s": round(ingest_s, 3),
            "version": self.version,
            "seed": self.config.seed,
        }
        rows = []
        try:
            for question in spec.questions:
                for mode in self.config.modes:
                    for trial in range(self.config.trials):
                        row = self._ask(base, question, mode, trial, hay, rendered, evidence, error)
                        rows.append(row)
                        self.on_row(row)
        finally:
            # Only what this run created: the same bytes may be someone's stored document.
            if doc.get("id") and created and not self.config.keep_documents:
                try:
                    self.client.delete(doc["id"], missing_ok=True)
                except ServerError:
                    pass  # a document left behind costs disk, not correctness
        return rows

    def _chunking(self) -> tuple[int, int]:
        return self.config.chunk_tokens, self.config.chunk_overlap

    def _ask(
        self,
        base: Row,
        q: Question,
        mode: str,
        trial: int,
        hay: Haystack,
        rendered: RenderedPdf,
        evidence: Evidence,
        error: str | None,
    ) -> Row:
        places = [p for p in hay.placements if p.needle in q.needles]
        pages = sorted({pg for p in places for pg in rendered.pages_of(p.char_start, p.char_end)})
        row = base | {
            "question_id": q.id,
            "question": q.text,
            "kind": q.kind,
            "mode": mode,
            "trial": trial,
            "needle": " | ".join(q.needles),
            "expected": q.expected,
            "needle_depths": [round(p.actual_depth(hay.tokens), 2) for p in places],
            "needle_pages": pages,
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        response: dict = {}
        started = time.monotonic()
        if error is None:
            try:
                response = self.client.query(
                    _query_body(q.text, base["document_id"], mode, self.config.max_cost_usd)
                )
            except ServerError as exc:
                error = f"query: HTTP {exc.status_code}: {exc}"
        wall_ms = (time.monotonic() - started) * 1000
        answer = response.get("answer") or ""
        score = score_answer(answer, q.facts, q.distractors)
        route, usage = response.get("route") or {}, response.get("usage") or {}
        retrieved = response.get("retrieved")
        if route.get("mode") == "stuff" and not route.get("escalated") and not retrieved:
            retrieved = None  # nothing was retrieved: no rank to report, not a miss
        ranks = (
            [evidence.rank(retrieved, base["document_id"], n) for n in q.needles]
            if isinstance(retrieved, list)
            else []
        )
        found_ranks = [r for r in ranks if r is not None]
        row |= {
            "answer": answer,
            "score": score.score,
            "found": score.found,
            "missing": score.missing,
            "distractor_hit": score.distractor_hit,
            "cited_needle_page": cites_page(response.get("citations"), base["document_id"], pages)
            if response
            else None,
            "citations": len(response.get("citations") or []),
            "route_mode": route.get("mode"),
            "model": route.get("model"),
            "escalated": route.get("escalated"),
            "route_reason": route.get("reason"),
            "route_scope": route.get("scope"),
            "estimated_cost_usd": route.get("estimated_cost_usd"),
            "retrieved_count": len(retrieved) if isinstance(retrieved, list) else None,
            "needle_chunk_rank": max(found_ranks)
            if ranks and len(found_ranks) == len(ranks)
            else None,
            "needles_retrieved": len(found_ranks) / len(ranks) if ranks else None,
            "input_tokens": usage.get("input_tokens"),
            "cached_input_tokens": usage.get("cached_input_tokens"),
            "output_tokens": usage.get("output_tokens"),
            "cost_usd": response.get("cost_usd"),
            "list_cost_usd": list_price(self.catalog, response) if response else None,
            "latency_ms": response.get("latency_ms"),
            "wall_ms": round(wall_ms, 1),
            "judge_score": self.judge.grade(q.text, q.expected, answer)
            if self.judge and answer
            else None,
            "error": error,
        }
        return row


def _query_body(question: str, document_id: str, mode: str, max_cost_usd: float | None) -> dict:
    """POST /query's body: `debug` asks for the retrieved chunks in rank order."""
    body = {"question": question, "document_ids": [document_id], "mode": mode, "debug": True}
    return body if max_cost_usd is None else body | {"max_cost_usd": max_cost_usd}
