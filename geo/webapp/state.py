"""The page's state in the URL: an ``EventQuery`` <-> query-string parameters.

The query string uses the ``EventQuery`` field names (``types``, ``since``, ``until``,
``countries``, ``articles``, ``statuses``, ``max_precision``, ``actor``), so one concept
has one name from the link to SQL; ``reports=1`` shows each article's report instead of
happenings (the page's default), and ``event`` names the event selected in the list.
The map's own state is in the link too (``MapView``): ``view`` (``lat,lon,zoom``),
``hide`` (the layers switched off: event type keys, ``density``) and ``base`` (the base
layer). Links made before these names (``status``, ``precision``) still read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from geo.model import (
    BASE_LAYERS,
    DENSITY_LAYER,
    EVENT_TYPES,
    GEO_PRECISIONS,
    STATUSES,
    EventQuery,
    MapView,
)

PRECISION_LABELS = {1: "towns and sites only", 2: "up to regions", 3: "everything"}
# Earlier names of query-string keys, still read.
_ALIASES = {"status": "statuses", "precision": "max_precision"}
_KEYS = {"since", "until", "types", "countries", "articles", "statuses", "max_precision",
         "actor", "reports", "text", "event", "view", "hide", "base"}
MAX_ZOOM = 18
NO_LAYER_HIDDEN = "none"  # ``hide=none``: every layer on (the density view starts off)
# Query-string keys Streamlit itself reads.
_STREAMLIT_KEYS = {"embed", "embed_options"}


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A query read from a link, and what in the link was not taken as it was."""

    query: EventQuery
    notes: tuple[str, ...] = ()
    view: MapView = MapView()


def _view(params: Mapping[str, str], notes: list[str]) -> MapView:
    center, zoom = None, None
    raw = params.get("view")
    if raw:
        try:
            lat, lon, level = (float(v) for v in raw.split(","))
            if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 0 <= level <= MAX_ZOOM):
                raise ValueError(raw)
            center, zoom = (round(lat, 5), round(lon, 5)), int(level)
        except ValueError:
            notes.append(f"'view' must be lat,lon,zoom (zoom 0-{MAX_ZOOM}): {raw[:60]!r}")
    hidden = list(MapView().hidden) if params.get("hide") is None else []
    for key in _split(params.get("hide")):
        if key in EVENT_TYPES or key == DENSITY_LAYER:
            hidden.append(key)
        elif key != NO_LAYER_HIDDEN:
            notes.append(f"unknown layer {key[:40]!r} ignored")
    base = (params.get("base") or "outlines").strip()
    if base not in BASE_LAYERS:
        notes.append(f"unknown base layer {base[:40]!r} ignored")
        base = "outlines"
    return MapView(center, zoom, tuple(dict.fromkeys(hidden)), base)


