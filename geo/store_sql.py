"""The SQL behind the store's filters: one WHERE clause from the filter arguments.

Every value travels as a parameter (lists as one JSON parameter read with
``json_each``), so the SQL text never depends on what a user typed. Shared by every
read of ``geo.store.SQLiteStore``: the events, their count, the map's grid cells and
the timeline all filter the same way.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from geo.events import EVENT_TYPES, STATUSES

BBox = tuple[float, float, float, float]  # west, south, east, north (degrees)

# The keyword arguments every read of the store accepts (see SQLiteStore.query).
FILTER_NAMES = ("types", "since", "until", "country", "bbox", "statuses", "article_ids",
                "min_precision")


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
    return check_bbox(values)


def check_bbox(bbox: Sequence[float]) -> BBox:
    west, south, east, north = (float(v) for v in bbox)
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
        raise ValueError(
            f"bbox {tuple(bbox)!r} is not (west, south, east, north) in degrees with south <= north"
        )
    return (west, south, east, north)


def where_sql(
    *,
    types: Iterable[str] | None = None,
    since: dt.date | str | None = None,
    until: dt.date | str | None = None,
    country: str | Iterable[str] | None = None,
    bbox: Sequence[float] | None = None,
    statuses: Iterable[str] | None = None,
    article_ids: Iterable[str] | None = None,
    min_precision: int | None = None,
) -> tuple[str, list[Any]]:
    """Build a WHERE clause (``""`` or ``" WHERE ..."``) and its parameters.

    Examples
    --------
    >>> where_sql(min_precision=2, since="2023-03-01")
    (' WHERE date >= ? AND geo_precision <= ?', ['2023-03-01', 2])
    """
    clauses: list[str] = []
    params: list[Any] = []

    def one_of(column: str, values: Iterable[str]) -> None:
        # One JSON parameter holds the whole list, so the SQL text never depends on it.
        clauses.append(f"{column} IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(list(values)))

    if types is not None:
        types = _checked("event type", types, EVENT_TYPES)
        one_of("event_type", types)
    if statuses is not None:
        statuses = _checked("status", statuses, STATUSES)
        one_of("status", statuses)
    if since is not None:
        clauses.append("date >= ?")
        params.append(_date_param("since", since))
    if until is not None:
        clauses.append("date <= ?")
        params.append(_date_param("until", until))
    if country is not None:
        codes = [country] if isinstance(country, str) else list(country)
        one_of("country_code", [c.strip().upper() for c in codes])
    if article_ids is not None:
        one_of("article_id", [article_ids] if isinstance(article_ids, str) else article_ids)
    if bbox is not None:
        west, south, east, north = check_bbox(bbox)
        clauses.append("lat BETWEEN ? AND ?")
        params += [south, north]
        if west <= east:
            clauses.append("lon BETWEEN ? AND ?")
            params += [west, east]
        else:
            clauses.append("(lon >= ? OR lon <= ?)")
            params += [west, east]
    if min_precision is not None:
        if min_precision not in (1, 2, 3):
            raise ValueError(f"min_precision must be 1, 2 or 3, got {min_precision!r}")
        clauses.append("geo_precision <= ?")
        params.append(min_precision)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _checked(what: str, values: Iterable[str], valid: Iterable[str]) -> list[str]:
    values = [values] if isinstance(values, str) else list(values)
    valid = set(valid)
    for value in values:
        if value not in valid:
            raise ValueError(f"unknown {what} {value!r}; expected one of {sorted(valid)}")
    return values


def _date_param(name: str, value: dt.date | str) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a date or YYYY-MM-DD, got {value!r}") from None
