"""Qdrant Edge against qdrant-client's local mode: the same chunks in both, the same hits."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from qdrant_client import QdrantClient

from core.settings import Settings
from core.storage.chunks import ChunkStore, StoredChunk, StoreLockedError
from core.storage.edge import EdgeChunkStore, EdgeClient
from core.storage.stores import open_client, store_for
from ingest.chunk import chunk_pages

CONTRACTS = (
    "DataCallTechnologies_20060918_SB-2A_EX-10.9_944510_EX-10.9_Content License Agreement.txt",
    "IVILLAGEINC_03_17_1999-EX-10.16-SPONSORSHIP AGREEMENT.txt",
)
QUESTIONS = (
    "Which state's law governs this agreement?",
    "Can the agreement be terminated for convenience?",
    "What are the sponsorship fees and when are they paid?",
    "Is there a license to use content on a website?",
    "confidentiality",
)


@pytest.fixture(scope="module")
def corpus(shared_data: Path, embedder) -> list[tuple[str, str, list[StoredChunk], list]]:
    """(tenant, title, chunks, vectors) per contract: the first in tenant "a" twice (under
    two document ids), the second in tenant "b"."""
    docs = []
    for n, name in enumerate(CONTRACTS):
        text = (shared_data / "legal" / "cuad" / name).read_text(errors="replace")
        chunks = chunk_pages([text], 256, 16)
        vectors = embedder.embed([c.text for c in chunks])
        for doc_id, tenant in [("d1", "a"), ("d2", "a")] if n == 0 else [("d3", "b")]:
            stored = [
                StoredChunk(doc_id, c.index, c.text, 1, 1, c.char_start, c.char_end, c.tokens)
                for c in chunks
            ]
            docs.append((tenant, Path(name).stem, stored, vectors))
    return docs


def _fill(store: ChunkStore, corpus) -> None:
    for tenant, title, chunks, vectors in corpus:
        store.upsert(tenant, chunks, vectors, title=title)


@pytest.fixture(scope="module")
def stores(tmp_path_factory, corpus):
    local = store_for(QdrantClient(path=str(tmp_path_factory.mktemp("local"))), "c", 384)
    edge_dir = tmp_path_factory.mktemp("edge")
    edge = store_for(EdgeClient(edge_dir), "c", 384)
    assert isinstance(edge, EdgeChunkStore) and not isinstance(local, EdgeChunkStore)
    _fill(local, corpus)
    _fill(edge, corpus)
    yield local, edge, edge_dir
    local.client.close()
    edge.client.close()


def _by_score(hits: list[StoredChunk]) -> list[tuple[float, int]]:
    return sorted((-round(h.score, 4), h.chunk_index) for h in hits)


def _ids(hits: list[StoredChunk]) -> list[tuple[str, int]]:
    return [(h.document_id, h.chunk_index) for h in hits]


@pytest.mark.parametrize("fusion", ["dbsf", "rrf"])
def test_hybrid_search_gives_the_same_top_hits_on_both_engines(stores, embedder, fusion) -> None:
    local, edge, _ = stores
    for question in QUESTIONS:
        vector = embedder.embed([question])[0]
        # tenant a unfiltered holds d1 and d2, the same text twice: their tied dense
        # scores take ranks in either order, which moves RRF's (rank-based) scores only
        cases = [("a", ["d2"]), ("b", ["d3"])] + ([("a", None)] if fusion == "dbsf" else [])
        for tenant, docs in cases:
            args = (question, vector, tenant, docs)
            want = local.hybrid_search(*args, limit=10, prefetch_limit=40, fusion=fusion)
            got = edge.hybrid_search(*args, limit=10, prefetch_limit=40, fusion=fusion)
            assert len(got) == len(want) == 10
            # the same scores in the same order; hits with equal scores (RRF ties, or
            # d1 and d2's identical chunks) may come in either order
            assert [round(h.score, 4) for h in got] == [round(h.score, 4) for h in want]
            assert _by_score(got[:9]) == _by_score(want[:9])
            assert all(h.document_id in (docs or ["d1", "d2"]) for h in got)


def test_dense_search_and_fetches_agree(stores, embedder) -> None:
    local, edge, _ = stores
    vector = embedder.embed(["governing law of the State of New York"])[0]
    assert _ids(edge.dense_search(vector, "b", limit=5)) == _ids(
        local.dense_search(vector, "b", limit=5)
    )
    assert edge.count("a", "d1") == local.count("a", "d1") > 0
    assert edge.point_ids("a", "d2") == local.point_ids("a", "d2")
    assert edge.chunks("a", "d1", [0, 2]) == local.chunks("a", "d1", [0, 2])


def test_tenant_filter_holds_everywhere(stores, embedder) -> None:
    _, edge, _ = stores
    vector = embedder.embed(["sponsorship fees"])[0]
    assert {h.document_id for h in edge.hybrid_search("fees", vector, "a", limit=50)} <= {
        "d1",
        "d2",
    }
    assert edge.hybrid_search("fees", vector, "a", ["d3"]) == []  # b's document, a's key
    assert edge.count("a", "d3") == 0 and edge.point_ids("a", "d3") == set()
    assert edge.chunks("a", "d3", [0, 1]) == []  # by id, still not another tenant's
    assert edge.hybrid_search("fees", vector, "nobody") == []
    edge.delete_document("a", "d3")  # the wrong tenant deletes nothing
    assert edge.count("b", "d3") > 0


def test_edge_store_persists_across_reopen_and_is_owned_by_one_client(tmp_path, corpus) -> None:
    tenant, title, chunks, vectors = corpus[-1]
    client = EdgeClient(tmp_path)
    store = store_for(client, "c", 384)
    store.upsert(tenant, chunks, vectors, title=title)
    with pytest.raises(StoreLockedError, match="in use"):
        EdgeClient(tmp_path)
    # the worker thread upserts while request threads search (embedded mode)
    worker = threading.Thread(target=store.delete_document, args=(tenant, "d3"))
    worker.start()
    worker.join()
    store.upsert(tenant, chunks, vectors, title=title)
    client.close()
    reopened = store_for(EdgeClient(tmp_path), "c", 384)
    assert reopened.count(tenant, "d3") == len(chunks)
    hits = reopened.hybrid_search("sponsorship", vectors[0], tenant, limit=3)
    assert hits and hits[0].document_id == "d3"
    reopened.client.close()


def test_settings_choose_the_engine(tmp_path) -> None:
    edge = open_client(Settings(data_dir=tmp_path, _env_file=None))
    assert isinstance(edge, EdgeClient) and edge.path == tmp_path / "edge"
    edge.close()
    local = open_client(Settings(data_dir=tmp_path, store_engine="local", _env_file=None))
    assert isinstance(local, QdrantClient)
    store_for(local, "folio_chunks", 384)
    local.close()
    # a data dir with only a local-mode store is not silently shown empty
    with pytest.raises(StoreLockedError, match="folio reindex"):
        open_client(Settings(data_dir=tmp_path, _env_file=None))
