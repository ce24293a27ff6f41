"""Options several commands share, declared once (typer's Annotated aliases)."""

from __future__ import annotations

from typing import Annotated

import typer

AsJson = Annotated[bool, typer.Option("--json", help="Print the JSON response.")]
ServerUrl = Annotated[str | None, typer.Option(help="Server URL (default: a local one).")]
