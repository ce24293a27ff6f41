"""Markdown tables for the evals' report.md files."""

from __future__ import annotations

from collections.abc import Sequence


def markdown_table(
    header: Sequence[str], lines: Sequence[Sequence[str]], right: bool = False
) -> list[str]:
    """A header, its rule and one line per row; `right` aligns every column but the
    first to the right (numbers)."""
    rule = "|---|" + ("---:|" if right else "---|") * (len(header) - 1)
    return [
        "| " + " | ".join(header) + " |",
        rule,
        *("| " + " | ".join(line) + " |" for line in lines),
    ]
