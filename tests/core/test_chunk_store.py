"""ChunkStore's engine-neutral half: the points, filter conditions and search plans it
hands every engine, checked on a recording engine (no Qdrant)."""

from __future__ import annotations

from core.storage.chunks import DENSE, SPARSE, ChunkStore, StoredChunk, point_id
from core.storage.operations import Nearest
from core.text.lexical import sparse_query, sparse_vector


class Recorder(ChunkStore):
    """An engine that keeps what it is asked to run and finds nothing."""

    def __init__(self) -> None:
        super().__init__(None, "c", 3)
        self.calls: list[tuple[str, object]] = []

    def ping(self) -> None:
        pass

    def count_all(self) -> int:
        return 0

    def _write(self, points):
        self.calls.append(("write", points))

    def _delete(self, conditions):
        self.calls.append(("delete", conditions))

    def _count(self, conditions):
        self.calls.append(("count", conditions))
        return 0

    def _point_ids(self, conditions):
        self.calls.append(("point_ids", conditions))
        return set()

    def _retrieve(self, ids):
        self.calls.append(("retrieve", ids))
        return []

    def _hybrid(self, search):
        self.calls.append(("hybrid", search))
        return []

    def _dense(self, search):
        self.calls.append(("dense", search))
        return []


def test_searches_carry_the_tenant_and_documents_and_bm25_only_when_there_are_terms() -> None:
    store = Recorder()
    store.hybrid_search("governing law", [0.1, 0.2, 0.3], "t1", ["d1", "d2"], 5, 40, "rrf")
    store.hybrid_search("the of and", [0.1, 0.2, 0.3], "t1")  # stop words only: no terms
    store.dense_search([0.1, 0.2, 0.3], "t2", limit=4, exact=True)
    (_, full), (_, stop_words), (_, dense) = store.calls
    assert full.prefetches == [
        Nearest(DENSE, [0.1, 0.2, 0.3]),
        Nearest(SPARSE, sparse_query("governing law")),
    ]
    assert full.conditions == [("tenant_id", "t1"), ("document_id", ["d1", "d2"])]
    assert (full.fusion, full.limit, full.prefetch_limit, full.exact) == ("rrf", 5, 40, False)
    assert stop_words.prefetches == [Nearest(DENSE, [0.1, 0.2, 0.3])]
    assert stop_words.conditions == [("tenant_id", "t1")]
    assert (stop_words.fusion, stop_words.limit, stop_words.prefetch_limit) == ("dbsf", 20, 50)
    assert dense.query == Nearest(DENSE, [0.1, 0.2, 0.3])
    assert (dense.conditions, dense.limit, dense.exact) == ([("tenant_id", "t2")], 4, True)


def test_writes_and_document_calls() -> None:
    store = Recorder()
    chunk = StoredChunk("d1", 3, "Termination for convenience", 2, 2, 10, 37, 4)
    store.upsert("t1", [chunk], [[0.1, 0.2, 0.3]], title="Lease")
    store.upsert("t1", [], [])  # nothing to write: the engine is not called
    store.delete_document("t1", "d1")
    store.chunks("t1", "d1", [2, 4])
    (_, [point]), (_, deleted), (_, ids) = store.calls
    assert point.id == point_id("d1", 3)
    assert point.dense == [0.1, 0.2, 0.3]
    assert point.sparse == sparse_vector("Lease\nTermination for convenience")
    assert point.payload == {k: v for k, v in vars(chunk).items() if k != "score"} | {
        "tenant_id": "t1"
    }
    assert deleted == [("tenant_id", "t1"), ("document_id", ["d1"])]
    assert ids == [point_id("d1", 2), point_id("d1", 4)]
