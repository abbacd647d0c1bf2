"""Which reports are one happening, and what the happening says.

The rule (README, "Happenings"): two reports may be of one incident when they come from
different articles, are on the same layer and in the same country, their dates overlap
(a day's date that day, a publication-day date the 3 days up to it, a month its month;
a year or no date never matches), their places are no farther apart than the larger
uncertainty radius plus ``SLACK_KM``, and the attackers they name do not contradict
each other (``compatible``). *Anchors*, reports dated to the day and placed within
``FINE_KM``, chain into groups; any other report (a province, a month, a date taken
from the publication day) joins the one group it fits, or stays alone when it fits
none or several, so one vague report never glues two incidents together, and no chain
of reports drifts from day to day.

Everything here is a pure function of the reports it is given, ordered by id, so the
same reports give the same happenings whatever order they arrived in.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence

from geo.geodesy import EARTH_RADIUS_KM, haversine_km
from geo.model import Event

SLACK_KM = 5.0  # two geocodes of one town differ by a few km
KM_PER_DEG_LAT = 110.57  # the shortest degree of latitude, so the test never drops a pair
FINE_KM = 25.0  # a report placed at least this well (and dated to the day) is an anchor
# A day's date stands for that day only: with slack, daily reports of one town would
# chain into one happening across weeks.
DAY_SLACK = 0
PUBLISHED_SPAN = 3  # a date taken from the publication day: that day or up to 3 before
MAX_SPAN_DAYS = 31  # no report's date span is longer (a month)
_PRECISION_RANK = {"day": 0, "published": 1, "month": 2, "year": 3}

# Words that say what kind of actor, not which: "Syrian forces" and "government forces"
# share "forces" but may be foes.
_GENERIC = frozenset("""
a an the of and or in on at from by with to for its their his her forces force troops
soldiers fighters militants militia militias men group groups members unit units army
armed unknown unidentified gunmen assailants people residents civilians government
security police officers personnel military several dozens dozen hundreds some
one two three four five six seven eight nine ten eleven twelve at least more than
""".split())


def happening_id(members: Iterable[Event]) -> str:
    """Return the id of the happening these reports make: ``h-`` + the smallest report id.

    >>> happening_id([_demo("b"), _demo("a")])
    'h-a'
    """
    return "h-" + min(e.event_id for e in members)


def date_span(event: Event) -> tuple[dt.date, dt.date] | None:
    """Return the first and last day the report's date allows, or None (not comparable).

    >>> date_span(_demo("a", date=dt.date(2023, 3, 24)))
    (datetime.date(2023, 3, 24), datetime.date(2023, 3, 24))
    >>> date_span(_demo("a", date=dt.date(2023, 3, 24), precision="month"))
    (datetime.date(2023, 3, 1), datetime.date(2023, 3, 31))
    """
    day, precision = event.date, event.date_precision
    if day is None or precision == "year":
        return None
    try:
        if precision == "day":
            return day - dt.timedelta(DAY_SLACK), day + dt.timedelta(DAY_SLACK)
        if precision == "published":
            return day - dt.timedelta(PUBLISHED_SPAN), day
        first = day.replace(day=1)
        following = (first + dt.timedelta(days=32)).replace(day=1)
        return first, following - dt.timedelta(days=1)
    except OverflowError:  # year 1 or 9999: no room for the span
        return None


def actor_words(name: str | None) -> frozenset[str]:
    """Return the words that say which actor a name is (not "forces", "the", ...).

    >>> sorted(actor_words("the Syrian Democratic Forces"))
    ['democratic', 'syrian']
    """
    if not name:
        return frozenset()
    return frozenset(w for w in re.findall(r"[a-z0-9]+", name.lower()) if w not in _GENERIC)


def actors_compatible(a: Event, b: Event) -> bool:
    """Tell whether two reports' attackers may be the same: unknown or sharing a word.

    Only ``actor1`` (who acted) is compared: the targets of one strike are described in
    many ways ("eight fighters", "residents"), its perpetrator rarely is.
    """
    words_a, words_b = actor_words(a.actor1), actor_words(b.actor1)
    return not words_a or not words_b or bool(words_a & words_b)


def compatible(a: Event, b: Event) -> bool:
    """Tell whether two reports may be of one incident (the rule in the module doc)."""
    if a.article_id == b.article_id or a.event_type != b.event_type:
        return False
    if a.country_code and b.country_code and a.country_code != b.country_code:
        return False
    span_a, span_b = date_span(a), date_span(b)
    if span_a is None or span_b is None or span_a[0] > span_b[1] or span_b[0] > span_a[1]:
        return False
    reach = max(a.uncertainty_km, b.uncertainty_km) + SLACK_KM
    if haversine_km(a.lat, a.lon, b.lat, b.lon) > reach:
        return False
    return actors_compatible(a, b)


class UnionFind:
    """Disjoint sets of 0..n-1; a set's root is its smallest member (deterministic).

    >>> sets = UnionFind(4); sets.union(3, 1); sets.union(1, 2); sets.root(2)
    1
    """

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def root(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        ri, rj = self.root(i), self.root(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)


def is_anchor(event: Event) -> bool:
    """Tell whether a report can seed a happening: dated to the day and placed precisely.

    >>> is_anchor(_demo("a", date=dt.date(2023, 3, 24))), is_anchor(_demo("a"))
    (True, False)
    """
    return (event.date is not None and event.date_precision == "day"
            and event.uncertainty_km <= FINE_KM and date_span(event) is not None)


def groupable(event: Event) -> bool:
    """Tell whether a report takes part in grouping (not rejected, dated finely enough)."""
    return event.review_status != "rejected" and date_span(event) is not None


def group(events: Iterable[Event], pins: Mapping[str, str] | None = None) -> list[list[Event]]:
    """Split reports into happenings (lists of reports), each sorted by event id.

    Parameters
    ----------
    events
        The reports; a rejected or undated report is a happening of its own.
    pins
        Analysts' groupings (``geo review merge/split``): event id -> pin. Reports with a
        pin form exactly the happening of their pin and take part in no other.

    Anchors (``is_anchor``) that are compatible chain into groups; any other report
    joins the one group whose anchors it is compatible with, and stays alone when it
    fits none or several. The result is sorted by happening id and does not depend on
    the order of ``events``.
    """
    pins = pins or {}
    ordered = sorted(events, key=lambda e: e.event_id)
    pinned: dict[str, list[Event]] = defaultdict(list)
    alone: list[list[Event]] = []
    pool: list[Event] = []
    for event in ordered:
        if event.event_id in pins:
            pinned[pins[event.event_id]].append(event)
        elif groupable(event):
            pool.append(event)
        else:
            alone.append([event])
    anchors = [i for i, e in enumerate(pool) if is_anchor(e)]
    anchor = [False] * len(pool)
    for i in anchors:
        anchor[i] = True
    sets = UnionFind(len(pool))
    root = sets.root
    index = _AnchorIndex(pool, anchors)
    # Anchors first: every compatible pair of anchors joins their groups (a pair already
    # in one group need not be compared).
    for i, j in index.near_pairs():
        if root(i) != root(j) and compatible(pool[i], pool[j]):
            sets.union(i, j)
    groups: dict[int, list[Event]] = defaultdict(list)
    for i in anchors:
        groups[root(i)].append(pool[i])
    # Then every other report joins the one group whose anchors it fits: once it fits
    # anchors of two groups it stays alone, and no more anchors are compared.
    for i, event in enumerate(pool):
        if anchor[i]:
            continue
        targets: set[int] = set()
        for k in index.candidates(event):
            if k == i or root(k) in targets or not compatible(event, pool[k]):
                continue
            targets.add(root(k))
            if len(targets) > 1:
                break
        if len(targets) == 1:
            groups[targets.pop()].append(event)
        else:
            alone.append([event])
    out = [*pinned.values(), *alone, *groups.values()]
    out = [sorted(members, key=lambda e: e.event_id) for members in out]
    return sorted(out, key=happening_id)

# The 13 neighbouring cells "after" a cell (and the cell itself, last): each pair of
# neighbouring cells is visited once from one of them.
_NEIGHBOURS = [(dx, dy, dz) for dx in (-1, 0, 1) for dy in (-1, 0, 1) for dz in (-1, 0, 1)]
_FORWARD = [d for d in _NEIGHBOURS if d > (0, 0, 0)]


class _AnchorIndex:
    """The anchors of a pool of reports, indexed to find the pairs worth comparing.

    Two reports can only be compatible when their date spans overlap and they are no
    farther apart than the larger uncertainty plus ``SLACK_KM``: near pairs of anchors
    are found in cells of a 3-D grid (points on the sphere; a chord is never longer than
    the arc, so neighbouring cells hold every pair within reach), per layer and first
    day; the anchors another report may fit, per layer, country and first day, in a
    band of latitude. Both only narrow the search: ``compatible`` decides. The cost
    grows with the pairs within reach, not with all the reports of a day.
    """

    def __init__(self, pool: Sequence[Event], anchors: Sequence[int]) -> None:
        self.pool = pool
        spans = {i: date_span(pool[i]) for i in anchors}
        self.days = {i: (s[0].toordinal(), s[1].toordinal())
                     for i, s in spans.items() if s is not None}
        self.max_days = max((end - start for start, end in self.days.values()), default=0)
        self.max_km = max((pool[i].uncertainty_km for i in self.days), default=0.0)
        # A cell as wide as the farthest two anchors may be (a hair wider for rounding).
        self.cell_km = (self.max_km + SLACK_KM) * (1 + 1e-9) + 1e-6
        # layer, first day -> cell -> anchors; layer, country, first day -> by latitude.
        self.cells: dict[tuple[str, int], dict[tuple[int, int, int], list[int]]] = \
            defaultdict(lambda: defaultdict(list))
        by_band: dict[tuple[str, str, int], list[tuple[float, int]]] = defaultdict(list)
        self.countries: dict[str, set[str]] = defaultdict(set)
        for i, (start, _) in sorted(self.days.items()):
            event = pool[i]
            self.cells[event.event_type, start][self._cell(event)].append(i)
            by_band[event.event_type, event.country_code, start].append((event.lat, i))
            self.countries[event.event_type].add(event.country_code)
        self.bands = {key: ([lat for lat, _ in rows], [i for _, i in rows])
                      for key, rows in ((k, sorted(v)) for k, v in by_band.items())}

    def _cell(self, event: Event) -> tuple[int, int, int]:
        lat, lon = math.radians(event.lat), math.radians(event.lon)
        scale = EARTH_RADIUS_KM / self.cell_km
        return (math.floor(math.cos(lat) * math.cos(lon) * scale),
                math.floor(math.cos(lat) * math.sin(lon) * scale),
                math.floor(math.sin(lat) * scale))

    def near_pairs(self) -> Iterator[tuple[int, int]]:
        """Yield the pairs of anchors (each once) whose spans overlap, in reach of a cell."""
        cells = self.cells
        for (layer, start), grid in cells.items():
            for cell, members in grid.items():
                x, y, z = cell
                # The same first day: this cell and the forward half of its neighbours.
                for a, i in enumerate(members):
                    for j in members[a + 1:]:
                        yield i, j
                for dx, dy, dz in _FORWARD:
                    for j in grid.get((x + dx, y + dy, z + dz), ()):
                        for i in members:
                            yield (i, j) if i < j else (j, i)
                # Later first days within the longest span: every neighbour.
                for later in range(start + 1, start + self.max_days + 1):
                    other = cells.get((layer, later))
                    if not other:
                        continue
                    for dx, dy, dz in _NEIGHBOURS:
                        for j in other.get((x + dx, y + dy, z + dz), ()):
                            for i in members:
                                if self.days[i][1] >= later:
                                    yield (i, j) if i < j else (j, i)

    def candidates(self, event: Event) -> Iterator[int]:
        """Yield the anchors whose spans overlap the report's and latitudes are in reach."""
        span = date_span(event)
        if span is None:
            return
        first, last = span[0].toordinal(), span[1].toordinal()
        countries = ((event.country_code, "") if event.country_code
                     else sorted(self.countries[event.event_type]))
        reach = (max(event.uncertainty_km, self.max_km) + SLACK_KM) / KM_PER_DEG_LAT
        for country in countries:
            for start in range(first - self.max_days, last + 1):
                band = self.bands.get((event.event_type, country, start))
                if band is None:
                    continue
                lats, ids = band
                lo = bisect.bisect_left(lats, event.lat - reach)
                hi = bisect.bisect_right(lats, event.lat + reach)
                for i in ids[lo:hi]:
                    if self.days[i][1] >= first:
                        yield i


