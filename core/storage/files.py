"""Uploaded files, stored content-addressed by sha256 (a re-upload costs no space).

One file serves every document with its bytes, in any tenant, so it is deleted only with
the last of them. That check and the delete, and an upload's landing and registration,
run under one lock on the folder (`storing`, `delete_unused`), shared by every process
that uses it: otherwise a delete could check, an upload of the same bytes land and
register, and the delete then remove the file under the new document.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

PART = ".part"  # an upload landing, until it is renamed to its sha256


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
        with self.storing(blocks, max_bytes) as stored:
            return stored

    def put_file(self, source: Path) -> tuple[str, int]:
        """Copy a local file in; return (sha256, size)."""
        with open(source, "rb") as fh:
            return self.put_stream(iter(lambda: fh.read(1 << 20), b""))

    @contextmanager
    def storing(
        self, blocks: Iterable[bytes], max_bytes: int | None = None
    ) -> Iterator[tuple[str, int]]:
        """Store a stream of bytes and yield (sha256, size) under the folder's lock: register
        the document in the with-block, and no `delete_unused` falls between the two.
        Raises FileTooLargeError past `max_bytes`; nothing is kept then."""
        digest, size = hashlib.sha256(), 0
        fd, tmp = tempfile.mkstemp(dir=self.root, suffix=PART)
        # Held while the upload lands: `remove_stale_parts` leaves a locked part alone.
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            with os.fdopen(fd, "wb") as fh:  # the slow part, the upload itself, is unlocked
                for block in blocks:
                    size += len(block)
                    if max_bytes is not None and size > max_bytes:
                        raise FileTooLargeError(f"file is larger than {max_bytes} bytes")
                    digest.update(block)
                    fh.write(block)
                fh.flush()
                sha = digest.hexdigest()
                final = self.path_for(sha)
                final.parent.mkdir(parents=True, exist_ok=True)
                with self._locked():  # the part stays locked until it has its final name
                    os.replace(tmp, final)
                    yield sha, size
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def remove_stale_parts(self) -> int:
        """Delete the partial files of uploads whose process died mid-upload (a crash, a
        kill -9); how many. An upload still landing holds a lock on its part and is left."""
        removed = 0
        for part in self.root.glob(f"*{PART}"):
            try:
                with open(part, "rb") as fh:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    part.unlink(missing_ok=True)
                    removed += 1
            except (BlockingIOError, FileNotFoundError):
                continue  # landing now, or finished between the glob and the open
        if removed:
            log.info("removed %d partial upload file(s) left by a crash", removed)
        return removed

    def delete_unused(self, sha256: str, in_use: Callable[[str], bool]) -> bool:
        """Delete the file unless `in_use(sha256)` (a registry lookup) says a document still
        has it; checked and deleted under the folder's lock. True if it was deleted."""
        with self._locked():
            if in_use(sha256):
                return False
            self.path_for(sha256).unlink(missing_ok=True)
            return True

    @contextmanager
    def _locked(self) -> Iterator[None]:
        # flock: held per open file, so it also orders threads of one process
        with open(self.root / ".lock", "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def sha256_of(path: Path) -> str:
    """sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
