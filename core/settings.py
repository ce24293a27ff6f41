"""Process-wide configuration, read from FOLIO_* environment variables and an optional .env.

Build one `Settings()` in each composition root (the API lifespan, the worker's startup,
the CLI command, the eval session) and pass it down; nothing here runs at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of the service; names map to FOLIO_<NAME> environment variables."""

    model_config = SettingsConfigDict(env_prefix="FOLIO_", env_file=".env", extra="ignore")

    # Storage
    data_dir: Path = Path("./data")
    tenant_id: str = "default"
    qdrant_url: str | None = None  # unset: the embedded store under DATA_DIR
    # The embedded store's engine: Qdrant Edge (DATA_DIR/edge, Rust, indexed) or
    # qdrant-client's local mode (DATA_DIR/qdrant, brute force); `folio reindex` moves data.
    store_engine: Literal["edge", "local"] = "edge"
    qdrant_api_key: SecretStr | None = None
    collection: str = "folio_chunks"
    # unset: SQLite at DATA_DIR/registry.sqlite; e.g. postgresql://user@host/db across hosts
    registry_url: str | None = None

    # Ingest
    # Small chunks rank the right clause first more often (docs/EVAL.md, ContractNLI)
    chunk_tokens: int = Field(default=128, ge=32)
    chunk_overlap: int = Field(default=16, ge=0)
    index_titles: bool = True  # file names join each chunk's BM25 terms (corpus-wide search)
    max_upload_mb: int = Field(default=100, ge=1)
    embedding_provider: str = "local"  # see core.embeddings.embedders.EMBEDDERS
    embedding_model: str = "all-MiniLM-L6-v2"
    embedding_batch_size: int = Field(default=16, ge=1)  # sentence-transformers provider
    # local provider: int8 ONNX weights (MatMul, per channel); same ContractNLI recall as fp32,
    # ~2x faster (docs/PERFORMANCE.md). false: the fp32 export, vectors equal to torch's.
    embedding_quantize: bool = True
    model_dir: Path | None = None  # the exported ONNX model; unset: ~/.cache/folio
    embedding_base_url: str | None = None  # for the "openai" embedding provider
    embedding_api_key: SecretStr | None = None
    # Per-document limits: a document over one fails alone, with a reason naming it.
    max_pages: int = Field(default=5000, ge=1)
    max_decoded_mb: int = Field(default=512, ge=1)  # content streams, whole document
    max_page_decoded_mb: int = Field(default=32, ge=1)  # content streams, one page
    max_document_tokens: int = Field(default=1_500_000, ge=1)
    max_ingest_s: int = Field(default=1800, ge=1)  # wall time, parse to last vector
    max_parse_memory_mb: int = Field(default=2048, ge=64)  # address space of the parser
    # OCR of pages without a text layer (docs/OCR.md): off, auto (pages with almost no
    # text), force (every page); rendered at ocr_dpi, read with the ocr_lang model.
    ocr: Literal["off", "auto", "force"] = "auto"
    ocr_dpi: int = Field(default=200, ge=50, le=600)
    ocr_lang: str = Field(default="eng", pattern=r"^[A-Za-z_]+(\+[A-Za-z_]+)*$")
    ocr_workers: int = Field(default=2, ge=1, le=16)  # pages OCR'd at once, a core each

    # Search (the ranking /search and the rag path share; docs/EVAL.md measures each)
    search_fusion: Literal["dbsf", "rrf"] = "dbsf"
    search_clean_query: bool = True  # drop "Does the agreement state that ..." framing
    search_named_documents: bool = True  # "In the Acme NDA, ...": search just that one
    search_grow_within: float = Field(default=0.9, ge=0)  # passages over neighbours; 0: off
    search_grow_chunks: int = Field(default=3, ge=1, le=10)
    search_clause_paraphrases: bool = True  # "non-compete": also near exclusivity's wording

    # Queue
    broker_url: str | None = None  # unset: embedded SQLite broker under DATA_DIR
    stale_processing_s: int = 600

    # Models
    models_file: Path | None = None  # unset: the packaged core/llm/models.yaml
    openai_base_url: str | None = None
    openai_api_key: SecretStr | None = None
    llm_timeout_s: float = 60.0
    llm_max_retries: int = 2
    # Circuit breaker per model (core/llm/health.py): open after this many consecutive
    # provider failures, for this long, then one probe call.
    llm_breaker_failures: int = Field(default=3, ge=1)
    llm_breaker_open_s: float = Field(default=30.0, ge=0)
    # A model at its catalog rpm/tpm: wait up to this long for a slot, else fall back.
    llm_limit_wait_s: float = Field(default=2.0, ge=0)
    # The learned router (docs/ROUTING.md): its weights file, and the default preference.
    route_model_file: Path | None = None  # unset: the packaged query/routing/route_model.json
    route_prefer: Literal["cost", "balanced", "quality"] = "balanced"
    route_learned: bool = True  # false: the size and scope rules alone decide
    route_retrieval_budget: int = Field(default=8_000, ge=500)  # tokens of passages for rag
    route_cheap_stuff_max_tokens: int = Field(default=32_000, ge=0)  # stuff the cheap model

    # Server
    url: str | None = None  # where the CLI finds a running server; unset: host:port
    # Keys and tenants (README "Keys and tenants"): "off" is allowed on a loopback bind only.
    auth: Literal["on", "off"] = "on"
    api_key: SecretStr | None = None  # the key the CLI sends; unset: DATA_DIR/admin.key
    metrics_token: SecretStr | None = None  # set: GET /metrics wants `Bearer <token>`
    host: str = "127.0.0.1"
    port: int = 8000
    max_request_kb: int = Field(default=1024, ge=1)  # JSON bodies; uploads: max_upload_mb
    log_level: str = "INFO"
    log_json: bool = False

    @property
    def qdrant_path(self) -> Path:
        return self.data_dir / "qdrant"

    @property
    def edge_path(self) -> Path:
        return self.data_dir / "edge"

    @property
    def admin_key_path(self) -> Path:
        """The local admin key `folio serve` creates on first start (mode 0600)."""
        return self.data_dir / "admin.key"

    @property
    def registry_path(self) -> Path:
        return self.data_dir / "registry.sqlite"

    @property
    def files_dir(self) -> Path:
        """Uploaded PDFs, stored content-addressed by sha256."""
        return self.data_dir / "files"

    @property
    def pages_dir(self) -> Path:
        """Per-document page texts kept for stuffing and citation checks."""
        return self.data_dir / "pages"

    @property
    def embedded_broker(self) -> bool:
        return self.broker_url is None

    @property
    def embedded_store(self) -> bool:
        return self.qdrant_url is None

    def ensure_dirs(self) -> None:
        for path in (self.data_dir, self.files_dir, self.pages_dir):
            path.mkdir(parents=True, exist_ok=True)
