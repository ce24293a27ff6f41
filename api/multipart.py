"""A streaming multipart/form-data reader: the `file` part's bytes as they arrive.

python-multipart's push parser is fed the body block by block; nothing is spooled, so a
caller can stop reading at a size limit or after looking at the first kilobyte.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator

from python_multipart.exceptions import FormParserError, MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from core.errors import FolioError
from core.storage.files import FileTooLargeError

HEAD_BYTES = 1024
_MAX_FIELD = 1024
_MAX_FILENAME = 4096
# A PDF upload is a `file` part and perhaps a `password`: a form of thousands of parts
# or of huge part headers is an attack on the parser, refused at the first one too many.
MAX_PARTS = 16
MAX_HEADER_BYTES = 16 * 1024  # all the headers of one part


class FormError(FolioError, ValueError):
    """The form is malformed or lacks its `file` field."""

    status = 422


class NotMultipartError(FormError):
    """The request is not multipart/form-data at all."""

    status = 415


class MalformedBodyError(FormError):
    """The body is not a well-formed form: cut off, too many parts, oversized headers."""

    status = 400


class FormStream:
    """Push-parses multipart/form-data, yielding the `file` part's bytes as they arrive."""

    def __init__(self, content_type: str, body: Iterable[bytes], max_body: int) -> None:
        kind, params = parse_options_header(content_type)
        if kind != b"multipart/form-data" or not params.get(b"boundary"):
            raise NotMultipartError(
                "send the PDF as multipart/form-data in a field named `file`"
                " (curl -F file=@document.pdf)"
            )
        self.body, self.max_body = body, max_body
        self.filename: str | None = None
        self.password: str | None = None
        self._pending: deque[bytes] = deque()
        self._headers: dict[bytes, bytes] = {}
        self._header = [b"", b""]
        self._header_bytes = self._parts = 0
        self._target: str | None = None  # "file", "password" or None (ignored part)
        self._field = b""
        self._file_seen = self._file_done = self._ended = False
        try:
            self._parser = MultipartParser(params[b"boundary"], self._callbacks())
        except FormParserError as exc:  # e.g. a boundary over 256 characters
            raise MalformedBodyError(f"malformed multipart form: {exc}") from None

    def _callbacks(self) -> dict:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda d, s, e: self._add_header(0, d[s:e]),
            "on_header_value": lambda d, s, e: self._add_header(1, d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }

    def file_blocks(self, check_head: Callable[[bytes], None]) -> Iterator[bytes]:
        """Yield the file's bytes; `check_head` sees its first HEAD_BYTES (or all of a
        shorter file) before any later byte is read, and may raise to stop the upload."""
        head, sniffed, read = b"", False, 0
        for chunk in self.body:
            read += len(chunk)
            if read > self.max_body:
                raise FileTooLargeError("request body over the limit")
            try:
                self._parser.write(chunk)
            except MultipartParseError as exc:
                raise MalformedBodyError(f"malformed multipart body: {exc}") from None
            while self._pending:
                block = self._pending.popleft()
                if not sniffed:
                    head += block[: HEAD_BYTES - len(head)]
                    if len(head) >= HEAD_BYTES:
                        check_head(head)
                        sniffed = True
                yield block
            if self._file_done and not sniffed:
                check_head(head)
                sniffed = True
        self._parser.finalize()
        if not self._ended:
            raise MalformedBodyError(
                "the upload was cut off: the form's closing boundary never came; nothing"
                " was kept, send it again"
            )
        if not self._file_seen:
            raise FormError("no `file` field in the form; send the PDF as -F file=@doc.pdf")
        if not sniffed:
            check_head(head)

    def _part_begin(self) -> None:
        self._parts += 1
        if self._parts > MAX_PARTS:
            raise MalformedBodyError(
                f"the form has more than {MAX_PARTS} parts; send the PDF as `file` (and its"
                " `password`, if any)"
            )
        self._headers, self._target, self._field = {}, None, b""
        self._header_bytes = 0

    def _add_header(self, index: int, data: bytes) -> None:
        self._header_bytes += len(data)
        if self._header_bytes > MAX_HEADER_BYTES:
            raise MalformedBodyError(
                f"a part of the form has more than {MAX_HEADER_BYTES // 1024} KB of headers"
            )
        self._header[index] += data

    def _header_end(self) -> None:
        self._headers[self._header[0].lower()] = self._header[1]
        self._header = [b"", b""]

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition"))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if name == "file" and not self._file_seen:
            self._target, self._file_seen = "file", True
            # As sent (bounded): ingest.uploads.safe_filename decides what is kept.
            self.filename = options.get(b"filename", b"")[:_MAX_FILENAME].decode("utf-8", "replace")
        elif name == "password":
            self._target = "password"

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._target == "file":
            self._pending.append(bytes(data[start:end]))
        elif self._target == "password":
            self._field += data[start:end]
            if len(self._field) > _MAX_FIELD:
                raise FormError("the password field is too long")

    def _end(self) -> None:
        self._ended = True

    def _part_end(self) -> None:
        if self._target == "file":
            self._file_done = True
        elif self._target == "password":
            self.password = self._field.decode("utf-8", "replace") or None
        self._target = None
