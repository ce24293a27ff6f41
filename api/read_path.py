"""The read path's clients, built once by each composition root (the API's lifespan, the
CLI's in-process path, the eval fixtures) and shared by every request."""

from __future__ import annotations

from dataclasses import dataclass, field

from api.metrics import Metrics
from api.retrieval import Ranking
from api.routing import Policy
from core.catalog import Catalog, load_catalog
from core.embeddings import Embedder
from core.llm import ModelClient
from core.pages import PageStore
from core.question_vectors import static_minilm
from core.reader import OfflineReader
from core.registry import Registry
from core.route_model import LearnedRouter, load_route_model
from core.settings import Settings
from core.store import ChunkStore


@dataclass
class ReadPath:
    """The read path's clients, built once by a composition root and shared by requests."""

    registry: Registry
    store: ChunkStore | None  # None where another process owns the embedded store
    embedder: Embedder | None
    pages: PageStore
    catalog: Catalog
    models: ModelClient
    reader: OfflineReader
    tenant_id: str = "default"
    key_id: str | None = None  # the caller's API key, stamped on its ledger rows
    policy: Policy = field(default_factory=Policy)
    metrics: Metrics | None = None  # the app's Prometheus series, when it has them
    router: LearnedRouter | None = None  # the learned estimate plan() weighs, if loaded
    ranking: Ranking = field(default_factory=Ranking)  # how search and rag rank chunks


def build_read_path(
    settings: Settings,
    registry: Registry,
    pages: PageStore,
    store: ChunkStore | None,
    embedder: Embedder | None,
    metrics: Metrics | None = None,
) -> ReadPath:
    """The read path for a composition root: catalog from FOLIO_MODELS_FILE, a ModelClient
    writing the usage ledger, the offline reader sharing the loaded embedder, and the
    app's `metrics` (latency by mode, escalations, failed model attempts) if any."""
    catalog = load_catalog(settings.models_file)
    router = None
    if settings.route_learned:
        # Without MiniLM's table (an API embedder, or none here) the vector is left out.
        router = LearnedRouter(load_route_model(settings.route_model_file), static_minilm(embedder))
    return ReadPath(
        registry=registry,
        store=store,
        embedder=embedder,
        pages=pages,
        catalog=catalog,
        models=ModelClient(catalog, settings, ledger=registry.record_usage),
        reader=OfflineReader(embedder),
        tenant_id=settings.tenant_id,
        policy=Policy(
            prefer=settings.route_prefer,
            retrieval_budget=settings.route_retrieval_budget,
            cheap_stuff_max_tokens=settings.route_cheap_stuff_max_tokens,
        ),
        metrics=metrics,
        router=router,
        ranking=Ranking(
            settings.search_fusion,
            settings.search_clean_query,
            settings.search_named_documents,
            settings.search_grow_within,
            settings.search_grow_chunks,
        ),
    )
