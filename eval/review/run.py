"""One review of the benchmark through the real service: upload every contract, start a
review with the cuad preset, wait for it, and score each cell (CellResult)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from client import FolioClient
from eval.common.service import upload_ready
from eval.review.data import ReviewBench
from eval.review.result import CellResult
from eval.review.scoring import evidence, outcome


def upload(client: FolioClient, bench: ReviewBench, timeout_s: float = 1800.0) -> dict[str, str]:
    """contract name -> document id, every one ready (a failed upload is an error)."""
    return upload_ready(client, {c.name: c.pdf for c in bench.contracts}, timeout_s)


def review(
    client: FolioClient,
    ids: list[str],
    fields: str | list = "cuad",
    on_progress: Callable[[int, int], None] | None = None,
    timeout_s: float = 3600.0,
) -> dict:
    """Start one review of `ids` and poll it until it is no longer queued or running."""
    body = client.create_review({"fields": fields, "document_ids": ids})
    deadline = time.monotonic() + timeout_s
    while body["status"] in ("queued", "running"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"review {body['id']} still {body['status']} after {timeout_s}s")
        time.sleep(1.0)
        body = client.review(body["id"])
        if on_progress:
            on_progress(body["progress"]["cells_done"], body["progress"]["cells_total"])
    if body["status"] != "done":
        raise RuntimeError(f"review {body['id']} {body['status']}: {body.get('error')}")
    return body


def score_review(bench: ReviewBench, ids: dict[str, str], body: dict) -> Iterator[CellResult]:
    """A CellResult for every (contract, category) of the benchmark."""
    rows = {row["document_id"]: row for row in body["rows"]}
    for contract in bench.contracts:
        cells = rows.get(ids[contract.name], {}).get("cells", {})
        for category in bench.categories:
            yield score_cell("folio", contract.name, category, cells.get(category), contract.gold)


def score_cell(
    system: str, contract: str, category: str, cell: dict | None, gold: dict[str, list[str]]
) -> CellResult:
    """One cell of a review body (None: missing from it) scored against the gold."""
    cell = cell or {"found": False, "citations": [], "passages": [], "error": "no such cell"}
    clauses = gold.get(category, [])
    quotes = [c["quote"] for c in cell.get("citations") or []]
    passages = [p["text"] for p in cell.get("passages") or []]
    return CellResult(
        system=system,
        contract=contract,
        category=category,
        route=(cell.get("route") or {}).get("mode", ""),
        found=bool(cell.get("found")),
        value=cell.get("value"),
        quotes=quotes,
        pages=[c["page"] for c in cell.get("citations") or []],
        gold=len(clauses),
        outcome=outcome(quotes, clauses),
        evidence=evidence(passages, clauses) if clauses else None,
        error=cell.get("error"),
    )
