"""The embedded store: one SQLite file, safe for several processes at once.

Each article is written with its events in one transaction, so a crash mid-ingest
leaves the store as it was before that article, and WAL mode with ``BEGIN IMMEDIATE``
and a busy timeout lets several processes ingest at once. Every read takes an
``EventQuery`` and runs it as parameterised SQL inside the store (``geo.store.sql``).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from geo.errors import InputError
from geo.ingest.ids import text_fingerprint
from geo.model import Article, AuditRecord, Event, EventQuery
from geo.review.edits import check_value
from geo.store import happen
from geo.store.base import GridCell, StoreSummary
from geo.store.sql import (
    EVENT_FIELDS,
    INSERT_EVENT,
    MIGRATE_TO_2,
    MIGRATE_TO_3,
    MIGRATE_TO_4,
    SCHEMA_STATEMENTS,
    SCHEMA_VERSION_TABLE,
    article_from_row,
    event_from_row,
    event_row,
    from_iso,
    iso,
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
# From this many reports in one add_events call, regrouping the whole store at once
# (bulk_load) is faster than regrouping each report's neighbourhood; both give the same.
BULK_BATCH = 5_000


class SQLiteStore:
    """The embedded store: one SQLite file, safe for several processes at once.

    One connection per instance, shared between threads under a lock (Streamlit's
    ``cache_resource`` hands one object to every session).
    """

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

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection; the file stays as it is."""
        self._conn.close()

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

    # Writing

    def add_article(self, article: Article, events: Sequence[Event]) -> bool:
        """Store an article and its events in one transaction.

        Returns ``False`` and writes nothing when the article is already stored: its id,
        or its text (``geo.ingest.ids.text_fingerprint``: the same words, whatever the
        spacing and case) under another id, as when an article is read as a file and
        by its URL. So ingesting the same article twice adds nothing. Events are
        upserted by ``event_id``. If anything fails, nothing of this article is kept.

        Raises
        ------
        InputError
            When an event does not belong to the article or cannot be stored.
        """
        for event in events:
            if event.article_id != article.id:
                raise InputError(
                    f"event {event.event_id!r} has article_id {event.article_id!r}, "
                    f"not {article.id!r}"
                )
        try:
            with self._transaction() as conn:
                # No conflict target: a clash on the id or on the text hash is ignored.
                cursor = conn.execute(
                    "INSERT INTO articles (id, title, url, published, updated, source, text, "
                    "text_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (
                        article.id,
                        article.title,
                        article.url,
                        iso(article.published),
                        iso(article.updated),
                        article.source,
                        article.text,
                        text_fingerprint(article.text),
                    ),
                )
                if cursor.rowcount == 0:
                    return False
                for event in events:
                    event_row(event)  # checked before anything is grouped
                happen.write_events(conn, events)
        except (sqlite3.IntegrityError, sqlite3.InterfaceError, sqlite3.ProgrammingError) as err:
            raise InputError(f"article {article.id!r} not stored: {err}") from err
        return True

    def add_events(self, events: Iterable[Event]) -> int:
        """Upsert events by ``event_id`` in one transaction; return how many were written.

        For events with no article row, such as catalog earthquakes, and for rewriting
        stored events (e.g. after linking them to catalog quakes). Idempotent; analysts'
        corrections are applied to them, and their happenings regrouped.
        """
        written = 0
        try:
            batch = list(events)
            if len(batch) >= BULK_BATCH:
                return self.bulk_load(batch)
            for event in batch:
                event_row(event)
            with self._transaction() as conn:
                happen.write_events(conn, batch)
                written = len(batch)
        except (sqlite3.IntegrityError, sqlite3.InterfaceError, sqlite3.ProgrammingError) as err:
            raise InputError(f"events not stored: {err}") from err
        return written

    # Reading

    def has_article(self, article_id: str) -> bool:
        """Tell whether an article with this id is stored."""
        with self._lock:
            row = self._conn.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,))
            return row.fetchone() is not None

    def article_with_text(self, text: str) -> str | None:
        """Return the id of the stored article with this text (the same words, whatever
        the spacing and case), or ``None``; texts too short to identify an article
        (``geo.ingest.ids.MIN_FINGERPRINT_CHARS``) are never matched."""
        fingerprint = text_fingerprint(text)
        if fingerprint is None:
            return None
        with self._lock:
            row = self._conn.execute(
                "SELECT id FROM articles WHERE text_hash = ?", (fingerprint,)
            ).fetchone()
        return None if row is None else str(row[0])

    def get_article(self, article_id: str) -> Article | None:
        """Return the stored article with this id, or ``None``."""
        with self._lock:
            row = self._conn.execute(
                "SELECT id, title, text, published, url, updated, source FROM articles "
                "WHERE id = ?",
                (article_id,),
            ).fetchone()
        return None if row is None else article_from_row(row)

    def articles(self, *, with_text: bool = False) -> list[Article]:
        """Return every stored article by id; ``text`` is ``""`` unless ``with_text``."""
        text = "text" if with_text else "''"
        with self._lock:
            rows = self._conn.execute(
                f"SELECT id, title, {text}, published, url, updated, source FROM articles "
                "ORDER BY id"
            ).fetchall()
        return [article_from_row(row) for row in rows]

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

    def get_events(self, event_ids: Iterable[str]) -> list[Event]:
        """Return the stored reports and happenings with these ids (in no particular order)."""
        wanted = json.dumps(list(event_ids))
        with self._lock:
            rows = [
                row
                for name in ("events", "happenings")
                for row in self._conn.execute(
                    f"SELECT {', '.join(EVENT_FIELDS)} FROM {name} "
                    "WHERE event_id IN (SELECT value FROM json_each(?))", (wanted,))
            ]
        return [event_from_row(row) for row in rows]

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

    # Happenings and review

    def reports(self, happening_id: str) -> list[Event]:
        """Return the reports of a happening (or the one report with this id), by id."""
        with self._lock:
            try:
                return happen.targets(self._conn, [happening_id])
            except KeyError:
                return []

    def sources_of(self, happening_ids: Iterable[str]) -> dict[str, list[tuple[str, str,
                                                                                   str | None]]]:
        """Return each happening's sources: ``(article id, title, url)``, by article id."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT DISTINCT happening_id, article_id, article_title, source_url FROM events "
                "WHERE happening_id IN (SELECT value FROM json_each(?)) "
                "ORDER BY happening_id, article_id",
                (json.dumps(list(happening_ids)),)).fetchall()
        out: dict[str, list[tuple[str, str, str | None]]] = {}
        for hid, article_id, title, url in rows:
            found = out.setdefault(hid, [])
            if not found or found[-1][0] != article_id:
                found.append((article_id, title, url))
        return out

    def correct(self, ids: Sequence[str], changes: dict[str, object], *, who: str,
                note: str = "") -> list[AuditRecord]:
        """Correct, confirm or reject reports or whole happenings, keeping an audit trail.

        Parameters
        ----------
        ids
            Report ids and happening ids (``h-...``: each of its reports).
        changes
            Field -> value (``geo.review.edits.FIELDS``); values are checked here.
        who, note
            Recorded with each change.

        Raises
        ------
        InputError
            For an unknown id or a bad value; nothing is changed then.
        """
        try:
            checked = {name: check_value(name, value) for name, value in changes.items()}
        except ValueError as err:
            raise InputError(str(err)) from err
        with self._transaction() as conn:
            try:
                reports = happen.targets(conn, ids)
            except KeyError as err:
                raise InputError(f"no event or happening {err.args[0]!r} in the store") from None
            return happen.correct(conn, reports, checked, who=who, note=note)

    def merge(self, ids: Sequence[str], *, who: str, note: str = "") -> str:
        """Make one happening of these happenings or reports; return its id."""
        if len(ids) < 2:
            raise InputError("merge needs at least two happenings or reports")
        with self._transaction() as conn:
            try:
                reports = happen.targets(conn, ids)
            except KeyError as err:
                raise InputError(f"no event or happening {err.args[0]!r} in the store") from None
            pin = "m-" + min(e.event_id for e in reports)
            happen.correct(conn, reports, {"group": pin}, who=who, note=note)
            return happen.happening_id(reports)

    def split(self, happening: str, event_ids: Sequence[str] = (), *, who: str,
              note: str = "") -> list[str]:
        """Take reports out of a happening into one of their own (each alone if none given).

        Returns the ids of the happenings the reports are in afterwards.
        """
        with self._transaction() as conn:
            try:
                members = happen.targets(conn, [happening])
            except KeyError as err:
                raise InputError(f"no event or happening {err.args[0]!r} in the store") from None
            by_id = {e.event_id: e for e in members}
            unknown = [i for i in event_ids if i not in by_id]
            if unknown:
                raise InputError(f"{unknown[0]!r} is not a report of {happening!r}")
            if event_ids:
                out = [by_id[i] for i in event_ids]
                rest = [e for e in members if e.event_id not in set(event_ids)]
                happen.correct(conn, out, {"group": "s-" + min(event_ids)}, who=who, note=note)
                if rest:
                    happen.correct(conn, rest, {"group": "s-" + rest[0].event_id}, who=who,
                                   note=note)
            else:
                for event in members:
                    happen.correct(conn, [event], {"group": "s-" + event.event_id}, who=who,
                                   note=note)
            after = happen.load_events(conn, by_id)
            return sorted({e.happening_id for e in after if e.happening_id})

    def audit(self, targets: Iterable[str] = ()) -> list[AuditRecord]:
        """Return the audit trail, oldest first (of these reports or happenings if given)."""
        with self._lock:
            wanted = list(targets)
            if wanted:
                try:
                    wanted = [e.event_id for e in happen.targets(self._conn, wanted)]
                except KeyError:
                    pass
            return happen.audit_records(self._conn, wanted)

    def flagged(self) -> list[tuple[str, str]]:
        """Return (event id, field) of corrections a re-extraction disagrees with."""
        with self._lock:
            return [(r[0], r[1]) for r in self._conn.execute(
                "SELECT event_id, field FROM overrides WHERE flagged = 1 ORDER BY event_id, field")]

    def replace_events(self, article_id: str, events: Sequence[Event]) -> int:
        """Replace a stored article's reports with a new extraction of it.

        Analysts' corrections carry over (by event id, or by the sentence when the id
        changed); reports no longer extracted go, and the happenings around the old
        and new reports are regrouped. Returns how many reports were written.
        """
        for event in events:
            if event.article_id != article_id:
                raise InputError(f"event {event.event_id!r} has article_id "
                                 f"{event.article_id!r}, not {article_id!r}")
            event_row(event)
        with self._transaction() as conn:
            # The article's happenings are regrouped with what else they hold.
            old = [event_from_row(row) for row in conn.execute(
                f"SELECT {', '.join(EVENT_FIELDS)} FROM events WHERE article_id = ?",
                (article_id,))]
            conn.execute("DELETE FROM events WHERE article_id = ?", (article_id,))
            happen.write_events(conn, events, old)
        return len(events)

    def bulk_load(self, events: Iterable[Event]) -> int:
        """Upsert many reports at once and group the whole store afresh, in one transaction.

        For a large batch (a copy of another store, a long catalogue) this beats
        ``add_events``, which regroups each report's neighbourhood. Corrections apply
        as they do there. Returns how many reports were written.
        """
        batch = list(events)
        for event in batch:
            event_row(event)
        with self._transaction() as conn:
            prepared = happen.prepare(conn, batch)
            conn.executemany(INSERT_EVENT, [event_row(e) for e in prepared])
            happen.regroup_all(conn)
        return len(batch)

    def regroup(self) -> int:
        """Group every stored report afresh; return the number of happenings."""
        with self._transaction() as conn:
            return happen.regroup_all(conn)

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
