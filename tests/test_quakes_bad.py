"""Bad USGS catalogs: each bad row is reported with its line or feature, bad inputs raise."""

from __future__ import annotations

import codecs
import copy
import csv
import io
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import InputError
from geo.events import usgs
from geo.events.usgs import read_usgs

DEMO_CSV = Path(__file__).resolve().parents[1] / "data" / "demo" / "usgs_2023_turkey.csv"
HEADER = "time,latitude,longitude,depth,mag,id,place,type,horizontalError\n"
GOOD_ROW = (
    '2023-02-06T01:17:36.123Z,37.1736,37.032,17.9,7.8,{id},"26 km E of Nurdağı, Turkey",'
    "earthquake,5.8\n"
)


def csv_with(bad_row: str) -> bytes:
    """Return a catalog whose line 3 is `bad_row`, between two good rows."""
    return (
        HEADER + GOOD_ROW.format(id="us1") + bad_row + "\n" + GOOD_ROW.format(id="us2")
    ).encode()


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("2023-02-06T10:00:00,12,east,10,5.1,us9,,earthquake,", "longitude 'east' is not a number"),
        (",37,37,10,5.1,us9,,earthquake,", "time is missing"),
        ("yesterday,37,37,10,5.1,us9,,earthquake,", "time 'yesterday' is not an ISO date and time"),
        ("9999-12-31T23:59:59-05:00,37,37,10,5.1,us9,,earthquake,", "is out of range"),
        ("2023-02-06,37,37,10,5.1,us9,,earthquake,,", "10 fields where the header has 9"),
        ("2023-02-06,37,37,10,5.1,us9,near Kahta, Turkey,earthquake,", "10 fields where"),
        ("2023-02-06,37,37", "3 fields where the header has 9"),
        ("2023-02-06,95,37,10,5.1,us9,,earthquake,", "latitude 95.0 is out of range (-90 to 90)"),
        ("2023-02-06,37,-181,10,5.1,us9,,earthquake,", "longitude -181.0 is out of range"),
        ("2023-02-06,,37,10,5.1,us9,,earthquake,", "latitude is missing"),
        ("2023-02-06,nan,37,10,5.1,us9,,earthquake,", "latitude 'nan' is not a number"),
        ("2023-02-06,1e999,37,10,5.1,us9,,earthquake,", "latitude '1e999' is not a finite number"),
        ("2023-02-06,3_7,37,10,5.1,us9,,earthquake,", "latitude '3_7' is not a number"),
        ("2023-02-06,٣٧,37,10,5.1,us9,,earthquake,", "latitude '٣٧' is not a number"),
        ("2023-02-06,37,37,10,true,us9,,earthquake,", "mag 'true' is not a number"),
        ("2023-02-06,37,37,deep,5.1,us9,,earthquake,", "depth 'deep' is not a number"),
        ("2023-02-06,37,37,10,5.1,us9,,earthquake,-3", "horizontalError -3.0 is negative"),
        ("2023-02-06,37,37,10,5.1,,,earthquake,", "id is missing"),
        ("2023-02-06,37,37,10,5.1,us/../9,,earthquake,", "id 'us/../9' is not a USGS id"),
        ('2023-02-06,37,37,10,5.1,us9,"' + "x" * 200_000 + '",earthquake,', "not a CSV record"),
    ],
)
def test_bad_csv_row(row: str, reason: str) -> None:
    errors: list[str] = []
    events = read_usgs(csv_with(row), errors=errors)
    assert [e.usgs_id for e in events] == ["us1", "us2"]
    assert len(errors) == 1
    assert errors[0].startswith("input: line 3: ")
    assert reason in errors[0]
    assert "\n" not in errors[0] and len(errors[0]) < 200


def test_csv_record_over_lines_is_named_by_its_first_line() -> None:
    data = (
        csv_with('2023-02-06,37,37,10,5.1,us9,"two\nlines",earthquake,x')
        + b"yesterday,1,1,,,us3,,,\n"
    )
    errors: list[str] = []
    assert [e.usgs_id for e in read_usgs(data, errors=errors)] == ["us1", "us2"]
    assert [e.split(": ")[1] for e in errors] == ["line 3", "line 6"]


def feature(usgs_id: str) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": usgs_id,
        "properties": {
            "mag": 7.8,
            "place": "26 km E of Nurdağı, Turkey",
            "time": 1675646256000,
            "updated": 1675913883945,
            "type": "earthquake",
            "title": "M 7.8 - 26 km E of Nurdağı, Turkey",
            "url": f"https://earthquake.usgs.gov/earthquakes/eventpage/{usgs_id}",
        },
        "geometry": {"type": "Point", "coordinates": [37.032, 37.1736, 17.925]},
    }


