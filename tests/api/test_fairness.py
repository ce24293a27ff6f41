"""A token bomb (a few KB of PDF, hundreds of chunks) uploaded before a small document,
through the real app in embedded mode (one worker): the small one is ready first, because
the long one gives way after a slice of its chunks; the long one then finishes with exact
counts, its progress never going backwards."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cli.service import build_app
from core.settings import Settings
from ingest.ingestor import EMBED_SLICE
from tests.api.uploading import SMALL_PDFS, multipart, wait_for
from tests.ingest.hostile import token_bomb


def test_small_upload_is_ready_before_a_token_bomb_queued_ahead(tmp_path, embedder, shared_data):
    # Small chunks: many of them from little text, so the test embeds little.
    settings = Settings(
        data_dir=tmp_path / "data",
        broker_url=None,
        qdrant_url=None,
        chunk_tokens=64,
        chunk_overlap=0,
        _env_file=None,
    )
    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(token_bomb(10, 60))
    small = shared_data / SMALL_PDFS[2]
    with TestClient(build_app(settings, embedder=embedder)) as client:
        bomb_id = client.post("/documents", **multipart(bomb)).json()["id"]
        get = lambda doc_id: client.get(f"/documents/{doc_id}").json()  # noqa: E731
        # pages are parsed while chunks embed, so the total is known only late: queue the
        # small one as soon as the bomb is being read
        seen = [wait_for(lambda: get(bomb_id), lambda d: d["status"] == "processing", 120)]
        small_id = client.post("/documents", **multipart(small)).json()["id"]

        def small_done() -> bool:
            seen.append(get(bomb_id))
            return get(small_id)["status"] in ("ready", "failed")

        wait_for(small_done, bool, 300)
        assert seen[-1]["status"] != "ready", "the token bomb finished first"
        final = wait_for(lambda: get(bomb_id), lambda d: d["status"] in ("ready", "failed"), 300)
        progress = [d["progress"]["chunks_embedded"] for d in seen]

        res = client.app.state.resources
        small_doc = get(small_id)
        points = res.store.count("default", bomb_id)
        stored = list(res.pages.read(bomb_id))
    assert small_doc["status"] == "ready", small_doc
    assert final["status"] == "ready", final
    assert progress == sorted(progress)  # paused and resumed, never reset
    assert (
        final["chunks"] == final["progress"]["chunks_total"] == final["progress"]["chunks_embedded"]
    )
    assert points == final["chunks"] > 2 * EMBED_SLICE
    assert [p.page for p in stored] == list(range(1, 11))
    assert final["tokens"] == sum(p.tokens for p in stored) > 30_000
