"""The SQLite registry: identity by content, state changes, the usage ledger."""

from __future__ import annotations

import sqlite3

from core.registry import Registry, UsageRecord, document_id_for


def test_same_sha_in_a_tenant_is_the_same_document(tmp_path) -> None:
    reg = Registry(tmp_path / "r.sqlite")
    first, created = reg.create_or_get("default", "a.pdf", "ab" * 32, 10)
    again, created_again = reg.create_or_get("default", "renamed.pdf", "ab" * 32, 10)
    other, _ = reg.create_or_get("acme", "a.pdf", "ab" * 32, 10)
    assert created and not created_again
    assert first.id == again.id == document_id_for("default", "ab" * 32)
    assert again.filename == "a.pdf"
    assert other.id != first.id


def test_registry_uses_wal_and_keeps_progress_and_errors(tmp_path) -> None:
    reg = Registry(tmp_path / "r.sqlite")
    doc, _ = reg.create_or_get("default", "a.pdf", "cd" * 32)
    reg.update(doc.id, status="processing", pages_total=4, page_tokens=[1, 2, 3, 4])
    reg.mark_failed(doc.id, "broken PDF: x")
    got = reg.get(doc.id)
    assert (got.status, got.error, got.page_tokens) == ("failed", "broken PDF: x", [1, 2, 3, 4])
    mode = sqlite3.connect(tmp_path / "r.sqlite").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    reg.mark_queued(doc.id)
    assert reg.get(doc.id).status == "queued" and reg.get(doc.id).error is None


def test_password_is_kept_apart_and_cleared_on_failure(tmp_path) -> None:
    reg = Registry(tmp_path / "r.sqlite")
    doc, _ = reg.create_or_get("default", "a.pdf", "ef" * 32)
    reg.set_password(doc.id, "s3cret")
    assert reg.password(doc.id) == "s3cret"
    assert "s3cret" not in repr(reg.get(doc.id))
    reg.mark_failed(doc.id, "encrypted PDF")
    assert reg.password(doc.id) is None


def test_stale_processing_and_listing(tmp_path) -> None:
    reg = Registry(tmp_path / "r.sqlite")
    ids = [reg.create_or_get("default", f"{i}.pdf", f"{i:064x}")[0].id for i in range(3)]
    reg.update(ids[0], status="processing")
    assert reg.stale_processing(older_than_s=-1) == [ids[0]]
    assert reg.stale_processing(older_than_s=3600) == []
    page, total = reg.list("default", limit=2)
    assert total == 3 and len(page) == 2
    assert reg.count_by_status()["processing"] == 1
    assert reg.delete(ids[1]) and reg.get(ids[1]) is None


def test_usage_totals_by_model_and_day(tmp_path) -> None:
    reg = Registry(tmp_path / "r.sqlite")
    for model, cost in (("gpt-4o", 0.01), ("gpt-4o", 0.02), ("gpt-5.2", 0.5)):
        reg.record_usage(UsageRecord(model, "cheap", 1000, 100, 50, cost, 12.0, "ok"))
    totals = reg.usage_totals()
    by_model = {row["model"]: row for row in totals["by_model"]}
    assert by_model["gpt-4o"]["calls"] == 2 and by_model["gpt-4o"]["cost_usd"] == 0.03
    assert by_model["gpt-4o"]["cached_input_tokens"] == 200
    assert sum(row["calls"] for row in totals["by_day"]) == 3
