"""USGS earthquake catalogs as ``earthquake`` events.

``read_usgs`` reads the GeoJSON summary feed or a ComCat CSV export (the format is
detected from the content). Each row is its own unit of failure: a row that cannot be
read is reported with its place in the file and the others are kept; only an input that
cannot be read at all raises (``geo.events.quakes`` links article quakes to these).
Nothing here opens a connection:
URLs are read through the ``fetch`` callable the caller passes (``geo.ingest.fetch``).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import math
import re
import reprlib
import stat
import warnings
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from geo.errors import InputError
from geo.limits import DEFAULT_MAX_BYTES
from geo.model import CATALOG_ARTICLE_ID, EVENT_TYPES, Event
from geo.text.names import norm

__all__ = ["CATALOG_ARTICLE_ID", "read_usgs", "usgs_country_code"]

CATALOG_TITLE = "USGS earthquake catalog"
EVENT_PAGE = "https://earthquake.usgs.gov/earthquakes/eventpage/{id}"
# Epicentre uncertainty when the source gives none (the summary feed does not); ComCat's
# horizontalError for M4+ events in well-covered regions is a few km.
DEFAULT_UNCERTAINTY_KM = 10.0
CSV_REQUIRED = ("time", "latitude", "longitude", "mag", "id")
# Past this many bad rows only a count is added: a file of junk lines must not turn
# into millions of messages held in memory.
MAX_LISTED_ERRORS = 1000
# ComCat ids are a network code and an event code ("us6000jllz", "ci38457511"); the id
# becomes a key in the store and part of the event page's URL.
_USGS_ID = re.compile(r"[\w.-]{1,64}", re.ASCII)
# A CSV number as ComCat writes it: no "nan", "1_000", hex or non-ASCII digits, which
# float() would all accept.
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_URL = re.compile(r"(?i)https?://")

_T = TypeVar("_T")
Fetch = Callable[[str], bytes | str | tuple[bytes, str]]


class _RowError(ValueError):
    """One catalog row cannot be read; the message is the reason."""


def read_usgs(
    source: str | Path | bytes,
    *,
    fetch: Fetch | None = None,
    errors: list[str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> list[Event]:
    """Read a USGS catalog (GeoJSON summary feed or ComCat CSV) as ``earthquake`` events.

    Rows whose ``type`` is not ``earthquake`` (quarry blasts, explosions) are skipped.
    A row that cannot be read does not stop the others: ``"<source>: line 3: <reason>"``
    (CSV lines count the header, as a spreadsheet shows them) or ``"<source>: feature 2:
    <reason>"`` (GeoJSON features count from 1) is appended to ``errors`` when a list is
    given, else all reasons are reported in one warning. After ``MAX_LISTED_ERRORS``
    rows one last message gives the count of the rest. Values are checked, not coerced:
    GeoJSON numbers must be JSON numbers (not text, not ``true``), texts must be JSON
    strings, CSV numbers must be finite decimals.

    Each quake becomes ``Event(event_id="usgs:<id>", article_id="usgs", ...)`` with its
    UTC date, the USGS ``place`` text, magnitude, depth, USGS id and event page URL.

    Parameters
    ----------
    source
        A file path, an ``http(s)://`` URL, or the file's bytes (named ``input``).
    fetch
        What downloads a URL: returns the body, or ``(body, content_type)`` like
        ``geo.ingest.fetch.fetch``. Needed only for URLs.
    errors
        Receives one message per skipped row.
    max_bytes
        The largest input accepted; a file is measured before it is read.

    Raises
    ------
    InputError
        When the whole input is unusable, with a message that starts with the source:
        missing, a directory, over ``max_bytes``, empty, binary, not UTF-8, nested too
        deeply, or neither a GeoJSON FeatureCollection nor a CSV with the columns needed.

    Examples
    --------
    >>> data = (b"time,latitude,longitude,mag,id\\n"
    ...         b"2023-02-06T01:17:36Z,37.1736,37.032,7.8,us6000jllz\\n"
    ...         b"2023-02-06T02:00:00Z,12,east,5.1,us1\\n")
    >>> errors = []
    >>> [e.event_id for e in read_usgs(data, errors=errors)], errors
    (['usgs:us6000jllz'], ["input: line 3: longitude 'east' is not a number"])
    """
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
        raise ValueError(f"max_bytes must be a positive integer, not {max_bytes!r}")
    name = "input" if isinstance(source, bytes) else str(source)
    text = _decode(_read_source(source, name, fetch, max_bytes), name, max_bytes)
    rows: Iterator[tuple[str, Any]]
    convert: Callable[[Any], Event | None]
    if text.lstrip().startswith(("{", "[")):
        rows, convert = _geojson_rows(text, name), _feature_quake
    else:
        rows, convert = _csv_rows(text, name), _csv_quake
    events: dict[str, Event] = {}
    found: list[str] = []
    bad = 0
    for label, row in rows:
        try:
            if isinstance(row, Exception):
                raise row
            event = convert(row)
        except Exception as err:  # Whatever a row holds fails that row, never the batch.
            bad += 1
            if bad <= MAX_LISTED_ERRORS:
                found.append(f"{name}: {label}: {_reason(err)}")
            continue
        if event is not None:
            # A catalog lists each id once; if a merged file repeats one, the last wins.
            events[event.event_id] = event
    if bad > MAX_LISTED_ERRORS:
        found.append(f"{name}: {bad - MAX_LISTED_ERRORS:,} more bad rows not listed")
    if errors is not None:
        errors.extend(found)
    elif found:
        more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
        warnings.warn(f"{bad} rows skipped: {'; '.join(found[:3])}{more}", stacklevel=2)
    return list(events.values())


def _read_source(source: str | Path | bytes, name: str, fetch: Fetch | None, cap: int) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, str) and _URL.match(source):
        if fetch is None:
            raise ValueError(f"reading {source!r} needs a fetch function (geo.ingest.fetch)")
        body = fetch(source)
        data = body[0] if isinstance(body, tuple) else body
        # A text body is checked like a file's: a lone surrogate fails as "not UTF-8".
        return data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    path = Path(source)
    try:
        info = path.stat()
    except FileNotFoundError as err:
        raise InputError(f"{name}: no such file") from err
    except (OSError, ValueError) as err:  # ValueError: a NUL in the name.
        raise InputError(f"{name}: cannot read ({getattr(err, 'strerror', None) or err})") from err
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{name}: a directory, not a catalog file")
    if not stat.S_ISREG(info.st_mode):
        # Opening a FIFO would wait for a writer; a device may never end.
        raise InputError(f"{name}: not a regular file")
    if info.st_size > cap:
        raise InputError(f"{name}: too large ({info.st_size:,} bytes; the cap is {cap:,} bytes)")
    try:
        with path.open("rb") as file:
            # One byte over the cap tells a file that grew since stat() from one that fits.
            data = file.read(cap + 1)
    except OSError as err:
        raise InputError(f"{name}: cannot read ({err.strerror or err})") from err
    if len(data) > cap:
        raise InputError(f"{name}: too large (it grew past the cap of {cap:,} bytes)")
    return data


def _decode(data: bytes, name: str, cap: int) -> str:
    """Return the text of a whole input: UTF-8 (a BOM is dropped), under the cap, not binary."""
    if len(data) > cap:
        raise InputError(f"{name}: too large ({len(data):,} bytes; the cap is {cap:,} bytes)")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(f"{name}: UTF-16 text, not UTF-8; save it as UTF-8")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(f"{name}: binary, not text (NUL byte at offset {nul})")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        bad = f"byte 0x{data[err.start]:02x} at offset {err.start}"
        raise InputError(f"{name}: not valid UTF-8 ({bad}); save it as UTF-8") from err
    if not text.strip():
        raise InputError(f"{name}: empty")
    return text


def _geojson_rows(text: str, name: str) -> Iterator[tuple[str, Any]]:
    """Yield ``("feature <n>", feature)`` for each feature of a FeatureCollection."""
    try:
        # Integers too long for int() (over 4,300 digits) become inf, a bad number in
        # their row, instead of failing the whole document.
        doc = json.loads(text, parse_int=lambda s: int(s) if len(s) < 100 else float(s))
    except RecursionError as err:
        raise InputError(f"{name}: not usable JSON (nested too deeply)") from err
    except ValueError as err:
        raise InputError(f"{name}: not JSON: {err}") from err
    kind = doc.get("type") if isinstance(doc, dict) else None
    if kind == "Feature":
        features: Any = [doc]
    elif kind == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list):
            raise InputError(f"{name}: 'features' of the FeatureCollection is not a list")
    else:
        raise InputError(f"{name}: expected a USGS GeoJSON FeatureCollection")
    for number, feature in enumerate(features, start=1):
        yield f"feature {number}", feature


def _csv_rows(text: str, name: str) -> Iterator[tuple[str, dict[str, str] | Exception]]:
    """Yield ``("line <n>", row)`` per CSV record, or the record's error in place of it."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next((fields for fields in reader if fields), [])
    except csv.Error as err:
        raise InputError(f"{name}: not a USGS GeoJSON feed or ComCat CSV ({err})") from err
    missing = [column for column in CSV_REQUIRED if column not in header]
    if missing:
        raise InputError(
            f"{name}: not a USGS GeoJSON feed or ComCat CSV "
            f"(CSV columns missing: {', '.join(missing)})"
        )
    while True:
        # A record may span lines (a quoted newline); it is named by its first line.
        label = f"line {reader.line_num + 1}"
        before = reader.line_num
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            yield label, _RowError(f"not a CSV record ({err})")
            if reader.line_num == before:
                return
            continue
        if not fields:
            continue
        if len(fields) != len(header):
            # A place with an unquoted comma shifts every later column.
            yield label, _RowError(f"{len(fields)} fields where the header has {len(header)}")
        else:
            yield label, dict(zip(header, fields, strict=True))


