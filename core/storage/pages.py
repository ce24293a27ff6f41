"""Per-document page texts, kept on disk for stuffing whole documents and checking citations.

One JSON-lines file per document (`{"page", "text", "tokens"}` per line), written to a
temporary name and renamed when complete, so readers never see half a document. Next to
it, the document's structure as a contract (preamble, parties, defined terms, sections,
signature blocks: core.reader.contract), which ingest reads from the same texts.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

#: How a document's pages join into one text: chunk offsets (ingest) and passages
#: (query/passages.py) are counted in that text.
PAGE_SEPARATOR = "\n\n"


@dataclass
class PageText:
    page: int
    text: str
    tokens: int


class PageStore:
    """Page texts by document id, under one folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, document_id: str) -> Path:
        return self.root / f"{document_id}.jsonl"

    def _structure_path(self, document_id: str) -> Path:
        return self.root / f"{document_id}.contract.json"

    def write(
        self, document_id: str, pages: Iterable[PageText], structure: dict | None = None
    ) -> None:
        """Write all pages of a document and its structure (a JSON object), replacing any
        earlier version atomically (the structure first, so the pages never lack theirs)."""
        final = self._path(document_id)
        if structure is None:
            self._structure_path(document_id).unlink(missing_ok=True)
        else:
            _write_atomic(self._structure_path(document_id), json.dumps(structure) + "\n")
        tmp = final.with_suffix(".jsonl.tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            for page in pages:
                fh.write(json.dumps(vars(page), ensure_ascii=False) + "\n")
        os.replace(tmp, final)

    def structure(self, document_id: str) -> dict | None:
        """The structure stored with a document's pages (core.reader.contract's), or None."""
        path = self._structure_path(document_id)
        if not path.exists():
            return None
        return json.loads(path.read_text(encoding="utf-8"))

    def read(self, document_id: str) -> Iterator[PageText]:
        """The pages of a document in order; nothing if it has none stored."""
        path = self._path(document_id)
        if not path.exists():
            return
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                yield PageText(**json.loads(line))

    def page(self, document_id: str, number: int) -> str | None:
        """Text of one 1-based page, or None."""
        for page in self.read(document_id):
            if page.page == number:
                return page.text
        return None

    def delete(self, document_id: str) -> None:
        self._path(document_id).unlink(missing_ok=True)
        self._structure_path(document_id).unlink(missing_ok=True)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
