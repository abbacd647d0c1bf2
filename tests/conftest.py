"""Fixtures shared by the test modules."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pg_cluster import Databases, find_bindir, start_cluster

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


# --- stores: every store test runs on SQLite and on a throwaway PostGIS cluster ---------

# `make test` sets this: there PostgreSQL and PostGIS are installed, so a PostGIS test
# that cannot run is a failure rather than a skip.
REQUIRE_POSTGIS = "GEO_REQUIRE_POSTGIS"


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[Databases]:
    """Start a PostgreSQL + PostGIS cluster in a temp folder for the session."""
    bindir, why = find_bindir()
    try:
        import psycopg  # noqa: F401
    except ImportError:
        bindir, why = None, "psycopg is not installed (pip install -e '.[postgis]')"
    if bindir is None:
        if os.environ.get(REQUIRE_POSTGIS):
            pytest.fail(f"{REQUIRE_POSTGIS} is set but {why}")
        pytest.skip(why)
    cluster = start_cluster(bindir)
    try:
        yield Databases(cluster)
    finally:
        cluster.stop()


@pytest.fixture(params=["sqlite", "postgis"])
def backend(request: pytest.FixtureRequest) -> str:
    """The store backend a test runs on."""
    return str(request.param)


@pytest.fixture
def new_store(backend: str, tmp_path: Path,
              request: pytest.FixtureRequest) -> Iterator[Callable[[str], str]]:
    """Return a function giving the URL of a fresh empty store per name, on ``backend``."""
    if backend == "sqlite":
        yield lambda name="events": str(tmp_path / f"{name}.sqlite")
        return
    databases: Databases = request.getfixturevalue("pg_databases")
    made: dict[str, str] = {}

    def make(name: str = "events") -> str:
        if name not in made:
            made[name] = databases.create()
        return made[name]

    yield make
    for url in made.values():
        databases.release(url)
