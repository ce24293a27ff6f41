"""`folio reindex`: a local-mode store moves to Edge without re-embedding, and back."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli.main import app
from cli.reindex import reindex
from core.settings import Settings
from core.storage.chunks import StoredChunk
from core.storage.stores import open_client, store_for


def _chunks(doc: str, n: int) -> list[StoredChunk]:
    return [
        StoredChunk(doc, i, f"clause {i} of {doc} on termination", 1, 1, 0, 9, 5) for i in range(n)
    ]


def test_reindex_copies_every_point_to_edge_and_back(tmp_path, monkeypatch) -> None:
    local_settings = Settings(data_dir=tmp_path, store_engine="local", _env_file=None)
    client = open_client(local_settings)
    store = store_for(client, local_settings.collection, 4)
    vectors = [[1.0, float(i), 0.0, 0.5] for i in range(600)]  # > one scroll page
    store.upsert("t1", _chunks("d1", 600), vectors, title="acme")
    store.upsert("t2", _chunks("d2", 3), vectors[:3])
    want_dense = store.dense_search(vectors[7], "t1", limit=5)
    want_chunks = store.chunks("t2", "d2", [0, 1, 2])
    client.close()

    settings = Settings(data_dir=tmp_path, _env_file=None)  # the default engine: edge
    with pytest.raises(RuntimeError, match="folio reindex"):
        open_client(settings)
    monkeypatch.setenv("FOLIO_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["reindex"])
    assert result.exit_code == 0, result.output
    assert "copied 603 chunks" in result.output

    edge = store_for(open_client(settings), settings.collection, 4)
    assert edge.count("t1", "d1") == 600 and edge.count("t2", "d2") == 3
    got = edge.dense_search(vectors[7], "t1", limit=5)
    assert [(h.chunk_index, round(h.score, 5)) for h in got] == [
        (h.chunk_index, round(h.score, 5)) for h in want_dense
    ]
    # BM25 vectors came along: the term finds the chunks (ties here, so no order check)
    assert len(edge.hybrid_search("termination", vectors[7], "t2", limit=5)) == 3
    assert edge.chunks("t2", "d2", [0, 1, 2]) == want_chunks
    edge.client.close()
    # the source is left as it was, so copying back needs --force
    with pytest.raises(ValueError, match="--force"):
        reindex(settings, "local")
    copied, _ = reindex(settings, "local", force=True)
    assert copied == 603
