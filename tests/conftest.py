"""Fixtures shared by the test modules."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SEED = "000_736c63efd1aada5a.txt"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """Return the shared data folder: ``GEO_SHARED_DIR``, else ``../shared`` by the repo."""
    path = Path(os.environ.get("GEO_SHARED_DIR") or REPO_ROOT.parent / "shared")
    if not path.is_dir():
        # CI has ../shared beside the clone; a clone on its own skips what needs it.
        pytest.skip(f"needs the shared corpora at {path} (the project's ../shared folder: "
                    "seed article, eval corpora; set GEO_SHARED_DIR to point elsewhere)")
    return path


@pytest.fixture(scope="session")
def seed_text(shared_dir: Path) -> str:
    """Return the text of the seed article (an Epoch Times piece on Turkey-Syria talks)."""
    return (shared_dir / "seeds" / SEED).read_text(encoding="utf-8")
