"""Uploaded files, stored content-addressed by sha256 (a re-upload costs no space)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


class FileTooLargeError(Exception):
    """The stream went past the allowed size; nothing was kept."""


class FileStore:
    """PDF files under `root/<first two hex>/<sha256>.pdf`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.pdf"

    def put_stream(self, blocks: Iterable[bytes], max_bytes: int | None = None) -> tuple[str, int]:
        """Store a stream of bytes; return (sha256, size). Raises FileTooLargeError past max."""
        digest, size = hashlib.sha256(), 0
        fd, tmp = tempfile.mkstemp(dir=self.root, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as fh:
                for block in blocks:
                    size += len(block)
                    if max_bytes is not None and size > max_bytes:
                        raise FileTooLargeError(f"file is larger than {max_bytes} bytes")
                    digest.update(block)
                    fh.write(block)
            sha = digest.hexdigest()
            final = self.path_for(sha)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
            return sha, size
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def put_file(self, source: Path) -> tuple[str, int]:
        """Copy a local file in; return (sha256, size)."""
        with open(source, "rb") as fh:
            return self.put_stream(iter(lambda: fh.read(1 << 20), b""))

    def delete(self, sha256: str) -> None:
        self.path_for(sha256).unlink(missing_ok=True)


def sha256_of(path: Path) -> str:
    """sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
