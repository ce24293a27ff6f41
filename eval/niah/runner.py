"""Run suites against a live service: build, render, upload, wait, ask in each mode, score.

Each DocSpec is ingested once and all its questions are asked of it in every mode and
trial; then it is deleted (unless kept), so a long grid never grows the store past one
haystack. A NiahResult per (question, mode, trial) goes to `on_result` as soon as it
exists.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from client import FolioClient, ServerError
from core.llm.catalog import Catalog
from eval.common.judge import Judge
from eval.common.service import folio_version
from eval.niah.document import build_document
from eval.niah.evidence import Evidence
from eval.niah.haystack import Haystack
from eval.niah.render import RenderedPdf
from eval.niah.result import DocFacts, NiahResult
from eval.niah.scoring import cites_page, score_answer
from eval.niah.suites import DocSpec, Question

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


@dataclass(frozen=True)
class _Asked:
    """One question of a document, in one mode and trial, and where its needles were put."""

    question: Question
    mode: str
    trial: int
    hay: Haystack
    rendered: RenderedPdf


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
        judge: Judge | None = None,
        on_result: Callable[[NiahResult], None] | None = None,
        on_status: Callable[[str], None] | None = None,
    ) -> None:
        self.client = client
        self.config = config
        self.catalog = catalog
        self.judge = judge
        self.on_result = on_result or (lambda result: None)
        self.on_status = on_status or (lambda text: None)
        self.version = folio_version()

    def run(self, specs: Iterable[DocSpec]) -> list[NiahResult]:
        """Every result of every spec, in order."""
        results: list[NiahResult] = []
        for spec in specs:
            results.extend(self.run_doc(spec))
        return results

    def run_doc(self, spec: DocSpec) -> list[NiahResult]:
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
        chunking = (self.config.chunk_tokens, self.config.chunk_overlap)
        evidence = Evidence(pdf, [n for n, _ in spec.needles], *chunking)
        facts = DocFacts(
            suite=spec.suite,
            doc=spec.key,
            source=spec.source,
            context_length=spec.length or pdf_tokens,
            pdf_tokens=pdf_tokens,
            haystack_tokens=hay.tokens,
            depth=spec.depth,
            document_id=doc.get("id"),
            doc_tokens=doc.get("tokens"),
            pages=doc.get("pages") or rendered.pages,
            chunks=doc.get("chunks"),
            ingest_s=round(ingest_s, 3),
            version=self.version,
            seed=self.config.seed,
        )
        results = []
        try:
            for question in spec.questions:
                for mode in self.config.modes:
                    for trial in range(self.config.trials):
                        asked = _Asked(question, mode, trial, hay, rendered)
                        result = self._ask(facts, asked, evidence, error)
                        results.append(result)
                        self.on_result(result)
        finally:
            # Only what this run created: the same bytes may be someone's stored document.
            if doc.get("id") and created and not self.config.keep_documents:
                try:
                    self.client.delete(doc["id"], missing_ok=True)
                except ServerError:
                    pass  # a document left behind costs disk, not correctness
        return results

    def _ask(
        self, facts: DocFacts, asked: _Asked, evidence: Evidence, error: str | None
    ) -> NiahResult:
        """Ask one question in one mode (unless ingest failed) and score the answer."""
        q = asked.question
        places = [p for p in asked.hay.placements if p.needle in q.needles]
        pages = sorted(
            {pg for p in places for pg in asked.rendered.pages_of(p.char_start, p.char_end)}
        )
        asked_at = datetime.now(UTC).isoformat(timespec="seconds")
        response: dict = {}
        started = time.monotonic()
        if error is None:
            body = _query_body(q.text, facts.document_id, asked.mode, self.config.max_cost_usd)
            try:
                response = self.client.query(body)
            except ServerError as exc:
                error = f"query: HTTP {exc.status_code}: {exc}"
        wall_ms = (time.monotonic() - started) * 1000
        answer = response.get("answer") or ""
        score = score_answer(answer, q.facts, q.distractors)
        route, usage = response.get("route") or {}, response.get("usage") or {}
        count, rank, share = _retrieval(response, evidence, facts.document_id, q.needles)
        return NiahResult(
            **vars(facts),
            question_id=q.id,
            question=q.text,
            kind=q.kind,
            mode=asked.mode,
            trial=asked.trial,
            needle=" | ".join(q.needles),
            expected=q.expected,
            needle_depths=[round(p.actual_depth(asked.hay.tokens), 2) for p in places],
            needle_pages=pages,
            time=asked_at,
            answer=answer,
            score=score.score,
            found=score.found,
            missing=score.missing,
            distractor_hit=score.distractor_hit,
            cited_needle_page=cites_page(response.get("citations"), facts.document_id, pages)
            if response
            else None,
            citations=len(response.get("citations") or []),
            route_mode=route.get("mode"),
            model=route.get("model"),
            escalated=route.get("escalated"),
            route_reason=route.get("reason"),
            route_scope=route.get("scope"),
            estimated_cost_usd=route.get("estimated_cost_usd"),
            retrieved_count=count,
            needle_chunk_rank=rank,
            needles_retrieved=share,
            input_tokens=usage.get("input_tokens"),
            cached_input_tokens=usage.get("cached_input_tokens"),
            output_tokens=usage.get("output_tokens"),
            cost_usd=response.get("cost_usd"),
            list_cost_usd=list_price(self.catalog, response) if response else None,
            latency_ms=response.get("latency_ms"),
            wall_ms=round(wall_ms, 1),
            judge_score=self.judge.grade(q.text, q.expected, answer)
            if self.judge and answer
            else None,
            error=error,
        )


def _retrieval(
    response: dict, evidence: Evidence, document_id: str | None, needles: tuple[str, ...]
) -> tuple[int | None, int | None, float | None]:
    """(chunks retrieved, worst rank of a needle's first chunk, share of needles found);
    all None when the service retrieved nothing (a plain stuff is no miss)."""
    route = response.get("route") or {}
    retrieved = response.get("retrieved")
    if route.get("mode") == "stuff" and not route.get("escalated") and not retrieved:
        retrieved = None  # nothing was retrieved: no rank to report, not a miss
    if not isinstance(retrieved, list):
        return None, None, None
    ranks = [evidence.rank(retrieved, document_id, n) for n in needles]
    found = [r for r in ranks if r is not None]
    worst = max(found) if ranks and len(found) == len(ranks) else None
    return len(retrieved), worst, len(found) / len(ranks) if ranks else None


def _query_body(
    question: str, document_id: str | None, mode: str, max_cost_usd: float | None
) -> dict:
    """POST /query's body: `debug` asks for the retrieved chunks in rank order."""
    body = {"question": question, "document_ids": [document_id], "mode": mode, "debug": True}
    return body if max_cost_usd is None else body | {"max_cost_usd": max_cost_usd}
