"""Fixtures shared by every test: real data, one embedder per session, isolated data dirs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.embeddings.embedders import LocalEmbedder
from core.settings import Settings
from ingest.ingestor import Ingestor, build_ingestor
from tests.query.corpus import Corpus, build_corpus

ROOT = Path(__file__).resolve().parents[1]
# Tests that are not about keys run without them (allowed: every test server binds
# 127.0.0.1); tests of keys and tenants build Settings(auth="on") or set FOLIO_AUTH=on.
os.environ["FOLIO_AUTH"] = "off"
SHARED = Path(os.environ.get("FOLIO_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data: the real public documents the tests use."""
    if not SHARED.is_dir():
        pytest.fail(f"shared data not found at {SHARED}; set FOLIO_SHARED_DATA")
    return SHARED


@pytest.fixture(scope="session")
def embedder() -> LocalEmbedder:
    """The real offline MiniLM embedder, loaded once per test session."""
    return LocalEmbedder()


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings on a fresh data dir, isolated from the user's environment and .env."""
    for key in list(os.environ):
        if key.startswith("FOLIO_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("FOLIO_AUTH", "off")
    monkeypatch.chdir(tmp_path)
    return Settings(data_dir=tmp_path / "data", _env_file=None)


@pytest.fixture
def ingestor(settings: Settings, embedder: LocalEmbedder) -> Ingestor:
    """A real ingestor (embedded Qdrant, SQLite registry) sharing the session's embedder."""
    ing = build_ingestor(settings, embedder=embedder)
    yield ing
    ing.parsers.close()
    ing.store.client.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, shared_data, embedder) -> Corpus:
    """The four small CUAD contracts, ingested for real (embedded Qdrant, MiniLM, SQLite),
    once per module that asks (about 10 s)."""
    built = build_corpus(tmp_path_factory.mktemp("corpus"), shared_data, embedder)
    yield built
    built.ingestor.store.client.close()
