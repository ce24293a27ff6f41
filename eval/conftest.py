"""pytest wiring for the eval: options, the session (the eval's composition root), the report.

`pytest eval` runs the tests of every benchmark folder and the quick grids offline;
`pytest eval -m full` the full grids. The session fixture starts one real `folio serve`
for the whole run (the NIAH and retrieval tests share it) and, at the end, writes the
NIAH results.jsonl, summary.csv, report.md and heatmaps under --eval-out.

It stays at eval/, above the benchmark folders: pytest takes `pytest_addoption` only
from an initial conftest (one in a folder named on the command line or in testpaths).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.common.paths import default_out
from eval.niah.haystack import default_haystack_dir, parse_length
from eval.niah.session import EvalOptions, EvalSession
from eval.niah.suites import Grid

QUICK_LENGTHS = "1k,4k,16k"
QUICK_DEPTHS = "0,50,100"
FULL_LENGTHS = "1k,8k,32k,128k,400k"
FULL_DEPTHS = "0,10,20,30,40,50,60,70,80,90,100"

_report_paths: list[Path] = []


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("folio eval")
    group.addoption("--eval-out", default=None, help="output folder (eval/results/<timestamp>)")
    group.addoption(
        "--eval-lengths",
        default=None,
        help=f"context lengths (quick {QUICK_LENGTHS}; full {FULL_LENGTHS})",
    )
    group.addoption(
        "--eval-depths",
        default=None,
        help=f"needle depths %% (quick {QUICK_DEPTHS}; full 0,10,...,100)",
    )
    group.addoption("--eval-modes", default="stuff,rag,auto", help="answer modes to compare")
    group.addoption("--eval-trials", type=int, default=1, help="repeats of each question")
    group.addoption("--eval-seed", type=int, default=0, help="seed for the seeded choices")
    group.addoption("--eval-haystack", default=None, help="folder of .txt/.pdf (Paul Graham)")
    group.addoption(
        "--eval-provider",
        default="offline",
        choices=("offline", "env"),
        help="offline: no key reaches the service; env: your FOLIO_* and .env do",
    )
    group.addoption("--eval-models", default=None, help="a model catalog file for the service")
    group.addoption("--eval-url", default=None, help="evaluate a running service instead")
    group.addoption("--eval-judge", default=None, help="judge model (needs a key; env provider)")
    group.addoption("--eval-keep", action="store_true", help="keep documents and rendered PDFs")
    group.addoption("--eval-max-cost", type=float, default=None, help="max_cost_usd per query")


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


@pytest.fixture(scope="session")
def eval_session(request: pytest.FixtureRequest):
    """The one live service of this test run, and the report written when the run ends."""
    opt = request.config.getoption
    options = EvalOptions(
        out=Path(opt("--eval-out") or default_out()),
        modes=tuple(_csv(opt("--eval-modes"))),
        trials=opt("--eval-trials"),
        seed=opt("--eval-seed"),
        provider=opt("--eval-provider"),
        url=opt("--eval-url"),
        models_file=Path(opt("--eval-models")) if opt("--eval-models") else None,
        judge_model=opt("--eval-judge"),
        keep_documents=opt("--eval-keep"),
        max_cost_usd=opt("--eval-max-cost"),
    )
    session = EvalSession(options)
    try:
        session.start()
    except RuntimeError as exc:
        session.finish()
        pytest.fail(f"could not start the service for the eval: {exc}", pytrace=False)
    yield session
    path = session.finish()
    if path:
        _report_paths.append(path)


@pytest.fixture
def eval_grid(request: pytest.FixtureRequest) -> Grid:
    """The grid from the options; the quick defaults, or the full ones under -m full."""
    opt = request.config.getoption
    full = request.node.get_closest_marker("full") is not None
    lengths = opt("--eval-lengths") or (FULL_LENGTHS if full else QUICK_LENGTHS)
    depths = opt("--eval-depths") or (FULL_DEPTHS if full else QUICK_DEPTHS)
    haystack = opt("--eval-haystack")
    return Grid(
        lengths=[parse_length(v) for v in _csv(lengths)],
        depths=[float(v) for v in _csv(depths)],
        haystack=Path(haystack) if haystack else default_haystack_dir(),
        seed=opt("--eval-seed"),
    )


def pytest_terminal_summary(terminalreporter) -> None:
    for path in _report_paths:
        terminalreporter.write_line(f"folio eval report: {path}")
