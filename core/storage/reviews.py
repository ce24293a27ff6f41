"""Reviews in the registry's database: a review (its fields, documents, options, estimate,
status and cost) and its cells, one per document and field.

A cell is written once, when it is done, with its cost: a review resumed after its worker
died skips the cells it has, so no cell is paid twice. Status moves queued -> running ->
done | failed; cancelled from either of the first two (DELETE /reviews/{id}).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from core.storage.registry_schema import review_cells, reviews

ACTIVE = ("queued", "running")


@dataclass
class Cell:
    """One document's value for one field, with where it stands and what it cost."""

    document_id: str
    field: str
    done: bool = False
    found: bool = False
    value: Any = None
    citations: list[dict] = field(default_factory=list)  # {page, quote}
    passages: list[dict] = field(default_factory=list)  # {pages: [first, last], text}
    route: dict = field(default_factory=dict)  # {mode, model, reason}
    cost_usd: float = 0.0
    error: str | None = None


@dataclass
class Review:
    id: str
    tenant_id: str
    key_id: str | None
    status: str
    fields: list[dict]
    document_ids: list[str]
    options: dict
    estimate: dict
    cost_usd: float
    error: str | None
    created_at: float
    updated_at: float
    cells_done: int = 0
    cells_total: int = 0


class ReviewStore:
    """Reviews and their cells; every method scoped to a tenant where it reads a review."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def create(
        self,
        tenant_id: str,
        key_id: str | None,
        fields: list[dict],
        document_ids: Sequence[str],
        options: dict,
        estimate: dict,
    ) -> Review:
        """A queued review with an empty cell for every document and field."""
        now, review_id = time.time(), uuid.uuid4().hex
        row = {
            "id": review_id,
            "tenant_id": tenant_id,
            "key_id": key_id,
            "status": "queued",
            "fields": json.dumps(fields),
            "document_ids": json.dumps(list(document_ids)),
            "options": json.dumps(options),
            "estimate": json.dumps(estimate),
            "created_at": now,
            "updated_at": now,
        }
        cells = [
            {"review_id": review_id, "document_id": d, "field": f["name"], "updated_at": now}
            for d in document_ids
            for f in fields
        ]
        with self.engine.begin() as conn:
            conn.execute(reviews.insert().values(row))
            conn.execute(review_cells.insert(), cells)
        review = self.get(review_id)
        assert review is not None
        return review

    def get(self, review_id: str, tenant_id: str | None = None) -> Review | None:
        """A review (of `tenant_id` when given: another tenant's is None), with its counts."""
        where = [reviews.c.id == review_id]
        if tenant_id is not None:
            where.append(reviews.c.tenant_id == tenant_id)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(reviews).where(*where)).first()
            if row is None:
                return None
            counts = _counts(conn, [review_id])
        return _review(row._mapping, counts.get(review_id, (0, 0)))

    def list(self, tenant_id: str, limit: int = 100) -> list[Review]:
        """The tenant's reviews, newest first."""
        query = sa.select(reviews).where(reviews.c.tenant_id == tenant_id)
        query = query.order_by(reviews.c.created_at.desc()).limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
            counts = _counts(conn, [r.id for r in rows])
        return [_review(r._mapping, counts.get(r.id, (0, 0))) for r in rows]

    def cells(self, review_id: str, pending: bool = False) -> list[Cell]:
        """The review's cells (only those not done yet with `pending`)."""
        query = sa.select(review_cells).where(review_cells.c.review_id == review_id)
        if pending:
            query = query.where(review_cells.c.done.is_(False))
        with self.engine.connect() as conn:
            return [_cell(r._mapping) for r in conn.execute(query)]

    def save(self, review_id: str, done: Sequence[Cell]) -> None:
        """Write cells that are done, and add their cost to the review's."""
        if not done:
            return
        now, c = time.time(), review_cells.c
        with self.engine.begin() as conn:
            for cell in done:
                where = (c.review_id == review_id) & (c.document_id == cell.document_id)
                conn.execute(
                    review_cells.update()
                    .where(where & (c.field == cell.field))
                    .values(_cell_values(cell) | {"updated_at": now})
                )
            cost = sum(cell.cost_usd for cell in done)
            conn.execute(
                reviews.update()
                .where(reviews.c.id == review_id)
                .values(cost_usd=reviews.c.cost_usd + cost, updated_at=now)
            )

    def claim(self, review_id: str, document_id: str, stale_after_s: float) -> bool:
        """Atomically take a document's pending cells for filling: False while another
        worker filled them within `stale_after_s` (so no cell is asked twice at once)."""
        now, c = time.time(), review_cells.c
        query = review_cells.update().where(
            c.review_id == review_id,
            c.document_id == document_id,
            c.done.is_(False),
            c.claimed_at.is_(None) | (c.claimed_at < now - stale_after_s),
        )
        with self.engine.begin() as conn:
            return conn.execute(query.values(claimed_at=now)).rowcount > 0

    def set_status(
        self, review_id: str, status: str, error: str | None = None, only_from=ACTIVE
    ) -> bool:
        """Move a review to `status` if it is in one of `only_from`; True if it moved."""
        query = reviews.update().where(reviews.c.id == review_id, reviews.c.status.in_(only_from))
        values = {"status": status, "error": error, "updated_at": time.time()}
        with self.engine.begin() as conn:
            return conn.execute(query.values(values)).rowcount == 1

    def stale(self, older_than_s: float) -> list[str]:
        """Ids of reviews queued or running with no progress for `older_than_s`."""
        query = sa.select(reviews.c.id).where(
            reviews.c.status.in_(ACTIVE), reviews.c.updated_at < time.time() - older_than_s
        )
        with self.engine.connect() as conn:
            return list(conn.scalars(query))

    def touch(self, review_id: str, older_than_s: float) -> bool:
        """Atomically freshen a stale active review: True for the one caller that then
        sends its job again."""
        c = reviews.c
        query = reviews.update().where(
            c.id == review_id, c.status.in_(ACTIVE), c.updated_at < time.time() - older_than_s
        )
        with self.engine.begin() as conn:
            return conn.execute(query.values(updated_at=time.time())).rowcount == 1


