"""The registry's database side: tables, the migration, per-dialect SQL and the engine.

Times are epoch seconds (double precision: a 4-byte REAL would round them to minutes on
PostgreSQL); `page_tokens` and `timings` are JSON text, as in registry files made before.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import CreateColumn, CreateIndex, CreateTable
from sqlalchemy.sql.expression import FunctionElement

STATUSES = ("queued", "processing", "ready", "failed")
# Any constant will do: it names the advisory lock that serialises schema creation.
_SCHEMA_LOCK_KEY = 0x464F4C494F

metadata = sa.MetaData()

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("tenant_id", sa.Text, nullable=False),
    sa.Column("filename", sa.Text, nullable=False),
    sa.Column("sha256", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("size_bytes", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("pages", sa.Integer, nullable=False, server_default="0"),
    sa.Column("chunks", sa.Integer, nullable=False, server_default="0"),
    sa.Column("tokens", sa.Integer, nullable=False, server_default="0"),
    sa.Column("page_tokens", sa.Text, nullable=False, server_default="[]"),
    sa.Column("error", sa.Text),
    sa.Column("password", sa.Text),
    sa.Column("pages_parsed", sa.Integer, nullable=False, server_default="0"),
    sa.Column("pages_total", sa.Integer, nullable=False, server_default="0"),
    sa.Column("chunks_embedded", sa.Integer, nullable=False, server_default="0"),
    sa.Column("chunks_total", sa.Integer, nullable=False, server_default="0"),
    sa.Column("timings", sa.Text, nullable=False, server_default="{}"),
    # Pages read by OCR (JSON list, 1-based), their mean confidence, pages OCR could not read.
    sa.Column("ocr_pages", sa.Text, nullable=False, server_default="[]"),
    sa.Column("ocr_confidence", sa.Double),
    sa.Column("ocr_skipped", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("updated_at", sa.Double, nullable=False),
    # When its ingestion job last went to the queue; None while `queued` with none sent
    # (the process that registered it died before sending: workers/recovery.py).
    sa.Column("enqueued_at", sa.Double),
    sa.UniqueConstraint("tenant_id", "sha256"),
    sa.CheckConstraint(f"status IN {STATUSES!r}", name="documents_status"),
    sa.Index("documents_tenant_status", "tenant_id", "status"),
)

usage = sa.Table(
    "usage",
    metadata,
    # INTEGER on SQLite so the id is the rowid; BIGINT elsewhere: the ledger only grows.
    sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("tenant_id", sa.Text, nullable=False, server_default="default"),
    sa.Column("question_id", sa.Text),
    sa.Column("model", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("input_tokens", sa.Integer, nullable=False, server_default="0"),
    sa.Column("cached_input_tokens", sa.Integer, nullable=False, server_default="0"),
    sa.Column("output_tokens", sa.Integer, nullable=False, server_default="0"),
    sa.Column("cost_usd", sa.Double, nullable=False, server_default="0"),
    sa.Column("latency_ms", sa.Double, nullable=False, server_default="0"),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("key_id", sa.Text),  # the API key that asked (None: the CLI, auth off)
    # Time to the first streamed text (the whole call when not streaming), and output
    # tokens a second after it (streaming only): what core/llm/latency.py estimates from.
    sa.Column("first_token_ms", sa.Double),
    sa.Column("output_tokens_per_s", sa.Double),
    # The document set sent as prompt_cache_key: which prefix a later call may find cached.
    sa.Column("cache_key", sa.Text),
    sa.Index("usage_created", "created_at"),
    sa.Index("usage_model_created", "model", "created_at"),
    sa.Index("usage_tenant_created", "tenant_id", "created_at"),
    sqlite_autoincrement=True,
)

# Reviews (query/reviews/): a table of documents x fields, filled cell by cell by a worker.
# `fields`, `document_ids` and `estimate` are JSON text; a cell's value, citations,
# passages and route too. A cell is written once, when it is done: a resumed review skips it.
REVIEW_STATUSES = ("queued", "running", "done", "failed", "cancelled")
reviews = sa.Table(
    "reviews",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("tenant_id", sa.Text, nullable=False),
    sa.Column("key_id", sa.Text),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("fields", sa.Text, nullable=False),
    sa.Column("document_ids", sa.Text, nullable=False),
    sa.Column("options", sa.Text, nullable=False, server_default="{}"),  # mode, prefer, cap
    sa.Column("estimate", sa.Text, nullable=False, server_default="{}"),
    sa.Column("cost_usd", sa.Double, nullable=False, server_default="0"),
    sa.Column("error", sa.Text),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("updated_at", sa.Double, nullable=False),
    sa.CheckConstraint(f"status IN {REVIEW_STATUSES!r}", name="reviews_status"),
    sa.Index("reviews_tenant", "tenant_id", "created_at"),
)
review_cells = sa.Table(
    "review_cells",
    metadata,
    sa.Column("review_id", sa.Text, primary_key=True),
    sa.Column("document_id", sa.Text, primary_key=True),
    sa.Column("field", sa.Text, primary_key=True),
    sa.Column("done", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("found", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("value", sa.Text),
    sa.Column("citations", sa.Text, nullable=False, server_default="[]"),
    sa.Column("passages", sa.Text, nullable=False, server_default="[]"),
    sa.Column("route", sa.Text, nullable=False, server_default="{}"),
    sa.Column("cost_usd", sa.Double, nullable=False, server_default="0"),
    sa.Column("error", sa.Text),
    sa.Column("claimed_at", sa.Double),  # a worker is filling it (core/storage/reviews.py)
    sa.Column("updated_at", sa.Double, nullable=False),
)

# Conversations folio keeps for `POST /query`'s conversation_id: the turns, per tenant
# (the same id in two tenants is two conversations).
conversation_turns = sa.Table(
    "conversation_turns",
    metadata,
    sa.Column("tenant_id", sa.Text, primary_key=True),
    sa.Column("conversation_id", sa.Text, primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
)

# A tenant is created by its first key; its optional monthly cap covers all its keys.
tenants = sa.Table(
    "tenants",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("budget_usd", sa.Double),
    sa.Column("created_at", sa.Double, nullable=False),
)

# API keys: only a sha256 of each secret is kept (the secret is shown once, at creation).
api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),  # public: shown in lists and usage
    sa.Column("tenant_id", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False, server_default=""),
    sa.Column("secret_sha256", sa.Text, nullable=False, unique=True),
    sa.Column("prefix", sa.Text, nullable=False),  # the secret's first characters
    sa.Column("admin", sa.Boolean, nullable=False, server_default=sa.false()),
    # The operator's keys manage every tenant's keys; an admin only its own tenant's.
    sa.Column("operator", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("budget_usd", sa.Double),  # monthly cap of this key; None: none
    sa.Column("rpm", sa.Integer),  # requests per minute; None: unlimited
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("revoked_at", sa.Double),
    sa.Index("api_keys_tenant", "tenant_id"),
)


def create_schema(conn: sa.Connection) -> None:
    """Create the tables and indexes that are missing; run on every open.

    Processes that open a fresh registry at the same moment must not race: IF NOT EXISTS
    covers SQLite, and on PostgreSQL (where that alone is not race-free) a transaction-scoped
    advisory lock lets one process create while the others wait.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_SCHEMA_LOCK_KEY)))
    for table in metadata.sorted_tables:
        conn.execute(CreateTable(table, if_not_exists=True))
        _add_missing_columns(conn, table)
        for index in sorted(table.indexes, key=lambda i: i.name or ""):
            conn.execute(CreateIndex(index, if_not_exists=True))


