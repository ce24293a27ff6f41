"""One eval run's parts, assembled by a composition root (the pytest session fixture, or
`folio eval`): the service (started here, or one already running), the HTTP client, the
runner, the results file, and the report at the end.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from client import FolioClient
from core.access.admin_key import client_key
from core.llm.catalog import Catalog, CatalogError, load_catalog
from core.settings import Settings
from eval.judge import build_judge
from eval.report import ResultsWriter, write_report
from eval.runner import MODES, RunConfig, Runner, folio_version
from eval.service import Service, start_service
from eval.suites import DocSpec

REPO = Path(__file__).resolve().parents[1]


def default_out() -> Path:
    """eval/results/<timestamp>/ in the repository (gitignored)."""
    return REPO / "eval" / "results" / datetime.now().strftime("%Y%m%d-%H%M%S")


@dataclass
class EvalOptions:
    """What the person running the eval chose."""

    out: Path = field(default_factory=default_out)
    modes: tuple[str, ...] = MODES
    trials: int = 1
    seed: int = 0
    provider: str = "offline"  # "offline": no key reaches the service; "env": the caller's
    url: str | None = None  # evaluate a service already running there instead
    models_file: Path | None = None
    judge_model: str | None = None
    keep_documents: bool = False
    max_cost_usd: float | None = None


class EvalSession:
    """Start with `start()` (or `with`), run suites with `run()`, end with `finish()`."""

    def __init__(self, options: EvalOptions) -> None:
        self.options = options
        self.writer = ResultsWriter(options.out)
        self.service: Service | None = None
        self.client: FolioClient | None = None
        self.runner: Runner | None = None
        self.grids: list[str] = []
        self._scratch = Path(tempfile.mkdtemp(prefix="folio-eval-"))
        self._started = time.monotonic()
        self._began = datetime.now().isoformat(timespec="seconds")

    def start(self) -> EvalSession:
        opts = self.options
        offline = opts.provider == "offline"
        settings = Settings(_env_file=None) if offline else Settings()
        if opts.url:
            url = opts.url
        else:
            extra = {"FOLIO_MODELS_FILE": str(opts.models_file)} if opts.models_file else {}
            self.service = start_service(
                self._scratch / "data", opts.out / "service.log", offline, extra
            )
            url = self.service.url
        key = self.service.api_key if self.service else client_key(settings)
        self.client = FolioClient(url, api_key=key)
        if offline:  # the child runs on defaults; the caller's FOLIO_* must not leak in
            defaults = Settings.model_fields
            chunking = (defaults["chunk_tokens"].default, defaults["chunk_overlap"].default)
        else:
            chunking = (settings.chunk_tokens, settings.chunk_overlap)
        config = RunConfig(
            workdir=self._scratch / "pdfs",
            modes=tuple(opts.modes),
            trials=opts.trials,
            seed=opts.seed,
            keep_documents=opts.keep_documents,
            chunk_tokens=chunking[0],
            chunk_overlap=chunking[1],
            max_cost_usd=opts.max_cost_usd,
        )
        self.runner = Runner(
            self.client,
            config,
            catalog=_catalog(opts.models_file or (None if offline else settings.models_file)),
            judge=None if offline else build_judge(opts.judge_model),
            on_row=self.writer.write,
        )
        return self

    def run(self, specs: list[DocSpec], on_status=None, on_row=None) -> list[dict[str, Any]]:
        """Run these documents' questions; rows are also appended to results.jsonl."""
        if self.runner is None:
            self.start()
        assert self.runner is not None
        self.runner.on_status = on_status or (lambda text: None)
        write = self.writer.write
        self.runner.on_row = (lambda row: (write(row), on_row(row))) if on_row else write
        return self.runner.run(specs)

    def meta(self) -> dict[str, Any]:
        opts = self.options
        return {
            "started": self._began,
            "duration_s": round(time.monotonic() - self._started, 1),
            "version": folio_version(),
            "service": opts.url or "started by the eval (folio serve)",
            "provider": opts.provider,
            "modes": ", ".join(opts.modes),
            "trials": opts.trials,
            "seed": opts.seed,
            "grids": "; ".join(self.grids) or "-",
        }

    def finish(self) -> Path | None:
        """Write the report (if any rows), stop the service, remove scratch files."""
        try:
            if not self.writer.rows:
                return None
            return write_report(self.options.out, self.writer.rows, self.meta())
        finally:
            if self.client:
                self.client.close()
            if self.service:
                self.service.stop()
            if not self.options.keep_documents:
                shutil.rmtree(self._scratch, ignore_errors=True)

    def __enter__(self) -> EvalSession:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.finish()


def _catalog(path: Path | None) -> Catalog | None:
    try:
        return load_catalog(path)
    except CatalogError:
        return None
