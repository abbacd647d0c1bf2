"""Happenings and corrections inside the store: what runs in a write transaction.

Every function takes an open connection in a transaction (``SQLiteStore._transaction``,
or ``PostGISStore``'s, whose connection translates this SQLite-flavoured SQL,
``geo.store.pgsql.PgConnection``) and uses only parameterised SQL. Reports are
written with their overrides applied (``write_events``); then the happenings around
them are regrouped (``regroup``): the reports compatible with the new ones, closed
over compatibility, current happenings and analysts' pins, are grouped afresh with
``geo.happenings.group.group``, so the result is the one a regrouping of the whole
store would give, whatever the order the articles came in, at the cost of the
neighbourhood only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from geo.happenings.group import (
    MAX_SPAN_DAYS,
    SLACK_KM,
    UnionFind,
    compatible,
    date_span,
    group,
    groupable,
    happening_id,
    is_anchor,
    summarise,
)
from geo.model import AuditRecord, Event
from geo.review.edits import (
    VALUE_FIELDS,
    apply_overrides,
    field_value,
    from_json,
    to_json,
)
from geo.store.base import Connection
from geo.store.sql import EVENT_FIELDS, INSERT_EVENT, INSERT_HAPPENING, event_from_row, event_row

_SELECT = f"SELECT {', '.join(EVENT_FIELDS)} FROM events"


def load_events(conn: Connection, ids: Iterable[str]) -> list[Event]:
    """Return the stored reports with these ids."""
    ids = set(ids)
    if not ids:
        return []
    rows = conn.execute(f"{_SELECT} WHERE event_id IN (SELECT value FROM json_each(?))",
                        (json.dumps(sorted(set(ids))),)).fetchall()
    return [event_from_row(row) for row in rows]


def members_of(conn: Connection, happening_ids: Iterable[str]) -> list[Event]:
    """Return the reports of these happenings, by event id."""
    happening_ids = set(happening_ids)
    if not happening_ids:
        return []
    rows = conn.execute(
        f"{_SELECT} WHERE happening_id IN (SELECT value FROM json_each(?)) ORDER BY event_id",
        (json.dumps(sorted(set(happening_ids))),)).fetchall()
    return [event_from_row(row) for row in rows]


def overrides_of(conn: Connection, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Return the corrected values of these events: id -> {field: value}."""
    out: dict[str, dict[str, Any]] = defaultdict(dict)
    for event_id, name, value in conn.execute(
            "SELECT event_id, field, value FROM overrides "
            "WHERE event_id IN (SELECT value FROM json_each(?))", (json.dumps(list(ids)),)):
        out[event_id][name] = from_json(value)
    return dict(out)


def _rekey(conn: Connection, events: Sequence[Event]) -> None:
    """Move the overrides of reports a re-extraction renamed to their new ids.

    An event id follows its type and place, so correcting either by hand, or a better
    extractor, renames the report; its sentence in the article (evidence offsets) does
    not change, and finds it.
    """
    by_article: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        by_article[event.article_id].append(event)
    # One read for a batch's articles: most have no corrections at all.
    corrected: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for article_id, event_id, start, end in conn.execute(
            "SELECT DISTINCT article_id, event_id, evidence_start, evidence_end FROM overrides "
            "WHERE article_id IN (SELECT value FROM json_each(?)) ORDER BY article_id, event_id",
            (json.dumps(sorted(by_article)),)).fetchall():
        corrected[article_id].append((event_id, start, end))
    for article_id, new in by_article.items():
        if article_id not in corrected:
            continue
        new_ids = {e.event_id for e in new}
        stale = corrected[article_id]
        taken = {row[0] for row in stale} & new_ids
        for old_id, start, end in stale:
            if old_id in new_ids:
                continue
            match = next((e for e in sorted(new, key=lambda e: e.event_id)
                          if e.evidence_start == start and e.evidence_end == end
                          and e.event_id not in taken), None)
            if match is not None:
                taken.add(match.event_id)
                conn.execute("UPDATE overrides SET event_id = ? WHERE event_id = ?",
                             (match.event_id, old_id))


