"""Tests for geo.events.usgs and geo.events.quakes: the real USGS extracts, linking quakes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
from factories import make_event

from geo.events.quakes import link_quakes
from geo.events.usgs import read_usgs, usgs_country_code
from geo.model import Event

# The 2023 Turkey-Syria catalogue (USGS, public domain) in both of its formats ships with
# the repository: the CSV as demo data, the GeoJSON feed form as a test input.
REPO = Path(__file__).resolve().parents[1]
EXAMPLES = {"usgs_2023_turkey.csv": REPO / "data" / "demo" / "usgs_2023_turkey.csv",
            "usgs_2023_turkey.geojson": REPO / "tests" / "data" / "usgs_2023_turkey.geojson"}
FILES = tuple(EXAMPLES)


def eval_file(name: str) -> Path:
    return EXAMPLES[name]


@pytest.fixture(scope="module")
def catalog() -> list[Event]:
    return read_usgs(eval_file("usgs_2023_turkey.geojson"))


JINDERIS = make_event(
    event_id="j1", event_type="earthquake", acled_event_type=None, acled_sub_event_type=None,
    date=dt.date(2023, 2, 6), place="Jinderis", lat=36.395, lon=36.689, geonameid=163843,
    country_code="SY", admin1="Aleppo", evidence="The quake flattened Jinderis.",
    evidence_end=29, article_title="Quake", source_url="https://example.org/a1",
    published=dt.date(2023, 2, 7),
)


@pytest.mark.parametrize("name", FILES)
def test_reads_real_catalog(name: str) -> None:
    errors: list[str] = []
    events = read_usgs(eval_file(name), errors=errors)
    assert errors == []
    assert len(events) == 286
    assert {e.event_type for e in events} == {"earthquake"}
    assert len({e.event_id for e in events}) == 286
    main = {e.usgs_id: e for e in events}["us6000jllz"]
    assert main.event_id == "usgs:us6000jllz"
    assert (main.magnitude, main.depth_km) == (7.8, 17.925)
    assert main.date == dt.date(2023, 2, 6)
    assert (main.lat, main.lon) == (37.1736, 37.032)
    assert main.place == "26 km E of Nurdağı, Turkey"
    assert main.evidence == "M 7.8 - 26 km E of Nurdağı, Turkey"
    assert main.evidence[main.evidence_start : main.evidence_end] == main.evidence
    assert main.source_url == "https://earthquake.usgs.gov/earthquakes/eventpage/us6000jllz"
    assert (main.status, main.date_precision, main.geo_precision) == ("occurred", "day", 1)
    assert (main.article_id, main.article_title) == ("usgs", "USGS earthquake catalog")
    assert main.country_code == "TR"
    assert {e.usgs_id: e.magnitude for e in events}["us6000jlqa"] == 7.5


def test_both_formats_agree() -> None:
    csv_events, json_events = (read_usgs(eval_file(name)) for name in FILES)

    def key(e: Event) -> tuple:
        return (e.event_id, e.date, e.lat, e.lon, e.magnitude, e.depth_km, e.place, e.evidence)

    assert sorted(map(key, csv_events)) == sorted(map(key, json_events))


def test_reads_bytes_and_urls() -> None:
    data = eval_file("usgs_2023_turkey.geojson").read_bytes()
    assert len(read_usgs(data)) == 286
    asked = []

    def fetch(url: str) -> tuple[bytes, str]:
        asked.append(url)
        return data, "application/json"

    url = "https://earthquake.usgs.gov/fdsnws/event/1/query?format=geojson"
    assert len(read_usgs(url, fetch=fetch)) == 286
    assert asked == [url]
    with pytest.raises(ValueError, match="needs a fetch function"):
        read_usgs(url)


CSV_HEADER = "time,latitude,longitude,depth,mag,id,place,type\n"


def test_bad_rows_are_collected() -> None:
    data = (
        CSV_HEADER
        + "2023-02-06T01:17:36.123Z,37.1736,37.032,17.9,7.8,us6000jllz,"
        + '"26 km E of Nurdağı, Turkey",earthquake\n'
        + "2023-02-07 10:00:00,abc,37.0,10,4.1,us1,somewhere,earthquake\n"
        + "2023-02-07 11:00:00,37.0,37.0,0,2.0,us2,a quarry,quarry blast\n"
        + "not a time,37.0,37.0,10,4.0,us3,,earthquake\n"
        + "2023-02-08 11:00:00,95.0,37.0,10,4.0,us4,,earthquake\n"
    ).encode()
    errors: list[str] = []
    events = read_usgs(data, errors=errors)
    assert [e.usgs_id for e in events] == ["us6000jllz"]
    assert events[0].date == dt.date(2023, 2, 6)
    assert [e.split(": ")[1] for e in errors] == ["line 3", "line 5", "line 6"]
    with pytest.warns(UserWarning, match="3 rows skipped: input: line 3"):
        read_usgs(data)


def test_bad_features_are_collected() -> None:
    doc = json.loads(eval_file("usgs_2023_turkey.geojson").read_text(encoding="utf-8"))
    doc["features"] = doc["features"][:3]
    doc["features"][1]["geometry"] = None
    del doc["features"][2]["properties"]["time"]
    errors: list[str] = []
    events = read_usgs(json.dumps(doc).encode(), errors=errors)
    assert [e.usgs_id for e in events] == ["us6000jllz"]
    assert len(errors) == 2 and "feature 2" in errors[0]


@pytest.mark.parametrize(
    ("place", "code"),
    [
        ("26 km E of Nurdağı, Turkey", "TR"),
        ("near the coast of Syria", "SY"),
        ("Turkey-Syria border region", ""),
        ("10 km NW of The Geysers, CA", "US"),
        ("Tbilisi, Georgia", "GE"),
        ("100 km S of Kokopo, Papua New Guinea", "PG"),
        ("Mid-Atlantic Ridge", ""),
    ],
)
def test_country_from_place(place: str, code: str) -> None:
    assert usgs_country_code(place) == code


def test_links_jinderis_to_the_mainshock(catalog: list[Event]) -> None:
    (linked,) = link_quakes([JINDERIS], catalog)
    assert linked.related_quake == "us6000jllz"
    assert linked == dataclasses.replace(JINDERIS, related_quake="us6000jllz")


def test_link_window_is_two_days(catalog: list[Event]) -> None:
    later = dataclasses.replace(JINDERIS, date=dt.date(2023, 2, 8))
    assert link_quakes([later], catalog)[0].related_quake == "us6000jllz"
    # Outside the window the mainshock no longer qualifies (an aftershock may).
    much_later = dataclasses.replace(JINDERIS, date=dt.date(2023, 2, 9))
    assert link_quakes([much_later], catalog)[0].related_quake != "us6000jllz"


def test_country_precision_event_moves_to_epicentre(catalog: list[Event]) -> None:
    turkey = dataclasses.replace(
        JINDERIS,
        event_id="t1",
        place="Turkey",
        lat=38.96,
        lon=35.24,
        country_code="TR",
        admin1="",
        geo_precision=3,
        uncertainty_km=800.0,
    )
    (linked,) = link_quakes([turkey], catalog)
    assert linked.related_quake == "us6000jllz"
    assert (linked.lat, linked.lon, linked.geo_precision) == (37.1736, 37.032, 2)
    assert linked.place == "Turkey"


@pytest.mark.parametrize(
    "changes",
    [
        {"lat": 37.98, "lon": 23.73, "place": "Athens"},  # far from every quake
        {"date": dt.date(2022, 2, 6)},  # a year before the catalog
        {"date_precision": "month"},  # too vague to pick a day
        {"date": None},
        {"event_type": "strike"},
    ],
)
def test_not_linked(catalog: list[Event], changes: dict) -> None:
    event = dataclasses.replace(JINDERIS, **changes)
    assert link_quakes([event], catalog) == [event]


def test_catalog_events_stay_as_they_are(catalog: list[Event]) -> None:
    assert link_quakes(catalog[:5], catalog) == catalog[:5]


def test_order_is_kept(catalog: list[Event]) -> None:
    far = dataclasses.replace(JINDERIS, event_id="far", lat=37.98, lon=23.73)
    linked = link_quakes([far, JINDERIS, far], catalog)
    assert [e.event_id for e in linked] == ["far", "j1", "far"]
    assert [e.related_quake for e in linked] == [None, "us6000jllz", None]
