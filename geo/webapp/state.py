"""The page's state in the URL: an ``EventQuery`` <-> query-string parameters.

The query string uses the ``EventQuery`` field names (``types``, ``since``, ``until``,
``countries``, ``articles``, ``statuses``, ``max_precision``, ``bbox``), so one concept
has one name from the link to SQL. Links made before these names (``status``,
``precision``) still read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

from geo.model import EVENT_TYPES, GEO_PRECISIONS, STATUSES, EventQuery

PRECISION_LABELS = {1: "towns and sites only", 2: "up to regions", 3: "everything"}
# Earlier names of query-string keys, still read.
_ALIASES = {"status": "statuses", "precision": "max_precision"}


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v for v in (value or "").split(",") if v)


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _precision(value: str | None) -> int:
    try:
        number = int(value or 3)
    except ValueError:
        return 3
    return number if number in GEO_PRECISIONS else 3


def query_from_params(params: Mapping[str, str]) -> EventQuery:
    """Read an ``EventQuery`` from a URL query string; malformed values are dropped.

    Examples
    --------
    >>> query_from_params({"types": "strike,nonsense", "since": "2023-03-01"}).types
    ('strike',)
    >>> query_from_params({"precision": "2"}).max_precision
    2
    """
    params = {_ALIASES.get(key, key): value for key, value in params.items()}
    return EventQuery(
        since=_date(params.get("since")),
        until=_date(params.get("until")),
        types=tuple(t for t in _split(params.get("types")) if t in EVENT_TYPES),
        countries=tuple(c.upper() for c in _split(params.get("countries"))
                        if len(c) == 2 and c.isascii() and c.isalpha()),
        articles=_split(params.get("articles")),
        statuses=tuple(s for s in _split(params.get("statuses")) if s in STATUSES),
        max_precision=_precision(params.get("max_precision")),
    )


def query_to_params(query: EventQuery) -> dict[str, str]:
    """Return the query-string form of ``query`` (only what restricts something).

    Examples
    --------
    >>> query_to_params(EventQuery(types=("strike",), max_precision=2))
    {'types': 'strike', 'max_precision': '2'}
    """
    out = {}
    if query.since:
        out["since"] = query.since.isoformat()
    if query.until:
        out["until"] = query.until.isoformat()
    for key in ("types", "countries", "articles", "statuses"):
        values = getattr(query, key)
        if values:
            out[key] = ",".join(values)
    if query.max_precision < 3:
        out["max_precision"] = str(query.max_precision)
    return out


def with_dates(query: EventQuery, span: Sequence[dt.date]) -> EventQuery:
    """Return ``query`` with the date range a date widget returned (one or two dates)."""
    since = span[0] if len(span) > 0 else None
    until = span[1] if len(span) > 1 else since
    return dataclasses.replace(query, since=since, until=until)


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
