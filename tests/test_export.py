"""Tests for geo.export: GeoJSON (RFC 7946, read back by GDAL), CSV and GeoPackage."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from pathlib import Path

import pyogrio
import pytest
from factories import QUAKE_FIELDS, make_event

from geo.export import (
    CSV_COLUMNS,
    PROPERTIES,
    QUAKE_PROPERTIES,
    export,
    to_csv_rows,
    to_feature,
    to_geojson,
    write_csv,
    write_geojson,
    write_gpkg,
)
from geo.model import Event

STRIKE = make_event(
    event_id="s1", date=dt.date(2023, 2, 20), place="Jindayris", lat=36.39496, lon=36.6889,
    geonameid=163843, country_code="SY", admin1="Aleppo",
    evidence="Drones struck Jindayris, “witnesses” said.", evidence_start=10, evidence_end=51,
    article_title="Strikes in Aleppo", source_url="https://example.org/a1",
    published=dt.date(2023, 2, 21), confidence=0.85, actor1="Turkish drones",
    actor2="Civilians (Syria)", fatalities=3,
)
PROTEST = make_event(
    event_id="p1", event_type="protest", acled_event_type="Protests",
    acled_sub_event_type="Peaceful protest", status="planned", date=None,
    date_precision="published", place="Istanbul", lat=41.01384, lon=28.94966,
    admin1="Istanbul", geo_precision=2, uncertainty_km=float("nan"),
    evidence="A march is planned in Istanbul.", evidence_end=31, article_id="a2",
    article_title="", source_url="https://example.org/a2", published=None, confidence=0.6,
    actor1="protesters", fatalities=0,
)
QUAKE = make_event(**QUAKE_FIELDS)
REPORTED = make_event(
    event_id="q1", event_type="earthquake", acled_event_type=None, acled_sub_event_type=None,
    date=dt.date(2023, 2, 6), date_precision="month", place="Turkey", lat=39.0, lon=35.0,
    geonameid=298795, geo_precision=3, uncertainty_km=600.0,
    evidence="An earthquake struck Turkey.", evidence_end=28, article_id="a3",
    article_title="Quake", published=dt.date(2023, 2, 7), confidence=0.7,
    related_quake="us6000jllz",
)
EVENTS = [STRIKE, PROTEST, QUAKE, REPORTED]


def test_feature_shape() -> None:
    feature = to_feature(STRIKE)
    assert feature["type"] == "Feature"
    assert feature["geometry"] == {"type": "Point", "coordinates": [36.6889, 36.39496]}
    assert list(feature["properties"]) == list(PROPERTIES)
    assert feature["properties"]["date"] == "2023-02-20"
    assert feature["properties"]["published"] == "2023-02-21"


def test_actors_and_fatalities_are_properties_null_when_unknown() -> None:
    properties = [f["properties"] for f in to_geojson(EVENTS)["features"]]
    assert [(p["actor1"], p["actor2"], p["fatalities"]) for p in properties] == [
        ("Turkish drones", "Civilians (Syria)", 3),
        ("protesters", None, 0),  # 0: the text says no one was killed
        (None, None, None),  # not said: null, not 0
        (None, None, None),
    ]


def test_quake_properties_only_on_quakes() -> None:
    quake = to_feature(QUAKE)["properties"]
    assert list(quake) == list(PROPERTIES + QUAKE_PROPERTIES)
    assert (quake["magnitude"], quake["depth_km"], quake["usgs_id"]) == (7.8, 17.925, "us6000jllz")
    assert to_feature(REPORTED)["properties"]["related_quake"] == "us6000jllz"
    assert not set(QUAKE_PROPERTIES) & set(to_feature(PROTEST)["properties"])


def test_geojson_is_rfc7946() -> None:
    doc = to_geojson(EVENTS)
    assert doc["type"] == "FeatureCollection"
    assert "crs" not in doc
    for feature, event in zip(doc["features"], EVENTS, strict=True):
        lon, lat = feature["geometry"]["coordinates"]
        assert (lon, lat) == (event.lon, event.lat)
        assert -180 <= lon <= 180 and -90 <= lat <= 90
    # Missing and non-finite values are null, so strict JSON encoders accept the document.
    assert doc["features"][1]["properties"]["date"] is None
    assert doc["features"][1]["properties"]["uncertainty_km"] is None
    json.dumps(doc, allow_nan=False)


def test_geojson_reads_back_with_gdal(tmp_path: Path) -> None:
    path = tmp_path / "events.geojson"
    write_geojson(EVENTS, path)
    frame = pyogrio.read_dataframe(path)
    assert len(frame) == len(EVENTS)
    assert frame.crs.to_epsg() == 4326
    assert list(frame["event_id"]) == [e.event_id for e in EVENTS]
    assert list(frame.geometry.x) == [e.lon for e in EVENTS]
    assert list(frame.geometry.y) == [e.lat for e in EVENTS]
    assert list(frame["place"]) == [e.place for e in EVENTS]
    assert frame["evidence"][0] == STRIKE.evidence
    assert frame["magnitude"][2] == 7.8
    assert math.isnan(frame["magnitude"][0])
    assert set(PROPERTIES + QUAKE_PROPERTIES) <= set(frame.columns)


def test_geojson_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    export(EVENTS, "geojson", "-")
    doc = json.loads(capsys.readouterr().out)
    assert [f["properties"]["event_id"] for f in doc["features"]] == [e.event_id for e in EVENTS]


def test_csv_columns_and_values(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    write_csv(EVENTS, path)
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert reader.fieldnames == list(CSV_COLUMNS)
    assert list(CSV_COLUMNS[:13]) == [
        "event_date",
        "event_type",
        "sub_event_type",
        "actor1",
        "actor2",
        "location",
        "latitude",
        "longitude",
        "geo_precision",
        "time_precision",
        "notes",
        "source",
        "fatalities",
    ]
    strike, protest, quake, reported = rows
    assert strike["event_date"] == "2023-02-20"
    assert (strike["event_type"], strike["sub_event_type"], strike["layer"]) == (
        "Explosions/Remote violence",
        "Air/drone strike",
        "strike",
    )
    assert (strike["latitude"], strike["longitude"]) == ("36.39496", "36.6889")
    assert strike["notes"] == STRIKE.evidence
    assert strike["source"] == "Strikes in Aleppo"
    assert (strike["actor1"], strike["actor2"], strike["fatalities"]) == (
        "Turkish drones", "Civilians (Syria)", "3")
    assert (protest["actor1"], protest["actor2"], protest["fatalities"]) == ("protesters", "",
                                                                             "0")
    assert (quake["actor1"], quake["actor2"], quake["fatalities"]) == ("", "", "")
    assert protest["source"] == "https://example.org/a2"  # no title: the URL
    assert protest["event_date"] == "" and protest["uncertainty_km"] == ""
    assert (quake["event_type"], quake["sub_event_type"], quake["layer"]) == (
        "earthquake",
        "",
        "earthquake",
    )
    assert (quake["magnitude"], quake["usgs_id"]) == ("7.8", "us6000jllz")
    assert reported["related_quake"] == "us6000jllz"


@pytest.mark.parametrize(
    ("precision", "code"), [("day", 1), ("published", 2), ("month", 3), ("year", 3)]
)
def test_time_precision_codes(precision: str, code: int) -> None:
    row = to_csv_rows([Event(**{**_fields(STRIKE), "date_precision": precision})])[0]
    assert row["time_precision"] == code
    assert row["date_precision"] == precision


def test_csv_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    export([STRIKE], "csv", "-")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ",".join(CSV_COLUMNS)
    assert len(lines) == 2


def test_csv_to_stream() -> None:
    sink = io.StringIO()
    write_csv([QUAKE], sink)
    assert sink.getvalue().count("\n") == 2


def test_gpkg_round_trip(tmp_path: Path) -> None:
    import geopandas as gpd

    path = tmp_path / "events.gpkg"
    export(EVENTS, "gpkg", path)
    assert pyogrio.list_layers(path)[:, 0].tolist() == ["events"]
    frame = gpd.read_file(path, layer="events")
    assert frame.crs.to_epsg() == 4326
    assert list(frame["event_id"]) == [e.event_id for e in EVENTS]
    assert list(frame.geometry.x) == [e.lon for e in EVENTS]
    assert list(frame.geometry.y) == [e.lat for e in EVENTS]
    assert list(frame["date"][[0, 2]]) == ["2023-02-20", "2023-02-06"]
    info = pyogrio.read_info(path, layer="events")
    types = dict(zip(info["fields"], info["ogr_types"], strict=True))
    assert types["magnitude"] == types["uncertainty_km"] == "OFTReal"
    assert types["geonameid"] == types["geo_precision"] == types["fatalities"] == "OFTInteger64"
    assert types["actor1"] == types["actor2"] == "OFTString"
    assert list(frame["fatalities"][:2]) == [3, 0] and frame["fatalities"].isna()[2]
    assert list(frame["actor1"][:2]) == ["Turkish drones", "protesters"]
    assert frame["magnitude"][2] == 7.8
    assert frame["related_quake"][3] == "us6000jllz"


def test_gpkg_with_no_events(tmp_path: Path) -> None:
    path = tmp_path / "empty.gpkg"
    write_gpkg([], path)
    assert pyogrio.read_info(path, layer="events")["features"] == 0


def test_export_replaces_files_and_leaves_no_temporaries(tmp_path: Path) -> None:
    path = tmp_path / "events.gpkg"
    write_gpkg(EVENTS, path)
    write_gpkg([STRIKE], path)
    assert pyogrio.read_info(path)["features"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["events.gpkg"]


def test_failed_export_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import geopandas as gpd

    path = tmp_path / "events.gpkg"
    write_gpkg(EVENTS, path)
    before = path.read_bytes()

    def broken(self: object, filename: Path, **kwargs: object) -> None:
        Path(filename).write_bytes(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", broken)
    with pytest.raises(OSError, match="disk full"):
        write_gpkg([STRIKE], path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["events.gpkg"]


def test_gpkg_to_stdout_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot be written to stdout"):
        export(EVENTS, "gpkg", "-")


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match=r"unknown export format 'kml'; expected one of \["):
        export(EVENTS, "kml", "-")


def _fields(event: Event) -> dict:
    return {name: getattr(event, name) for name in Event.__dataclass_fields__}


# --- CSV formula injection (OWASP): text cells that a spreadsheet would run -----------

FORMULAS = ["=1+2", "+1+2", "-1+2", "@SUM(A1)", "\tTAB", "\rCR",
            "=HYPERLINK(\"http://evil.example\",\"click\")", "=cmd|' /C calc'!A0"]


@pytest.mark.parametrize("text", FORMULAS)
@pytest.mark.parametrize("field", ["place", "evidence", "article_title", "admin1", "source_url",
                                   "actor1", "actor2"])
def test_csv_neutralises_formula_cells(tmp_path: Path, text: str, field: str) -> None:
    event = Event(**{**_fields(STRIKE), field: text})
    column = {"place": "location", "evidence": "notes", "article_title": "source"}.get(field,
                                                                                       field)
    assert to_csv_rows([event])[0][column] == "'" + text
    path = tmp_path / "events.csv"
    write_csv([event], path)
    with open(path, encoding="utf-8", newline="") as f:
        (row,) = csv.DictReader(f)
    assert row[column] == "'" + text


@pytest.mark.parametrize("text", ["Aleppo", "a = b", "1-2", " =1", "'=1", "", "Москва"])
def test_csv_leaves_other_text_alone(text: str) -> None:
    row = to_csv_rows([Event(**{**_fields(STRIKE), "place": text})])[0]
    assert row["location"] == text


def test_csv_leaves_numbers_alone(tmp_path: Path) -> None:
    west = Event(**{**_fields(STRIKE), "lat": -33.45, "lon": -70.5, "confidence": 0.5,
                    "uncertainty_km": 5.0})
    row = to_csv_rows([west])[0]
    assert (row["latitude"], row["longitude"]) == (-33.45, -70.5)
    path = tmp_path / "events.csv"
    write_csv([west], path)
    with open(path, encoding="utf-8", newline="") as f:
        (written,) = csv.DictReader(f)
    assert (written["latitude"], written["longitude"]) == ("-33.45", "-70.5")


def test_csv_stream_neutralises_too() -> None:
    """The page's CSV download writes to a stream through the same writer."""
    sink = io.StringIO()
    write_csv([Event(**{**_fields(STRIKE), "evidence": "=1+2"})], sink)
    (row,) = csv.DictReader(io.StringIO(sink.getvalue()))
    assert row["notes"] == "'=1+2"