def geojson(features: list[Any]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def setting(path: str, value: Any) -> Callable[[dict[str, Any]], Any]:
    """Return a change that sets (or, for `...`, deletes) the value at a dotted path."""

    def change(feature: dict[str, Any]) -> Any:
        *parents, key = path.split(".")
        target = feature
        for parent in parents:
            target = target[parent]
        if value is ...:
            del target[key]
        else:
            target[key] = value
        return feature

    return change


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (setting("geometry.coordinates", "12"), "geometry is not a Point of 2-3 numbers"),
        (setting("geometry.coordinates", [37.0]), "geometry is not a Point"),
        (setting("geometry.coordinates", [37, 37, 10, 1]), "geometry is not a Point"),
        (setting("geometry.coordinates", ["37", "37"]), "geometry is not a Point"),
        (setting("geometry.coordinates", [True, 37]), "geometry is not a Point"),
        (setting("geometry.type", "Polygon"), "geometry is not a Point"),
        (setting("geometry", None), "geometry is not a Point of 2-3 numbers: None"),
        (setting("geometry.coordinates", [37, 95]), "latitude 95.0 is out of range"),
        (setting("geometry.coordinates", [181, 37]), "longitude 181.0 is out of range"),
        (setting("geometry.coordinates", [37, 37, float("inf")]), "depth inf is not a finite"),
        (setting("properties.mag", True), "mag True is not a number"),
        (setting("properties.mag", "7.8"), "mag '7.8' is not a number"),
        (setting("properties.mag", float("nan")), "mag nan is not a finite number"),
        (setting("properties.place", 12), "place 12 is not a string"),
        (setting("properties.place", ["Turkey"]), "place ['Turkey'] is not a string"),
        (setting("properties.place", "\ud800"), "place '\\ud800' is not valid Unicode"),
        (setting("properties.title", {"a": 1}), "title {'a': 1} is not a string"),
        (setting("properties.url", 5), "url 5 is not a string"),
        (setting("properties.type", 5), "type 5 is not a string"),
        (setting("properties.time", ...), "time is missing"),
        (setting("properties.time", "1675646256000"), "time '1675646256000' is not a number"),
        (setting("properties.time", False), "time False is not a number"),
        (setting("properties.time", 1e300), "time 1e+300 is out of range"),
        (setting("properties.updated", "soon"), "updated 'soon' is not a number"),
        (setting("properties", None), "properties is not an object: None"),
        (setting("id", ...), "id is missing"),
        (setting("id", 12), "id 12 is not a USGS id"),
        (setting("id", "a" * 65), "is not a USGS id"),
        (lambda f: "us9", "not a GeoJSON feature object: 'us9'"),
        (lambda f: None, "not a GeoJSON feature object: None"),
    ],
)
def test_bad_feature(change: Callable[[dict[str, Any]], Any], reason: str) -> None:
    data = geojson([feature("us1"), change(feature("us9")), feature("us2")])
    errors: list[str] = []
    events = read_usgs(data, errors=errors)
    assert [e.usgs_id for e in events] == ["us1", "us2"]
    assert len(errors) == 1
    assert errors[0].startswith("input: feature 2: ")
    assert reason in errors[0]


def test_an_integer_too_long_for_int_fails_only_its_feature() -> None:
    data = geojson([feature("us1"), feature("us9")]).replace(b"1675646256000", b"9" * 5000, 1)
    errors: list[str] = []
    assert [e.usgs_id for e in read_usgs(data, errors=errors)] == ["us9"]
    assert errors == ["input: feature 1: time inf is not a finite number"]


def test_non_earthquakes_are_skipped_unchecked() -> None:
    blast = setting("properties.type", "quarry blast")(setting("geometry", None)(feature("us9")))
    errors: list[str] = []
    assert read_usgs(geojson([blast]), errors=errors) == [] and errors == []


def test_listed_errors_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(usgs, "MAX_LISTED_ERRORS", 3)
    data = (HEADER + "x\n" * 5 + GOOD_ROW.format(id="us1")).encode()
    errors: list[str] = []
    assert [e.usgs_id for e in read_usgs(data, errors=errors)] == ["us1"]
    assert [e.split(": ")[1] for e in errors[:3]] == ["line 2", "line 3", "line 4"]
    assert errors[3:] == ["input: 2 more bad rows not listed"]


