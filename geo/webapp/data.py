"""What one view of the page shows, computed in the store, without streamlit.

The page (``geo.webapp.page``) owns widgets and layout; everything here is a plain
function of plain values, so it is tested directly and the page stays thin.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from geo.model import Event, EventQuery
from geo.render.escape import safe_url
from geo.store import Store
from geo.store.grid import map_points

TABLE_ROW_LIMIT = 1_000  # rows sent to the browser; the downloads hold everything
SOURCE_OPTION_LIMIT = 200  # sources offered in the filter at once (besides chosen ones)
# ACLED's geo_precision in the table's words.
PRECISION_WORDS = {1: "town or site", 2: "near a town, or a district", 3: "province or country"}


def summary_rows(breakdown: Sequence[tuple[str, str, str, int, int | None]],
                 by: str) -> list[dict]:
    """Return the view's counts by ``"country"``, ``"admin1"`` or ``"type"``, most first.

    >>> summary_rows([("SY", "Idlib", "strike", 3, 2), ("SY", "Aleppo", "strike", 1, None)],
    ...              "country")
    [{'country': 'SY', 'events': 4, 'fatalities': 2}]
    """
    totals: dict[tuple[str, ...], list] = {}
    for country, admin1, kind, n, deaths in breakdown:
        key = {"country": (country,), "admin1": (country, admin1), "type": (kind,)}[by]
        row = totals.setdefault(key, [0, None])
        row[0] += n
        if deaths is not None:
            row[1] = (row[1] or 0) + deaths
    names = {"country": ("country",), "admin1": ("country", "admin1"), "type": ("type",)}[by]
    rows = [{**dict(zip(names, key, strict=True)), "events": n, "fatalities": deaths}
            for key, (n, deaths) in totals.items()]
    return sorted(rows, key=lambda r: (-r["events"], *(str(r[k]) for k in names)))


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


def event_rows(events: Sequence[Event]) -> list[dict]:
    """Return one table row per event, in the order given (the store's newest first).

    The source is a link only when it is http(s) (``geo.render.popups.safe_url``), as in the
    map's popups. Actors not named are empty cells, and the place precision is in words.
    """
    return [
        {
            "date": e.date, "type": e.event_type, "status": e.status, "place": e.place,
            "country": e.country_code, "precision": PRECISION_WORDS.get(e.geo_precision, ""),
            "actor1": e.actor1 or "", "actor2": e.actor2 or "", "fatalities": e.fatalities,
            "magnitude": e.magnitude, "sources": e.sources, "review": e.review_status,
            "evidence": e.evidence, "article": e.article_title,
            "source": safe_url(e.source_url), "event_id": e.event_id,
        }
        for e in events
    ]


@dataclass(frozen=True, slots=True)
class PageData:
    """What one filtered view of the page shows, all of it computed in the store."""

    count: int  # events passing the filters
    points: list[Event]  # the map's points (merged per grid cell above MAP_POINT_LIMIT)
    weights: dict[str, int]  # merged points: how many events each stands for
    # The timeline: {type: {day: events}} over all dates (the other filters apply), and
    # how many events under those filters have no date.
    per_day: dict[str, dict[dt.date, int]]
    latest: list[Event]  # the newest events (``page_data``'s ``latest`` of them)
    # Happenings on the map told by several articles: id -> (title, URL) of each.
    sources: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)
    undated: int = 0


def timeline_counts(store: Store, query: EventQuery, count: int | None = None
                    ) -> tuple[dict[str, dict[dt.date, int]], int]:
    """Return the timeline of ``query`` over all dates: ``{type: {day: events}}``, undated.

    The dates filter does not apply (the timeline shows every date, the chosen ones
    shaded), so a brush or a step of the play, which change only the dates, can reuse
    it (``page_data``'s ``timeline``). ``count``: the events ``query`` selects, when
    known and ``query`` has no dates.
    """
    whole = dataclasses.replace(query, since=None, until=None)
    per_day = store.daily_counts(whole)
    dated = sum(sum(days.values()) for days in per_day.values())
    total = count if count is not None and whole == query else store.count(whole)
    return per_day, total - dated


def page_data(store: Store, query: EventQuery, *, latest: int = TABLE_ROW_LIMIT,
              timeline: tuple[dict[str, dict[dt.date, int]], int] | None = None) -> PageData:
    """Return the map points, timeline and table rows of the events ``query`` selects.

    ``latest`` is how many of the newest events to load (the page's list beside the map
    needs a few; its table, when opened, ``TABLE_ROW_LIMIT``); ``timeline`` is
    ``timeline_counts`` of the query when the caller has it already.
    """
    points, weights = map_points(store, query)
    told = [p.event_id for p in points if p.sources > 1] if query.happenings else []
    sources = {hid: [(title, url) for _, title, url in found]
               for hid, found in store.sources_of(told).items()} if told else {}
    count = store.count(query)
    per_day, undated = timeline or timeline_counts(store, query, count)
    return PageData(
        count=count,
        points=points,
        weights=weights,
        per_day=per_day,
        latest=store.query(query, limit=latest, newest_first=True),
        sources=sources,
        undated=undated,
    )
