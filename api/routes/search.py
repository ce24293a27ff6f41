"""POST /search: the ranked passages the `rag` path would read, without a model."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ReadPathDep
from api.errors import responses
from api.schemas.common import InvalidOut
from api.schemas.search import SearchRequest, SearchResponse
from query import search as search_path

router = APIRouter(tags=["search"])


_ERRORS = responses(400, 404, 409, 413, 503) | {422: {"model": InvalidOut}}


@router.post("/search", response_model=SearchResponse, responses=_ERRORS)
def search(body: SearchRequest, rp: ReadPathDep) -> SearchResponse:
    """Find the passages that answer `query`, best first, each the document's own text
    with its pages, so it can be found in the PDF. The ranking is the `rag` path's: dense
    and BM25 search fused by score. Default documents: those the query names by file
    name, else every ready one. 404: unknown document; 409: not ready, or no ready
    document; 422: `k` outside 1-100; 503: this process does not hold the chunk store.
    """
    return SearchResponse.of(search_path.search(rp, body.query, body.document_ids, body.k))
