"""One NIAH run's parts, assembled by a composition root (the pytest session fixture, or
`folio eval niah` through `run_niah`): the service (started here, or one already
running), the HTTP client, the runner, the results file, and the report at the end.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from client import FolioClient
from core.access.admin_key import client_key
from core.llm.catalog import Catalog, CatalogError, load_catalog
from core.settings import Settings
from eval.common.judge import build_judge
from eval.common.paths import default_out
from eval.common.results import ResultsFile
from eval.common.service import Service, folio_version, start_service
from eval.niah.report import write_report
from eval.niah.result import NiahResult
from eval.niah.runner import MODES, RunConfig, Runner
from eval.niah.suites import DocSpec


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
        self.writer: ResultsFile[NiahResult] = ResultsFile(options.out / "results.jsonl")
        self.service: Service | None = None
        self.client: FolioClient | None = None
        self.runner: Runner | None = None
        self.grids: list[str] = []
        self._scratch = Path(tempfile.mkdtemp(prefix="folio-eval-"))
        self._started = time.monotonic()
        self._began = datetime.now().isoformat(timespec="seconds")

    def start(self) -> EvalSession:
        """Start (or reach) the service and build the runner; RuntimeError if it fails."""
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
            on_result=self.writer.write,
        )
        return self

    def run(
        self,
        specs: list[DocSpec],
        on_status: Callable[[str], None] | None = None,
        on_result: Callable[[NiahResult], None] | None = None,
    ) -> list[NiahResult]:
        """Run these documents' questions; results are also appended to results.jsonl."""
        if self.runner is None:
            self.start()
        assert self.runner is not None
        self.runner.on_status = on_status or (lambda text: None)
        write = self.writer.write
        self.runner.on_result = (lambda r: (write(r), on_result(r))) if on_result else write
        return self.runner.run(specs)

    def meta(self) -> dict[str, Any]:
        """The report's header: when, what, on which service, over which grids."""
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
        """Write the report (if any results), stop the service, remove scratch files."""
        try:
            if not self.writer.results:
                return None
            return write_report(self.options.out, self.writer.results, self.meta())
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


@dataclass
class NiahRun:
    """What `run_niah` did: the report (None without results), every result, and whether
    it was stopped early (Ctrl-C: the report covers what ran)."""

    report: Path | None
    results: list[NiahResult]
    interrupted: bool = False


def run_niah(
    specs: list[DocSpec],
    options: EvalOptions,
    grids: str,
    on_status: Callable[[str], None] | None = None,
    on_result: Callable[[NiahResult], None] | None = None,
) -> NiahRun:
    """Start the service, ask every spec's questions and write the report (`folio eval
    niah`). RuntimeError when the service cannot start or fails; nothing is left running."""
    session = EvalSession(options)
    session.grids.append(grids)
    interrupted = False
    try:
        session.start()
        session.run(specs, on_status=on_status, on_result=on_result)
    except RuntimeError:
        session.finish()
        raise
    except KeyboardInterrupt:
        interrupted = True
    report = session.finish()
    return NiahRun(report, session.writer.results, interrupted)


def _catalog(path: Path | None) -> Catalog | None:
    try:
        return load_catalog(path)
    except CatalogError:
        return None
