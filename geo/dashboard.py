"""What the dashboard page computes, without streamlit: filters, query strings, tables.

``app.py`` owns widgets and layout; everything here is a plain function of plain values,
so it is tested directly and the page stays thin.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from geo.events import EVENT_TYPES, STATUSES, Event

UPLOAD_LIMIT_BYTES = 5_000_000  # per uploaded file or pasted text
PRECISION_LABELS = {1: "towns and sites only", 2: "up to regions", 3: "everything"}


@dataclass(frozen=True, slots=True)
class Filters:
    """The dashboard's filter state; ``None``/empty means "no restriction"."""

    since: dt.date | None = None
    until: dt.date | None = None
    types: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    articles: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    max_precision: int = 3  # show events with geo_precision <= this
    extra: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def store_query(self) -> dict:
        """Return the keyword arguments of ``Store.query`` for these filters."""
        return {
            "since": self.since, "until": self.until, "types": list(self.types) or None,
            "country": list(self.countries) or None,
            "article_ids": list(self.articles) or None,
            "statuses": list(self.statuses) or None,
            "min_precision": self.max_precision if self.max_precision < 3 else None,
        }


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v for v in (value or "").split(",") if v)


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def filters_from_query(params: Mapping[str, str]) -> Filters:
    """Read filters from a URL query string; unknown or malformed values are dropped.

    Examples
    --------
    >>> filters_from_query({"types": "strike,nonsense", "since": "2023-03-01"}).types
    ('strike',)
    """
    try:
        precision = min(3, max(1, int(params.get("precision", "3"))))
    except ValueError:
        precision = 3
    return Filters(
        since=_date(params.get("since")),
        until=_date(params.get("until")),
        types=tuple(t for t in _split(params.get("types")) if t in EVENT_TYPES),
        countries=tuple(c.upper() for c in _split(params.get("countries"))
                        if len(c) == 2 and c.isalpha()),
        articles=_split(params.get("articles")),
        statuses=tuple(s for s in _split(params.get("status")) if s in STATUSES),
        max_precision=precision,
    )


def filters_to_query(filters: Filters) -> dict[str, str]:
    """Return the query-string form of ``filters`` (only what restricts something)."""
    out = {}
    if filters.since:
        out["since"] = filters.since.isoformat()
    if filters.until:
        out["until"] = filters.until.isoformat()
    for key, values in (("types", filters.types), ("countries", filters.countries),
                        ("articles", filters.articles), ("status", filters.statuses)):
        if values:
            out[key] = ",".join(values)
    if filters.max_precision < 3:
        out["precision"] = str(filters.max_precision)
    return out


def with_dates(filters: Filters, span: Sequence[dt.date]) -> Filters:
    """Return ``filters`` with the date range a date widget returned (one or two dates)."""
    since = span[0] if len(span) > 0 else None
    until = span[1] if len(span) > 1 else since
    return replace(filters, since=since, until=until)


def event_rows(events: Sequence[Event]) -> list[dict]:
    """Return one table row per event, newest first, for the page's event table."""
    rows = [
        {
            "date": e.date, "type": e.event_type, "status": e.status, "place": e.place,
            "country": e.country_code, "precision": e.geo_precision,
            "magnitude": e.magnitude, "evidence": e.evidence, "article": e.article_title,
            "source": e.source_url, "event_id": e.event_id,
        }
        for e in events
    ]
    rows.sort(key=lambda r: (r["date"] or dt.date.min), reverse=True)
    return rows


def timeline(events: Sequence[Event]) -> dict[str, dict[dt.date, int]]:
    """Return events per day by type: ``{type: {day: count}}`` (undated events left out)."""
    out: dict[str, dict[dt.date, int]] = {}
    for e in events:
        if e.date is None:
            continue
        per_day = out.setdefault(e.event_type, {})
        per_day[e.date] = per_day.get(e.date, 0) + 1
    return out


MAP_POINT_LIMIT = 3_000  # markers drawn before events are merged per grid cell
TABLE_ROW_LIMIT = 1_000  # rows sent to the browser; the downloads hold everything


def aggregate_for_map(events: Sequence[Event], limit: int = MAP_POINT_LIMIT) -> list[Event]:
    """Return at most ``limit`` map points: the events, or one point per type and cell.

    Above the limit, events of a type are merged per grid cell (the cell doubles from
    0.1 degree until the points fit); each point sits at its events' mean position,
    says how many it stands for, and keeps the evidence of its most confident event. A
    cell of catalog quakes keeps the largest magnitude, so its size still means it.

    Examples
    --------
    >>> aggregate_for_map([]) == []
    True
    """
    if len(events) <= limit:
        return list(events)
    cell = 0.1
    while True:
        groups: dict[tuple[str, int, int], list[Event]] = {}
        for e in events:
            key = (e.event_type, int(e.lat // cell), int(e.lon // cell))
            groups.setdefault(key, []).append(e)
        if len(groups) <= limit:
            break
        cell *= 2
    return [_merged(group, cell, key) for key, group in groups.items()]


def _merged(group: list[Event], cell: float, key: tuple[str, int, int]) -> Event:
    if len(group) == 1:
        return group[0]
    lead = max(group, key=lambda e: (e.magnitude or 0.0, e.confidence))
    lat = sum(e.lat for e in group) / len(group)
    lon = sum(e.lon for e in group) / len(group)
    label = key[0].replace("_", " ")
    return replace(
        lead, event_id=f"cell:{key[0]}:{key[1]}:{key[2]}", lat=lat, lon=lon,
        place=f"{len(group)} {label} events around {lead.place}",
        geo_precision=max(2, lead.geo_precision),
        uncertainty_km=round(cell * 111.0 / 2, 1),
        evidence=f"{len(group)} events merged on this zoomed-out map; the most notable: "
                 f"{lead.evidence}",
    )
