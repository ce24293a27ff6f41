"""What a streamed answer sends before the answer itself."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Delta:
    """More of the answer's text, as the model writes it."""

    text: str


@dataclass(frozen=True)
class Reset:
    """What was written is replaced: the answer escalates, for `reason`."""

    reason: str
