"""The document registry: SQLite by default, PostgreSQL when configured.

One SQLAlchemy Core implementation serves both. SQLite in WAL mode (a file under
FOLIO_DATA_DIR) lets the API, an in-process worker thread and worker processes on the
same host read and write concurrently without a server; hosts that share only the network
point FOLIO_REGISTRY_URL at PostgreSQL, since SQLite's WAL is unsafe on a network volume.

Here: the database opened, and the documents in it (core/storage/documents.py says what a
document is). The same database holds the usage ledger (core/storage/usage.py) and the
reviews (core/storage/reviews.py), which the registry hands out as `registry.usage` and
`registry.reviews`, and API keys and tenants (core/access/keys.py).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from core.storage.conversations import ConversationStore
from core.storage.documents import Document, document_id_for
from core.storage.registry_schema import (
    STATUSES,
    create_schema,
    documents,
    insert_ignoring_conflicts,
    open_engine,
)
from core.storage.reviews import ReviewStore
from core.storage.usage import UsageLedger

if TYPE_CHECKING:
    from core.settings import Settings

_DOC_COLUMNS = [c for c in documents.c if c.name != "password"]


def open_registry(settings: Settings) -> Registry:
    """The registry the settings name: FOLIO_REGISTRY_URL, else DATA_DIR/registry.sqlite."""
    return Registry(settings.registry_url or settings.registry_path)


class Registry:
    """Documents, with their ingest progress and timings; `usage` is the usage ledger and
    `reviews` the reviews, in the same database."""

    def __init__(self, target: str | Path) -> None:
        """Open (creating if missing) the registry at a SQLite file path or a database URL."""
        self.engine, self.path = open_engine(target)
        self.url = self.engine.url.render_as_string(hide_password=True)
        with self.engine.connect() as conn:
            if self.engine.dialect.name == "sqlite":
                # Take the write lock first: a transaction that reads the schema and then
                # writes cannot wait for another opener's write (SQLite says "locked").
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            create_schema(conn)
            conn.commit()
        self.usage = UsageLedger(self.engine)
        self.reviews = ReviewStore(self.engine)
        self.conversations = ConversationStore(self.engine)

    def __repr__(self) -> str:
        return f"Registry({self.url!r})"

    def close(self) -> None:
        """Close the pooled connections (the registry reconnects if used again)."""
        self.engine.dispose()

    def ping(self) -> None:
        """Raise if the registry cannot be read."""
        with self.engine.connect() as conn:
            conn.execute(sa.select(documents.c.id).limit(1)).all()

    def create_or_get(
        self, tenant_id: str, filename: str, sha256: str, size_bytes: int = 0
    ) -> tuple[Document, bool]:
        """Register a file; return (document, created). An existing sha256 is returned as is."""
        doc_id = document_id_for(tenant_id, sha256)
        now = time.time()
        insert = insert_ignoring_conflicts(documents, self.engine.dialect.name).values(
            id=doc_id,
            tenant_id=tenant_id,
            filename=filename,
            sha256=sha256,
            size_bytes=size_bytes,
            status="queued",
            created_at=now,
            updated_at=now,
        )
        with self.engine.begin() as conn:
            # INSERT rowcounts are only kept when asked (psycopg's is -1 otherwise).
            result = conn.execute(insert, execution_options={"preserve_rowcount": True})
            created = result.rowcount == 1
        doc = self.get(doc_id)
        assert doc is not None
        return doc, created

    def get(self, doc_id: str, tenant_id: str | None = None) -> Document | None:
        """A document by id; given `tenant_id`, only if it is that tenant's (else None)."""
        where = [documents.c.id == doc_id]
        if tenant_id is not None:
            where.append(documents.c.tenant_id == tenant_id)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(*_DOC_COLUMNS).where(*where)).first()
        return Document.from_row(row._mapping) if row else None

    def file_in_use(self, sha256: str) -> bool:
        """True while any tenant's document is the file with this sha256 (files are stored
        once per content, so a file goes only with its last document)."""
        query = sa.select(documents.c.id).where(documents.c.sha256 == sha256).limit(1)
        with self.engine.connect() as conn:
            return conn.execute(query).first() is not None

    def list(
        self, tenant_id: str, limit: int = 50, offset: int = 0, status: str | None = None
    ) -> tuple[list[Document], int]:
        """A page of a tenant's documents, newest first, and the total count."""
        where = [documents.c.tenant_id == tenant_id]
        if status:
            where.append(documents.c.status == status)
        page = sa.select(*_DOC_COLUMNS).where(*where)
        page = page.order_by(documents.c.created_at.desc(), documents.c.id)
        with self.engine.connect() as conn:
            total = conn.scalar(sa.select(sa.func.count()).select_from(documents).where(*where))
            rows = conn.execute(page.limit(limit).offset(offset)).all()
        return [Document.from_row(r._mapping) for r in rows], int(total or 0)

    def update(self, doc_id: str, **fields: object) -> None:
        """Set columns of one document (JSON-encoding lists and dicts) and bump updated_at."""
        if not fields:
            return
        values = {k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in fields.items()}
        values["updated_at"] = time.time()
        with self.engine.begin() as conn:
            conn.execute(documents.update().where(documents.c.id == doc_id).values(values))

    def mark_queued(self, doc_id: str) -> None:
        """Reset a document for (re-)ingestion, clearing its counts, progress and error."""
        self._reset(doc_id, "queued")

    def restart(self, doc_id: str) -> None:
        """Reset a claimed document's counts, progress and error for a fresh run; it stays
        `processing` throughout, so a delete never finds it between the two."""
        self._reset(doc_id, "processing")

    def _reset(self, doc_id: str, status: str) -> None:
        self.update(
            doc_id,
            status=status,
            error=None,
            pages=0,
            chunks=0,
            tokens=0,
            page_tokens=[],
            pages_parsed=0,
            pages_total=0,
            chunks_embedded=0,
            chunks_total=0,
            timings={},
            ocr_pages=[],
            ocr_confidence=None,
            ocr_skipped=0,
            enqueued_at=None,
        )

    def mark_failed(self, doc_id: str, reason: str) -> None:
        self.update(doc_id, status="failed", error=reason, password=None)

    def set_password(self, doc_id: str, password: str | None) -> None:
        """Keep an upload's PDF password until ingestion ends; it is never returned."""
        self.update(doc_id, password=password)

    def password(self, doc_id: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.scalar(sa.select(documents.c.password).where(documents.c.id == doc_id))

    def stale_processing(self, older_than_s: float) -> list[str]:
        """Ids of documents left in `processing` longer than `older_than_s` (a dead worker)."""
        cutoff = time.time() - older_than_s
        query = sa.select(documents.c.id).where(
            documents.c.status == "processing", documents.c.updated_at < cutoff
        )
        with self.engine.connect() as conn:
            return list(conn.scalars(query.order_by(documents.c.updated_at)))

    def job_sent(self, doc_id: str) -> None:
        """Note that the document's ingestion job went to the queue just now."""
        with self.engine.begin() as conn:
            query = documents.update().where(documents.c.id == doc_id)
            conn.execute(query.values(enqueued_at=time.time()))

    def orphans(self, unsent_after_s: float, lost_after_s: float | None = None) -> list[str]:
        """Ids of `queued` documents with no job on its way: none sent within
        `unsent_after_s` of being queued, or (given `lost_after_s`) the last sent that long
        ago, which only the caller can tell is lost (the queue is empty)."""
        with self.engine.connect() as conn:
            query = sa.select(documents.c.id).where(_orphaned(unsent_after_s, lost_after_s))
            return list(conn.scalars(query.order_by(documents.c.updated_at)))

    def take_orphan(
        self, doc_id: str, unsent_after_s: float, lost_after_s: float | None = None
    ) -> bool:
        """Atomically mark an orphan's job as sent now: True for the one caller (of any
        process) that then sends it, False if it is no orphan any more."""
        query = documents.update().where(
            documents.c.id == doc_id, _orphaned(unsent_after_s, lost_after_s)
        )
        with self.engine.begin() as conn:
            return conn.execute(query.values(enqueued_at=time.time())).rowcount == 1

    def claim(self, doc_id: str, stale_after_s: float) -> bool:
        """Atomically take a document for ingestion: True if it was `queued`, or `processing`
        with no progress for `stale_after_s` (its worker died). A duplicate delivery of a
        document that is ready, failed, deleted or being ingested by a live worker gets False.
        """
        # One conditional UPDATE: SQLite serialises writers, and PostgreSQL re-checks the
        # WHERE on the row a concurrent claimer has just changed, so only one sees a match.
        now = time.time()
        c = documents.c
        abandoned = (c.status == "processing") & (c.updated_at < now - stale_after_s)
        query = documents.update().where(c.id == doc_id, (c.status == "queued") | abandoned)
        with self.engine.begin() as conn:
            return conn.execute(query.values(status="processing", updated_at=now)).rowcount == 1

    def withdraw(self, doc_id: str) -> bool:
        """Atomically take a document out of the workers' reach before it is deleted: False
        while a worker is ingesting it. Left `failed`, should its deletion not finish."""
        c = documents.c
        query = documents.update().where(c.id == doc_id, c.status != "processing")
        values = {"status": "failed", "error": "being deleted", "updated_at": time.time()}
        with self.engine.begin() as conn:
            return conn.execute(query.values(values)).rowcount == 1

    def delete(self, doc_id: str) -> bool:
        with self.engine.begin() as conn:
            return conn.execute(documents.delete().where(documents.c.id == doc_id)).rowcount == 1

    def count_by_status(self) -> dict[str, int]:
        query = sa.select(documents.c.status, sa.func.count()).group_by(documents.c.status)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return {status: 0 for status in STATUSES} | {s: int(n) for s, n in rows}

    def ready_totals(self, since: float) -> tuple[dict[str, float], dict[str, float]]:
        """Pages, chunks and ingest seconds of every tenant's ready documents: all of them,
        and those finished after `since` (epoch seconds). One pass over three columns, not
        a load of every document."""
        c = documents.c
        query = sa.select(c.pages, c.chunks, c.timings, c.updated_at).where(c.status == "ready")
        totals = dict.fromkeys(("pages", "chunks", "seconds"), 0.0)
        recent = dict(totals)
        with self.engine.connect() as conn:
            for pages, chunks, timings, updated_at in conn.execute(query):
                seconds = float(json.loads(timings or "{}").get("total_s", 0.0))
                for sums in (totals, recent) if updated_at >= since else (totals,):
                    sums["pages"] += pages
                    sums["chunks"] += chunks
                    sums["seconds"] += seconds
        return totals, recent


def _orphaned(unsent_after_s: float, lost_after_s: float | None) -> sa.ColumnElement[bool]:
    """Queued, and no job sent since `unsent_after_s` after it was queued (or, given
    `lost_after_s`, the last one sent that long ago)."""
    now, c = time.time(), documents.c
    unsent = c.enqueued_at.is_(None) & (c.updated_at < now - unsent_after_s)
    if lost_after_s is not None:
        unsent = unsent | (c.enqueued_at < now - lost_after_s)
    return (c.status == "queued") & unsent
