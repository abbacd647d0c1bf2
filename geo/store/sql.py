"""The SQL behind ``geo.store.sqlite.SQLiteStore``: its schema, rows <-> dataclasses, filters.

One WHERE clause serves every read (the events, their count, the map's grid cells, the
timeline), so they all filter the same way. Every value travels as a parameter (lists
as one JSON parameter read with ``json_each``), so the SQL text never depends on what
a user typed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import operator
import re
from collections.abc import Iterable, Sequence
from typing import Any

from geo.errors import InputError
from geo.model import (
    ACLED_SUB_EVENT_TYPES,
    DATE_PRECISIONS,
    EVENT_TYPES,
    REVIEW_STATUSES,
    STATUSES,
    Article,
    BBox,
    Event,
    EventQuery,
)

EVENT_FIELDS = tuple(f.name for f in dataclasses.fields(Event))
DATE_FIELDS = frozenset({"date", "published"})

# The columns of reports (events) and happenings alike: the fields of Event.
EVENT_COLUMNS = """
    event_id TEXT PRIMARY KEY,
    event_type TEXT NOT NULL,
    acled_event_type TEXT,
    acled_sub_event_type TEXT,
    status TEXT NOT NULL,
    date TEXT,
    date_precision TEXT NOT NULL,
    place TEXT NOT NULL,
    lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    geonameid INTEGER,
    country_code TEXT NOT NULL,
    admin1 TEXT NOT NULL,
    geo_precision INTEGER NOT NULL,
    uncertainty_km REAL NOT NULL,
    evidence TEXT NOT NULL,
    evidence_start INTEGER NOT NULL,
    evidence_end INTEGER NOT NULL,
    article_id TEXT NOT NULL,
    article_title TEXT NOT NULL,
    source_url TEXT,
    published TEXT,
    confidence REAL NOT NULL,
    magnitude REAL,
    depth_km REAL,
    usgs_id TEXT,
    related_quake TEXT,
    actor1 TEXT,
    actor2 TEXT,
    fatalities INTEGER CHECK (fatalities >= 0),
    happening_id TEXT,
    sources INTEGER NOT NULL DEFAULT 1,
    review_status TEXT NOT NULL DEFAULT 'unreviewed'
"""
SCHEMA_VERSION_TABLE = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    url TEXT,
    published TEXT,
    updated TEXT,
    source TEXT NOT NULL,
    text TEXT NOT NULL,
    -- geo.ingest.ids.text_fingerprint(text): one article read as a file and by its URL
    -- is stored once. NULL for texts too short to tell articles apart.
    text_hash TEXT
);
CREATE TABLE IF NOT EXISTS events ({columns});
CREATE TABLE IF NOT EXISTS happenings ({columns});
CREATE UNIQUE INDEX IF NOT EXISTS articles_text_hash ON articles (text_hash);
CREATE INDEX IF NOT EXISTS events_happening ON events (happening_id);
-- Analysts' corrections: one value per event and field, with the extracted value it
-- replaced (a re-extraction that changes it sets flagged) and where the report sits in
-- its article (a re-extraction that renames the event finds it there).
CREATE TABLE IF NOT EXISTS overrides (
    event_id TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT,
    extracted TEXT,
    flagged INTEGER NOT NULL DEFAULT 0,
    article_id TEXT NOT NULL,
    evidence_start INTEGER NOT NULL,
    evidence_end INTEGER NOT NULL,
    PRIMARY KEY (event_id, field)
);
CREATE INDEX IF NOT EXISTS overrides_article ON overrides (article_id);
CREATE INDEX IF NOT EXISTS overrides_group ON overrides (field, value);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    target TEXT NOT NULL,
    field TEXT NOT NULL,
    old TEXT,
    new TEXT,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_target ON audit (target);
""".replace("{columns}", EVENT_COLUMNS)

# The same indexes on reports (events) and happenings. The map index covers the map's
# grid (grid_cells) and every filter, so merging 100k events into map points reads it
# instead of the rows with their evidence text. The days index covers the timeline's
# counts per type and day (daily_counts) with the review filter every view has: 0.3 s
# at 1M events instead of 4 s (it replaces the (event_type, date) index, which made
# SQLite read every row for its review status). The (article_id, date) index gives
# each source its newest date without the rows (the sources filter).
TABLE_INDEXES = """
CREATE INDEX IF NOT EXISTS {table}_lat_lon ON {table} (lat, lon);
CREATE INDEX IF NOT EXISTS {table}_date ON {table} (date);
DROP INDEX IF EXISTS {table}_type_date;
CREATE INDEX IF NOT EXISTS {table}_days ON {table} (event_type, date, review_status);
CREATE INDEX IF NOT EXISTS {table}_country ON {table} (country_code);
DROP INDEX IF EXISTS {table}_article;
CREATE INDEX IF NOT EXISTS {table}_article_date ON {table} (article_id, date);
CREATE INDEX IF NOT EXISTS {table}_map4 ON {table} (event_type, lat, lon, magnitude,
    confidence, event_id, date, country_code, status, geo_precision, article_id,
    review_status)
"""
# The write path's index: regrouping happenings looks up, for each new report, the
# stored reports of its type in its country over its date window
# (``geo.store.happen._candidates``); without the country that read grew with the
# whole store. Created on open when missing, like the others (older programs ignore it).
WRITE_INDEXES = """
CREATE INDEX IF NOT EXISTS events_candidates ON events (event_type, country_code, date)
"""
SCHEMA_STATEMENTS = tuple(
    statement for statement in (
        *SCHEMA.split(";"),
        *TABLE_INDEXES.format(table="events").split(";"),
        *TABLE_INDEXES.format(table="happenings").split(";"),
        *WRITE_INDEXES.split(";"),
    ) if statement.strip()
)

