"""What the model reads: every page of the documents (stuff) or retrieved excerpts (rag).

Either way the result is a list of `prompt.Source`s in the question's stable document
order, each page-labelled, so prompts, the offline reader and citation checks agree on
page numbers. Page texts come from the PageStore written at ingest, read once per question.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.embeddings.embedders import Embedder
from core.reader.offline import Passage
from core.storage.chunks import ChunkStore, StoredChunk
from core.storage.documents import Document
from core.storage.pages import PageStore
from query.prompt import Section, Source
from query.retrieval import DEFAULT_RANKING, Ranking, retrieve


class PageCache:
    """Page texts read once per question, for prompts and for checking citations."""

    def __init__(self, store: PageStore) -> None:
        self.store = store
        self.texts: dict[str, list[str]] = {}

    def all(self, document_id: str) -> list[str]:
        """Every page's text, page 1 first."""
        if document_id not in self.texts:
            self.texts[document_id] = [p.text for p in self.store.read(document_id)]
        return self.texts[document_id]

    def page(self, document_id: str, number: int) -> str | None:
        """One 1-based page's text, or None."""
        texts = self.all(document_id)
        return texts[number - 1] if 1 <= number <= len(texts) else None


def whole(documents: Sequence[Document], pages: PageCache) -> list[Source]:
    """Every page of every document, for stuffing."""
    return [
        Source(d.id, d.filename, [Section(n, text) for n, text in enumerate(pages.all(d.id), 1)])
        for d in documents
    ]


def retrieved(
    store: ChunkStore,
    embedder: Embedder,
    question: str,
    tenant_id: str,
    documents: Sequence[Document],
    token_budget: int,
    pages: PageCache,
    ranking: Ranking = DEFAULT_RANKING,
) -> tuple[list[Source], list[StoredChunk]]:
    """The excerpts hybrid retrieval picks, in document order; and the hits in rank order."""
    found = retrieve(
        store,
        embedder,
        question,
        tenant_id,
        [d.id for d in documents],
        token_budget,
        page_texts=pages.all,
        ranking=ranking,
    )
    by_doc: dict[str, list[Section]] = {}
    for ex in found.excerpts:
        by_doc.setdefault(ex.document_id, []).append(Section(ex.page, ex.text, excerpt=True))
    sources = [Source(d.id, d.filename, by_doc[d.id]) for d in documents if d.id in by_doc]
    return sources, found.ranked


def passages(sources: Sequence[Source]) -> list[Passage]:
    """The same text as the offline reader takes it."""
    return [Passage(src.document_id, sec.page, sec.text) for src in sources for sec in src.sections]
