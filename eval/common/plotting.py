"""matplotlib for the evals' PNGs: the Agg backend (no display needed), chosen once here
before pyplot is imported, and one way to write a figure."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
from matplotlib.figure import Figure  # noqa: E402

__all__ = ["plt", "save"]


def save(fig: Figure, path: Path) -> Path:
    """Lay `fig` out tightly, write it to `path` at 110 dpi and free it."""
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
