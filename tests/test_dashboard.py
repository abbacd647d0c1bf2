"""The dashboard's pure helpers: filters <-> query string, table rows, timeline."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import make_event

from geo.dashboard import (
    Filters,
    aggregate_for_map,
    event_rows,
    filters_from_query,
    filters_to_query,
    timeline,
    with_dates,
)


def event(event_id, event_type="strike", date=dt.date(2023, 3, 23)):
    return make_event(event_id=event_id, event_type=event_type, date=date)


def test_query_round_trip():
    filters = Filters(since=dt.date(2023, 3, 1), until=dt.date(2023, 3, 31),
                      types=("strike", "diplomacy"), countries=("SY",), articles=("abc",),
                      statuses=("planned",), max_precision=2)
    assert filters_from_query(filters_to_query(filters)) == filters


def test_empty_filters_make_an_empty_query():
    assert filters_to_query(Filters()) == {}
    assert filters_from_query({}) == Filters()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"types": "strike,<script>"}, Filters(types=("strike",))),
        ({"since": "not-a-date"}, Filters()),
        ({"precision": "9"}, Filters(max_precision=3)),
        ({"precision": "x"}, Filters()),
        ({"countries": "sy,USA,'--"}, Filters(countries=("SY",))),
        ({"status": "planned,unknown"}, Filters(statuses=("planned",))),
    ],
)
def test_malformed_query_values_are_dropped(params, expected):
    assert filters_from_query(params) == expected


def test_store_query_passes_only_restrictions():
    q = Filters(types=("strike",), max_precision=2).store_query()
    assert q["types"] == ["strike"] and q["min_precision"] == 2 and q["country"] is None
    assert Filters().store_query()["min_precision"] is None


def test_with_dates_accepts_one_or_two_dates():
    day = dt.date(2023, 3, 5)
    assert with_dates(Filters(), (day,)).until == day
    assert with_dates(Filters(), (day, dt.date(2023, 3, 9))).until == dt.date(2023, 3, 9)


def test_rows_newest_first_and_timeline_counts():
    events = [event("a", date=dt.date(2023, 3, 1)), event("b", date=dt.date(2023, 3, 23)),
              event("c", "diplomacy", date=dt.date(2023, 3, 23)), event("d", date=None)]
    assert [r["event_id"] for r in event_rows(events)][:2] == ["b", "c"]
    per_day = timeline(events)
    assert per_day["strike"] == {dt.date(2023, 3, 1): 1, dt.date(2023, 3, 23): 1}
    assert per_day["diplomacy"] == {dt.date(2023, 3, 23): 1}


def test_small_sets_are_drawn_as_they_are():
    events = [event(str(i)) for i in range(5)]
    assert aggregate_for_map(events, limit=5) == events


def test_large_sets_merge_per_type_and_cell():
    import random

    rng = random.Random(7)
    events = [make_event(event_id=str(i), event_type=rng.choice(["strike", "protest"]),
                         lat=rng.uniform(30, 40), lon=rng.uniform(30, 45),
                         confidence=rng.random())
              for i in range(5000)]
    events.append(make_event(event_id="q", event_type="earthquake", lat=37.2, lon=37.0,
                             magnitude=7.8, usgs_id="us6000jllz"))
    events.append(make_event(event_id="q2", event_type="earthquake", lat=37.21, lon=37.01,
                             magnitude=4.1, usgs_id="x"))
    points = aggregate_for_map(events, limit=300)
    assert len(points) <= 300
    assert {p.event_type for p in points} == {"strike", "protest", "earthquake"}
    (quake,) = [p for p in points if p.event_type == "earthquake"]
    assert quake.magnitude == 7.8 and quake.place.startswith("2 earthquake events")
    merged = [p for p in points if p.event_id.startswith("cell:")]
    assert merged and all(p.geo_precision >= 2 and p.uncertainty_km > 0 for p in merged)
    assert sum(int(p.place.split()[0]) if p.event_id.startswith("cell:") else 1
               for p in points) == len(events)