GOOD_CSV = (HEADER + GOOD_ROW.format(id="us1")).encode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "input: empty$"),
        (b" \r\n\n", "input: empty$"),
        (codecs.BOM_UTF8 + b"\n", "input: empty$"),
        (
            (HEADER + "2023-02-06,47,8,1,4,ch1,Zürich,earthquake,\n").encode("latin-1"),
            r"input: not valid UTF-8 \(byte 0x",
        ),
        (GOOD_CSV.decode().encode("cp1254"), "input: not valid UTF-8 .*; save it as UTF-8"),
        (GOOD_CSV.decode().encode("utf-16"), "input: UTF-16 text, not UTF-8"),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            r"input: binary, not text \(NUL byte at offset 8\)",
        ),
        (GOOD_CSV + b"\x00", "input: binary"),
        (b"[" * 100_000, "input: not usable JSON \\(nested too deeply\\)"),
        (b'{"a":' * 100_000, "input: not usable JSON \\(nested too deeply\\)"),
        (b"{not json", "input: not JSON"),
        (b'{"type": "Topology"}', "input: expected a USGS GeoJSON FeatureCollection"),
        (b"[1, 2]", "input: expected a USGS GeoJSON FeatureCollection"),
        (
            b'{"type": "FeatureCollection"}',
            "input: 'features' of the FeatureCollection is not a list",
        ),
        (b"hello,world\n1,2\n", "input: .*CSV columns missing: time, latitude, longitude, mag, id"),
        (b"time,latitude,longitude\n", r"input: .*\(CSV columns missing: mag, id\)$"),
    ],
)
def test_unusable_input(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=f"^{message}"):
        read_usgs(data)


def test_utf8_with_a_bom_is_fine() -> None:
    assert [e.place for e in read_usgs(codecs.BOM_UTF8 + GOOD_CSV)] == [
        "26 km E of Nurdağı, Turkey"
    ]


def test_missing_file_and_directory(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    with pytest.raises(InputError, match=f"^{missing}: no such file$"):
        read_usgs(missing)
    with pytest.raises(InputError, match=f"^{tmp_path}: a directory, not a catalog file$"):
        read_usgs(str(tmp_path))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "usgs.csv"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="usgs.csv: not a regular file$"):
        read_usgs(fifo)


def test_a_file_over_the_cap_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.csv"
    big.write_bytes(HEADER.encode() + GOOD_ROW.format(id="us1").encode() * 500)
    size = big.stat().st_size

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was opened")

    monkeypatch.setattr(Path, "open", no_reading)
    monkeypatch.setattr(Path, "read_bytes", no_reading)
    with pytest.raises(
        InputError, match=f"^{big}: too large \\({size:,} bytes; the cap is 10,000 bytes\\)$"
    ):
        read_usgs(big, max_bytes=10_000)


def test_the_cap_counts_bytes_and_downloads_too() -> None:
    assert len(read_usgs(DEMO_CSV, max_bytes=DEMO_CSV.stat().st_size)) == 286
    with pytest.raises(
        InputError, match=r"^input: too large \(1,001 bytes; the cap is 1,000 bytes\)$"
    ):
        read_usgs(b"x" * 1001, max_bytes=1000)
    url = "https://earthquake.usgs.gov/feed.csv"
    with pytest.raises(InputError, match=f"^{url}: too large"):
        read_usgs(url, fetch=lambda _: GOOD_CSV * 10, max_bytes=len(GOOD_CSV))
    with pytest.raises(ValueError, match="max_bytes must be a positive integer, not 0"):
        read_usgs(GOOD_CSV, max_bytes=0)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
PATHS = ["id", "geometry", "geometry.type", "geometry.coordinates", "properties"] + [
    f"properties.{key}" for key in ("mag", "place", "time", "updated", "type", "title", "url")
]


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(PATHS), JSON_VALUES, max_size=3))
def test_any_feature_value_fails_only_its_feature(changes: dict[str, Any]) -> None:
    bad = feature("us9")
    for path, value in sorted(changes.items()):
        try:
            setting(path, copy.deepcopy(value))(bad)
        except (KeyError, TypeError):
            pass  # An earlier change replaced the parent; the feature is odd enough.
    errors: list[str] = []
    events = read_usgs(geojson([feature("us1"), bad]), errors=errors)
    assert events[0].usgs_id == "us1" and len(events) + len(errors) <= 2
    assert all(e.startswith("input: feature 2: ") and "\n" not in e for e in errors)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.text(max_size=10), max_size=11), max_size=4))
def test_any_csv_cells_fail_only_their_row(rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    errors: list[str] = []
    data = (HEADER + GOOD_ROW.format(id="us1") + out.getvalue()).encode("utf-8", "surrogatepass")
    try:
        events = read_usgs(data, errors=errors)
    except InputError as err:
        assert str(err).startswith("input: ")  # A NUL or a lone surrogate in a cell.
        return
    assert events[0].usgs_id == "us1"
    assert all(e.startswith("input: line ") and "\n" not in e for e in errors)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_read_or_raise_input_error(data: bytes) -> None:
    for start in (
        b"time,latitude,longitude,mag,id\n",
        b'{"type": "FeatureCollection", "features": [',
    ):
        try:
            read_usgs(start + data, errors=[])
        except InputError as err:
            assert str(err).startswith("input: ")
