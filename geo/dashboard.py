"""What the dashboard page computes, without streamlit: filters, query strings, tables.

``app.py`` owns widgets and layout; everything here is a plain function of plain values,
so it is tested directly and the page stays thin.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from geo.events import EVENT_TYPES, STATUSES, Event
from geo.popups import safe_url
from geo.store import GridCell, Store

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


def is_missing(url: str, path: Path) -> bool:
    """Tell whether the store ``url`` (a path or ``sqlite:///`` URL) is ``path`` and absent.

    The app refuses to open a missing demo store: opening it would create an empty one,
    which ``make demo`` would then take as already built.

    Examples
    --------
    >>> is_missing("sqlite:////nowhere/demo.sqlite", Path("/nowhere/demo.sqlite"))
    True
    """
    target = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url
    if "://" in target:
        return False
    return Path(target).resolve() == path.resolve() and not path.exists()


def distinct_labels(titles: Mapping[str, str]) -> dict[str, str]:
    """Return ``{id: label}`` with every label different: a shared title gets the id.

    A multiselect tells its options apart by their labels: two sources titled "Live
    updates" would be one choice, filtering by the other. Ids are distinct, so appending
    them to every label still shared ends, even when a title itself looks like
    "Title (id)".

    Examples
    --------
    >>> distinct_labels({"a": "Live", "b": "Live", "c": "Other"})
    {'a': 'Live (a)', 'b': 'Live (b)', 'c': 'Other'}
    >>> distinct_labels({"a": "Live (b)", "b": "Live", "c": "Live"})
    {'a': 'Live (b) (a)', 'b': 'Live (b) (b)', 'c': 'Live (c)'}
    """
    labels = dict(titles)
    while True:
        seen: dict[str, int] = {}
        for label in labels.values():
            seen[label] = seen.get(label, 0) + 1
        if all(n == 1 for n in seen.values()):
            return labels
        labels = {key: f"{label} ({key})" if seen[label] > 1 else label
                  for key, label in labels.items()}


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
    """Return one table row per event, in the order given (the store's newest first).

    The source is a link only when it is http(s) (``geo.popups.safe_url``), as in the
    map's popups.
    """
    return [
        {
            "date": e.date, "type": e.event_type, "status": e.status, "place": e.place,
            "country": e.country_code, "precision": e.geo_precision,
            "magnitude": e.magnitude, "evidence": e.evidence, "article": e.article_title,
            "source": safe_url(e.source_url), "event_id": e.event_id,
        }
        for e in events
    ]


MAP_POINT_LIMIT = 2_000  # markers drawn before events are merged per grid cell
TABLE_ROW_LIMIT = 1_000  # rows sent to the browser; the downloads hold everything
SOURCE_OPTION_LIMIT = 200  # sources offered in the filter at once (besides chosen ones)
FINE_CELL_DEG = 0.1  # the smallest grid cell events are merged in


@dataclass(frozen=True, slots=True)
class PageData:
    """What one filtered view of the page shows, all of it computed in the store."""

    count: int  # events passing the filters
    points: list[Event]  # the map's points (merged per grid cell above MAP_POINT_LIMIT)
    weights: dict[str, int]  # merged points: how many events each stands for
    per_day: dict[str, dict[dt.date, int]]  # the timeline: {type: {day: events}}
    latest: list[Event]  # the table: the newest TABLE_ROW_LIMIT events


def page_data(store: Store, query: Mapping) -> PageData:
    """Return the map points, timeline and table rows for ``store.query(**query)``."""
    points, weights = map_points(store, query)
    return PageData(
        count=store.count(**query),
        points=points,
        weights=weights,
        per_day=store.daily_counts(**query),
        latest=store.query(**query, limit=TABLE_ROW_LIMIT, newest_first=True),
    )


def query_to_json(query: Mapping) -> str:
    """Return a store query as canonical JSON (a cache key, and what a download re-runs).

    Examples
    --------
    >>> query_to_json({"types": ["strike"], "since": dt.date(2023, 3, 1)})
    '{"since": "2023-03-01", "types": ["strike"]}'
    """
    return json.dumps(dict(query), default=str, sort_keys=True)


def query_from_json(text: str) -> dict:
    """Return the store query ``query_to_json`` wrote, dates as dates again."""
    query = json.loads(text)
    for key in ("since", "until"):
        if query.get(key):
            query[key] = dt.date.fromisoformat(query[key])
    return query


def map_points(store: Store, query: Mapping,
               limit: int = MAP_POINT_LIMIT) -> tuple[list[Event], dict[str, int]]:
    """Return at most ``limit`` map points for the events ``store.query(**query)`` finds.

    Returns the points and, for each merged point (by ``event_id``), how many events it
    stands for (``geo.maps.build_map``'s ``weights``).

    Up to ``limit`` events are their own points. Above it, events of a type are merged
    per grid cell, in the store (``Store.grid_cells``), so the events themselves are
    never loaded: cells start at 0.1 degree and double until the points fit. A merged
    point sits at its events' mean position, says how many it stands for, and keeps
    the evidence of its lead event (the largest magnitude, then the most confident), so
    a cell of catalog quakes is still sized by its strongest.
    """
    if store.count(**query) <= limit:
        return store.query(**query), {}
    cells, cell_deg = coarsen(store.grid_cells(FINE_CELL_DEG, **query), FINE_CELL_DEG, limit)
    leads = {e.event_id: e for e in store.get_events([c.lead_id for c in cells])}
    points = [merged_point(c, leads[c.lead_id], cell_deg) for c in cells]
    return points, {p.event_id: c.count for p, c in zip(points, cells, strict=True)
                    if c.count > 1}


def coarsen(cells: Sequence[GridCell], cell_deg: float,
            limit: int) -> tuple[list[GridCell], float]:
    """Merge grid cells four at a time until at most ``limit`` are left.

    Returns the cells and their size in degrees. Counts add up, positions are the
    count-weighted mean, the lead is the one with the higher score.

    Examples
    --------
    >>> a = GridCell("strike", 0, 0, 1, 1.0, 1.0, "a", 0.5)
    >>> b = GridCell("strike", 1, 1, 3, 2.0, 2.0, "b", 0.9)
    >>> coarsen([a, b], 0.1, 1)
    ([GridCell(event_type='strike', row=0, col=0, count=4, lat=1.75, lon=1.75, \
lead_id='b', lead_score=0.9)], 0.2)
    """
    factor = 1
    while True:
        merged: dict[tuple[str, int, int], list] = {}
        for c in cells:
            key = (c.event_type, c.row // factor, c.col // factor)
            acc = merged.get(key)
            if acc is None:
                merged[key] = [c.count, c.lat * c.count, c.lon * c.count, c.lead_id, c.lead_score]
                continue
            acc[0] += c.count
            acc[1] += c.lat * c.count
            acc[2] += c.lon * c.count
            if c.lead_score > acc[4]:
                acc[3], acc[4] = c.lead_id, c.lead_score
        if len(merged) <= limit:
            return [GridCell(t, r, col, n, sum_lat / n, sum_lon / n, lead, score)
                    for (t, r, col), (n, sum_lat, sum_lon, lead, score) in merged.items()
                    ], cell_deg * factor
        factor *= 2


def merged_point(cell: GridCell, lead: Event, cell_deg: float) -> Event:
    """Return the map point of a grid cell: its lead event, moved and relabelled."""
    if cell.count == 1:
        return lead
    label = cell.event_type.replace("_", " ")
    return replace(
        lead, event_id=f"cell:{cell.event_type}:{cell.row}:{cell.col}",
        lat=round(cell.lat, 5), lon=round(cell.lon, 5),
        place=f"{cell.count} {label} events around {lead.place}",
        geo_precision=max(2, lead.geo_precision),
        uncertainty_km=round(cell_deg * 111.0 / 2, 1),
        evidence=f"{cell.count} events merged on this zoomed-out map; the most notable: "
                 f"{lead.evidence}",
    )