def _feature_quake(feature: Any) -> Event | None:
    """Return the event of one GeoJSON feature, ``None`` for a non-earthquake one."""
    if not isinstance(feature, dict):
        raise _RowError(f"not a GeoJSON feature object: {_show(feature)}")
    props = feature.get("properties")
    if not isinstance(props, dict):
        raise _RowError(f"properties is not an object: {_show(props)}")
    if _json_text(props, "type") not in (None, "earthquake"):
        return None
    geometry = feature.get("geometry")
    coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if (
        not isinstance(geometry, dict)
        or geometry.get("type", "Point") != "Point"
        or not isinstance(coordinates, list)
        or not 2 <= len(coordinates) <= 3
        or not all(_is_number(value) for value in coordinates)
    ):
        raise _RowError(f"geometry is not a Point of 2-3 numbers: {_show(geometry)}")
    lon, lat, *depth = coordinates
    return _event(
        usgs_id=_usgs_id(feature.get("id")),
        when=_required(_epoch_ms(props, "time"), "time"),
        updated=_epoch_ms(props, "updated"),
        lat=_finite(lat, "latitude"),
        lon=_finite(lon, "longitude"),
        depth=_finite(depth[0], "depth") if depth else None,
        magnitude=_json_number(props, "mag"),
        place=_json_text(props, "place"),
        title=_json_text(props, "title"),
        url=_json_text(props, "url"),
        uncertainty=None,
    )


