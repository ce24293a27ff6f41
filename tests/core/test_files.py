"""The content-addressed file store: a file goes only with its last document, and a delete
can never remove the file under an upload of the same bytes that registers meanwhile."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
from pathlib import Path

from core.storage.files import FileStore

PDF = b"%PDF-1.4 the same bytes, uploaded twice\n"
SHA = hashlib.sha256(PDF).hexdigest()


def test_a_file_is_deleted_only_when_no_document_has_it(tmp_path: Path) -> None:
    files = FileStore(tmp_path)
    assert files.put_stream([PDF]) == (SHA, len(PDF))
    assert files.delete_unused(SHA, in_use=lambda sha: True) is False
    assert files.path_for(SHA).read_bytes() == PDF
    assert files.delete_unused(SHA, in_use=lambda sha: False) is True
    assert not files.path_for(SHA).exists()


def test_an_upload_of_the_same_bytes_waits_for_a_delete_that_is_checking(tmp_path: Path) -> None:
    # The bad order without the lock: the delete finds no document, the upload lands and
    # registers, then the delete removes the file the new document needs.
    files = FileStore(tmp_path)
    files.put_stream([PDF])
    registered: set[str] = set()
    checking, release, landed = threading.Event(), threading.Event(), threading.Event()

    def in_use(sha: str) -> bool:
        answer = sha in registered  # the registry's answer, before the delete acts on it
        checking.set()
        release.wait(10)
        return answer

    def upload() -> None:
        with files.storing([PDF]) as (sha, _):
            registered.add(sha)
            landed.set()

    deleting = threading.Thread(target=files.delete_unused, args=(SHA, in_use))
    deleting.start()
    assert checking.wait(10)
    uploading = threading.Thread(target=upload)
    uploading.start()
    assert not landed.wait(0.3)  # the upload waits for the delete to finish
    release.set()
    deleting.join(10)
    uploading.join(10)
    assert landed.is_set() and SHA in registered
    assert files.path_for(SHA).read_bytes() == PDF  # the new document keeps its file


def test_the_lock_holds_across_processes(tmp_path: Path) -> None:
    # The API's worker processes share the folder: another process's delete blocks too.
    code = (
        "import sys; from core.storage.files import FileStore;"
        f" FileStore(sys.argv[1]).delete_unused({SHA!r},"
        " lambda sha: print('checking', flush=True) or sys.stdin.readline() == 'x')"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    files = FileStore(tmp_path)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "checking"
        landed = threading.Event()

        def upload() -> None:
            with files.storing([PDF]):
                landed.set()

        uploading = threading.Thread(target=upload)
        uploading.start()
        assert not landed.wait(0.3)
        child.communicate("\n", timeout=30)  # "not in use": the child deletes and exits
        uploading.join(10)
        assert landed.is_set() and files.path_for(SHA).read_bytes() == PDF
    finally:
        child.kill()
        child.wait()
