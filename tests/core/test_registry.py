"""The registry on both backends (a SQLite file, and the real PostgreSQL on 127.0.0.1):
identity by content, state changes, the atomic claim, the usage ledger."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.storage.documents import document_id_for
from core.storage.registry import Registry, open_registry
from core.storage.registry_schema import documents
from core.storage.usage import UsageRecord

# Trust auth on this machine; set FOLIO_TEST_POSTGRES_URL to point the tests elsewhere.
_PG_CANDIDATES = [
    os.environ.get("FOLIO_TEST_POSTGRES_URL", ""),
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://root@127.0.0.1:5432/test",
]


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """A URL PostgreSQL accepts, or a skip saying why none did."""
    import psycopg

    errors = []
    for url in filter(None, _PG_CANDIDATES):
        try:
            with psycopg.connect(url, connect_timeout=3):
                return url
        except psycopg.Error as exc:
            errors.append(f"{url}: {str(exc).strip()}")
    pytest.skip("PostgreSQL not reachable: " + "; ".join(errors))


@pytest.fixture
def pg_url(pg_admin_url: str) -> str:
    """A throwaway schema for one test (dropped after it), as a plain postgresql:// URL."""
    import psycopg

    schema = f"folio_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    url = sa.make_url(pg_admin_url).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where a registry lives: a SQLite file path or a PostgreSQL URL."""
    if request.param == "sqlite":
        return tmp_path / "r.sqlite"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def reg(target: Path | str) -> Registry:
    registry = Registry(target)
    yield registry
    registry.close()


def test_same_sha_in_a_tenant_is_the_same_document(reg: Registry) -> None:
    first, created = reg.create_or_get("default", "a.pdf", "ab" * 32, 10)
    again, created_again = reg.create_or_get("default", "renamed.pdf", "ab" * 32, 10)
    other, _ = reg.create_or_get("acme", "a.pdf", "ab" * 32, 10)
    assert created and not created_again
    assert first.id == again.id == document_id_for("default", "ab" * 32)
    assert again.filename == "a.pdf"
    assert other.id != first.id


def test_registry_keeps_progress_and_errors(reg: Registry) -> None:
    doc, _ = reg.create_or_get("default", "a.pdf", "cd" * 32)
    reg.update(doc.id, status="processing", pages_total=4, page_tokens=[1, 2, 3, 4])
    reg.update(doc.id, timings={"parse_s": 0.25})
    reg.mark_failed(doc.id, "broken PDF: x")
    got = reg.get(doc.id)
    assert (got.status, got.error, got.page_tokens) == ("failed", "broken PDF: x", [1, 2, 3, 4])
    assert got.timings == {"parse_s": 0.25} and got.updated_at >= got.created_at
    reg.mark_queued(doc.id)
    assert reg.get(doc.id).status == "queued" and reg.get(doc.id).error is None
    assert reg.get(doc.id).page_tokens == [] and reg.get("missing") is None


def test_ready_totals_cover_every_tenant_and_only_ready_documents(reg: Registry) -> None:
    # /metrics reads these: a tenant other than FOLIO_TENANT_ID's documents count too.
    done = [("default", 3, 10, 2.0), ("acme", 5, 20, 4.0)]
    for tenant, pages, chunks, seconds in done:
        doc, _ = reg.create_or_get(tenant, "a.pdf", uuid.uuid4().hex * 2)
        reg.update(doc.id, status="ready", pages=pages, chunks=chunks, timings={"total_s": seconds})
    failed, _ = reg.create_or_get("acme", "b.pdf", "ef" * 32)
    reg.update(failed.id, status="failed", pages=7, chunks=7)
    totals, recent = reg.ready_totals(since=time.time() - 60)
    assert totals == {"pages": 8, "chunks": 30, "seconds": 6.0} == recent
    assert reg.ready_totals(since=time.time() + 60)[1] == {"pages": 0, "chunks": 0, "seconds": 0}


def test_sqlite_registry_uses_wal(tmp_path: Path) -> None:
    Registry(tmp_path / "r.sqlite").ping()
    mode = sqlite3.connect(tmp_path / "r.sqlite").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_password_is_kept_apart_and_cleared_on_failure(reg: Registry) -> None:
    doc, _ = reg.create_or_get("default", "a.pdf", "ef" * 32)
    reg.set_password(doc.id, "s3cret")
    assert reg.password(doc.id) == "s3cret"
    assert "s3cret" not in repr(reg.get(doc.id))
    reg.mark_failed(doc.id, "encrypted PDF")
    assert reg.password(doc.id) is None


