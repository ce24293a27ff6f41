"""Where the repository, the shared public data and the eval's outputs are."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

# eval/common/paths.py -> the repository root, two folders up from eval/common/.
REPO = Path(__file__).resolve().parents[2]


def shared_data() -> Path:
    """../shared/data beside the repository (or FOLIO_SHARED_DATA): the public data."""
    return Path(os.environ.get("FOLIO_SHARED_DATA", REPO.parent / "shared" / "data"))


def default_out() -> Path:
    """eval/results/<timestamp>/ in the repository (gitignored)."""
    return REPO / "eval" / "results" / datetime.now().strftime("%Y%m%d-%H%M%S")
