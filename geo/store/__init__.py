"""Persistence: articles and their events in one store, behind one small interface.

``open_store`` turns a URL or path into a :class:`Store`. The embedded default is a
SQLite file (``geo.store.sqlite``), created on first use; the shared one a PostgreSQL +
PostGIS database (``geo.store.postgis``, ``postgresql://user@host/db``). Every read
takes one :class:`geo.model.EventQuery` and runs it as parameterised SQL inside the
store (``geo.store.sql``, ``geo.store.pgsql``); ``geo.store.grid`` merges events into
map points there.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from geo.files import data_dir
from geo.store.base import GridCell, Store, StoreSummary
from geo.store.sql import parse_bbox
from geo.store.sqlite import SQLiteStore

__all__ = [
    "ENV_VAR",
    "GridCell",
    "SQLiteStore",
    "Store",
    "StoreSummary",
    "default_store_path",
    "is_postgres_url",
    "open_store",
    "parse_bbox",
]

ENV_VAR = "GEO_STORE"
SUPPORTED = ("sqlite:///PATH", "a file path", "postgresql://USER@HOST[:PORT]/DB")
PG_SCHEMES = ("postgresql", "postgres", "postgis")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def default_store_path() -> Path:
    """Return the store used when none is named: ``events.sqlite`` in the user's data folder.

    That is ``~/.local/share/conflict-map/events.sqlite`` on Linux (``GEO_DATA_DIR``
    moves the folder); ``open_store`` checks ``$GEO_STORE`` first.
    """
    return data_dir() / "events.sqlite"


def open_store(url_or_path: str | Path | None = None, *, create: bool = True) -> Store:
    """Open the store at a URL or path, creating it on first use unless ``create=False``.

    Parameters
    ----------
    url_or_path
        ``sqlite:///relative/path``, ``sqlite:////absolute/path`` (SQLAlchemy's
        convention), ``sqlite:///:memory:``, a plain file path, or a PostgreSQL
        database with PostGIS, ``postgresql://user[:password]@host[:port]/db``
        (``postgis://`` and ``postgres://`` too; libpq's ``PG*`` variables and
        ``~/.pgpass`` apply). ``None`` means
        the ``GEO_STORE`` environment variable (a URL or a path), else
        ``default_store_path()``.
    create
        Whether a store that does not exist yet is created (for PostgreSQL: whether its
        schema is created or migrated). Readers (``geo export``) pass False, so a
        mistyped path is an error rather than a new empty store.

    Raises
    ------
    ValueError
        For a URL scheme no backend handles; the message lists the supported forms.
    FileNotFoundError
        With ``create=False``, when there is no store at the path; the message says
        how to make one.
    IsADirectoryError
        When the path is a folder.
    OSError
        When the file cannot be opened or created, or is not a SQLite database; when
        the PostgreSQL server cannot be reached or its schema is not this program's.
    """
    if url_or_path is None:
        url_or_path = os.environ.get(ENV_VAR) or default_store_path()
    if is_postgres_url(url_or_path):
        from geo.store.postgis import PostGISStore  # psycopg only when it is used

        return PostGISStore(postgres_url(str(url_or_path)), create=create)
    path = _store_path(url_or_path)
    if not isinstance(path, Path):  # ":memory:"
        return SQLiteStore(path)
    # SQLiteStore creates the file (and its folders) as it connects, so what must not
    # be created is checked before it is constructed.
    if path.is_dir():
        raise IsADirectoryError(f"event store {str(path)!r} is a folder; expected a SQLite file")
    if not create and not path.exists():
        raise FileNotFoundError(
            f"no event store at {str(path)!r}; make one with "
            f"`geo ingest INPUT... --store {path}` (or `geo quakes`)"
        )
    return SQLiteStore(path)


def is_postgres_url(url_or_path: str | Path) -> bool:
    """Tell whether a store URL names a PostgreSQL database."""
    match = _SCHEME.match(url_or_path) if isinstance(url_or_path, str) else None
    return match is not None and match.group(1).lower() in PG_SCHEMES


def postgres_url(url: str) -> str:
    """Return a PostgreSQL store URL as libpq takes it (``postgis://`` -> ``postgresql://``).

    Examples
    --------
    >>> postgres_url("postgis://geo@db.example.org/events")
    'postgresql://geo@db.example.org/events'
    """
    return "postgresql://" + url.split("://", 1)[1]


def _store_path(url_or_path: str | Path) -> Path | str:
    """Return the SQLite path a URL or path names: a Path, or ``":memory:"``."""
    if isinstance(url_or_path, Path):
        return url_or_path
    match = _SCHEME.match(url_or_path)
    if match is None:
        return url_or_path if url_or_path == ":memory:" else Path(url_or_path)
    scheme = match.group(1).lower()
    if scheme == "sqlite":
        rest = url_or_path[match.end() :]
        if not rest.startswith("/") or rest == "/":
            raise ValueError(f"expected sqlite:///PATH, got {url_or_path!r}")
        path = rest[1:]
        return path if path == ":memory:" else Path(path)
    raise ValueError(f"unsupported store URL scheme {scheme!r}; expected one of {list(SUPPORTED)}")
