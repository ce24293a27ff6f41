"""`folio search` with no server: it opens the data dir itself and prints ranked passages."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cli.main import app
from eval.common.service import free_port
from ingest.pipeline import ingest_document

runner = CliRunner()


def test_search_prints_passages_as_a_table_and_as_json(
    settings, ingestor, shared_data, monkeypatch
) -> None:
    pdf = shared_data / "benchmarks" / "contractnli" / "docs" / "BTS_NDA.pdf"
    sha, size = ingestor.files.put_file(pdf)
    doc, _ = ingestor.registry.create_or_get(settings.tenant_id, pdf.name, sha, size)
    assert ingest_document(doc.id, ingestor).status == "ready"
    ingestor.store.client.close()  # the CLI opens the embedded store itself
    monkeypatch.setenv("FOLIO_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("FOLIO_PORT", str(free_port()))  # no server answers there

    result = runner.invoke(
        app, ["search", "return of confidential information", "-k", "3", "--json"]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert [p["rank"] for p in body["results"]] == [1, 2, 3]
    pages = "\n\n".join(p.text for p in ingestor.pages.read(doc.id))
    assert all(p["text"] in pages and p["filename"] == "BTS_NDA.pdf" for p in body["results"])

    table = runner.invoke(app, ["search", "return of confidential information", "--doc", doc.id])
    assert table.exit_code == 0, table.output
    assert "BTS_NDA.pdf" in table.output and "passages" in table.output

    missing = runner.invoke(app, ["search", "anything", "--doc", "nope"])
    assert missing.exit_code == 1 and "404" in missing.output