def test_geojson_and_gpkg_keep_formula_text_as_it_is(tmp_path: Path) -> None:
    import geopandas as gpd

    events = [Event(**{**_fields(STRIKE), "event_id": f"f{i}", "place": text})
              for i, text in enumerate(FORMULAS)]
    features = to_geojson(events)["features"]
    assert [f["properties"]["place"] for f in features] == FORMULAS
    path = tmp_path / "events.geojson"
    write_geojson(events, path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert [f["properties"]["place"] for f in doc["features"]] == FORMULAS
    gpkg = tmp_path / "events.gpkg"
    write_gpkg(events, gpkg)
    assert list(gpd.read_file(gpkg, layer="events")["place"]) == FORMULAS


@pytest.mark.parametrize("text", ["a\rb", "a\nb", "a\r\nb", "Aleppo\r=1+2,x", "x\n@SUM(A1)"])
def test_csv_line_breaks_inside_a_cell_stay_in_it(text: str) -> None:
    """A bare CR once split a row, and the text after it began a row of its own."""
    sink = io.StringIO()
    write_csv([Event(**{**_fields(STRIKE), "evidence": text}), PROTEST], sink)
    rows = list(csv.DictReader(io.StringIO(sink.getvalue(), newline="")))
    assert [r["event_id"] for r in rows] == ["s1", "p1"]
    assert rows[0]["notes"] == text
    assert sink.getvalue().endswith("\r\n")