def prepare(conn: Connection, events: Sequence[Event]) -> list[Event]:
    """Return extracted reports with their corrections applied.

    Where the extractor now gives another value than the one a correction replaced,
    the override is flagged for review (``geo review list --flagged``); the analyst's
    value still wins.
    """
    _rekey(conn, events)
    overrides = overrides_of(conn, [e.event_id for e in events])
    out = []
    for event in events:
        mine = overrides.get(event.event_id)
        if not mine:
            out.append(dataclasses.replace(event, review_status="unreviewed",
                                           happening_id=None, sources=1))
            continue
        for name, extracted in conn.execute(
                "SELECT field, extracted FROM overrides WHERE event_id = ? AND flagged = 0",
                (event.event_id,)).fetchall():
            if name in VALUE_FIELDS and from_json(extracted) != field_value(event, name):
                conn.execute("UPDATE overrides SET flagged = 1 WHERE event_id = ? AND field = ?",
                             (event.event_id, name))
        out.append(dataclasses.replace(apply_overrides(event, mine), happening_id=None,
                                       sources=1))
    return out


def write_events(conn: Connection, events: Sequence[Event],
                 removed: Sequence[Event] = ()) -> None:
    """Store extracted reports (corrections applied) and regroup their happenings.

    ``removed`` are reports just deleted (those a re-extraction of an article no
    longer gives): their happenings are regrouped too.
    """
    prepared = prepare(conn, events)
    ids = [e.event_id for e in prepared]
    # Rewritten reports lose their happening until regrouped: their old ones go, and
    # their old versions, like removed reports, may have been what others fitted.
    before = [*load_events(conn, ids), *removed]
    upsert_events(conn, [event_row(event) for event in prepared])
    regroup(conn, ids, {e.happening_id for e in before if e.happening_id}, before)


def _window(event: Event) -> tuple[str, str] | None:
    """Return the dates a compatible report may have (ISO), or None when none may fit."""
    span = date_span(event)
    if span is None or event.review_status == "rejected":
        return None
    try:
        return ((span[0] - dt.timedelta(days=MAX_SPAN_DAYS)).isoformat(),
                (span[1] + dt.timedelta(days=MAX_SPAN_DAYS)).isoformat())
    except OverflowError:
        return None