def _csv_quake(row: dict[str, str]) -> Event | None:
    """Return the event of one CSV record, ``None`` for a non-earthquake one."""
    if (row.get("type") or "earthquake") != "earthquake":
        return None
    return _event(
        usgs_id=_usgs_id(row["id"] or None),
        when=_required(_iso_time(row, "time"), "time"),
        updated=_iso_time(row, "updated"),
        lat=_required(_csv_number(row, "latitude"), "latitude"),
        lon=_required(_csv_number(row, "longitude"), "longitude"),
        depth=_csv_number(row, "depth"),
        magnitude=_csv_number(row, "mag"),
        place=row.get("place") or None,
        title=row.get("title") or None,
        url=row.get("url") or None,
        uncertainty=_csv_number(row, "horizontalError"),
    )


def _event(
    *,
    usgs_id: str,
    when: dt.datetime,
    updated: dt.datetime | None,
    lat: float,
    lon: float,
    depth: float | None,
    magnitude: float | None,
    place: str | None,
    title: str | None,
    url: str | None,
    uncertainty: float | None,
) -> Event:
    if not -90 <= lat <= 90:
        raise _RowError(f"latitude {lat!r} is out of range (-90 to 90)")
    if not -180 <= lon <= 180:
        raise _RowError(f"longitude {lon!r} is out of range (-180 to 180)")
    if uncertainty is not None and uncertainty < 0:
        raise _RowError(f"horizontalError {uncertainty!r} is negative")
    place = (place or "").strip() or f"{lat:.3f}, {lon:.3f}"
    size = "M ?" if magnitude is None else f"M {magnitude:.1f}"
    evidence = (title or "").strip() or f"{size} - {place}"
    acled_type, acled_sub_type = EVENT_TYPES["earthquake"]
    return Event(
        event_id=f"usgs:{usgs_id}",
        event_type="earthquake",
        acled_event_type=acled_type,
        acled_sub_event_type=acled_sub_type,
        status="occurred",
        date=when.date(),
        date_precision="day",
        place=place,
        lat=lat,
        lon=lon,
        geonameid=None,
        country_code=usgs_country_code(place),
        admin1="",
        geo_precision=1,
        uncertainty_km=DEFAULT_UNCERTAINTY_KM if uncertainty is None else uncertainty,
        evidence=evidence,
        evidence_start=0,
        evidence_end=len(evidence),
        article_id=CATALOG_ARTICLE_ID,
        article_title=CATALOG_TITLE,
        source_url=url or EVENT_PAGE.format(id=usgs_id),
        published=None if updated is None else updated.date(),
        confidence=1.0,
        magnitude=magnitude,
        depth_km=depth,
        usgs_id=usgs_id,
    )