def test_stale_processing_and_listing(reg: Registry) -> None:
    ids = [reg.create_or_get("default", f"{i}.pdf", f"{i:064x}")[0].id for i in range(3)]
    reg.update(ids[0], status="processing")
    assert reg.stale_processing(older_than_s=-1) == [ids[0]]
    assert reg.stale_processing(older_than_s=3600) == []
    page, total = reg.list("default", limit=2)
    assert total == 3 and len(page) == 2
    assert [d.id for d in page] == ids[:0:-1]  # newest first
    assert reg.list("default", status="processing")[1] == 1
    assert reg.count_by_status()["processing"] == 1
    assert reg.delete(ids[1]) and reg.get(ids[1]) is None
    assert not reg.delete(ids[1])


def test_usage_totals_by_model_and_day(reg: Registry) -> None:
    for model, cost in (("gpt-4o", 0.01), ("gpt-4o", 0.02), ("gpt-5.2", 0.5)):
        reg.usage.record(UsageRecord(model, "cheap", 1000, 100, 50, cost, 12.0, "ok"))
    totals = reg.usage.totals()
    by_model = {row["model"]: row for row in totals["by_model"]}
    assert by_model["gpt-4o"]["calls"] == 2 and by_model["gpt-4o"]["cost_usd"] == 0.03
    assert by_model["gpt-4o"]["cached_input_tokens"] == 200
    assert sum(row["calls"] for row in totals["by_day"]) == 3


def test_usage_days_are_utc_calendar_days(reg: Registry) -> None:
    last_second_of_feb = 1709251199.5  # 2024-02-29T23:59:59.5Z
    for at, tenant in ((last_second_of_feb, "acme"), (last_second_of_feb + 1, "acme"),
                       (last_second_of_feb + 2, "other")):  # fmt: skip
        reg.usage.record(UsageRecord("m", "cheap", 10, 0, 5, 0.001, 1.0, "ok", None, tenant, at))
    days = reg.usage.totals("acme")["by_day"]
    assert [(d["day"], d["calls"], d["output_tokens"]) for d in days] == [
        ("2024-02-29", 1, 5),
        ("2024-03-01", 1, 5),
    ]
    assert [d["calls"] for d in reg.usage.totals()["by_day"]] == [1, 2]


def test_two_claimers_of_one_document_exactly_one_wins(target: Path | str) -> None:
    """Two workers (each with its own registry and connections) claim the same documents
    at the same instant, first queued ones, then ones whose worker went quiet."""
    setup = Registry(target)
    ids = [setup.create_or_get("default", f"{i}.pdf", f"{i:064x}")[0].id for i in range(20)]
    claimers = [Registry(target), Registry(target)]
    barrier = threading.Barrier(len(claimers))

    def claim_all(registry: Registry) -> list[bool]:
        won = []
        for doc_id in ids:
            barrier.wait(timeout=60)
            won.append(registry.claim(doc_id, stale_after_s=600))
        return won

    def race() -> dict[str, int]:
        """How many claimers won each document."""
        with ThreadPoolExecutor(len(claimers)) as pool:
            results = list(pool.map(claim_all, claimers))
        return {doc_id: sum(won) for doc_id, *won in zip(ids, *results, strict=True)}

    assert race() == dict.fromkeys(ids, 1)
    assert race() == dict.fromkeys(ids, 0)  # live workers hold them all
    with setup.engine.begin() as conn:  # every worker died 1000 s ago
        conn.execute(documents.update().values(updated_at=time.time() - 1000))
    assert race() == dict.fromkeys(ids, 1)
    assert setup.count_by_status()["processing"] == len(ids)
    for registry in (setup, *claimers):
        registry.close()


def test_registries_opened_at_once_share_one_schema(target: Path | str) -> None:
    """Processes starting together on a fresh registry all create it without a clash."""
    with ThreadPoolExecutor(4) as pool:
        opened = list(pool.map(lambda _: Registry(target), range(4)))
    doc, created = opened[0].create_or_get("default", "a.pdf", "12" * 32)
    assert created and opened[3].get(doc.id) == doc
    for registry in opened:
        registry.close()


def test_open_registry_takes_the_url_else_the_data_dir(settings, target: Path | str) -> None:
    default = open_registry(settings)
    assert default.path == settings.registry_path and settings.registry_path.exists()
    url = f"sqlite:///{target}" if isinstance(target, Path) else target
    configured = open_registry(settings.model_copy(update={"registry_url": url}))
    assert configured.engine.dialect.name == (
        "sqlite" if isinstance(target, Path) else "postgresql"
    )
    doc, _ = Registry(target).create_or_get("default", "a.pdf", "34" * 32)
    assert configured.get(doc.id) == doc and default.get(doc.id) is None


def test_unsupported_databases_are_refused_before_connecting(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unsupported registry database 'mysql'"):
        Registry("mysql://user@127.0.0.1:1/folio")
    with pytest.raises(ValueError, match="needs a file"):
        Registry("sqlite://")
