"""The page's helpers: the query <-> query string, table rows, and what the page
computes in the store (map points merged per grid cell, timeline, newest events)."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import make_event

from geo.model import EventQuery
from geo.store import open_store
from geo.store.grid import map_points
from geo.webapp.data import event_rows, is_missing, page_data
from geo.webapp.state import parse_params, query_from_params, query_to_params, with_dates

R = EventQuery  # each report, as the store reads them by default


def Q(**kw) -> EventQuery:  # noqa: N802 - reads as the class it builds
    """A query as the page makes it: happenings unless asked otherwise."""
    return EventQuery(**{"happenings": True, **kw})


def event(event_id, event_type="strike", date=dt.date(2023, 3, 23)):
    return make_event(event_id=event_id, event_type=event_type, date=date)


def test_query_round_trip():
    query = Q(since=dt.date(2023, 3, 1), until=dt.date(2023, 3, 31),
              types=("strike", "diplomacy"), countries=("SY",), articles=("abc",),
              statuses=("planned",), max_precision=2, actor="Houthi forces")
    params = query_to_params(query)
    assert params["actor"] == "Houthi forces"
    assert query_from_params(params) == query


def test_empty_query_makes_an_empty_query_string():
    assert query_to_params(Q()) == {}
    assert query_from_params({}) == Q()


def test_the_text_search_is_in_the_link():
    assert query_to_params(Q(text="air base")) == {"text": "air base"}
    assert query_from_params({"text": " air base "}) == Q(text="air base")


def test_the_reports_switch_is_in_the_link():
    assert query_to_params(Q(happenings=False)) == {"reports": "1"}
    assert query_from_params({"reports": "1"}) == Q(happenings=False)
    assert query_from_params({"reports": "0"}) == Q()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"types": "strike,<script>"}, Q(types=("strike",))),
        ({"since": "not-a-date"}, Q()),
        ({"precision": "9"}, Q(max_precision=3)),
        ({"precision": "x"}, Q()),
        ({"max_precision": "2"}, Q(max_precision=2)),
        ({"countries": "sy,USA,'--"}, Q(countries=("SY",))),
        ({"status": "planned,unknown"}, Q(statuses=("planned",))),
        ({"statuses": "claimed"}, Q(statuses=("claimed",))),
        ({"actor": "  "}, Q()),
        ({"actor": "50% <b>"}, Q(actor="50% <b>")),  # plain text, matched as written
    ],
)
def test_malformed_query_values_are_dropped(params, expected):
    assert query_from_params(params) == expected


def test_with_dates_accepts_one_or_two_dates():
    day = dt.date(2023, 3, 5)
    assert with_dates(Q(), (day,)).until == day
    assert with_dates(Q(), (day, dt.date(2023, 3, 9))).until == dt.date(2023, 3, 9)


def stored(*events):
    store = open_store(":memory:")
    store.add_events(events)
    return store


def test_page_data_counts_timeline_and_newest_rows():
    events = [event("a", date=dt.date(2023, 3, 1)), event("b", date=dt.date(2023, 3, 23)),
              event("c", "diplomacy", date=dt.date(2023, 3, 23)), event("d", date=None)]
    data = page_data(stored(*events), R())
    assert data.count == 4 and len(data.points) == 4
    assert [e.event_id for e in data.latest] == ["b", "c", "a", "d"]  # undated last
    assert [r["event_id"] for r in event_rows(data.latest)][:2] == ["b", "c"]
    assert data.per_day == {"strike": {dt.date(2023, 3, 1): 1, dt.date(2023, 3, 23): 1},
                            "diplomacy": {dt.date(2023, 3, 23): 1}}
    strikes = page_data(stored(*events), R(types=("strike",)))
    assert strikes.count == 3 and {e.event_type for e in strikes.points} == {"strike"}


def test_actor_link_key_is_known():
    parsed = parse_params({"actor": "houthi", "actors": "x"})
    assert parsed.query == Q(actor="houthi")
    assert parsed.notes == ("unknown link parameter 'actors' ignored",)


def test_page_data_follows_the_actor_filter():
    events = [make_event(event_id="a", actor1="Houthi forces", actor2="civilians",
                         fatalities=3),
              make_event(event_id="b", event_type="protest", actor1="protesters",
                         date=dt.date(2023, 3, 2)),
              make_event(event_id="c", actor2="Houthi fighters", date=None),
              make_event(event_id="d")]
    data = page_data(stored(*events), R(actor="HOUTHI"))
    assert data.count == 2
    assert {e.event_id for e in data.points} == {e.event_id for e in data.latest} == {"a", "c"}
    assert data.per_day == {"strike": {dt.date(2023, 2, 1): 1}}  # c is undated
    (row, _) = event_rows(data.latest)
    assert (row["actor1"], row["actor2"], row["fatalities"]) == ("Houthi forces", "civilians",
                                                                 3)
    assert page_data(stored(*events), R(actor="protest")).count == 1


def test_query_is_hashable_and_keys_a_cache():
    first = Q(types=["strike"], since="2023-03-01", countries=["sy"])
    again = Q(types=("strike",), since=dt.date(2023, 3, 1), countries=("SY",))
    assert first == again and hash(first) == hash(again) and len({first, again}) == 1


def test_small_sets_are_drawn_as_they_are():
    events = [event(str(i)) for i in range(5)]
    assert map_points(stored(*events), R(), limit=5) == (events, {})  # by date, then id


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
    store = stored(*events)
    points, weights = map_points(store, Q(), limit=300)
    assert len(points) <= 300
    assert {p.event_type for p in points} == {"strike", "protest", "earthquake"}
    (quake,) = [p for p in points if p.event_type == "earthquake"]
    assert quake.magnitude == 7.8 and quake.place.startswith("2 earthquake events")
    assert quake.lat == pytest.approx(37.205) and quake.lon == pytest.approx(37.005)
    merged = [p for p in points if p.event_id.startswith("cell:")]
    assert merged and all(p.geo_precision >= 2 and p.uncertainty_km > 0 for p in merged)
    assert sum(int(p.place.split()[0]) if p.event_id.startswith("cell:") else 1
               for p in points) == len(events)
    assert weights == {p.event_id: int(p.place.split()[0]) for p in merged}
    assert sum(weights.get(p.event_id, 1) for p in points) == len(events)
    # Filters apply before merging: only protests, and all of them.
    protests, _ = map_points(store, Q(types=("protest",)), limit=300)
    assert {p.event_type for p in protests} == {"protest"}
    assert sum(int(p.place.split()[0]) if p.event_id.startswith("cell:") else 1
               for p in protests) == sum(e.event_type == "protest" for e in events)


def test_merged_point_speaks_with_its_most_confident_event():
    events = [make_event(event_id=f"s{i}", event_type="strike", lat=36.01 + i / 1000,
                         lon=38.01, confidence=c, evidence=f"Report {i}.", place=f"P{i}")
              for i, c in enumerate([0.4, 0.9, 0.6])]
    events.append(make_event(event_id="far", event_type="strike", lat=10.0, lon=10.0))
    points, weights = map_points(stored(*events), R(), limit=2)
    (point, far) = sorted(points, key=lambda p: -p.lat)
    assert weights == {point.event_id: 3}
    assert point.evidence.endswith("Report 1.") and point.place == "3 strike events around P1"
    assert point.lat == pytest.approx(36.011) and far.event_id == "far"


def test_missing_demo_store_is_found_by_any_spelling(tmp_path, monkeypatch):
    demo = tmp_path / "data" / "demo.sqlite"
    demo.parent.mkdir()
    monkeypatch.chdir(tmp_path)
    for url in ("data/demo.sqlite", str(demo), f"sqlite:///{demo}", "sqlite:///data/demo.sqlite"):
        assert is_missing(url, demo), url
    assert not is_missing("data/other.sqlite", demo)
    assert not is_missing("postgresql://host/db", demo)
    demo.write_bytes(b"")
    assert not is_missing("data/demo.sqlite", demo)


def test_the_maps_view_layers_and_base_round_trip_through_the_link():
    from geo.model import MapView
    from geo.webapp.state import view_to_params

    parsed = parse_params({"view": "36.2,37.1,9", "hide": "strike,density", "base": "osm"})
    assert parsed.notes == ()
    assert parsed.view == MapView((36.2, 37.1), 9, ("strike", "density"), "osm")
    assert parse_params(view_to_params(parsed.view)).view == parsed.view
    # No hide: the density view alone starts off; hide=none: every layer on.
    assert parse_params({}).view.hidden == ("density",)
    assert parse_params({"hide": "none"}).view.hidden == ()


@pytest.mark.parametrize("params", [
    {"view": "95,10,3"}, {"view": "10,10,40"}, {"view": "a,b,c"}, {"view": "1,2"},
    {"hide": "bombing"}, {"base": "file:///etc/passwd"},
])
def test_a_bad_map_value_in_a_link_is_named_and_left_out(params):
    parsed = parse_params(params)
    assert len(parsed.notes) == 1
    assert parsed.view.center is None and parsed.view.base == "outlines"
    assert "bombing" not in parsed.view.hidden