def _required(value: _T | None, key: str) -> _T:
    if value is None:
        raise _RowError(f"{key} is missing")
    return value


def _usgs_id(value: Any) -> str:
    if value is None or value == "":
        raise _RowError("id is missing")
    if not isinstance(value, str) or not _USGS_ID.fullmatch(value):
        raise _RowError(f"id {_show(value)} is not a USGS id (1-64 letters, digits, . _ -)")
    return value


def _is_number(value: Any) -> bool:
    # bool is an int subclass: JSON true must not pass as 1.
    return isinstance(value, int | float) and not isinstance(value, bool)


def _finite(value: Any, key: str) -> float:
    if not _is_number(value):
        raise _RowError(f"{key} {_show(value)} is not a number")
    number = float(value)
    if not math.isfinite(number):
        raise _RowError(f"{key} {_show(value)} is not a finite number")
    return number


def _json_number(props: dict[str, Any], key: str) -> float | None:
    value = props.get(key)
    return None if value is None else _finite(value, key)


def _json_text(props: dict[str, Any], key: str) -> str | None:
    value = props.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _RowError(f"{key} {_show(value)} is not a string")
    try:
        # JSON can carry a lone surrogate ("\ud800"), which no store or page can write.
        value.encode("utf-8")
    except UnicodeEncodeError as err:
        raise _RowError(f"{key} {_show(value)} is not valid Unicode") from err
    return value


def _epoch_ms(props: dict[str, Any], key: str) -> dt.datetime | None:
    """Return the UTC datetime of a GeoJSON time (milliseconds since 1970)."""
    value = props.get(key)
    if value is None:
        return None
    millis = _finite(value, key)
    try:
        return dt.datetime.fromtimestamp(millis / 1000, tz=dt.UTC)
    except (OverflowError, OSError, ValueError) as err:
        raise _RowError(f"{key} {_show(value)} is out of range") from err


