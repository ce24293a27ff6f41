"""`folio docs` (alias `folio documents`) with no server: the registry of the data dir,
listed with the ids `--doc` takes. (Through a server: tests/web/test_page.py.)"""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cli.main import app
from eval.common.service import free_port
from ingest.pipeline import ingest_document

runner = CliRunner()


def test_docs_lists_id_name_status_pages_and_tokens(
    settings, ingestor, shared_data, monkeypatch
) -> None:
    monkeypatch.setenv("FOLIO_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("FOLIO_PORT", str(free_port()))  # no server answers there
    empty = runner.invoke(app, ["docs"])
    assert empty.exit_code == 0 and "No documents yet" in empty.stdout

    pdf = shared_data / "benchmarks" / "contractnli" / "docs" / "BTS_NDA.pdf"
    broken = shared_data / "bad_pdfs" / "qpdf__bad1.pdf"
    made = {}
    for path in (pdf, broken):
        sha, size = ingestor.files.put_file(path)
        doc, _ = ingestor.registry.create_or_get(settings.tenant_id, path.name, sha, size)
        ingest_document(doc.id, ingestor)
        made[path.name] = ingestor.registry.get(doc.id)
    ingestor.store.client.close()
    assert [d.status for d in made.values()] == ["ready", "failed"]

    got = runner.invoke(app, ["docs", "--json"])
    assert got.exit_code == 0, got.output
    body = json.loads(got.stdout)
    assert body["total"] == 2
    by_name = {d["filename"]: d for d in body["items"]}
    for name, doc in made.items():
        listed = by_name[name]
        assert (listed["id"], listed["status"]) == (doc.id, doc.status)
        assert (listed["pages"], listed["tokens"]) == (doc.pages, doc.tokens)
        assert listed["error"] == doc.error and listed["created_at"].endswith("Z")
    assert by_name[pdf.name]["pages"] > 0 and by_name[pdf.name]["tokens"] > 0

    # The table, by either name: each id in full (what `folio ask --doc` takes).
    for command in ("docs", "documents"):
        table = runner.invoke(app, [command], env={"COLUMNS": "200"})
        assert table.exit_code == 0, table.output
        assert "2 documents" in table.stdout
        for name, doc in made.items():
            line = next(row for row in table.stdout.splitlines() if doc.id in row)
            assert name in line and doc.status in line and f"{doc.tokens:,}" in line

    ready = json.loads(runner.invoke(app, ["docs", "--status", "ready", "--json"]).stdout)
    assert [d["filename"] for d in ready["items"]] == [pdf.name]
    none = runner.invoke(app, ["docs", "--status", "queued"])
    assert none.exit_code == 0 and "No queued documents." in none.stdout
    bad = runner.invoke(app, ["docs", "--status", "done"])
    assert bad.exit_code == 2 and "--status must be one of" in bad.output
