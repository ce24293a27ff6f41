"""What a command that reads the documents starts with: the settings, logging set up for
a terminal, its two consoles, and how it prints JSON."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass

from rich.console import Console

from core.logs import configure_cli_logging
from core.settings import Settings


@dataclass
class Session:
    settings: Settings
    out: Console  # results
    err: Console  # what happens on the way (which server, progress, errors)

    @classmethod
    def start(cls) -> Session:
        """Settings from FOLIO_* variables and .env, and CLI logging configured."""
        settings = Settings()
        configure_cli_logging(settings)
        return cls(settings, Console(), Console(stderr=True))

    def print_json(self, data: object) -> None:
        """`data` as indented JSON on stdout, unescaped (file names keep their accents)."""
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
