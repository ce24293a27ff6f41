"""Which documents a question asks: the ones named by id, or every ready one of the
tenant, narrowed to those whose file names the question spells out."""

from __future__ import annotations

from collections.abc import Sequence

from core.errors import FolioError
from core.storage.documents import Document
from query.document_names import named_in
from query.read_path import ReadPath


class DocumentNotFound(FolioError, LookupError):
    """An asked-for document does not exist (or belongs to another tenant)."""

    status = 404


class DocumentNotReady(FolioError):
    """An asked-for document is still being ingested, or failed."""

    status = 409


class NoDocuments(FolioError):
    """The tenant has no ready document to ask."""

    status = 409


def resolve(rp: ReadPath, document_ids: Sequence[str] | None) -> list[Document]:
    """The documents to ask, in a stable order; all ready ones of the tenant by default."""
    if not document_ids:
        docs, _ = rp.registry.list(rp.tenant_id, limit=1_000_000, status="ready")
        if not docs:
            raise NoDocuments("no ready documents to ask: upload a PDF and wait until it is ready")
    else:
        docs = []
        for doc_id in dict.fromkeys(document_ids):
            doc = rp.registry.get(doc_id, tenant_id=rp.tenant_id)
            if doc is None:
                raise DocumentNotFound(f"no document with id {doc_id!r}")
            if doc.status != "ready":
                detail = f": {doc.error}" if doc.status == "failed" and doc.error else ""
                raise DocumentNotReady(
                    f"document {doc_id} ({doc.filename}) is {doc.status}{detail}"
                )
            docs.append(doc)
    # Sorted by id: the same documents always make the same prompt prefix (prompt cache).
    return sorted(docs, key=lambda d: d.id)


def asked(rp: ReadPath, text: str, document_ids: Sequence[str] | None) -> list[Document]:
    """`resolve`d, then narrowed to the documents `text` names ("In the Acme NDA, ..."),
    where the ranking settings allow it and it names any."""
    docs = resolve(rp, document_ids)
    if rp.ranking.named_documents:
        docs = named_in(text, docs) or docs
    return docs
