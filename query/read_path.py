"""The read path's clients, built once by each composition root (the API's lifespan, the
CLI's in-process path, the eval fixtures) and shared by every request."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace

from core.access.budgets import Budgets, Payer
from core.access.keys import KeyStore
from core.access.rate_limits import open_limiter
from core.embeddings.embedders import Embedder
from core.embeddings.question_vectors import static_minilm
from core.errors import FolioError
from core.llm.catalog import Catalog, load_catalog
from core.llm.client import ModelClient
from core.llm.latency import LatencyBook
from core.llm.limits import ProviderLimits
from core.metrics import Metrics
from core.reader.offline import OfflineReader
from core.settings import Settings
from core.storage.chunks import ChunkStore
from core.storage.pages import PageStore
from core.storage.registry import Registry
from core.storage.usage import UsageRecord
from query.retrieval import Ranking
from query.routing.model import LearnedRouter, load_route_model
from query.routing.plan import Policy


class RetrievalUnavailable(FolioError):
    """The plan needs the chunk store, and this process does not hold it."""

    status = 503


@dataclass
class ReadPath:
    """The read path's clients, built once by a composition root and shared by requests;
    `api.auth.scoped_read_path` gives each request a copy acting for its caller."""

    registry: Registry
    store: ChunkStore | None  # None where another process owns the embedded store
    embedder: Embedder | None
    pages: PageStore
    catalog: Catalog
    models: ModelClient
    reader: OfflineReader
    tenant_id: str = "default"
    key_id: str | None = None  # the caller's API key, stamped on its ledger rows
    key_budget_usd: float | None = None  # that key's own monthly cap
    policy: Policy = field(default_factory=Policy)
    metrics: Metrics | None = None  # the app's Prometheus series, when it has them
    router: LearnedRouter | None = None  # the learned estimate plan() weighs, if loaded
    ranking: Ranking = field(default_factory=Ranking)  # how search and rag rank chunks
    budgets: Budgets | None = None  # the monthly caps paid answers are held against
    latency: LatencyBook | None = None  # each model's measured (or prior) speed

    @property
    def payer(self) -> Payer:
        """Who pays for this read path's model calls."""
        return Payer(self.tenant_id, self.key_id, self.key_budget_usd)

    def acting_for(
        self, tenant_id: str, key_id: str | None, key_budget_usd: float | None = None
    ) -> ReadPath:
        """This read path acting for a tenant (and its key): that tenant's documents, its
        budgets, and ledger rows stamped with its tenant and key."""
        models = copy.copy(self.models)  # shares the providers' HTTP clients
        ledger = self.models.ledger
        if ledger is not None:

            def stamped(row: UsageRecord) -> None:
                ledger(replace(row, tenant_id=tenant_id, key_id=key_id))

            models.ledger = stamped
        return replace(
            self, tenant_id=tenant_id, key_id=key_id, key_budget_usd=key_budget_usd, models=models
        )

    def retrieval(self, what: str, instead: str = "") -> tuple[ChunkStore, Embedder]:
        """The chunk store and its embedder, or RetrievalUnavailable saying `what` needs
        them (and what to do `instead`)."""
        if self.store is None or self.embedder is None:
            raise RetrievalUnavailable(
                f"{what} needs the chunk store, which the worker process owns here: set"
                f" FOLIO_QDRANT_URL to a Qdrant server{instead}"
            )
        return self.store, self.embedder


def build_read_path(
    settings: Settings,
    registry: Registry,
    pages: PageStore,
    store: ChunkStore | None,
    embedder: Embedder | None,
    metrics: Metrics | None = None,
    budgets: Budgets | None = None,
) -> ReadPath:
    """The read path for a composition root: catalog from FOLIO_MODELS_FILE, a ModelClient
    writing the usage ledger, the offline reader sharing the loaded embedder, the app's
    `metrics` (latency by mode, escalations, failed model attempts) if any, and the
    process's `budgets` (one per process: it holds what running calls reserved)."""
    catalog = load_catalog(settings.models_file)
    router = None
    if settings.route_learned:
        # Without MiniLM's table (an API embedder, or none here) the vector is left out.
        router = LearnedRouter(load_route_model(settings.route_model_file), static_minilm(embedder))
    limits = None
    if any(ProviderLimits.applies(spec) for spec in catalog.models.values()):
        # Counted in Redis when the broker is Redis: the provider's tier is shared.
        limits = ProviderLimits(open_limiter(settings.broker_url), settings.llm_limit_wait_s)
    models = ModelClient(catalog, settings, ledger=registry.usage.record, limits=limits)
    if metrics is not None:
        metrics.watch_circuits(models.health.snapshot)
    return ReadPath(
        registry=registry,
        store=store,
        embedder=embedder,
        pages=pages,
        catalog=catalog,
        models=models,
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
            settings.search_clause_paraphrases,
        ),
        budgets=budgets or Budgets(registry, KeyStore(registry)),
        latency=LatencyBook(catalog, registry.usage.recent_timings),
    )