def _add_missing_columns(conn: sa.Connection, table: sa.Table) -> None:
    """The migration: a registry made by an older folio gets the columns added since
    (each has a server default or is nullable, so its rows stay valid)."""
    have = {c["name"] for c in sa.inspect(conn).get_columns(table.name)}
    for column in table.columns:
        if column.name not in have:
            ddl = CreateColumn(column).compile(dialect=conn.dialect)
            conn.execute(sa.text(f"ALTER TABLE {table.name} ADD COLUMN {ddl}"))


class utc_day(FunctionElement):  # noqa: N801 - named like the SQL function it stands for
    """The UTC calendar day ('YYYY-MM-DD') of an epoch-seconds column, compiled per dialect."""

    type = sa.Text()
    name = "utc_day"
    inherit_cache = True


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element: utc_day, compiler, **kw) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, 'unixepoch')"


@compiles(utc_day, "postgresql")
def _utc_day_postgresql(element: utc_day, compiler, **kw) -> str:
    epoch = compiler.process(element.clauses, **kw)
    return f"to_char(to_timestamp({epoch}) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"


def insert_ignoring_conflicts(table: sa.Table, dialect: str) -> sa.Insert:
    """INSERT ... ON CONFLICT DO NOTHING in the dialect's own spelling (both say it alike)."""
    module = {"sqlite": sqlite, "postgresql": postgresql}[dialect]
    return module.insert(table).on_conflict_do_nothing()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")  # wait for another process's write
    # Readers never block the writer. Switching a fresh file to WAL does not wait on
    # busy_timeout: when another opener holds the lock at that moment, try again.
    for attempt in range(100):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError:
            if attempt == 99:
                raise
            time.sleep(0.05)
    cursor.close()


def open_engine(target: str | Path) -> tuple[sa.Engine, Path | None]:
    """An engine for a database URL or a SQLite file path, and that path (None for a server)."""
    if isinstance(target, Path) or "://" not in target:
        url = sa.URL.create("sqlite+pysqlite", database=str(target))
    else:
        url = sa.make_url(target)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")  # the driver folio installs
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise ValueError("the SQLite registry needs a file: several connections share it")
        path = Path(url.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine, path
    if backend == "postgresql":
        # Short statements: a few pooled connections per process serve the API's threads;
        # pre-ping and recycle drop connections a server restart or a proxy has cut.
        engine = sa.create_engine(
            url, pool_size=5, max_overflow=10, pool_pre_ping=True, pool_recycle=1800
        )
        return engine, None
    raise ValueError(f"unsupported registry database {backend!r}: use sqlite or postgresql")