def _counts(conn: sa.Connection, ids: Sequence[str]) -> dict[str, tuple[int, int]]:
    if not ids:
        return {}
    c = review_cells.c
    done = sa.func.sum(sa.case((c.done.is_(True), 1), else_=0))
    query = sa.select(c.review_id, done, sa.func.count()).where(c.review_id.in_(list(ids)))
    rows = conn.execute(query.group_by(c.review_id)).all()
    return {r[0]: (int(r[1] or 0), int(r[2])) for r in rows}


def _review(row: Any, counts: tuple[int, int]) -> Review:
    data = dict(row)
    for key in ("fields", "document_ids", "options", "estimate"):
        data[key] = json.loads(data[key])
    return Review(**data, cells_done=counts[0], cells_total=counts[1])


def _cell(row: Any) -> Cell:
    skip = ("review_id", "updated_at", "claimed_at")
    data = {k: v for k, v in dict(row).items() if k not in skip}
    data["value"] = json.loads(data["value"]) if data["value"] is not None else None
    for key in ("citations", "passages", "route"):
        data[key] = json.loads(data[key])
    data["done"], data["found"] = bool(data["done"]), bool(data["found"])
    return Cell(**data)


def _cell_values(cell: Cell) -> dict:
    return {
        "done": True,
        "found": cell.found,
        "value": None if cell.value is None else json.dumps(cell.value),
        "citations": json.dumps(cell.citations),
        "passages": json.dumps(cell.passages),
        "route": json.dumps(cell.route),
        "cost_usd": cell.cost_usd,
        "error": cell.error,
    }