def _csv_number(row: dict[str, str], key: str) -> float | None:
    text = (row.get(key) or "").strip()
    if not text:
        return None
    if not _DECIMAL.fullmatch(text):
        raise _RowError(f"{key} {_show(text)} is not a number")
    number = float(text)
    if not math.isfinite(number):
        raise _RowError(f"{key} {_show(text)} is not a finite number")
    return number


def _iso_time(row: dict[str, str], key: str) -> dt.datetime | None:
    """Return the UTC datetime of a CSV time: ISO 8601 text, naive text being UTC."""
    text = (row.get(key) or "").strip()
    if not text:
        return None
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError as err:
        raise _RowError(f"{key} {_show(text)} is not an ISO date and time") from err
    if when.tzinfo is None:
        # The CSV extract lost ComCat's trailing "Z"; its times are UTC all the same.
        return when.replace(tzinfo=dt.UTC)
    try:
        return when.astimezone(dt.UTC)
    except OverflowError as err:
        raise _RowError(f"{key} {_show(text)} is out of range") from err


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 40
_REPR.maxlevel = 2


def _show(value: Any) -> str:
    """Return a short one-line repr of a value for a message, however big the value."""
    return _REPR.repr(value)


def _reason(err: Exception) -> str:
    """Return one line saying why a row failed."""
    if isinstance(err, _RowError):
        return str(err)
    # Not a check of ours: name the exception, so the message still means something.
    text = " ".join(f"{type(err).__name__}: {err}".split())
    return text if len(text) <= 200 else text[:197] + "..."


def usgs_country_code(place: str) -> str:
    """Return the ISO alpha-2 code of the one country a USGS ``place`` text names, or "".

    USGS ends the text with the country ("..., Turkey") or names a region ("central
    Turkey", "near the coast of Syria"); US states come as codes ("CA") or names. Texts
    naming two countries ("Turkey-Syria border region") or none ("Mid-Atlantic Ridge")
    get "".

    Examples
    --------
    >>> usgs_country_code("26 km E of Nurdağı, Turkey"), usgs_country_code("central Turkey")
    ('TR', 'TR')
    >>> usgs_country_code("10 km NW of The Geysers, CA")
    'US'
    >>> usgs_country_code("Turkey-Syria border region"), usgs_country_code("Mid-Atlantic Ridge")
    ('', '')
    """
    tail = place.rsplit(",", 1)[-1].strip()
    if tail in _US_STATE_CODES:
        return "US"
    names = _country_names()
    words = norm(tail).split()
    found = set()
    start = 0
    while start < len(words):
        # The longest name wins, so "papua new guinea" is not read as "guinea".
        for size in range(min(5, len(words) - start), 0, -1):
            code = names.get(" ".join(words[start : start + size]))
            if code:
                found.add(code)
                start += size
                break
        else:
            start += 1
    return found.pop() if len(found) == 1 else ""


_US_STATE_CODES = frozenset(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC".split()
)
# Names USGS uses that pycountry's ISO names and common names do not cover.
_ALIASES = {
    "turkey": "TR",
    "russia": "RU",
    "vietnam": "VN",
    "south korea": "KR",
    "north korea": "KP",
    "laos": "LA",
    "burma": "MM",
    "ivory coast": "CI",
    "cape verde": "CV",
    "east timor": "TL",
    "macedonia": "MK",
    "micronesia": "FM",
    "democratic republic of the congo": "CD",
    "congo": "CG",
    "mx": "MX",
}


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    import pycountry

    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            if value := getattr(country, attr, None):
                names[norm(value)] = country.alpha_2
    # States after countries: Georgia stays the country.
    for subdivision in pycountry.subdivisions.get(country_code="US") or []:
        names.setdefault(norm(subdivision.name), "US")
    names.update(_ALIASES)
    return names
