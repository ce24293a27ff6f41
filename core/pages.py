"""Per-document page texts, kept on disk for stuffing whole documents and checking citations.

One JSON-lines file per document (`{"page", "text", "tokens"}` per line), written to a
temporary name and renamed when complete, so readers never see half a document. Next to
it, the document's structure as a contract (preamble, parties, defined terms, sections,
signature blocks: core.contract), read from the same texts when they are written.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from core.contract import Contract, read_contract

log = logging.getLogger(__name__)


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

    def write(self, document_id: str, pages: Iterable[PageText]) -> None:
        """Write all pages of a document and its structure, replacing any earlier version
        atomically (the structure first, so the pages never lack theirs)."""
        final = self._path(document_id)
        pages = list(pages)
        try:
            structure = read_contract([p.text for p in pages]).to_dict()
            _write_atomic(self._structure_path(document_id), json.dumps(structure) + "\n")
        except Exception:  # the structure helps answers; it must never fail an ingest
            log.exception("no contract structure for %s", document_id)
            self._structure_path(document_id).unlink(missing_ok=True)
        tmp = final.with_suffix(".jsonl.tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            for page in pages:
                fh.write(json.dumps(vars(page), ensure_ascii=False) + "\n")
        os.replace(tmp, final)

    def contract(self, document_id: str) -> Contract | None:
        """The stored structure of a document (page indices 0-based), or None."""
        path = self._structure_path(document_id)
        if not path.exists():
            return None
        return Contract.from_dict(json.loads(path.read_text(encoding="utf-8")))

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
