"""Fixtures of the API tests."""

from __future__ import annotations

import pytest

from tests.api.corpus import Corpus, build_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, shared_data, embedder) -> Corpus:
    """The four small CUAD contracts, ingested for real (embedded Qdrant, MiniLM, SQLite),
    once per module that asks (about 10 s)."""
    built = build_corpus(tmp_path_factory.mktemp("corpus"), shared_data, embedder)
    yield built
    built.ingestor.store.client.close()
