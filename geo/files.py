"""Where the package keeps things, and how it writes them: one home for both.

- ``package_file`` reads data shipped inside the package (``geo/data``) through
  ``importlib.resources``, so a wheel install has it too;
- ``cache_dir`` / ``data_dir`` are the per-user folders (platformdirs; ``GEO_CACHE_DIR``
  and ``GEO_DATA_DIR`` override them) for the gazetteer index, the geocoder cache and
  the default event store;
- ``replacing`` writes a file under a temporary name beside its target and renames it
  over the target on success, so no reader ever sees half a file.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

APP_NAME = "conflict-map"


def package_file(*parts: str) -> Traversable:
    """Return a file shipped in ``geo/data`` (``package_file("basemap", "countries.geojson")``).

    Examples
    --------
    >>> package_file("curated_places.csv").is_file()
    True
    """
    return resources.files("geo").joinpath("data", *parts)


def cache_dir() -> Path:
    """Return the folder for rebuildable files: the gazetteer index, geocoder answers.

    ``GEO_CACHE_DIR`` when set, else the user's cache folder (``~/.cache/conflict-map``
    on Linux, honouring ``XDG_CACHE_HOME``).
    """
    env = os.environ.get("GEO_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return platformdirs.user_cache_path(APP_NAME, appauthor=False)


def data_dir() -> Path:
    """Return the folder for the user's own data: the default event store.

    ``GEO_DATA_DIR`` when set, else the user's data folder
    (``~/.local/share/conflict-map`` on Linux, honouring ``XDG_DATA_HOME``).
    """
    env = os.environ.get("GEO_DATA_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return platformdirs.user_data_path(APP_NAME, appauthor=False)


@contextmanager
def replacing(path: str | Path) -> Iterator[Path]:
    """Yield a fresh temporary path beside ``path``; move it over ``path`` on success.

    The temporary file is removed whatever happens. A fresh name rather than a
    ``mkstemp`` file: GDAL will not create a GeoPackage over an existing file, and a new
    file gets the usual permissions (``mkstemp``'s are 0600).

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "a.txt"
    >>> with replacing(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text(), sorted(p.name for p in target.parent.iterdir())
    ('done', ['a.txt'])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