# Schema version 1 -> 2: the text_hash column, filled by the caller (a Python function)
# before the unique index is made. Copies of one text stored under version 1 are all
# kept; the first keeps the hash.
MIGRATE_TO_2 = (
    "ALTER TABLE articles ADD COLUMN text_hash TEXT",
    "UPDATE articles SET text_hash = text_fingerprint(text)",
    "UPDATE articles SET text_hash = NULL WHERE text_hash IS NOT NULL AND rowid NOT IN "
    "(SELECT min(rowid) FROM articles WHERE text_hash IS NOT NULL GROUP BY text_hash)",
)

# Schema version 2 -> 3: the actors and fatalities of events, unknown (NULL) for the
# events stored before. Run only when the events table exists (a version 1 file may hold
# articles alone; the table is then created whole).
MIGRATE_TO_3 = (
    "ALTER TABLE events ADD COLUMN actor1 TEXT",
    "ALTER TABLE events ADD COLUMN actor2 TEXT",
    "ALTER TABLE events ADD COLUMN fatalities INTEGER CHECK (fatalities >= 0)",
)

# Schema version 3 -> 4: happenings and reviews. Each report gets its happening (the
# store regroups every report after these), its source count and review status; the
# map index gains the review status.
MIGRATE_TO_4 = (
    "ALTER TABLE events ADD COLUMN happening_id TEXT",
    "ALTER TABLE events ADD COLUMN sources INTEGER NOT NULL DEFAULT 1",
    "ALTER TABLE events ADD COLUMN review_status TEXT NOT NULL DEFAULT 'unreviewed'",
    "DROP INDEX IF EXISTS events_map",
)

INSERT_EVENT = (
    f"INSERT INTO events ({', '.join(EVENT_FIELDS)}) "
    f"VALUES ({', '.join('?' for _ in EVENT_FIELDS)}) "
    "ON CONFLICT (event_id) DO UPDATE SET "
    + ", ".join(f"{name} = excluded.{name}" for name in EVENT_FIELDS[1:])
)
INSERT_HAPPENING = (
    f"INSERT INTO happenings ({', '.join(EVENT_FIELDS)}) "
    f"VALUES ({', '.join('?' for _ in EVENT_FIELDS)})"
)

def parse_bbox(text: str) -> BBox:
    """Parse ``"W,S,E,N"`` (degrees, as in ``--bbox``) into a checked tuple.

    Examples
    --------
    >>> parse_bbox("35.5,35.8,38.5,38.2")
    (35.5, 35.8, 38.5, 38.2)
    """
    parts = text.split(",")
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != 4:
        raise ValueError(f"expected a bbox as W,S,E,N in degrees, got {text!r}")
    checked = EventQuery(bbox=(values[0], values[1], values[2], values[3])).bbox
    assert checked is not None
    return checked