def upsert_events(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert or replace reports (rows of ``event_row``) by id; a later row of an id wins."""
    upsert_json = getattr(conn, "upsert_events_json", None)  # PostgreSQL: one statement
    if upsert_json is None:
        conn.executemany(INSERT_EVENT, rows)
    elif rows:
        last = {row[0]: row for row in rows}  # one statement may change a row once
        try:
            text = json.dumps([dict(zip(EVENT_FIELDS, row, strict=True))
                               for row in last.values()], allow_nan=False)
        except (TypeError, ValueError):  # an infinite number (no JSON), a bad value
            conn.executemany(INSERT_EVENT, rows)
        else:
            upsert_json(text)


def _candidates(conn: Connection, event: Event) -> list[Event]:
    """Return stored reports compatible with ``event`` (an indexed search)."""
    window = _window(event)
    if window is None:
        return []
    # The (event_type, country_code, date) index finds the window in the report's
    # country (and among reports of no country, which fit any: ``compatible``), so
    # the search reads a country's reports, not the world's, and does not grow with
    # the store's other countries. A report of no country searches every country.
    # The distance test in SQL keeps rows out of Python unless they are within the
    # larger of the two radii (in latitude; compatible() measures the real distance).
    countries = "country_code IN (?, '') AND " if event.country_code else ""
    rows = conn.execute(
        f"{_SELECT} WHERE event_type = ? AND {countries}date BETWEEN ? AND ? "
        "AND article_id != ? AND review_status != 'rejected' AND abs(lat - ?) * 110.0 <= "
        "max(uncertainty_km, ?) + ?",
        (event.event_type, *([event.country_code] if event.country_code else []), *window,
         event.article_id, event.lat, event.uncertainty_km, SLACK_KM + 1.0)).fetchall()
    return [c for c in map(event_from_row, rows) if compatible(event, c)]


# The search of ``_candidates`` for many reports of a country at once, one statement
# (a batch of articles regroups hundreds: one round trip to a server instead of one per
# report). Each wanted report is a JSON object; the stored reports found come with the
# wanted report's key. PostgreSQL runs it as a LATERAL join (``geo.store.pgsql``), so
# each report is an index search as above, whatever the planner thinks of the list.
CANDIDATES_MANY = (
    f"SELECT j.value ->> '$.k', {', '.join('e.' + f for f in EVENT_FIELDS)} "
    "FROM json_each(?) AS j JOIN events AS e ON e.event_type = j.value ->> '$.kind' "
    "AND e.country_code IN (j.value ->> '$.country', '') "
    "AND e.date BETWEEN j.value ->> '$.lo' AND j.value ->> '$.hi' "
    "AND e.article_id != j.value ->> '$.article' AND e.review_status != 'rejected' "
    "AND abs(e.lat - (j.value ->> '$.lat')) * 110.0 <= "
    "max(e.uncertainty_km, j.value ->> '$.radius') + ?"
)


def _candidates_many(conn: Connection, events: Iterable[Event]) -> dict[str, list[Event]]:
    """Return ``_candidates`` of each report, by event id, in as few statements as may."""
    out: dict[str, list[Event]] = {}
    wanted: dict[str, Event] = {}
    keys = []
    # In one statement on a server (PgConnection): it saves round trips. SQLite has none
    # to save, and its join re-reads each JSON object for every stored row it meets,
    # which costs more where many reports crowd one place and day.
    together = getattr(conn, "searches_together", False)
    for event in events:
        window = _window(event)
        if window is None:
            out[event.event_id] = []
        elif not together or not event.country_code or not math.isfinite(event.uncertainty_km):
            out[event.event_id] = _candidates(conn, event)  # rare: searched alone
        elif event.event_id not in wanted:
            wanted[event.event_id] = event
            out[event.event_id] = []
            keys.append({"k": event.event_id, "kind": event.event_type,
                         "country": event.country_code, "lo": window[0], "hi": window[1],
                         "article": event.article_id, "lat": event.lat,
                         "radius": event.uncertainty_km})
    if keys:
        for key, *row in conn.execute(CANDIDATES_MANY, (json.dumps(keys),
                                                        SLACK_KM + 1.0)).fetchall():
            found = event_from_row(row)
            if compatible(wanted[key], found):
                out[key].append(found)
    return out


class _Lookup:
    """Stored reports' candidates and pins, each asked for once per regrouping."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._candidates: dict[str, list[Event]] = {}
        self._pins: dict[str, str | None] = {}

    def candidates(self, event: Event) -> list[Event]:
        found = self._candidates.get(event.event_id)
        if found is None:
            self.prefetch([event])
            found = self._candidates[event.event_id]
        return found

    def prefetch(self, events: Iterable[Event]) -> None:
        """Search the candidates of these reports at once (and their pins)."""
        wanted = [e for e in events if e.event_id not in self._candidates]
        if not wanted:
            return
        found = _candidates_many(self.conn, wanted)
        self._candidates.update(found)
        self.pins([c for cands in found.values() for c in cands])

    def pins(self, events: Iterable[Event]) -> None:
        ids = [e.event_id for e in events if e.event_id not in self._pins]
        if ids:
            found = _pins(self.conn, ids)
            self._pins.update({i: found.get(i) for i in ids})

    def pin_map(self, events: Sequence[Event]) -> dict[str, str]:
        """Return the pins of these reports that have one: event id -> pin."""
        self.pins(events)
        return {e.event_id: pin for e in events if (pin := self._pins[e.event_id]) is not None}

    def members(self, happening_ids: Iterable[str]) -> list[Event]:
        """Return the reports of these happenings (``members_of``), their pins read."""
        found = members_of(self.conn, happening_ids)
        self.pins(found)
        return found

    def pinned(self, event: Event) -> bool:
        if event.event_id not in self._pins:
            self.pins([event])
        return self._pins[event.event_id] is not None

    def anchor(self, event: Event) -> bool:
        return is_anchor(event) and groupable(event) and not self.pinned(event)


def regroup(conn: Connection, seed_ids: Iterable[str],
            stale: Iterable[str] = (), gone: Sequence[Event] = ()) -> set[str]:
    """Regroup the happenings around these reports; return the happening ids written.

    ``stale`` names happenings to drop and regroup too (those of rewritten reports);
    ``gone`` are reports as they were before a rewrite or removal: the reports that
    fitted them choose again.
    The result is the one ``group`` gives over the whole store: anchors are regrouped
    with every anchor they chain to (same day, same place: a small set), and every
    other report that fits one of them, or that was in a happening regrouped, chooses
    again among the groups it fits; stored happenings that such a report joins or
    leaves are rewritten.
    """
    look = _Lookup(conn)
    seeds = load_events(conn, seed_ids)
    affected: set[str] = set(stale)

    # Pinned reports (of the seeds and of the happenings dropped): each pin's whole
    # group, as the analyst made it.
    pin_of = look.pin_map([*seeds, *members_of(conn, affected)])
    pinned_groups: list[list[Event]] = []
    if pin_of:
        members = [row[0] for row in conn.execute(
            "SELECT event_id FROM overrides WHERE field = 'group' AND value IN "
            "(SELECT value FROM json_each(?))",
            (json.dumps(sorted({to_json(p) for p in pin_of.values()})),))]
        by_pin: dict[str, list[Event]] = defaultdict(list)
        pins = _pins(conn, members)
        for event in load_events(conn, members):
            by_pin[pins[event.event_id]].append(event)
            if event.happening_id:
                affected.add(event.happening_id)
        pinned_groups = list(by_pin.values())

    # 1. The anchors to regroup: closed over compatibility between anchors and over
    # the happenings they are in.
    anchors: dict[str, Event] = {}
    frontier = [e for e in [*seeds, *look.members(affected)] if look.anchor(e)]
    seen_happenings = set(affected)
    while frontier:
        fresh = {e.event_id: e for e in frontier if e.event_id not in anchors}
        anchors.update(fresh)
        found: list[Event] = []
        look.prefetch(fresh.values())
        for event in fresh.values():
            found += [c for c in look.candidates(event) if look.anchor(c)]
        new_happenings = {e.happening_id for e in [*fresh.values(), *found]
                          if e.happening_id} - seen_happenings
        seen_happenings |= new_happenings
        affected |= new_happenings
        found += [e for e in look.members(new_happenings) if look.anchor(e)]
        frontier = [e for e in found if e.event_id not in anchors]

    # 2. Their groups.
    pool = sorted(anchors.values(), key=lambda e: e.event_id)
    index = {e.event_id: i for i, e in enumerate(pool)}
    sets = UnionFind(len(pool))
    root = sets.root
    for event in pool:
        for other in look.candidates(event):
            j = index.get(other.event_id)
            if j is not None:
                sets.union(index[event.event_id], j)
    components: dict[int, list[Event]] = defaultdict(list)
    for i, event in enumerate(pool):
        components[root(i)].append(event)

    # 3. Other reports that choose again: new ones, those of the happenings regrouped,
    # and those that fit a regrouped anchor.
    choosing: dict[str, Event] = {}
    for event in [*seeds, *look.members(affected)]:
        if event.event_id not in anchors and event.event_id not in pin_of \
                and not look.pinned(event):
            choosing[event.event_id] = event
    regrouped = [*pool, *(e for e in gone if is_anchor(e))]
    look.prefetch(regrouped)
    for event in regrouped:
        for other in look.candidates(event):
            if not is_anchor(other) and groupable(other) and not look.pinned(other):
                choosing.setdefault(other.event_id, other)

    joins: dict[str, list[Event]] = defaultdict(list)  # stored happening -> joiners
    leaves: dict[str, set[str]] = defaultdict(set)  # stored happening -> leavers
    alone: list[list[Event]] = []
    look.prefetch(e for e in choosing.values() if groupable(e))
    for event in sorted(choosing.values(), key=lambda e: e.event_id):
        target: tuple[str, object] | None = None
        if groupable(event):
            fits: set[tuple[str, object]] = set()
            for other in look.candidates(event):
                if not look.anchor(other):
                    continue
                at = index.get(other.event_id)
                fits.add(("new", root(at)) if at is not None
                         else ("stored", other.happening_id))
            target = fits.pop() if len(fits) == 1 else None
        current = event.happening_id
        if current and current not in affected:
            # It sits in a happening not regrouped here: it stays, leaves or moves.
            if target == ("stored", current):
                continue
            leaves[current].add(event.event_id)
        if target is None:
            alone.append([event])
        elif target[0] == "new":
            components[int(target[1])].append(event)  # type: ignore[call-overload]
        else:
            joins[str(target[1])].append(event)

    # 4. Write: drop what changed, write the new happenings.
    rewritten = set(joins) | set(leaves)
    groups = [*pinned_groups, *components.values(), *alone]
    for hid in sorted(rewritten):
        kept = [e for e in members_of(conn, [hid]) if e.event_id not in leaves.get(hid, ())]
        groups.append([*kept, *joins.get(hid, [])])
    return _write_groups(conn, affected | rewritten, groups)


def _write_groups(conn: Connection, drop: Iterable[str],
                  groups: Iterable[list[Event]]) -> set[str]:
    """Replace the happenings ``drop`` with ``groups``; return the ids written."""
    conn.execute("DELETE FROM happenings WHERE event_id IN (SELECT value FROM json_each(?))",
                 (json.dumps(sorted(drop)),))
    # hid -> its members (a later group of the same id would replace an earlier one),
    # and each group's members to point at it, in order.
    written: dict[str, list[Event]] = {}
    links: dict[str, str] = {}  # event id -> its happening (the last group's)
    stored: dict[str, str | None] = {}  # event id -> the happening stored now
    for members in groups:
        if not members:
            continue
        members = sorted({e.event_id: e for e in members}.values(), key=lambda e: e.event_id)
        hid = happening_id(members)
        written[hid] = members
        for event in members:
            links[event.event_id] = hid
            stored[event.event_id] = event.happening_id
    # Three statements for all the groups (a batch of articles writes hundreds).
    conn.execute("DELETE FROM happenings WHERE event_id IN (SELECT value FROM json_each(?))",
                 (json.dumps(sorted(written)),))
    rows = [event_row(summarise(hid, members)) for hid, members in written.items()]
    copy_rows = getattr(conn, "copy_rows", None)  # PostgreSQL's COPY: one stream
    if copy_rows is not None:
        copy_rows("happenings", EVENT_FIELDS, rows)
    else:
        conn.executemany(INSERT_HAPPENING, rows)
    # Reports point at their happening (those that do already are left alone).
    moved = [{"e": event_id, "h": hid} for event_id, hid in sorted(links.items())
             if stored[event_id] != hid]
    if moved:
        conn.execute(SET_HAPPENINGS, (json.dumps(moved),))
    return set(written)


# Point reports at their happenings, in one statement: {"e": event id, "h": happening}.
# (PostgreSQL: a join by primary key, ``geo.store.pgsql``.)
SET_HAPPENINGS = ("UPDATE events SET happening_id = j.value ->> '$.h' FROM json_each(?) AS j "
                  "WHERE events.event_id = j.value ->> '$.e'")


def regroup_all(conn: Connection) -> int:
    """Group every stored report afresh (a migration, or after a bulk change)."""
    events = [event_from_row(row) for row in conn.execute(_SELECT)]
    conn.execute("DELETE FROM happenings")
    return len(_write_groups(conn, (), group(events, _pins(conn, None))))


def _pins(conn: Connection, ids: Iterable[str] | None) -> dict[str, str]:
    """Return analysts' groupings: event id -> pin (all of them when ``ids`` is None)."""
    if ids is None:
        rows = conn.execute("SELECT event_id, value FROM overrides WHERE field = 'group'")
    else:
        ids = list(ids)
        if not ids:
            return {}
        rows = conn.execute(
            "SELECT event_id, value FROM overrides WHERE field = 'group' AND event_id IN "
            "(SELECT value FROM json_each(?))", (json.dumps(list(ids)),))
    return {event_id: from_json(value) for event_id, value in rows}


def targets(conn: Connection, ids: Iterable[str]) -> list[Event]:
    """Return the reports an id names: a report's own, or every report of a happening.

    Raises
    ------
    KeyError
        Naming the first id that is neither.
    """
    out: dict[str, Event] = {}
    for target in ids:
        found = members_of(conn, [target]) if target.startswith("h-") else []
        found = found or load_events(conn, [target])
        if not found:
            raise KeyError(target)
        out.update((e.event_id, e) for e in found)
    return [out[k] for k in sorted(out)]


def correct(conn: Connection, reports: Sequence[Event], changes: Mapping[str, Any], *,
            who: str, note: str = "", at: str | None = None) -> list[AuditRecord]:
    """Set checked values (``geo.review.edits.check_value``) on reports; audit each change.

    The value each correction replaces is kept as the extracted one, so a later
    re-extraction that disagrees with it is flagged. Returns the audit records written
    (a change to the value a report already has writes none).
    """
    stamp = at or dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    records = []
    for report in reports:
        existing = overrides_of(conn, [report.event_id]).get(report.event_id, {})
        for name, value in changes.items():
            if name in existing:
                old = existing[name]
            else:
                old = field_value(report, name) if name in VALUE_FIELDS else None
            if old == value:
                continue
            extracted = field_value(report, name) if name in VALUE_FIELDS else None
            row = conn.execute("SELECT extracted FROM overrides WHERE event_id = ? AND field = ?",
                               (report.event_id, name)).fetchone()
            if row is not None:
                extracted = from_json(row[0])
            conn.execute(
                "INSERT INTO overrides (event_id, field, value, extracted, flagged, article_id, "
                "evidence_start, evidence_end) VALUES (?, ?, ?, ?, 0, ?, ?, ?) "
                "ON CONFLICT (event_id, field) DO UPDATE SET value = excluded.value, "
                "flagged = 0",
                (report.event_id, name, to_json(value), to_json(extracted), report.article_id,
                 report.evidence_start, report.evidence_end))
            record = AuditRecord(at=stamp, who=who, target=report.event_id, field=name,
                                 old=to_json(old), new=to_json(value), note=note)
            conn.execute("INSERT INTO audit (at, who, target, field, old, new, note) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)", dataclasses.astuple(record))
            records.append(record)
    _rewrite(conn, reports)
    return records


def _rewrite(conn: Connection, reports: Sequence[Event]) -> None:
    """Store reports again with their overrides (the extracted values restored first)."""
    fresh = []
    for report in reports:
        extracted = report
        for name, value in conn.execute(
                "SELECT field, extracted FROM overrides WHERE event_id = ?",
                (report.event_id,)).fetchall():
            if name in VALUE_FIELDS:
                value = from_json(value)
                if name == "date" and value:
                    value = dt.date.fromisoformat(value)
                extracted = dataclasses.replace(extracted, **{name: value})
        fresh.append(extracted)
    write_events(conn, fresh)


def audit_records(conn: Connection, targets: Iterable[str] = ()) -> list[AuditRecord]:
    """Return the audit trail, oldest first; only these events' when ``targets`` is given."""
    wanted = list(targets)
    sql = "SELECT at, who, target, field, old, new, note FROM audit"
    params: tuple = ()
    if wanted:
        sql += " WHERE target IN (SELECT value FROM json_each(?))"
        params = (json.dumps(wanted),)
    return [AuditRecord(*row) for row in conn.execute(sql + " ORDER BY id", params)]