def view_to_params(view: MapView) -> dict[str, str]:
    """Return the query-string form of the map's state (only what is not the default).

    Examples
    --------
    >>> view_to_params(MapView((36.2, 37.1), 7, ("strike",), "osm"))
    {'view': '36.2,37.1,7', 'hide': 'strike', 'base': 'osm'}
    >>> view_to_params(MapView()), view_to_params(MapView(hidden=()))
    ({}, {'hide': 'none'})
    """
    out = {}
    if view.center is not None and view.zoom is not None:
        out["view"] = f"{view.center[0]:g},{view.center[1]:g},{view.zoom}"
    if view.hidden != MapView().hidden:
        out["hide"] = ",".join(view.hidden) or NO_LAYER_HIDDEN
    if view.base != "outlines":
        out["base"] = view.base
    return out


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
    >>> query_from_params({"actor": " Houthi forces "}).actor
    'Houthi forces'
    """
    return parse_params(params).query


def parse_params(params: Mapping[str, str]) -> ParsedQuery:
    """Read a query string, naming every value that was dropped (for a warning).

    Examples
    --------
    >>> parse_params({"types": "strike,bombing", "since": "March"}).notes
    ("'since' is not a date (YYYY-MM-DD): 'March'", "unknown event type 'bombing' ignored")
    """
    params = {_ALIASES.get(key, key): value for key, value in params.items()}
    notes = [f"unknown link parameter {key!r} ignored" for key in params
             if key not in _KEYS | _STREAMLIT_KEYS]

    def kept(key: str, valid: Callable[[str], bool], what: str) -> tuple[str, ...]:
        values = _split(params.get(key))
        notes.extend(f"unknown {what} {v!r} ignored" for v in values if not valid(v))
        return tuple(v for v in values if valid(v))

    def day(key: str) -> dt.date | None:
        value = _date(params.get(key))
        if params.get(key) and value is None:
            notes.append(f"{key!r} is not a date (YYYY-MM-DD): {params[key]!r}")
        return value

    raw_precision = params.get("max_precision")
    if raw_precision and str(_precision(raw_precision)) != raw_precision.strip():
        notes.append(f"place precision must be 1, 2 or 3, not {raw_precision!r}")
    query = EventQuery(
        since=day("since"),
        until=day("until"),
        types=kept("types", lambda t: t in EVENT_TYPES, "event type"),
        countries=tuple(c.upper() for c in kept(
            "countries", lambda c: len(c) == 2 and c.isascii() and c.isalpha(), "country")),
        articles=_split(params.get("articles")),
        statuses=kept("statuses", lambda s: s in STATUSES, "status"),
        max_precision=_precision(raw_precision),
        actor=params.get("actor") or "",
        text=params.get("text") or "",
        # The page shows happenings unless the link asks for each report.
        happenings=(params.get("reports") or "").strip().lower() not in ("1", "true", "yes"),
    )
    view = _view(params, notes)
    return ParsedQuery(query, tuple(notes), view)


def fit_dates(query: EventQuery, first: dt.date | None,
              last: dt.date | None) -> ParsedQuery:
    """Fit a query's dates to the store's span: reversed dates swapped, others clamped.

    A link can carry any dates; the date widget (and a reader) needs a range inside
    what the store holds. ``first``/``last`` are the store's earliest and latest dates
    (None when it holds no dated event: nothing to fit).

    Examples
    --------
    >>> q = EventQuery(since=dt.date(2030, 1, 1), until=dt.date(2023, 3, 1))
    >>> fitted = fit_dates(q, dt.date(2023, 2, 6), dt.date(2023, 3, 30))
    >>> fitted.query.since, fitted.query.until
    (datetime.date(2023, 3, 1), datetime.date(2023, 3, 30))
    >>> fitted.notes[0]
    'the dates were reversed (2030-01-01 after 2023-03-01): swapped'
    """
    since, until = query.since, query.until
    notes = []
    if since and until and since > until:
        notes.append(f"the dates were reversed ({since} after {until}): swapped")
        since, until = until, since
    if first is None or last is None:
        return ParsedQuery(dataclasses.replace(query, since=since, until=until), tuple(notes))
    fitted = []
    for name, value in (("since", since), ("until", until)):
        if value is not None and not first <= value <= last:
            clamped = min(max(value, first), last)
            notes.append(f"{name} {value} is outside the stored events' dates "
                         f"({first} to {last}): {clamped} is shown")
            value = clamped
        fitted.append(value)
    return ParsedQuery(dataclasses.replace(query, since=fitted[0], until=fitted[1]),
                       tuple(notes))


def query_to_params(query: EventQuery) -> dict[str, str]:
    """Return the query-string form of ``query`` (only what restricts something).

    Examples
    --------
    >>> query_to_params(EventQuery(types=("strike",), max_precision=2, actor="Houthi",
    ...                            happenings=True))
    {'types': 'strike', 'max_precision': '2', 'actor': 'Houthi'}
    >>> query_to_params(EventQuery())  # each report, not happenings
    {'reports': '1'}
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
    if query.actor:
        out["actor"] = query.actor
    if query.text:
        out["text"] = query.text
    if not query.happenings:
        out["reports"] = "1"
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


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$])")


def plain(text: str) -> str:
    r"""Return ``text`` escaped for Streamlit's Markdown, so it shows as written.

    Messages that carry a visitor's input (a file name, a link's values) go through
    this: Markdown would otherwise turn ``![x](https://...)`` into an image request.

    Examples
    --------
    >>> print(plain("![x](https://evil.example/p.png) *bold*"))
    \!\[x\]\(https://evil\.example/p\.png\) \*bold\*
    """
    return _MARKDOWN.sub(r"\\\1", text)
