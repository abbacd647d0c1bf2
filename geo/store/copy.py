"""``geo store copy``: move everything one store holds into another (SQLite <-> PostGIS).

Articles, reports, happenings, analysts' corrections and the audit trail are copied as
they are stored, table by table, streaming (``SQLStore.dump`` -> ``SQLStore.load``), so
the copy answers every query as the source does.
"""

from __future__ import annotations

from geo.store.base import Store
from geo.store.common import COPY_TABLES, SQLStore


def copy_store(source: Store, target: Store) -> dict[str, int]:
    """Copy every row of ``source`` into ``target`` in one transaction of the target.

    Returns the rows copied per table. Copying again changes nothing (``SQLStore.load``).

    Raises
    ------
    TypeError
        When either store is not one of ours (an SQL store).
    """
    if not isinstance(source, SQLStore) or not isinstance(target, SQLStore):
        raise TypeError(f"can copy only between SQL stores, not {source!r} -> {target!r}")
    return target.load({name: source.dump(name) for name in COPY_TABLES})
