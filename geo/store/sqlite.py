"""The embedded store: one SQLite file, safe for several processes at once.

Each article, or batch of articles (``add_articles``), is written with its events in
one transaction, so a crash mid-ingest leaves the store as it was before that article
or batch, and WAL mode with ``BEGIN IMMEDIATE``
and a busy timeout lets several processes ingest at once. Every read takes an
``EventQuery`` and runs it as parameterised SQL inside the store (``geo.store.sql``).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from geo.ingest.ids import text_fingerprint
from geo.model import Event, EventQuery
from geo.store import happen
from geo.store.base import GridCell, StoreSummary
from geo.store.common import SQLStore
from geo.store.sql import (
    EVENT_FIELDS,
    MIGRATE_TO_2,
    MIGRATE_TO_3,
    MIGRATE_TO_4,
    SCHEMA_STATEMENTS,
    SCHEMA_VERSION_TABLE,
    event_from_row,
    from_iso,
    like_pattern,
    table,
    where_sql,
)

# 2: articles.text_hash; 3: events.actor1, actor2, fatalities; 4: happenings, overrides
# and the audit trail.
SCHEMA_VERSION = 4
# Waiting this long for another writer's lock is far more than one article needs.
BUSY_TIMEOUT_S = 60.0
ALL = EventQuery()  # the query that restricts nothing


class SQLiteStore(SQLStore):
    """The embedded store: one SQLite file, safe for several processes at once.

    One connection per instance, shared between threads under a lock (Streamlit's
    ``cache_resource`` hands one object to every session).
    """

    _input_errors = (sqlite3.IntegrityError, sqlite3.InterfaceError, sqlite3.ProgrammingError)

    def __init__(self, path: str | Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._writes = 0  # commits through this object (see revision)
        memory = path == ":memory:"
        if not memory:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            # isolation_level=None: no implicit transactions, _transaction opens them;
            # timeout is SQLite's busy timeout, how long to wait for another writer.
            self._conn = sqlite3.connect(
                str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as err:
            raise OSError(f"cannot open event store {str(path)!r}: {err}") from err
        try:
            if not memory:
                self._conn.execute("PRAGMA journal_mode = WAL")
            # NORMAL is durable across application crashes in WAL mode (only a power cut
            # can lose the last commits), and much faster than FULL.
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._create_schema()
        except sqlite3.DatabaseError as err:
            self._conn.close()
            raise OSError(f"cannot open event store {str(path)!r}: {err}") from err

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.path)!r})"

    def close(self) -> None:
        """Close the connection; the file stays as it is."""
        self._conn.close()

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """Hold the connection for a read."""
        with self._lock:
            yield self._conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a write transaction that takes the write lock at once, or roll it back."""
        with self._lock:
            # IMMEDIATE takes the write lock up front, so two writers queue on the busy
            # timeout instead of one failing with "database is locked" on upgrade.
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
            self._writes += 1

    def _create_schema(self) -> None:
        """Create the schema, or bring an older one up to date, in one transaction."""
        # The migration computes fingerprints in SQL with the function the store uses.
        self._conn.create_function("text_fingerprint", 1, text_fingerprint, deterministic=True)
        with self._transaction() as conn:
            conn.execute(SCHEMA_VERSION_TABLE)
            version = conn.execute("SELECT max(version) FROM schema_version").fetchone()[0]
            if version is not None and version > SCHEMA_VERSION:
                raise sqlite3.DatabaseError(
                    f"schema version {version} is newer than this program's ({SCHEMA_VERSION}); "
                    "upgrade conflict-map"
                )
            if version is not None and version < 2:
                for statement in MIGRATE_TO_2:
                    conn.execute(statement)
            if version is not None and version < 3 and conn.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'"
            ).fetchone():
                for statement in MIGRATE_TO_3:
                    conn.execute(statement)
            had_events = version is not None and version < 4 and conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'"
            ).fetchone()
            if had_events:
                for statement in MIGRATE_TO_4:
                    conn.execute(statement)
            for statement in SCHEMA_STATEMENTS:
                conn.execute(statement)
            if had_events:
                happen.regroup_all(conn)
            if version != SCHEMA_VERSION:
                conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))

    def revision(self) -> str:
        """Return a token that changes whenever the stored data may have changed.

        Commits through this object count, and SQLite's ``data_version`` changes when
        another connection (another process ingesting, ``geo ingest``) commits: a cache
        keyed by it never serves what the store no longer holds.
        """
        with self._lock:
            data_version = self._conn.execute("PRAGMA data_version").fetchone()[0]
            return f"{data_version}.{self._writes}"

    def schema_version(self) -> int:
        """Return the schema version recorded in the file."""
        with self._lock:
            return int(self._conn.execute("SELECT max(version) FROM schema_version").fetchone()[0])

    # Reading

    def query(self, query: EventQuery = ALL, *, limit: int | None = None,
              newest_first: bool = False) -> list[Event]:
        """Return the stored events that ``query`` selects, by date then id.

        Parameters
        ----------
        query
            Which events (every read of the store takes the same ``EventQuery``).
        limit
            At most this many events.
        newest_first
            Newest date first (undated last), as a table of recent events wants.
        """
        where, params = where_sql(query)
        # SQLite sorts NULL first, so DESC puts undated events last.
        order = "date DESC, event_id" if newest_first else "date IS NULL, date, event_id"
        fields = ", ".join(EVENT_FIELDS)
        name = table(query)
        sql = f"SELECT {fields} FROM {name}{where} ORDER BY {order}"
        if limit is not None:
            if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
                raise ValueError(f"limit must be a non-negative integer, got {limit!r}")
            # Sort within the narrow covering index, then read only the rows kept: the
            # newest 1,000 of 100,000 events in ~20 ms instead of ~150 ms.
            sql = (f"SELECT {fields} FROM {name} WHERE rowid IN (SELECT rowid FROM {name}"
                   f"{where} ORDER BY {order} LIMIT ?) ORDER BY {order}")
            params.append(limit)
        with self._lock:
            rows = self._conn.execute(sql, params).fetchall()
        return [event_from_row(row) for row in rows]

    def count(self, query: EventQuery = ALL) -> int:
        """Return how many events ``query`` selects."""
        where, params = where_sql(query)
        with self._lock:
            row = self._conn.execute(f"SELECT count(*) FROM {table(query)}{where}",
                                     params).fetchone()
        return int(row[0])

    def summary(self) -> StoreSummary:
        """Return what a filter panel offers: dates, countries and sources with events.

        Cheap at any size: each part is an aggregate SQLite answers from an index.
        """
        with self._lock:
            n, first, last = self._conn.execute(
                "SELECT count(*), min(date), max(date) FROM events").fetchone()
            countries = [row[0] for row in self._conn.execute(
                "SELECT DISTINCT country_code FROM events WHERE country_code != '' "
                "ORDER BY country_code")]
            n_sources = self._conn.execute(
                "SELECT count(DISTINCT article_id) FROM events").fetchone()[0]
        return StoreSummary(events=int(n), first=from_iso(first), last=from_iso(last),
                            countries=tuple(countries), sources=int(n_sources))

    def sources(self, search: str = "", *, ids: Iterable[str] = (),
                limit: int | None = None) -> list[tuple[str, str]]:
        """Return ``(article id, title)`` of the sources with events, newest events first.

        Catalog quakes count as the source ``"usgs"``; a stored article's own title wins
        over the copy on its events.

        Parameters
        ----------
        search
            Keep sources whose title or id contains this text (case-insensitive for
            ASCII letters; ``%`` and ``_`` are plain characters).
        ids
            Always return these sources (those that have events), first.
        limit
            At most this many sources besides ``ids``.
        """
        chosen = list(dict.fromkeys(ids))
        like = like_pattern(search)
        # Each source's newest date from the (article_id, date) index; the title from
        # the articles table, else (catalog quakes) from its events, looked up only then.
        grouped = (
            "SELECT g.article_id, coalesce(a.title, (SELECT min(t.article_title) FROM "
            "events t WHERE t.article_id = g.article_id)) AS src_title, g.newest FROM "
            "(SELECT article_id, max(date) AS newest FROM events {} GROUP BY article_id) g "
            "LEFT JOIN articles a ON a.id = g.article_id {} "
            "ORDER BY g.newest IS NULL, g.newest DESC, g.article_id"
        )
        with self._lock:
            rows = self._conn.execute(
                grouped.format("", "WHERE src_title LIKE ? ESCAPE '\\' "
                               "OR g.article_id LIKE ? ESCAPE '\\'")
                + ("" if limit is None else " LIMIT ?"),
                (like, like) if limit is None else (like, like, limit + len(chosen))
            ).fetchall()
            found = {sid: title for sid, title, _ in self._conn.execute(grouped.format(
                "WHERE article_id IN (SELECT value FROM json_each(?))", ""),
                (json.dumps(chosen),))} if chosen else {}
        first = [(sid, found[sid] or sid) for sid in chosen if sid in found]
        rest = [(sid, title or sid) for sid, title, _ in rows if sid not in found]
        return first + (rest if limit is None else rest[:limit])

    def daily_counts(self, query: EventQuery = ALL) -> dict[str, dict[dt.date, int]]:
        """Return events per day by type, ``{type: {day: count}}``; undated events left out."""
        where, params = where_sql(query)
        where = (where + " AND" if where else " WHERE") + " date IS NOT NULL"
        with self._lock:
            rows = self._conn.execute(
                f"SELECT event_type, date, count(*) FROM {table(query)}{where} "
                "GROUP BY event_type, date ORDER BY event_type, date", params).fetchall()
        out: dict[str, dict[dt.date, int]] = {}
        for event_type, day, n in rows:
            out.setdefault(event_type, {})[dt.date.fromisoformat(day)] = int(n)
        return out

    def grid_cells(self, cell_deg: float, query: EventQuery = ALL) -> list[GridCell]:
        """Return the filtered events summed up per event type and grid cell.

        Cells are ``cell_deg`` degrees square, counted from 90 S and 180 W, so a cell
        twice as large holds exactly four of these. Each cell has its events' count
        and mean position, and its lead event: the largest magnitude, then the most
        confident.
        """
        if isinstance(cell_deg, bool) or not isinstance(cell_deg, int | float) \
                or not 0 < cell_deg <= 180:
            raise ValueError(f"cell_deg must be in (0, 180], got {cell_deg!r}")
        where, params = where_sql(query)
        # With one max() in the select list, SQLite takes the bare event_id from the row
        # holding the maximum: the lead event of the cell.
        sql = (
            "SELECT event_type, CAST((lat + 90.0) / ? AS INTEGER) AS r, "
            "CAST((lon + 180.0) / ? AS INTEGER) AS c, count(*), avg(lat), avg(lon), "
            f"event_id, max(coalesce(magnitude, 0.0) * 100.0 + confidence) "
            f"FROM {table(query)}{where} "
            "GROUP BY event_type, r, c"
        )
        with self._lock:
            rows = self._conn.execute(sql, [cell_deg, cell_deg, *params]).fetchall()
        return [GridCell(event_type=t, row=int(r), col=int(c), count=int(n), lat=lat, lon=lon,
                         lead_id=lead, lead_score=score)
                for t, r, c, n, lat, lon, lead, score in rows]

    def breakdown(self, query: EventQuery = ALL) -> list[tuple[str, str, str, int, int | None]]:
        """Return what the query selects summed up by country, admin-1 and type.

        Rows ``(country_code, admin1, event_type, events, fatalities)``, most events
        first; ``fatalities`` sums the counts the texts give (None when none gives one).
        """
        where, params = where_sql(query)
        with self._lock:
            rows = self._conn.execute(
                f"SELECT country_code, admin1, event_type, count(*), sum(fatalities) "
                f"FROM {table(query)}{where} GROUP BY country_code, admin1, event_type "
                "ORDER BY count(*) DESC, country_code, admin1, event_type", params).fetchall()
        return [(c, a, t, int(n), None if f is None else int(f)) for c, a, t, n, f in rows]
