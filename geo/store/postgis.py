"""The shared store: PostgreSQL with PostGIS, for many writers and readers at once.

Same ``Store`` protocol, same ``EventQuery`` as the SQLite store: writes, happenings
and review run the SQL the two share (``geo.store.common``); every read (filters, map
grid cells, timeline bins, counts, table pages) is one SQL query computed in the
database (``geo.store.pgsql.where_sql``), so rows are never loaded to be filtered.

Writes are transactions that take one advisory lock first: writers queue as SQLite's
do, so regrouping happenings never reads what another writer is changing, while
readers never wait. Articles are unique by id and text fingerprint and events by id
(``INSERT ... ON CONFLICT``), so any number of processes can ingest overlapping input.
Connections come from a pool (``psycopg_pool``), so the page's sessions read at once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from geo.model import Event, EventQuery
from geo.store.base import GridCell, StoreSummary
from geo.store.common import COPY_TABLES, DUMP_BATCH, SQLStore, plain_row
from geo.store.pgsql import (
    SCHEMA_VERSION,
    WRITE_LOCK,
    PgConnection,
    SchemaError,
    migrate,
    stored_version,
    where_sql,
)
from geo.store.sql import EVENT_FIELDS, event_from_row, like_pattern, table

ALL = EventQuery()
POOL_SIZE = 8  # connections the page's sessions share
CONNECT_TIMEOUT_S = 10


def redact(url: str) -> str:
    """Return a connection URL without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


