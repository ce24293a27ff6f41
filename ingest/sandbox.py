"""Parse a PDF in a child process: pages stream back, memory returns to the OS when it
exits, its address space is capped (FOLIO_MAX_PARSE_MEMORY_MB), and it is killed at the
document's deadline (FOLIO_MAX_INGEST_S).

The parent starts `python -m ingest.sandbox`, sends the job (path, password, limits) as
one JSON line on stdin (never the command line: the password must not show in `ps`), and
reads one JSON line per event on stdout: a page, a log line, the end, or a PdfError to
re-raise with the same class and message as an in-process parse would give. `Parsers`
starts each child before its document needs it, so its start-up is off the critical path,
and can have it parse a known next document ahead (`Parsers.ahead`).
"""

from __future__ import annotations

import json
import logging
import os
import selectors
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from ingest import pdf
from ingest.limits import IngestLimits
from ingest.ocr import OcrOptions
from ingest.pdf import LimitError, Page, PdfError

log = logging.getLogger(__name__)

_ERRORS: dict[str, type[PdfError]] = {
    cls.__name__: cls
    for cls in (
        PdfError,
        pdf.NotAPdfError,
        pdf.EncryptedPdfError,
        pdf.BrokenPdfError,
        pdf.EmptyPdfError,
        pdf.NoTextError,
        LimitError,
    )
}


#: The child's stdout pipe is widened to this (Linux; capped by fs.pipe-max-size), so a
#: document parsed ahead of need gets this far (300-1,000 pages of text) before it waits.
PIPE_BYTES = 1 << 20


class Parsers:
    """Starts parsing children, each one ahead of need: while a document parses, the child
    for the next one is already up and has imported the parser (about 0.3 s of start-up
    that no longer falls between two documents). A spare child only waits for its job; it
    exits when the parent does, since its stdin then closes.

    `ahead(job)` goes further: the spare starts parsing a known next document now, into
    its pipe, and `take(job)` for that job later returns it."""

    def __init__(self) -> None:
        self._spare: subprocess.Popen | None = None
        self._ahead: dict[str, subprocess.Popen] = {}  # job -> the child parsing it
        self._lock = threading.Lock()

    @property
    def spare(self) -> subprocess.Popen | None:
        """The child waiting for the next document, if one was started."""
        return self._spare

    def start_spare(self) -> None:
        """Have a child ready for the next document (a no-op when one is)."""
        with self._lock:
            if not _running(self._spare):
                self._spare = _start_child()

    def ahead(self, job: str) -> None:
        """Start parsing `job` (from `parse_job`) now, in the spare child."""
        with self._lock:
            if job in self._ahead:
                return
            proc = self._spare if _running(self._spare) else _start_child()
            self._spare = _start_child()
            self._ahead[job] = proc
        _send_job(proc, job)

    def parsing_ahead(self, job: str) -> bool:
        """True while a child parses `job` ahead and no document has taken it yet."""
        with self._lock:
            return job in self._ahead

    def take(self, job: str) -> subprocess.Popen:
        """A child parsing `job`: the one started ahead for it, else a started one that
        is sent the job now; the next spare starts at once."""
        with self._lock:
            proc = self._ahead.pop(job, None)
            if proc is not None:  # it may have finished already: its pages wait in the pipe
                return proc
            proc, self._spare = self._spare, _start_child()
        proc = proc if _running(proc) else _start_child()
        _send_job(proc, job)
        return proc

    def close(self) -> None:
        """Stop the spare child and any parsing ahead for a document never taken."""
        with self._lock:
            procs = [self._spare, *self._ahead.values()]
            self._spare, self._ahead = None, {}
        for proc in procs:
            if proc is not None:
                proc.kill()
                proc.wait()


def _running(proc: subprocess.Popen | None) -> bool:
    return proc is not None and proc.poll() is None


def _start_child() -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "ingest.sandbox"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
    )
    try:
        import fcntl

        fcntl.fcntl(proc.stdout.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):  # not Linux, or over the system's cap
        pass
    return proc