def summarise(hid: str, members: Sequence[Event]) -> Event:
    """Return the happening's own event: what its reports agree on (README rule).

    Place: the finest (ACLED geo_precision, then uncertainty), ties to the place most
    reports share; date: the most precise, ties to the date most reports give, then the
    earliest; type, sub-type and actors: the most reported; fatalities: the lowest
    number reported (ACLED's conservative reading of conflicting reports). Reviewed
    reports speak first: when any is confirmed or corrected, only those are read.
    """
    reviewed = [e for e in members if e.review_status in ("confirmed", "corrected")]
    pool = sorted(reviewed or members, key=lambda e: e.event_id)
    places = Counter((e.lat, e.lon) for e in members)
    where = min(pool, key=lambda e: (e.geo_precision, e.uncertainty_km,
                                     -places[(e.lat, e.lon)], e.event_id))
    dated = [e for e in pool if e.date is not None]
    when: Event | None = None
    if dated:
        best = min(_PRECISION_RANK.get(e.date_precision, 9) for e in dated)
        precise = [e for e in dated if _PRECISION_RANK.get(e.date_precision, 9) == best]
        days = Counter(e.date for e in precise)
        when = min(precise, key=lambda e: (-days[e.date], e.date, e.event_id))
    sub_type = _most_common([e.acled_sub_event_type for e in pool])
    actor1 = _most_common([e.actor1 for e in pool])
    actor2 = _most_common([e.actor2 for e in pool])
    deaths = [e.fatalities for e in pool if e.fatalities is not None]
    statuses = {e.review_status for e in members}
    status = next((s for s in ("corrected", "confirmed") if s in statuses),
                  "rejected" if statuses == {"rejected"} else "unreviewed")
    magnitudes = [e.magnitude for e in pool if e.magnitude is not None]
    return dataclasses.replace(
        where,
        event_id=hid,
        date=when.date if when else None,
        date_precision=when.date_precision if when else where.date_precision,
        acled_sub_event_type=sub_type if sub_type is not None else where.acled_sub_event_type,
        actor1=actor1,
        actor2=actor2,
        fatalities=min(deaths) if deaths else None,
        confidence=max(e.confidence for e in pool),
        magnitude=max(magnitudes) if magnitudes else where.magnitude,
        happening_id=hid,
        sources=len({e.article_id for e in members}),
        review_status=status,
    )


def _most_common(values: Iterable[str | None]) -> str | None:
    """Return the most frequent non-empty value; ties to the first in sorted order."""
    counts = Counter(v for v in values if v)
    if not counts:
        return None
    return min(counts, key=lambda v: (-counts[v], v))


def _demo(event_id: str, *, date: dt.date | None = None, precision: str = "day") -> Event:
    """A bare report for the doctests."""
    return Event(event_id=event_id, event_type="strike", acled_event_type=None,
                 acled_sub_event_type=None, status="occurred", date=date,
                 date_precision=precision, place="X", lat=0.0, lon=0.0, geonameid=None,
                 country_code="", admin1="", geo_precision=1, uncertainty_km=1.0,
                 evidence="", evidence_start=0, evidence_end=0, article_id="a",
                 article_title="", source_url=None, published=None, confidence=1.0)