def where_sql(query: EventQuery) -> tuple[str, list[Any]]:
    r"""Build a WHERE clause (``""`` or ``" WHERE ..."``) and its parameters.

    Examples
    --------
    >>> where_sql(EventQuery(max_precision=2, since="2023-03-01"))[0]
    " WHERE date >= ? AND geo_precision <= ? AND review_status != 'rejected'"
    >>> where_sql(EventQuery(actor="50%"))[1]
    ['%50\\%%', '%50\\%%']
    """
    clauses: list[str] = []
    params: list[Any] = []

    def one_of(column: str, values: Iterable[str]) -> None:
        # One JSON parameter holds the whole list, so the SQL text never depends on it.
        clauses.append(f"{column} IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(list(values)))

    if query.types:
        one_of("event_type", query.types)
    if query.statuses:
        one_of("status", query.statuses)
    if query.since is not None:
        clauses.append("date >= ?")
        params.append(query.since.isoformat())
    if query.until is not None:
        clauses.append("date <= ?")
        params.append(query.until.isoformat())
    if query.countries:
        one_of("country_code", query.countries)
    if query.articles and query.happenings:
        # A happening is from an article when one of its reports is.
        clauses.append("event_id IN (SELECT happening_id FROM events WHERE article_id IN "
                       "(SELECT value FROM json_each(?)))")
        params.append(json.dumps(list(query.articles)))
    elif query.articles:
        one_of("article_id", query.articles)
    if query.bbox is not None:
        west, south, east, north = query.bbox
        clauses.append("lat BETWEEN ? AND ?")
        params += [south, north]
        if west <= east:
            clauses.append("lon BETWEEN ? AND ?")
            params += [west, east]
        else:
            clauses.append("(lon >= ? OR lon <= ?)")
            params += [west, east]
    if query.max_precision < 3:
        clauses.append("geo_precision <= ?")
        params.append(query.max_precision)
    if query.actor:
        # A substring of either actor; LIKE ignores the case of ASCII letters, and the
        # typed text's own % and _ are plain characters. Neither column is in the map's
        # covering index: only a query with an actor reads the rows.
        like = like_pattern(query.actor)
        clauses.append("(actor1 LIKE ? ESCAPE '\\' OR actor2 LIKE ? ESCAPE '\\')")
        params += [like, like]
    if query.text:
        like = like_pattern(query.text)
        clauses.append("(evidence LIKE ? ESCAPE '\\' OR place LIKE ? ESCAPE '\\' "
                       "OR article_title LIKE ? ESCAPE '\\')")
        params += [like, like, like]
    if query.reviews:
        one_of("review_status", query.reviews)
    else:
        clauses.append("review_status != 'rejected'")
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def table(query: EventQuery) -> str:
    """Return the table a query reads: reports (``events``) or ``happenings``."""
    return "happenings" if query.happenings else "events"


def like_pattern(text: str) -> str:
    r"""Return a LIKE pattern (with ``ESCAPE '\'``) matching ``text`` anywhere, as written.

    Examples
    --------
    >>> like_pattern("al_Sham 100%")
    '%al\\_Sham 100\\%%'
    """
    return "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%"


def iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def from_iso(value: str | dt.date | None) -> dt.date | None:
    """Return the date a column holds: ISO text in SQLite, a ``date`` in PostgreSQL."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def event_row(event: Event) -> tuple[Any, ...]:
    """Return the column values of an event, checking what the schema cannot."""
    if event.event_type not in EVENT_TYPES:
        raise InputError(f"event {event.event_id!r}: unknown event_type {event.event_type!r}")
    if event.status not in STATUSES:
        raise InputError(f"event {event.event_id!r}: unknown status {event.status!r}")
    if event.date_precision not in DATE_PRECISIONS:
        raise InputError(
            f"event {event.event_id!r}: unknown date_precision {event.date_precision!r}"
        )
    if not (math.isfinite(event.lat) and math.isfinite(event.lon)):
        raise InputError(f"event {event.event_id!r}: coordinates {event.lat}, {event.lon}")
    if event.review_status not in REVIEW_STATUSES:
        raise InputError(f"event {event.event_id!r}: unknown review_status "
                         f"{event.review_status!r}")
    sub_types = ACLED_SUB_EVENT_TYPES[event.event_type]
    if event.acled_sub_event_type is not None and event.acled_sub_event_type not in sub_types:
        raise InputError(
            f"event {event.event_id!r}: ACLED sub_event_type {event.acled_sub_event_type!r} "
            f"is not one of {event.event_type}'s {list(sub_types)}"
        )
    fatalities = event.fatalities
    if fatalities is not None and (isinstance(fatalities, bool) or not isinstance(fatalities, int)
                                   or fatalities < 0):
        raise InputError(f"event {event.event_id!r}: fatalities must be a whole number "
                         f"of 0 or more, or None (not said), got {fatalities!r}")
    for name in ("actor1", "actor2"):
        if not isinstance(getattr(event, name), str | None):
            raise InputError(f"event {event.event_id!r}: {name} must be text or None, "
                             f"got {getattr(event, name)!r}")
    row = list(_EVENT_VALUES(event))
    for i in _DATE_INDEXES:
        row[i] = iso(row[i])
    return tuple(row)


_EVENT_VALUES = operator.attrgetter(*EVENT_FIELDS)
_DATE_INDEXES = tuple(i for i, name in enumerate(EVENT_FIELDS) if name in DATE_FIELDS)


def event_from_row(row: Sequence[Any]) -> Event:
    values = dict(zip(EVENT_FIELDS, row, strict=True))
    for name in DATE_FIELDS:
        values[name] = from_iso(values[name])
    return Event(**values)


def article_from_row(row: Sequence[Any]) -> Article:
    article_id, title, text, published, url, updated, source = row
    return Article(
        id=article_id,
        title=title,
        text=text,
        published=from_iso(published),
        url=url,
        updated=from_iso(updated),
        source=source,
    )
