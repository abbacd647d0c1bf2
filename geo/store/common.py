"""What both SQL stores do alike: articles, event writes, happenings and review.

``SQLStore`` holds the methods whose SQL runs unchanged on SQLite and, through
``geo.store.pgsql.PgConnection``, on PostgreSQL. A backend supplies two context
managers, ``_transaction`` (a write transaction, one writer at a time) and ``_reading``
(a connection to read on), the database errors that mean a bad input (``_input_errors``),
and the reads that differ between the two (filters, the map grid, the summary).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Self

from geo.errors import InputError
from geo.ingest.ids import text_fingerprint
from geo.model import Article, AuditRecord, Event
from geo.review.edits import check_value
from geo.store import happen
from geo.store.base import Connection
from geo.store.sql import (
    EVENT_FIELDS,
    article_from_row,
    event_from_row,
    event_row,
    iso,
)

# From this many reports in one add_events call, regrouping the whole store at once
# (bulk_load) is faster than regrouping each report's neighbourhood; both give the same.
BULK_BATCH = 5_000
DUMP_BATCH = 10_000  # rows a copy holds in memory at once


class SQLStore:
    """The methods the SQLite and PostGIS stores share (see the module docstring)."""

    _input_errors: tuple[type[BaseException], ...] = ()

    def _transaction(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def _reading(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
                cursor = conn.execute(_INSERT_ARTICLE, _article_row(article))
                if cursor.rowcount == 0:
                    return False
                for event in events:
                    event_row(event)  # checked before anything is grouped
                happen.write_events(conn, events)
        except self._input_errors as err:
            raise InputError(f"article {article.id!r} not stored: {err}") from err
        return True

    def add_articles(self, items: Iterable[tuple[Article, Sequence[Event]]]) -> list[bool]:
        """Store many articles with their events in one transaction; say which were new.

        The batch form of ``add_article``, with the same final store as adding the
        articles one by one in this order: an article already stored (its id, or its
        text under another id), or given earlier in the batch, is skipped (``False``);
        the others are inserted with one ``executemany`` (``ON CONFLICT DO NOTHING``,
        as there), their events upserted with another, and the happenings around all
        of them regrouped once. If anything fails, nothing of the batch is kept.

        Raises
        ------
        InputError
            When an event does not belong to its article or cannot be stored (the
            message names the article; ``add_article`` one by one then tells the
            batch's good articles from the bad).
        """
        batch = [(article, list(events)) for article, events in items]
        for article, events in batch:
            for event in events:
                if event.article_id != article.id:
                    raise InputError(f"event {event.event_id!r} has article_id "
                                     f"{event.article_id!r}, not {article.id!r}")
                try:
                    event_row(event)
                except InputError as err:
                    raise InputError(f"article {article.id!r} not stored: {err}") from None
        if not batch:
            return []
        rows = [_article_row(article) for article, _ in batch]
        try:
            with self._transaction() as conn:
                new = _new_articles(conn, rows)
                inserted = conn.executemany(_INSERT_ARTICLE, [row for row, fresh
                                                              in zip(rows, new, strict=True)
                                                              if fresh])
                if inserted.rowcount != sum(new):
                    # Only a writer that skips the write lock could have raced us here.
                    raise _Raced
                happen.write_events(conn, [event for (_, events), fresh
                                           in zip(batch, new, strict=True) if fresh
                                           for event in events])
        except _Raced:
            return [self.add_article(article, events) for article, events in batch]
        except self._input_errors as err:
            raise InputError(f"articles not stored: {err}") from err
        return new

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
        except self._input_errors as err:
            raise InputError(f"events not stored: {err}") from err
        return written

    def bulk_load(self, events: Iterable[Event]) -> int:
        """Upsert many reports at once and group the whole store afresh, in one transaction.

        For a large batch (a long catalogue) this beats ``add_events``, which regroups
        each report's neighbourhood. Corrections apply as they do there. Returns how
        many reports were written.
        """
        batch = list(events)
        for event in batch:
            event_row(event)
        with self._transaction() as conn:
            prepared = happen.prepare(conn, batch)
            happen.upsert_events(conn, [event_row(e) for e in prepared])
            happen.regroup_all(conn)
        return len(batch)

    def regroup(self) -> int:
        """Group every stored report afresh; return the number of happenings."""
        with self._transaction() as conn:
            return happen.regroup_all(conn)

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

    # Reading articles and events by id

    def has_article(self, article_id: str) -> bool:
        """Tell whether an article with this id is stored."""
        with self._reading() as conn:
            row = conn.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,))
            return row.fetchone() is not None

    def article_with_text(self, text: str) -> str | None:
        """Return the id of the stored article with this text (the same words, whatever
        the spacing and case), or ``None``; texts too short to identify an article
        (``geo.ingest.ids.MIN_FINGERPRINT_CHARS``) are never matched."""
        fingerprint = text_fingerprint(text)
        if fingerprint is None:
            return None
        with self._reading() as conn:
            row = conn.execute(
                "SELECT id FROM articles WHERE text_hash = ?", (fingerprint,)
            ).fetchone()
        return None if row is None else str(row[0])

    def get_article(self, article_id: str) -> Article | None:
        """Return the stored article with this id, or ``None``."""
        with self._reading() as conn:
            row = conn.execute(
                "SELECT id, title, text, published, url, updated, source FROM articles "
                "WHERE id = ?",
                (article_id,),
            ).fetchone()
        return None if row is None else article_from_row(row)

    def articles(self, *, with_text: bool = False) -> list[Article]:
        """Return every stored article by id; ``text`` is ``""`` unless ``with_text``."""
        text = "text" if with_text else "''"
        with self._reading() as conn:
            rows = conn.execute(
                f"SELECT id, title, {text}, published, url, updated, source FROM articles "
                "ORDER BY id"
            ).fetchall()
        return [article_from_row(row) for row in rows]

    def get_events(self, event_ids: Iterable[str]) -> list[Event]:
        """Return the stored reports and happenings with these ids (in no particular order)."""
        wanted = json.dumps(list(event_ids))
        with self._reading() as conn:
            rows = [
                row
                for name in ("events", "happenings")
                for row in conn.execute(
                    f"SELECT {', '.join(EVENT_FIELDS)} FROM {name} "
                    "WHERE event_id IN (SELECT value FROM json_each(?))", (wanted,))
            ]
        return [event_from_row(row) for row in rows]

    # Happenings and review

    def reports(self, happening_id: str) -> list[Event]:
        """Return the reports of a happening (or the one report with this id), by id."""
        with self._reading() as conn:
            try:
                return happen.targets(conn, [happening_id])
            except KeyError:
                return []

    def sources_of(self, happening_ids: Iterable[str]) -> dict[str, list[tuple[str, str,
                                                                                   str | None]]]:
        """Return each happening's sources: ``(article id, title, url)``, by article id."""
        with self._reading() as conn:
            rows = conn.execute(
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
        with self._reading() as conn:
            wanted = list(targets)
            if wanted:
                try:
                    wanted = [e.event_id for e in happen.targets(conn, wanted)]
                except KeyError:
                    pass
            return happen.audit_records(conn, wanted)

    def flagged(self) -> list[tuple[str, str]]:
        """Return (event id, field) of corrections a re-extraction disagrees with."""
        with self._reading() as conn:
            return [(r[0], r[1]) for r in conn.execute(
                "SELECT event_id, field FROM overrides WHERE flagged = 1 ORDER BY event_id, field")]

    # Copying between stores (geo.store.copy)

    def dump(self, name: str) -> Iterator[tuple[Any, ...]]:
        """Return every row of a table as stored (``COPY_TABLES`` names them and their
        columns), in a stable order: what ``geo store copy`` moves."""
        columns, order = COPY_TABLES[name]
        with self._reading() as conn:
            cursor = conn.execute(f"SELECT {', '.join(columns)} FROM {name} ORDER BY {order}")
            while rows := cursor.fetchmany(DUMP_BATCH):
                yield from map(plain_row, rows)

    def load(self, tables: Mapping[str, Iterable[tuple[Any, ...]]]) -> dict[str, int]:
        """Write rows as ``dump`` gives them, table by table, in one transaction.

        Idempotent: articles already stored are kept, reports, happenings and
        corrections are upserted by id, and an audit record is added unless the very
        same one is there. When the store held reports before, every report is then
        grouped afresh, so its happenings cover old and new alike. Returns the rows
        read per table.
        """
        counts: dict[str, int] = {}
        with self._transaction() as conn:
            had_events = conn.execute("SELECT 1 FROM events LIMIT 1").fetchone() is not None
            for name, rows in tables.items():
                columns, _ = COPY_TABLES[name]
                sql = (f"INSERT INTO {name} ({', '.join(columns)}) "
                       f"VALUES ({', '.join('?' for _ in columns)}) {_ON_CONFLICT[name]}")
                if name == "audit":
                    same = " AND ".join(f"{c} IS NOT DISTINCT FROM ?" for c in columns)
                    sql = (f"INSERT INTO audit ({', '.join(columns)}) SELECT "
                           f"{', '.join('?' for _ in columns)} WHERE NOT EXISTS "
                           f"(SELECT 1 FROM audit WHERE {same})")
                counts[name] = 0
                for batch in _batches(rows, DUMP_BATCH):
                    params = [(*row, *row) for row in batch] if name == "audit" else batch
                    conn.executemany(sql, params)
                    counts[name] += len(batch)
            if had_events:
                happen.regroup_all(conn)
        return counts


_INSERT_ARTICLE = ("INSERT INTO articles (id, title, url, published, updated, source, text, "
                   "text_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")


class _Raced(Exception):
    """An article of a batch was stored by another writer between our read and insert."""


def _article_row(article: Article) -> tuple[Any, ...]:
    return (article.id, article.title, article.url, iso(article.published),
            iso(article.updated), article.source, article.text, text_fingerprint(article.text))


def _new_articles(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> list[bool]:
    """Tell which article rows are new: not stored (by id or text fingerprint) and not
    given earlier in the batch. Read under the write lock, so it holds until commit."""
    ids = {row[0] for row in conn.execute(
        "SELECT id FROM articles WHERE id IN (SELECT value FROM json_each(?))",
        (json.dumps([row[0] for row in rows]),))}
    hashes = {row[0] for row in conn.execute(
        "SELECT text_hash FROM articles WHERE text_hash IN (SELECT value FROM json_each(?))",
        (json.dumps([row[7] for row in rows if row[7] is not None]),))}
    new = []
    for row in rows:
        fresh = row[0] not in ids and (row[7] is None or row[7] not in hashes)
        new.append(fresh)
        if fresh:
            ids.add(row[0])
            if row[7] is not None:
                hashes.add(row[7])
    return new


def plain_row(row: Iterable[Any]) -> tuple[Any, ...]:
    """Return a row with dates as ISO text, which both databases take for a date."""
    return tuple(v.isoformat() if isinstance(v, dt.date) else v for v in row)


def _batches(rows: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _upsert(key: str, columns: Sequence[str]) -> str:
    return f"ON CONFLICT ({key}) DO UPDATE SET " + ", ".join(
        f"{c} = excluded.{c}" for c in columns if c not in key.split(", "))


# Every table a copy moves, with its columns and a stable order. The events' happenings
# are copied as they are (not regrouped), and so are corrections (overrides) and the
# audit trail, so the copy holds exactly what the source did.
COPY_TABLES: dict[str, tuple[tuple[str, ...], str]] = {
    "articles": (("id", "title", "url", "published", "updated", "source", "text",
                  "text_hash"), "id"),
    "events": (EVENT_FIELDS, "event_id"),
    "happenings": (EVENT_FIELDS, "event_id"),
    "overrides": (("event_id", "field", "value", "extracted", "flagged", "article_id",
                   "evidence_start", "evidence_end"), "event_id, field"),
    "audit": (("at", "who", "target", "field", "old", "new", "note"), "id"),
}
_ON_CONFLICT = {
    "articles": "ON CONFLICT DO NOTHING",
    "events": _upsert("event_id", EVENT_FIELDS),
    "happenings": _upsert("event_id", EVENT_FIELDS),
    "overrides": _upsert("event_id, field", COPY_TABLES["overrides"][0]),
    "audit": "",
}