def parse_job(
    path: Path, password: str | None, limits: IngestLimits, ocr: OcrOptions | None = None
) -> str:
    """What a child is sent to parse `path`: one JSON line (the password travels on stdin,
    never the command line, so it does not show in `ps`)."""
    job = {"path": str(path), "password": password, "limits": limits.to_dict()}
    job["ocr"] = ocr.to_dict() if ocr is not None else None
    return json.dumps(job)


def _send_job(proc: subprocess.Popen, job: str) -> None:
    assert proc.stdin is not None
    try:
        proc.stdin.write(job.encode() + b"\n")
        proc.stdin.close()
    except BrokenPipeError:  # the child died: reading it reports that the parse stopped
        pass


def read_pages_isolated(
    path: Path,
    password: str | None,
    limits: IngestLimits,
    deadline: float | None = None,
    ocr: OcrOptions | None = None,
    parsers: Parsers | None = None,
) -> Iterator[Page]:
    """Like pdf.read_pages(path, password, limits, ocr), parsed (and OCR'd) in a child
    process (one from `parsers`, else a new one); raises LimitError past `deadline`
    (time.monotonic()) or when the child runs out of memory."""
    job = parse_job(path, password, limits, ocr)
    if parsers is not None:
        proc = parsers.take(job)
    else:
        proc = _start_child()
        _send_job(proc, job)
    try:
        assert proc.stdout is not None
        for event in _events(proc, deadline, limits):
            if "page" in event:
                yield Page(event["page"], event["text"], *event.get("ocr", ()))
            elif "log" in event:
                log.warning("%s", event["log"])
            elif "error" in event:
                raise _ERRORS.get(event["error"], PdfError)(event["message"])
            elif "crash" in event:
                raise RuntimeError(f"the PDF parser failed: {event['crash']}")
            elif event.get("done"):
                return
        code = proc.wait()
        raise pdf.BrokenPdfError(
            f"the PDF parser stopped without a result (exit code {code}); the file may be"
            " damaged: re-export it from its source"
        )
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def _events(proc: subprocess.Popen, deadline: float | None, limits: IngestLimits) -> Iterator:
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while True:
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and (wait <= 0 or not sel.select(wait)):
                raise LimitError(limits.time_reason("parsing"))
            line = proc.stdout.readline()
            if not line:
                return
            yield json.loads(line)


# --- the child ----------------------------------------------------------------------


class _Forward(logging.Handler):
    """Sends the child's warnings to the parent, which logs them with its request id."""

    def emit(self, record: logging.LogRecord) -> None:
        _send({"log": record.getMessage()})


def _send(event: dict) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def _cap_memory(megabytes: int) -> None:
    import resource

    limit = megabytes << 20
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def main() -> None:
    """The child: parse the job read from stdin, one JSON event per stdout line."""
    line = sys.stdin.readline()
    if not line:
        return  # a spare child whose parent closed it or exited
    job = json.loads(line)
    limits = IngestLimits(**job["limits"])
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    logging.captureWarnings(True)
    logging.getLogger("py.warnings").setLevel(logging.ERROR)
    logging.getLogger("ingest").addHandler(_Forward(logging.WARNING))
    ocr = OcrOptions(**job["ocr"]) if job.get("ocr") else None
    _cap_memory(limits.max_parse_memory_mb)
    try:
        for page in pdf.read_pages(Path(job["path"]), job["password"], limits, ocr):
            event = {"page": page.number, "text": page.text}
            if page.ocr or page.ocr_skipped:
                event["ocr"] = [page.ocr, page.confidence, page.ocr_skipped]
            _send(event)
    except PdfError as exc:
        _send({"error": type(exc).__name__, "message": str(exc)})
        return
    except MemoryError:
        _send({"error": "LimitError", "message": limits.memory_reason()})
        return
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which re-raises
        _send({"crash": f"{type(exc).__name__}: {exc}"[:400]})
        return
    _send({"done": True})


if __name__ == "__main__":
    main()
