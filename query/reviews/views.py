"""A review as JSON-ready dicts: the body of GET /reviews/{id} (api/ checks it against its
schema) and what `folio review --json` prints, one row per document, one cell per field."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from core.storage.reviews import Cell, Review


def review_view(review: Review, cells: Sequence[Cell] | None = None) -> dict:
    """The review, its progress and (given its cells) its rows."""
    body = {
        "id": review.id,
        "status": review.status,
        "progress": {"cells_done": review.cells_done, "cells_total": review.cells_total},
        "fields": review.fields,
        "document_ids": review.document_ids,
        "cost_usd": round(review.cost_usd, 6),
        "estimate": review.estimate,
        "error": review.error,
        "created_at": review.created_at,
        "updated_at": review.updated_at,
    }
    if cells is not None:
        body["rows"] = rows(review, cells)
    return body


def rows(review: Review, cells: Sequence[Cell]) -> list[dict]:
    """One row per document (in the review's order), its cells by field name (in the
    fields' order); a cell not filled yet has `done: false`."""
    names = {d["document_id"]: d["filename"] for d in review.estimate.get("documents", [])}
    order = [f["name"] for f in review.fields]
    by_doc: dict[str, dict[str, Cell]] = {}
    for cell in cells:
        by_doc.setdefault(cell.document_id, {})[cell.field] = cell
    return [
        {
            "document_id": doc,
            "filename": names.get(doc, ""),
            "cells": {
                name: _cell(by_doc[doc][name]) for name in order if name in by_doc.get(doc, {})
            },
        }
        for doc in review.document_ids
    ]


def _cell(cell: Cell) -> dict:
    data = asdict(cell)
    del data["document_id"], data["field"]
    data["cost_usd"] = round(cell.cost_usd, 8)
    return data
