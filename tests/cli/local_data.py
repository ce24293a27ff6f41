"""One PDF ingested into a test's data dir, for the CLI to answer in its own process."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import Settings
from eval.common.service import free_port
from ingest.ingestor import Ingestor
from ingest.pipeline import ingest_document


def ingest_for_cli(
    pdf: Path, settings: Settings, ingestor: Ingestor, monkeypatch: pytest.MonkeyPatch
) -> str:
    """Ingest `pdf` (ready), hand the data dir to the CLI with no server on its port, and
    return the document's id."""
    sha, size = ingestor.files.put_file(pdf)
    doc, _ = ingestor.registry.create_or_get(settings.tenant_id, pdf.name, sha, size)
    assert ingest_document(doc.id, ingestor).status == "ready"
    ingestor.store.client.close()  # the CLI opens the embedded store itself
    monkeypatch.setenv("FOLIO_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("FOLIO_PORT", str(free_port()))  # no server answers there
    return doc.id