class PostGISStore(SQLStore):
    """A PostgreSQL + PostGIS database as the event store (``open_store("postgresql://...")``).

    Parameters
    ----------
    url
        A libpq URL, ``postgresql://user[:password]@host[:port]/dbname``.
    create
        Bring the schema up to date if it is missing or older (``geo store migrate``);
        else an outdated schema is an error.

    Raises
    ------
    OSError
        When the server cannot be reached, or the schema is missing, older (with
        ``create=False``) or newer than this program's.
    """

    _input_errors = (psycopg.IntegrityError, psycopg.DataError, psycopg.ProgrammingError)

    def __init__(self, url: str, *, create: bool = True, pool_size: int = POOL_SIZE) -> None:
        self.url = url
        try:
            with psycopg.connect(url, autocommit=True,
                                 connect_timeout=CONNECT_TIMEOUT_S) as conn:
                if create:
                    migrate(conn)
                version = stored_version(conn)
        except (psycopg.Error, SchemaError) as err:
            raise OSError(f"cannot open event store {redact(url)!r}: {err}") from err
        if version != SCHEMA_VERSION:
            raise OSError(
                f"event store {redact(url)!r} has schema version {version}, this program "
                f"uses {SCHEMA_VERSION}: run `geo store migrate {redact(url)}`")
        # No JIT: it compiles for ~0.3 s before the page's aggregates, which take a second.
        self._pool = ConnectionPool(url, min_size=1, max_size=pool_size, open=True,
                                    kwargs={"autocommit": True, "options": "-c jit=off"},
                                    name="geo-store")

    def __repr__(self) -> str:
        return f"PostGISStore({redact(self.url)!r})"

    def close(self) -> None:
        """Close the pool's connections; the database stays as it is."""
        self._pool.close()

    @contextmanager
    def _reading(self) -> Iterator[PgConnection]:
        """Lend a pooled connection; each statement sees what is committed when it runs."""
        with self._pool.connection() as conn:
            yield PgConnection(conn)

    @contextmanager
    def _transaction(self) -> Iterator[PgConnection]:
        """Run a write transaction, one writer at a time, or roll it back."""
        with self._pool.connection() as conn:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
                yield PgConnection(conn, prepare=False)
            # After the commit: a reader that sees the new revision sees the new data.
            conn.execute("SELECT nextval('store_revision')")

    def dump(self, name: str) -> Iterator[tuple[Any, ...]]:
        """Return every row of a table as stored (``SQLStore.dump``), read through a
        server-side cursor so a large table never sits in memory whole."""
        columns, order = COPY_TABLES[name]
        with self._pool.connection() as conn, conn.transaction(), \
                conn.cursor(name=f"dump_{name}") as cursor:
            cursor.itersize = DUMP_BATCH
            cursor.execute(f"SELECT {', '.join(columns)} FROM {name} ORDER BY {order}")
            yield from map(plain_row, cursor)

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        with self._pool.connection() as conn:
            return conn.execute(sql, list(params)).fetchall()

    def revision(self) -> str:
        """Return a token that changes whenever the stored data may have changed: a
        counter every writer, in any process, bumps after it commits."""
        (value, called), = self._rows("SELECT last_value, is_called FROM store_revision")
        return str(value if called else 0)

    def schema_version(self) -> int:
        """Return the schema version recorded in the database."""
        return int(self._rows("SELECT max(version) FROM schema_version")[0][0])

    # Reading: every filter and aggregate in SQL

    def query(self, query: EventQuery = ALL, *, limit: int | None = None,
              newest_first: bool = False) -> list[Event]:
        """Return the stored events that ``query`` selects, by date then id (undated last);
        see ``SQLiteStore.query``."""
        where, params = where_sql(query)
        order = ("date DESC NULLS LAST, event_id" if newest_first
                 else "date NULLS LAST, event_id")
        sql = f"SELECT {', '.join(EVENT_FIELDS)} FROM {table(query)}{where} ORDER BY {order}"
        if limit is not None:
            if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
                raise ValueError(f"limit must be a non-negative integer, got {limit!r}")
            sql += " LIMIT %s"
            params.append(limit)
        return [event_from_row(row) for row in self._rows(sql, params)]

    def count(self, query: EventQuery = ALL) -> int:
        """Return how many events ``query`` selects."""
        where, params = where_sql(query)
        return int(self._rows(f"SELECT count(*) FROM {table(query)}{where}", params)[0][0])

    def summary(self) -> StoreSummary:
        """Return what a filter panel offers: dates, countries and sources with events."""
        (n, first, last), = self._rows("SELECT count(*), min(date), max(date) FROM events")
        countries = [row[0] for row in self._rows(
            "SELECT DISTINCT country_code FROM events WHERE country_code != '' "
            "ORDER BY country_code")]
        n_sources = self._rows("SELECT count(*) FROM (SELECT DISTINCT article_id "
                               "FROM events) s")[0][0]
        return StoreSummary(events=int(n), first=first, last=last,
                            countries=tuple(countries), sources=int(n_sources))

    def sources(self, search: str = "", *, ids: Iterable[str] = (),
                limit: int | None = None) -> list[tuple[str, str]]:
        """Return ``(article id, title)`` of the sources with events, newest events first;
        see ``SQLiteStore.sources``."""
        chosen = list(dict.fromkeys(ids))
        like = like_pattern(search)
        grouped = (
            "SELECT e.article_id, coalesce(a.title, min(e.article_title)) AS src_title, "
            "max(e.date) AS newest FROM events e LEFT JOIN articles a ON a.id = e.article_id "
            "GROUP BY e.article_id, a.title HAVING {} "
            "ORDER BY newest DESC NULLS LAST, e.article_id"
        )
        rows = self._rows(grouped.format(
            "coalesce(a.title, min(e.article_title)) ILIKE %s OR e.article_id ILIKE %s"),
            [like, like])
        found = {sid: title for sid, title, _ in self._rows(
            grouped.format("e.article_id = ANY(%s)"), [chosen])}
        first = [(sid, found[sid] or sid) for sid in chosen if sid in found]
        rest = [(sid, title or sid) for sid, title, _ in rows if sid not in found]
        return first + (rest if limit is None else rest[:limit])

    def daily_counts(self, query: EventQuery = ALL) -> dict[str, dict[dt.date, int]]:
        """Return events per day by type, ``{type: {day: count}}``; undated events left out."""
        where, params = where_sql(query)
        where = (where + " AND" if where else " WHERE") + " date IS NOT NULL"
        out: dict[str, dict[dt.date, int]] = {}
        for event_type, day, n in self._rows(
                f"SELECT event_type, date, count(*) FROM {table(query)}{where} "
                "GROUP BY event_type, date ORDER BY event_type, date", params):
            out.setdefault(event_type, {})[day] = int(n)
        return out

    def grid_cells(self, cell_deg: float, query: EventQuery = ALL) -> list[GridCell]:
        """Return the filtered events summed up per event type and grid cell; see
        ``SQLiteStore.grid_cells``. The lead event is the largest magnitude, then the
        most confident, then the first by id."""
        if isinstance(cell_deg, bool) or not isinstance(cell_deg, int | float) \
                or not 0 < cell_deg <= 180:
            raise ValueError(f"cell_deg must be in (0, 180], got {cell_deg!r}")
        sql, params = self.grid_sql(cell_deg, query)
        rows = self._rows(sql, params)
        return [GridCell(event_type=t, row=int(r), col=int(c), count=int(n), lat=lat, lon=lon,
                         lead_id=lead, lead_score=score)
                for t, r, c, n, lat, lon, lead, score in rows]

    @staticmethod
    def grid_sql(cell_deg: float, query: EventQuery) -> tuple[str, list[Any]]:
        """Return the SQL of ``grid_cells`` and its parameters."""
        where, params = where_sql(query)
        # Two passes over the filtered events (both hash-based, no sort of the events):
        # each cell's count, mean position and best score; then its lead, the first id
        # with that score. (Materialising the cells makes the planner misjudge the join
        # and sort every event: 20 s instead of 4 at 1M.)
        events = (
            "SELECT event_type, floor((lat + 90.0) / %s)::int AS r, "
            "floor((lon + 180.0) / %s)::int AS c, lat, lon, event_id, "
            f"coalesce(magnitude, 0.0) * 100.0 + confidence AS score FROM {table(query)}{where}"
        )
        sql = (
            f"WITH cells AS (SELECT event_type, r, c, count(*) AS n, avg(lat) AS lat, "
            f"avg(lon) AS lon, max(score) AS score FROM ({events}) e GROUP BY event_type, r, c) "
            "SELECT g.event_type, g.r, g.c, g.n, g.lat, g.lon, min(e.event_id), g.score "
            f"FROM cells g JOIN ({events}) e ON e.event_type = g.event_type AND e.r = g.r "
            "AND e.c = g.c AND e.score = g.score "
            "GROUP BY g.event_type, g.r, g.c, g.n, g.lat, g.lon, g.score"
        )
        params = [cell_deg, cell_deg, *params]
        params = params + params
        return sql, params

    def breakdown(self, query: EventQuery = ALL) -> list[tuple[str, str, str, int, int | None]]:
        """Return what the query selects summed up by country, admin-1 and type; see
        ``SQLiteStore.breakdown``."""
        where, params = where_sql(query)
        rows = self._rows(
            f"SELECT country_code, admin1, event_type, count(*), sum(fatalities) "
            f"FROM {table(query)}{where} GROUP BY country_code, admin1, event_type "
            "ORDER BY count(*) DESC, country_code, admin1, event_type", params)
        return [(c, a, t, int(n), None if f is None else int(f)) for c, a, t, n, f in rows]
