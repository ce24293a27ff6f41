"""The claim that makes redelivery safe, and the sweep that rescues abandoned documents,
on a real SQLite registry."""

from __future__ import annotations

import time

from core.storage.registry import Registry
from workers.recovery import requeue_stale


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
