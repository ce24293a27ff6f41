"""`folio review` with no server: it opens the data dir, fills the table in this process
and prints it, as JSON (GET /reviews/{id}'s body) or found fields with their pages, and
writes the spreadsheets."""

from __future__ import annotations

import csv
import json

from openpyxl import load_workbook
from typer.testing import CliRunner

from cli.main import app
from tests.api.uploading import SMALL_PDFS
from tests.cli.local_data import ingest_for_cli

runner = CliRunner()
FIELDS = [
    {"name": "Governing Law", "question": "Which law governs the agreement?", "type": "text"},
    {"name": "Signed", "question": "When was the agreement signed?", "type": "date"},
]


def test_review_fills_prints_and_exports_the_table(
    settings, ingestor, shared_data, tmp_path, monkeypatch
):
    pdf = shared_data / SMALL_PDFS[7]
    ingest_for_cli(pdf, settings, ingestor, monkeypatch)
    fields = tmp_path / "fields.json"
    fields.write_text(json.dumps(FIELDS))
    out_csv, out_xlsx = tmp_path / "t.csv", tmp_path / "t.xlsx"

    args = [
        "review",
        "--fields",
        str(fields),
        "--json",
        "--csv",
        str(out_csv),
        "--xlsx",
        str(out_xlsx),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["status"] == "done" and body["progress"] == {"cells_done": 2, "cells_total": 2}
    cells = body["rows"][0]["cells"]
    assert (
        "New York" in cells["Governing Law"]["value"] and cells["Signed"]["value"] == "1998-12-18"
    )
    rows = list(csv.reader(out_csv.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == [
        "document",
        "Governing Law",
        "Governing Law (page)",
        "Signed",
        "Signed (page)",
    ]
    assert rows[1][0] == pdf.name and rows[1][3] == "1998-12-18"
    assert load_workbook(out_xlsx).active.cell(2, 4).value == "1998-12-18"

    shown = runner.invoke(app, ["review", "--fields", str(fields)])
    assert shown.exit_code == 0, shown.output
    assert "2 of 2 fields found" in shown.output and "(p. 4)" in shown.output
    bad = runner.invoke(app, ["review", "--fields", "nope"])
    assert bad.exit_code == 1 and "no preset 'nope'" in bad.output
