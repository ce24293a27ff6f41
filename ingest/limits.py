"""Per-document ingestion limits, from settings: a document over one fails alone, with a
reason that names the limit and the FOLIO_ setting that raises it."""

from __future__ import annotations

from dataclasses import asdict, dataclass

_MB = 1 << 20


@dataclass(frozen=True)
class IngestLimits:
    """Bounds on one document's parse and ingestion. Defaults match core.settings."""

    max_pages: int = 5000
    max_decoded_mb: int = 512  # decoded content streams, whole document
    max_page_decoded_mb: int = 32  # decoded content streams, one page
    max_document_tokens: int = 1_500_000
    max_ingest_s: int = 1800  # wall time, from the parse's start to the last vector
    max_parse_memory_mb: int = 2048  # address space of the parsing child process
    #: Parse in a child process (memory returns to the OS when it exits, the cap above is
    #: enforced on it). False parses in this process, with the other limits still checked.
    isolate: bool = True

    @classmethod
    def from_settings(cls, settings) -> IngestLimits:
        return cls(
            max_pages=settings.max_pages,
            max_decoded_mb=settings.max_decoded_mb,
            max_page_decoded_mb=settings.max_page_decoded_mb,
            max_document_tokens=settings.max_document_tokens,
            max_ingest_s=settings.max_ingest_s,
            max_parse_memory_mb=settings.max_parse_memory_mb,
        )

    def to_dict(self) -> dict:
        return asdict(self)

    # --- reasons, each naming its setting -------------------------------------------

    def pages_reason(self, pages: int) -> str:
        return _reason(f"{pages} pages", "FOLIO_MAX_PAGES", f"{self.max_pages} pages")

    def page_decoded_reason(self, page: int, size: int | None) -> str:
        what = f"page {page}'s content decodes to " + (
            f"{size / _MB:.0f} MB" if size is not None else "more than the parser will decode"
        )
        limit = f"{self.max_page_decoded_mb} MB"
        return _reason(what, "FOLIO_MAX_PAGE_DECODED_MB", limit, bomb=True)

    def decoded_reason(self, page: int, total: int) -> str:
        what = f"the content of pages 1-{page} decodes to {total / _MB:.0f} MB"
        return _reason(what, "FOLIO_MAX_DECODED_MB", f"{self.max_decoded_mb} MB", bomb=True)

    def tokens_reason(self, tokens: int, page: int) -> str:
        what = f"the text reaches {tokens:,} tokens by page {page}"
        limit = f"{self.max_document_tokens:,} tokens"
        return _reason(what, "FOLIO_MAX_DOCUMENT_TOKENS", limit)

    def time_reason(self, stage: str) -> str:
        what = f"ingestion ran out of time while {stage}"
        return _reason(what, "FOLIO_MAX_INGEST_S", f"{self.max_ingest_s} s")

    def memory_reason(self) -> str:
        what = "parsing needed more memory than allowed"
        limit = f"{self.max_parse_memory_mb} MB"
        return _reason(what, "FOLIO_MAX_PARSE_MEMORY_MB", limit, bomb=True)

    @property
    def max_decoded_bytes(self) -> int:
        return self.max_decoded_mb * _MB

    @property
    def max_page_decoded_bytes(self) -> int:
        return self.max_page_decoded_mb * _MB


def _reason(what: str, setting: str, limit: str, bomb: bool = False) -> str:
    hint = " (a decompression bomb looks like this)" if bomb else ""
    return (
        f"over a limit: {what}, more than {setting} ({limit}){hint}; split the document,"
        f" or raise {setting} if it is genuine"
    )
