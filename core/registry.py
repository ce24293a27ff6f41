"""The document registry and usage ledger, in one SQLite file (WAL, one connection per call).

SQLite in WAL mode lets the API, an in-process worker thread and separate worker
processes on the same host read and write concurrently without a server.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from core.registry_schema import SCHEMA

STATUSES = ("queued", "processing", "ready", "failed")
_DOC_NAMESPACE = uuid.UUID("6f1c0d55-3b8e-4f0a-9a57-2f1b8d7c9e10")


def document_id_for(tenant_id: str, sha256: str) -> str:
    """Deterministic id: the same file in the same tenant is the same document."""
    return str(uuid.uuid5(_DOC_NAMESPACE, f"{tenant_id}:{sha256}"))


@dataclass
class Document:
    id: str
    tenant_id: str
    filename: str
    sha256: str
    status: str = "queued"
    size_bytes: int = 0
    pages: int = 0
    chunks: int = 0
    tokens: int = 0
    page_tokens: list[int] = field(default_factory=list)
    error: str | None = None
    pages_parsed: int = 0
    pages_total: int = 0
    chunks_embedded: int = 0
    chunks_total: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    created_at: float = 0.0
    updated_at: float = 0.0

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Document:
        data = dict(row)
        data.pop("password", None)
        data["page_tokens"] = json.loads(data["page_tokens"] or "[]")
        data["timings"] = json.loads(data["timings"] or "{}")
        return cls(**data)


@dataclass
class UsageRecord:
    model: str
    role: str
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int
    cost_usd: float
    latency_ms: float
    outcome: str  # "ok" or the error kind
    question_id: str | None = None
    tenant_id: str = "default"
    created_at: float = field(default_factory=time.time)


class Registry:
    """Documents (with ingest progress and timings) and the usage ledger."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA busy_timeout=30000")
        try:
            yield db
        finally:
            db.close()

    def ping(self) -> None:
        """Raise if the registry cannot be read."""
        with self._connect() as db:
            db.execute("SELECT 1 FROM documents LIMIT 1").fetchall()

    # --- documents -------------------------------------------------------------------

    def create_or_get(
        self, tenant_id: str, filename: str, sha256: str, size_bytes: int = 0
    ) -> tuple[Document, bool]:
        """Register a file; return (document, created). An existing sha256 is returned as is."""
        doc_id = document_id_for(tenant_id, sha256)
        now = time.time()
        with self._connect() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO documents (id, tenant_id, filename, sha256, size_bytes,"
                " status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'queued', ?, ?)",
                (doc_id, tenant_id, filename, sha256, size_bytes, now, now),
            )
            created = cur.rowcount == 1
        doc = self.get(doc_id)
        assert doc is not None
        return doc, created

    def get(self, doc_id: str) -> Document | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return Document.from_row(row) if row else None

    def list(
        self, tenant_id: str, limit: int = 50, offset: int = 0, status: str | None = None
    ) -> tuple[list[Document], int]:
        """A page of a tenant's documents, newest first, and the total count."""
        where, args = "tenant_id = ?", [tenant_id]
        if status:
            where, args = where + " AND status = ?", [*args, status]
        with self._connect() as db:
            total = db.execute(f"SELECT COUNT(*) FROM documents WHERE {where}", args).fetchone()[0]
            rows = db.execute(
                f"SELECT * FROM documents WHERE {where} ORDER BY created_at DESC, id"
                " LIMIT ? OFFSET ?",
                [*args, limit, offset],
            ).fetchall()
        return [Document.from_row(r) for r in rows], total

    def update(self, doc_id: str, **fields: object) -> None:
        """Set columns of one document (JSON-encoding lists and dicts) and bump updated_at."""
        if not fields:
            return
        values = {k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in fields.items()}
        values["updated_at"] = time.time()
        assignments = ", ".join(f"{k} = ?" for k in values)
        with self._connect() as db:
            db.execute(
                f"UPDATE documents SET {assignments} WHERE id = ?", [*values.values(), doc_id]
            )

    def mark_queued(self, doc_id: str) -> None:
        """Reset a document for (re-)ingestion, clearing its counts, progress and error."""
        self.update(
            doc_id,
            status="queued",
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
        )

    def mark_failed(self, doc_id: str, reason: str) -> None:
        self.update(doc_id, status="failed", error=reason, password=None)

    def set_password(self, doc_id: str, password: str | None) -> None:
        """Keep an upload's PDF password until ingestion ends; it is never returned."""
        self.update(doc_id, password=password)

    def password(self, doc_id: str) -> str | None:
        with self._connect() as db:
            row = db.execute("SELECT password FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return row[0] if row else None

    def stale_processing(self, older_than_s: float) -> list[str]:
        """Ids of documents left in `processing` longer than `older_than_s` (a dead worker)."""
        cutoff = time.time() - older_than_s
        with self._connect() as db:
            rows = db.execute(
                "SELECT id FROM documents WHERE status = 'processing' AND updated_at < ?",
                (cutoff,),
            ).fetchall()
        return [r[0] for r in rows]

    def delete(self, doc_id: str) -> bool:
        with self._connect() as db:
            return db.execute("DELETE FROM documents WHERE id = ?", (doc_id,)).rowcount == 1

    def count_by_status(self) -> dict[str, int]:
        with self._connect() as db:
            rows = db.execute("SELECT status, COUNT(*) FROM documents GROUP BY status").fetchall()
        return {status: 0 for status in STATUSES} | {r[0]: r[1] for r in rows}

    # --- usage ledger -----------------------------------------------------------------

    def record_usage(self, record: UsageRecord) -> None:
        """Append one model call to the ledger."""
        data = asdict(record)
        with self._connect() as db:
            db.execute(
                f"INSERT INTO usage ({', '.join(data)}) VALUES ({', '.join('?' * len(data))})",
                list(data.values()),
            )

    def usage_totals(self, tenant_id: str | None = None) -> dict[str, list[dict]]:
        """Totals of calls, tokens and dollars by model and by UTC day."""
        where, args = ("WHERE tenant_id = ?", [tenant_id]) if tenant_id else ("", [])
        sums = (
            "COUNT(*) AS calls, SUM(input_tokens) AS input_tokens,"
            " SUM(cached_input_tokens) AS cached_input_tokens,"
            " SUM(output_tokens) AS output_tokens, ROUND(SUM(cost_usd), 6) AS cost_usd"
        )
        with self._connect() as db:
            by_model = db.execute(
                f"SELECT model, {sums} FROM usage {where} GROUP BY model ORDER BY model", args
            ).fetchall()
            by_day = db.execute(
                f"SELECT date(created_at, 'unixepoch') AS day, {sums} FROM usage {where}"
                " GROUP BY day ORDER BY day",
                args,
            ).fetchall()
        return {"by_model": [dict(r) for r in by_model], "by_day": [dict(r) for r in by_day]}
