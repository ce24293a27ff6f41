"""Browser tests: a real `folio serve` driven by Debian's Chromium through Playwright.

They run wherever Chromium and Playwright are installed, and must run in CI (`CI=true`):
there a missing browser fails the run instead of skipping it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.procs import FolioProcess, folio_env, free_port, wait_healthy

HOW_TO = (
    "browser tests need Debian's Chromium and Playwright for Python:"
    " `apt-get install -y chromium` (as root) and `pip install -e '.[dev]'`"
    " (no `playwright install`: the system browser is used)"
)


def _missing(why: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{why}; in CI the browser tests must run: {HOW_TO}")
    pytest.skip(f"{why}; {HOW_TO}")


@pytest.fixture(scope="session")
def chromium() -> str:
    """The system Chromium's path, or a skip that says how to get it (a failure in CI)."""
    path = os.environ.get("FOLIO_CHROMIUM") or shutil.which("chromium")
    if not path:
        _missing("no `chromium` on PATH")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("Playwright for Python is not installed")
    return path


@pytest.fixture(scope="module")
def browser(chromium: str):
    """One headless Chromium per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        # --no-sandbox: CI runs as root, where Chromium refuses its sandbox.
        launched = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    """A fresh tab (laptop-sized) that fails its test on any JavaScript or CSP error."""
    context = browser.new_context(viewport={"width": 1400, "height": 950})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # Anything the page's Content-Security-Policy blocks is a bug too.
    page.on(
        "console",
        lambda msg: "Content Security Policy" in msg.text and errors.append(msg.text),
    )
    page.on("dialog", lambda dialog: dialog.accept())  # "Delete ...?"
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


class Served(str):
    """A running server's URL, with the admin key it made on first start (None: a build
    without API keys) and the headers that send it."""

    key: str | None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"} if self.key else {}


def start_serve(root: Path, **env: str) -> Iterator[Served]:
    """`folio serve` on a free port with the offline reader and a fresh data dir; its URL.
    Stopped by its PID when the generator is closed."""
    port = free_port()
    proc = FolioProcess(
        ["serve", "--port", str(port)],
        # folio_env drops the developer's FOLIO_* (a model key among them); the cwd has no .env.
        # Keys on, as `folio serve` starts for a user: the page signs in with the admin key.
        folio_env(root / "data", **({"FOLIO_AUTH": "on"} | env)),
        root / "serve.log",
        root,
    )
    url = Served(f"http://127.0.0.1:{port}")
    try:
        wait_healthy(url, proc)
        key_file = root / "data" / "admin.key"  # written before the server answers
        url.key = key_file.read_text().strip() if key_file.is_file() else None
        yield url
    finally:
        proc.stop()


@pytest.fixture
def shots(tmp_path: Path):
    """save(page, name): a screenshot (full page by default) under the test's tmp folder,
    numbered in order."""
    folder = tmp_path / "screenshots"
    folder.mkdir()
    count = [0]

    def save(page, name: str, full_page: bool = True) -> Path:
        count[0] += 1
        path = folder / f"{count[0]:02d}-{name}.png"
        page.screenshot(path=path, full_page=full_page)
        return path

    save.folder = folder
    return save
