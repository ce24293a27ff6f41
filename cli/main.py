"""The `folio` command line: each sub-command lives in its own module under cli/.

The modules are imported when their command runs, not all at start-up: `folio ingest`
need not load the server, the reader and the evaluator (about 1.5 s of imports).
"""

from __future__ import annotations

import gc
import importlib

import click
import typer
from typer.core import TyperGroup

#: Sub-command -> the module whose `register(app)` defines it, in the order of --help.
COMMANDS = {
    "ingest": "cli.ingest",
    "ask": "cli.ask",
    "search": "cli.search",
    "review": "cli.review",
    "docs": "cli.docs",
    "documents": "cli.docs",  # the same command by its longer name (hidden in --help)
    "serve": "cli.serve",
    "worker": "cli.worker",
    "usage": "cli.usage",
    "reindex": "cli.reindex",
    "eval": "cli.eval",
    "keys": "cli.keys",
}


class LazyCommands(TyperGroup):
    """A command group that imports a sub-command's module only when it is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        commands = typer.Typer()
        importlib.import_module(COMMANDS[cmd_name]).register(commands)
        return typer.main.get_group(commands).get_command(ctx, cmd_name)


app = typer.Typer(
    cls=LazyCommands,
    help="folio: ask long legal and technical PDFs, stuffed or retrieved.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """Sub-commands below; settings come from FOLIO_* environment variables and .env."""


def main() -> None:
    """The `folio` entry point (pyproject's console script)."""
    try:
        app()
    finally:
        # CPython's last garbage collection at exit walks every object the imports made
        # (llama-index, nltk, onnxruntime: about 1 s after `folio ingest`). Commands close their
        # stores themselves, and the OS frees the rest, so that pass is skipped.
        gc.freeze()
