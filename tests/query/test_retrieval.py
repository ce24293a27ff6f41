"""Hybrid, order-preserving retrieval over real contracts in embedded Qdrant."""

from __future__ import annotations

import re

import pytest

from query.retrieval import retrieve, to_excerpts

CLAUSE_8_3 = re.compile(r"8\.3\s+Any\s+amendments")


def _all(corpus):
    return sorted(corpus.ids.values())


def test_hybrid_finds_a_clause_number_that_dense_only_misses(corpus, embedder):
    store, tenant = corpus.ingestor.store, corpus.settings.tenant_id
    question = "What does section 8.3 say?"
    vector = embedder.embed([question])[0]
    dense = store.dense_search(vector, tenant, _all(corpus), limit=5)
    hybrid = store.hybrid_search(question, vector, tenant, _all(corpus), limit=5)
    assert not any(CLAUSE_8_3.search(c.text) for c in dense)  # MiniLM does not see "8.3"
    assert CLAUSE_8_3.search(hybrid[0].text)  # BM25 on the exact clause number does
    assert hybrid[0].document_id == corpus.ids["datacall"]

    found = retrieve(
        store, embedder, question, tenant, _all(corpus), 1_000, corpus.page_texts, expand=0
    )
    hit = [e for e in found.excerpts if CLAUSE_8_3.search(e.text)]
    assert hit and hit[0].document_id == corpus.ids["datacall"]
    page = corpus.page_texts(hit[0].document_id)[hit[0].page - 1]
    assert CLAUSE_8_3.search(page)  # the page label is the page the clause is on


def test_hybrid_finds_a_rare_identifier(corpus, embedder):
    store, tenant = corpus.ingestor.store, corpus.settings.tenant_id
    question = "Who are the third party traffic auditors, e.g. PWC?"
    vector = embedder.embed([question])[0]
    dense = store.dense_search(vector, tenant, _all(corpus), limit=20)
    hybrid = store.hybrid_search(question, vector, tenant, _all(corpus), limit=20)
    # BM25 on the rare token lifts its chunk: to the top 3, and never below dense's rank.
    first = [next(i for i, c in enumerate(hits) if "PWC" in c.text) for hits in (dense, hybrid)]
    assert first[1] < 3 and first[1] <= first[0]


def test_excerpts_are_exact_page_slices_in_document_order(corpus, embedder):
    docs = [corpus.ids["ivillage"], corpus.ids["datacall"]]
    found = retrieve(
        corpus.ingestor.store,
        embedder,
        "termination of the agreement and its effect",
        corpus.settings.tenant_id,
        docs,
        1_500,
        corpus.page_texts,
    )
    assert found.excerpts and found.hits > len(found.chunks)
    # Chunks come back in document order (the order of `docs`, then chunk index) ...
    keys = [(docs.index(c.document_id), c.chunk_index) for c in found.chunks]
    assert keys == sorted(keys)
    # ... which is not the relevance order the search returned.
    ranked = [(docs.index(c.document_id), c.chunk_index) for c in found.ranked]
    chosen = set(keys)
    assert [k for k in ranked if k in chosen] != keys
    previous = None
    for ex in found.excerpts:
        page = corpus.page_texts(ex.document_id)[ex.page - 1]
        assert ex.text == page[ex.start : ex.end]
        key = (docs.index(ex.document_id), ex.page, ex.start)
        assert previous is None or key > previous
        previous = key
    assert sum(c.tokens for c in found.chunks) <= 1_500


def test_neighbours_of_the_best_hits_come_along(corpus, embedder):
    store, tenant = corpus.ingestor.store, corpus.settings.tenant_id
    question = "Which law governs the agreement?"
    doc = [corpus.ids["ivillage"]]
    plain = retrieve(store, embedder, question, tenant, doc, 4_000, corpus.page_texts, expand=0)
    wide = retrieve(store, embedder, question, tenant, doc, 4_000, corpus.page_texts, expand=1)
    top = wide.ranked[0]
    indices = {c.chunk_index for c in wide.chunks}
    last = max(c.chunk_index for c in store.chunks("default", top.document_id, range(200)))
    expected = {i for i in (top.chunk_index - 1, top.chunk_index + 1) if 0 <= i <= last}
    assert expected <= indices
    assert len(wide.chunks) >= len(plain.chunks)


def test_overlapping_chunks_merge_into_one_excerpt_per_page_span(corpus):
    doc = corpus.ids["ivillage"]
    every = sorted(
        corpus.ingestor.store.chunks("default", doc, range(20)), key=lambda c: c.chunk_index
    )
    # Three neighbours on one page whose spans overlap (the splitter's overlap).
    start = next(
        i
        for i in range(len(every) - 2)
        if len({c.page_start for c in every[i : i + 3]} | {c.page_end for c in every[i : i + 3]})
        == 1
        and every[i].char_end > every[i + 1].char_start
    )
    chunks = every[start : start + 3]
    excerpts = to_excerpts(sorted(chunks, key=lambda c: c.chunk_index), corpus.page_texts)
    pages = corpus.page_texts(doc)
    for ex in excerpts:
        assert ex.text == pages[ex.page - 1][ex.start : ex.end]
    # Overlap is not repeated: the excerpts are shorter than the chunks laid end to end.
    assert sum(len(e.text) for e in excerpts) < sum(len(c.text) for c in chunks)
    assert len({(e.page, e.start) for e in excerpts}) == len(excerpts)


def test_without_page_texts_chunks_keep_their_first_page(corpus):
    chunks = corpus.ingestor.store.chunks("default", corpus.ids["nyliac"], [0, 1])
    excerpts = to_excerpts(chunks, None)
    assert [e.page for e in excerpts] == [c.page_start for c in chunks]
    assert [e.text for e in excerpts] == [c.text for c in chunks]


@pytest.mark.parametrize("scope", ["documents", "tenant"])
def test_search_is_filtered(corpus, embedder, scope):
    store = corpus.ingestor.store
    only = [corpus.ids["nyliac"]]
    tenant = corpus.settings.tenant_id if scope == "documents" else "someone-else"
    found = retrieve(store, embedder, "governing law", tenant, only, 8_000, corpus.page_texts)
    if scope == "tenant":
        assert found.excerpts == [] and found.hits == 0
    else:
        assert found.excerpts and {e.document_id for e in found.excerpts} == set(only)
