"""A review as a spreadsheet: one row per document, one column per field, each value
beside the page of its first citation; written with openpyxl (xlsx: a frozen header, each
page a link to the web page's viewer at that page, the quote as a cell comment) or csv."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.storage.reviews import Cell, Review
from query.reviews.views import rows

_LINK = Font(color="0563C1", underline="single")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def render(review: Review, cells: Sequence[Cell], format: str, viewer_url: str = "") -> bytes:
    """The table in `format` (csv or xlsx; see MEDIA_TYPES)."""
    return to_csv(review, cells) if format == "csv" else to_xlsx(review, cells, viewer_url)


def table(review: Review, cells: Sequence[Cell]) -> tuple[list[str], list[list[dict]]]:
    """The header (document, then each field and its page) and, per document, per field,
    {value, page, quote, document_id}."""
    names = [f["name"] for f in review.fields]
    header = ["document"] + [h for name in names for h in (name, f"{name} (page)")]
    out = []
    for row in rows(review, cells):
        line = []
        for name in names:
            cell = row["cells"].get(name, {})
            first = (cell.get("citations") or [{}])[0]
            line.append(
                {
                    "value": _shown(cell),
                    "page": first.get("page"),
                    "quote": first.get("quote"),
                    "document_id": row["document_id"],
                }
            )
        out.append([{"value": row["filename"] or row["document_id"]}, *line])
    return header, out


def to_csv(review: Review, cells: Sequence[Cell]) -> bytes:
    """The table as CSV (UTF-8 with a BOM, so spreadsheet programs read accents)."""
    header, body = table(review, cells)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for line in body:
        name, *cells_ = line
        writer.writerow([name["value"], *[x for c in cells_ for x in (c["value"], c["page"])]])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(review: Review, cells: Sequence[Cell], viewer_url: str = "") -> bytes:
    """The table as an xlsx workbook; `viewer_url` (the web page's address) makes each
    page a link to the PDF at that page."""
    header, body = table(review, cells)
    book = Workbook()
    sheet = book.active
    sheet.title = "review"
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "B2"
    for r, line in enumerate(body, start=2):
        sheet.cell(r, 1, line[0]["value"])
        for i, item in enumerate(line[1:]):
            value = sheet.cell(r, 2 + 2 * i, item["value"])
            if item["quote"]:
                value.comment = Comment(item["quote"][:1000], "folio")
            page = sheet.cell(r, 3 + 2 * i, item["page"])
            if item["page"] and viewer_url:
                page.hyperlink = f"{viewer_url}?document={item['document_id']}&page={item['page']}"
                page.font = _LINK
    sheet.column_dimensions["A"].width = 40
    for col in range(2, len(header) + 1):
        sheet.column_dimensions[get_column_letter(col)].width = 18 if col % 2 == 0 else 8
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _shown(cell: dict) -> Any:
    """What a spreadsheet cell shows: the value; "not found" for a clause the contract
    lacks; the reason for a cell that failed; empty while it is not filled."""
    if not cell or not cell.get("done"):
        return ""
    if cell.get("error") and not cell.get("found"):
        return f"error: {cell['error']}"
    if not cell.get("found"):
        return "not found"
    value = cell.get("value")
    return "; ".join(value) if isinstance(value, list) else value
