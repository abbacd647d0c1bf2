"""USGS earthquake catalogs as ``earthquake`` events, and linking article quakes to them.

``read_usgs`` reads the GeoJSON summary feed or a ComCat CSV export (the format is
detected from the content). ``link_quakes`` sets ``related_quake`` on the earthquake
events of articles to the catalog quake they report. Nothing here opens a connection:
URLs are read through the ``fetch`` callable the caller passes (``geo.fetch.fetch``).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import math
import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from geo.errors import InputError
from geo.geodesy import haversine_km
from geo.model import CATALOG_ARTICLE_ID, EVENT_TYPES, Event
from geo.text.names import norm

__all__ = ["CATALOG_ARTICLE_ID", "link_quakes", "read_usgs", "usgs_country_code"]

CATALOG_TITLE = "USGS earthquake catalog"
EVENT_PAGE = "https://earthquake.usgs.gov/earthquakes/eventpage/{id}"
# Epicentre uncertainty when the source gives none (the summary feed does not); ComCat's
# horizontalError for M4+ events in well-covered regions is a few km.
DEFAULT_UNCERTAINTY_KM = 10.0
LINK_DAYS = 2
LINK_KM = 300.0
CSV_REQUIRED = ("time", "latitude", "longitude", "mag", "id")

Fetch = Callable[[str], bytes | str | tuple[bytes, str]]


def read_usgs(
    source: str | Path | bytes,
    *,
    fetch: Fetch | None = None,
    errors: list[str] | None = None,
) -> list[Event]:
    """Read a USGS catalog (GeoJSON summary feed or ComCat CSV) as ``earthquake`` events.

    Rows whose ``type`` is not ``earthquake`` (quarry blasts, explosions) are skipped.
    A row that cannot be read does not stop the others: its reason is appended to
    ``errors`` when a list is given, else all reasons are reported in one warning.
    Each quake becomes ``Event(event_id="usgs:<id>", article_id="usgs", ...)`` with its
    UTC date, the USGS ``place`` text, magnitude, depth, USGS id and event page URL.

    Parameters
    ----------
    source
        A file path, an ``http(s)://`` URL, or the file's bytes.
    fetch
        What downloads a URL: returns the body, or ``(body, content_type)`` like
        ``geo.fetch.fetch``. Needed only for URLs.
    errors
        Receives one message per skipped row.

    Raises
    ------
    InputError
        When the whole input is unusable: neither format, or CSV columns missing.
    """
    data = _read_source(source, fetch)
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.lstrip("\ufeff")
    name = source if isinstance(source, str | Path) else "input"
    found: list[str] = []
    rows = _geojson_rows(text, name) if text.lstrip().startswith("{") else _csv_rows(text, name)
    events: dict[str, Event] = {}
    for label, row in rows:
        try:
            event = _quake(row)
        except (KeyError, TypeError, ValueError, OverflowError) as err:
            found.append(f"{name}: {label}: {err}")
            continue
        if event is not None:
            # A catalog lists each id once; if a merged file repeats one, the last wins.
            events[event.event_id] = event
    if errors is not None:
        errors.extend(found)
    elif found:
        more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
        warnings.warn(f"{len(found)} rows skipped: {'; '.join(found[:3])}{more}", stacklevel=2)
    return list(events.values())


def _read_source(source: str | Path | bytes, fetch: Fetch | None) -> bytes | str:
    if isinstance(source, bytes):
        return source
    if isinstance(source, str) and re.match(r"(?i)https?://", source):
        if fetch is None:
            raise ValueError(f"reading {source!r} needs a fetch function (geo.fetch.fetch)")
        body = fetch(source)
        return body[0] if isinstance(body, tuple) else body
    return Path(source).read_bytes()


def _geojson_rows(text: str, name: object) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ``(label, row)`` per feature, with the CSV's column names."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"{name}: not JSON: {err}") from err
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        doc = {"type": "FeatureCollection", "features": [doc]}
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise InputError(f"{name}: expected a USGS GeoJSON FeatureCollection")
    for number, feature in enumerate(doc.get("features") or [], start=1):
        label = f"feature {number}"
        try:
            props = feature["properties"]
            lon, lat, *rest = feature["geometry"]["coordinates"]
            label = f"feature {feature.get('id') or number}"
            yield (
                label,
                {
                    "id": feature["id"],
                    "time": _epoch_ms(props["time"]),
                    "updated": _epoch_ms(props.get("updated")),
                    "latitude": lat,
                    "longitude": lon,
                    "depth": rest[0] if rest else None,
                    "mag": props.get("mag"),
                    "place": props.get("place"),
                    "type": props.get("type"),
                    "title": props.get("title"),
                    "url": props.get("url"),
                },
            )
        except (KeyError, TypeError, ValueError, OverflowError, AttributeError) as err:
            yield label, {"error": f"not a USGS feature ({type(err).__name__}: {err})"}


def _csv_rows(text: str, name: object) -> Iterator[tuple[str, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in CSV_REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(
            f"{name}: not a USGS GeoJSON feed or ComCat CSV (CSV columns missing: {missing})"
        )
    for row in reader:
        # Line numbers count the header, as a spreadsheet shows them.
        yield f"line {reader.line_num}", {k: (v if v != "" else None) for k, v in row.items()}


def _epoch_ms(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    return dt.datetime.fromtimestamp(float(value) / 1000, tz=dt.UTC)


def _quake(row: dict[str, Any]) -> Event | None:
    """Return the event for one catalog row, ``None`` for a non-earthquake row."""
    if "error" in row:
        raise ValueError(row["error"])
    if (row.get("type") or "earthquake") != "earthquake":
        return None
    usgs_id = str(row["id"] or "").strip()
    if not usgs_id:
        raise ValueError("no id")
    lat, lon = _number(row, "latitude"), _number(row, "longitude")
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"bad coordinates {row['latitude']!r}, {row['longitude']!r}")
    when = _utc(row["time"])
    magnitude = _number(row, "mag")
    place = (row.get("place") or "").strip() or f"{lat:.3f}, {lon:.3f}"
    size = "M ?" if magnitude is None else f"M {magnitude:.1f}"
    evidence = (row.get("title") or "").strip() or f"{size} - {place}"
    uncertainty = _number(row, "horizontalError")
    updated = _utc(row["updated"]) if row.get("updated") else None
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
        source_url=row.get("url") or EVENT_PAGE.format(id=usgs_id),
        published=None if updated is None else updated.date(),
        confidence=1.0,
        magnitude=magnitude,
        depth_km=_number(row, "depth"),
        usgs_id=usgs_id,
    )


def _number(row: dict[str, Any], key: str) -> float | None:
    value = row.get(key)
    if value is None:
        return None
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{key} is {value!r}")
    return number


def _utc(value: Any) -> dt.datetime:
    """Return a UTC datetime from a datetime or an ISO text (naive text is UTC)."""
    if isinstance(value, dt.datetime):
        when = value
    elif isinstance(value, str):
        # The CSV extract lost ComCat's trailing "Z"; its times are UTC all the same.
        when = dt.datetime.fromisoformat(value.strip())
    else:
        raise ValueError(f"bad time {value!r}")
    if when.tzinfo is None:
        return when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC)


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


def link_quakes(events: Iterable[Event], catalog: Iterable[Event]) -> list[Event]:
    """Set ``related_quake`` on article earthquake events to the catalog quake reported.

    A catalog quake qualifies when its date is within 2 days of the event's date and its
    epicentre within 300 km plus the event's ``uncertainty_km`` of the event's point,
    so an event placed only at a country's centroid (geo_precision 3, uncertainty of the
    country's size) can still find a quake in that region. Of the qualifying quakes the
    largest is taken (then the nearest). Events dated only to a month or year, catalog
    events themselves, and events with no qualifying quake come back unchanged.

    An event placed at country precision that gets linked is moved to the quake's
    epicentre, with ``geo_precision`` 2 and the quake's ``uncertainty_km``: the article
    says where only as "Turkey", the catalog says where the quake was. Its ``place``
    stays the article's name.

    Returns the events in the same order.
    """
    by_day: dict[dt.date, list[Event]] = {}
    for quake in catalog:
        if quake.usgs_id and quake.date is not None:
            by_day.setdefault(quake.date, []).append(quake)
    linked = []
    for event in events:
        found = _reported_quake(event, by_day)
        if found is None:
            linked.append(event)
        elif event.geo_precision >= 3:
            linked.append(
                dataclasses.replace(
                    event,
                    related_quake=found.usgs_id,
                    lat=found.lat,
                    lon=found.lon,
                    geo_precision=2,
                    uncertainty_km=found.uncertainty_km,
                )
            )
        else:
            linked.append(dataclasses.replace(event, related_quake=found.usgs_id))
    return linked


def _reported_quake(event: Event, by_day: dict[dt.date, list[Event]]) -> Event | None:
    if event.event_type != "earthquake" or event.usgs_id is not None:
        return None
    if event.date is None or event.date_precision not in ("day", "published"):
        return None
    reach = LINK_KM + max(event.uncertainty_km, 0.0)
    best: tuple[float, float] | None = None
    chosen: Event | None = None
    for offset in range(-LINK_DAYS, LINK_DAYS + 1):
        for quake in by_day.get(event.date + dt.timedelta(days=offset), ()):
            distance = haversine_km(event.lat, event.lon, quake.lat, quake.lon)
            if distance > reach:
                continue
            # Largest magnitude first, then the nearest.
            key = (quake.magnitude if quake.magnitude is not None else -math.inf, -distance)
            if best is None or key > best:
                best, chosen = key, quake
    return chosen
