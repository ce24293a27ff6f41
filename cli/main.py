"""The `folio` command line: each sub-command lives in its own module under cli/."""

from __future__ import annotations

import typer

from cli import ask, ingest, keys, reindex, search, serve, usage, worker
from cli import eval as eval_cli

app = typer.Typer(
    help="folio: ask long legal and technical PDFs, stuffed or retrieved.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """Sub-commands below; settings come from FOLIO_* environment variables and .env."""


ingest.register(app)
ask.register(app)
search.register(app)
eval_cli.register(app)
serve.register(app)
worker.register(app)
usage.register(app)
reindex.register(app)
keys.register(app)


def main() -> None:
    app()
