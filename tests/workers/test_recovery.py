"""The claim that makes redelivery safe, and the sweep that rescues abandoned documents,
on a real SQLite registry."""

from __future__ import annotations

import time

import pytest

from core.storage.registry import Registry
from workers.recovery import requeue_stale, send_orphans


def _doc(registry: Registry, name: str, status: str) -> str:
    doc, _ = registry.create_or_get("default", name, name * 8)
    registry.update(doc.id, status=status)
    return doc.id


def test_claim_takes_a_queued_or_abandoned_document_once(tmp_path):
    registry = Registry(tmp_path / "registry.sqlite")
    queued = _doc(registry, "a", "queued")
    assert registry.claim(queued, stale_after_s=60)
    assert registry.get(queued).status == "processing"
    assert not registry.claim(queued, stale_after_s=60)  # a live worker has it
    time.sleep(0.05)
    assert registry.claim(queued, stale_after_s=0.01)  # its worker went quiet: take it over
    for status in ("ready", "failed"):
        assert not registry.claim(_doc(registry, status[0] * 2, status), stale_after_s=0)
    assert not registry.claim("deleted", stale_after_s=0)


def test_sweep_requeues_only_abandoned_documents_once(tmp_path):
    registry = Registry(tmp_path / "registry.sqlite")
    abandoned = _doc(registry, "a", "processing")
    time.sleep(1.5)
    live = _doc(registry, "b", "processing")
    ready = _doc(registry, "c", "ready")
    queue: list[str] = []
    assert requeue_stale(registry, 0.75, queue.append) == [abandoned]
    assert queue == [abandoned]
    assert registry.get(abandoned).status == "queued"
    assert (registry.get(live).status, registry.get(ready).status) == ("processing", "ready")
    assert requeue_stale(registry, 0.75, queue.append) == []  # a second sweeper finds nothing


def test_the_sweep_sends_the_job_a_queued_document_never_got_once(tmp_path):
    """Issue 33.3: a process that dies between registering an upload and sending its job
    left it queued forever. The sweep sends it, exactly once however many sweep; a job
    that went out is left alone, unless it is old and the queue is empty (lost)."""
    registry = Registry(tmp_path / "registry.sqlite")
    orphan = _doc(registry, "a", "queued")  # registered; its job never sent
    sent = _doc(registry, "b", "queued")
    registry.job_sent(sent)
    young = _doc(registry, "c", "queued")
    time.sleep(0.3)
    registry.update(young, status="queued")  # registered a moment ago: its job may be on its way
    queue: list[str] = []

    def sweep() -> list[str]:
        return send_orphans(registry, queue.append, lambda: False, 60, unsent_after_s=0.2)

    assert sweep() == [orphan]
    assert sweep() == [] and queue == [orphan]  # a second sweeper finds nothing
    assert registry.get(orphan).enqueued_at is not None
    # A job sent long ago, with the queue empty, was lost (a broker that forgot it).
    assert send_orphans(registry, queue.append, lambda: True, 0.1, unsent_after_s=0.2) == [sent]
    assert send_orphans(registry, queue.append, lambda: False, 0.1, unsent_after_s=60) == []
    time.sleep(0.3)  # the young one's job never came either: now it is an orphan too
    assert send_orphans(registry, queue.append, lambda: False, 60, unsent_after_s=0.2) == [young]


def test_a_failed_send_leaves_the_orphan_for_the_next_sweep(tmp_path):
    registry = Registry(tmp_path / "registry.sqlite")
    orphan = _doc(registry, "a", "queued")

    def broker_down(_doc_id: str) -> None:
        raise ConnectionError("broker down")

    with pytest.raises(ConnectionError):
        send_orphans(registry, broker_down, lambda: False, 60, unsent_after_s=0)
    queue: list[str] = []
    assert send_orphans(registry, queue.append, lambda: False, 60, unsent_after_s=0) == [orphan]
