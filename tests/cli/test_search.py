"""`folio search` with no server: it opens the data dir itself and prints ranked passages."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cli.main import app
from tests.cli.local_data import ingest_for_cli

runner = CliRunner()


def test_search_prints_passages_as_a_table_and_as_json(
    settings, ingestor, shared_data, monkeypatch
) -> None:
    pdf = shared_data / "benchmarks" / "contractnli" / "docs" / "BTS_NDA.pdf"
    doc_id = ingest_for_cli(pdf, settings, ingestor, monkeypatch)

    result = runner.invoke(
        app, ["search", "return of confidential information", "-k", "3", "--json"]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert [p["rank"] for p in body["results"]] == [1, 2, 3]
    pages = "\n\n".join(p.text for p in ingestor.pages.read(doc_id))
    assert all(p["text"] in pages and p["filename"] == "BTS_NDA.pdf" for p in body["results"])

    table = runner.invoke(app, ["search", "return of confidential information", "--doc", doc_id])
    assert table.exit_code == 0, table.output
    assert "BTS_NDA.pdf" in table.output and "passages" in table.output

    missing = runner.invoke(app, ["search", "anything", "--doc", "nope"])
    assert missing.exit_code == 1 and "404" in missing.output
