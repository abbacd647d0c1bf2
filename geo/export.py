"""Export events as GeoJSON (RFC 7946), ACLED-style CSV or a GeoPackage.

The builders (``to_feature``, ``to_geojson``, ``to_csv_rows``) are pure; the writers
put their output in a file or on stdout (``"-"``). A file is written next to its
destination and moved into place, so a failed export never leaves half a file.

CSV columns follow ACLED where the meaning is the same. ``event_type`` and
``sub_event_type`` hold ACLED's types (our layer key where ACLED has none, e.g.
earthquakes), and ``layer`` always holds our key. ACLED's ``time_precision`` codes are
1 = the day is known, 2 = within a week or a few days, 3 = only the month is known; we
map ``day`` -> 1, ``published`` (no date in the text, the article's date used) -> 2,
``month`` -> 3 and ``year`` -> 3 (ACLED has no coarser code; ``date_precision`` keeps
ours). ``geo_precision`` is ACLED's code already. ``actor1``, ``actor2`` and
``fatalities`` keep ACLED's names; unlike ACLED's, an unknown fatality count is an empty
cell (null in GeoJSON), not 0: 0 means the text says no one was killed.

CSV cells are neutralised against formula injection (OWASP's "CSV Injection" rule):
a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is written with a leading ``'``, so a spreadsheet shows it as text instead of running
it (evidence and titles come from articles anyone can write). Numbers are left as they
are (a longitude of -70.5 stays -70.5), and GeoJSON and GeoPackage, which no
spreadsheet evaluates, are written unaltered. Rows end with CRLF (RFC 4180), so a cell
holding a line break of either kind is quoted and stays one cell.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from geo.files import replacing
from geo.model import Event

__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "GPKG_LAYER",
    "export",
    "neutralise_formula",
    "outlet",
    "to_csv_rows",
    "to_feature",
    "to_geojson",
    "write_csv",
    "write_geojson",
    "write_gpkg",
]

FORMATS = ("geojson", "csv", "gpkg")
GPKG_LAYER = "events"
TIME_PRECISION = {"day": 1, "published": 2, "month": 3, "year": 3}
# What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

PROPERTIES = (
    "event_id",
    "event_type",
    "acled_event_type",
    "acled_sub_event_type",
    "actor1",
    "actor2",
    "fatalities",
    "status",
    "date",
    "date_precision",
    "place",
    "geonameid",
    "country_code",
    "admin1",
    "geo_precision",
    "uncertainty_km",
    "evidence",
    "evidence_start",
    "evidence_end",
    "article_id",
    "article_title",
    "source_url",
    "published",
    "confidence",
    "happening_id",
    "sources",
    "review_status",
)
QUAKE_PROPERTIES = ("magnitude", "depth_km", "usgs_id", "related_quake")
# Nullable pandas dtypes, so GDAL writes INTEGER and REAL columns with NULLs, not text.
_GPKG_DTYPES = {
    "geonameid": "Int64",
    "sources": "Int64",
    "fatalities": "Int64",
    "geo_precision": "Int64",
    "evidence_start": "Int64",
    "evidence_end": "Int64",
    "uncertainty_km": "Float64",
    "confidence": "Float64",
    "magnitude": "Float64",
    "depth_km": "Float64",
}

ACLED_COLUMNS = (
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
)
EXTRA_COLUMNS = (
    "layer",
    "event_id",
    "status",
    "date_precision",
    "country_code",
    "admin1",
    "geonameid",
    "uncertainty_km",
    "confidence",
    "evidence_start",
    "evidence_end",
    "article_id",
    "article_title",
    "source_url",
    "published",
    "happening_id",
    "sources",
    "review_status",
) + QUAKE_PROPERTIES
CSV_COLUMNS = ACLED_COLUMNS + EXTRA_COLUMNS


def to_feature(event: Event) -> dict[str, Any]:
    """Return one event as a GeoJSON Point feature.

    Dates are ISO ``YYYY-MM-DD`` strings or null, as are ``actor1``, ``actor2`` and
    ``fatalities`` when the text does not say; quake fields (``magnitude``,
    ``depth_km``, ``usgs_id``, ``related_quake``) appear on earthquake events only.

    Examples
    --------
    >>> import datetime as dt
    >>> event = Event("e1", "protest", "Protests", "Peaceful protest", "occurred",
    ...     dt.date(2023, 2, 7), "day", "Ankara", 39.92, 32.85, 323786, "TR", "Ankara",
    ...     1, 5.0, "Crowds marched in Ankara.", 0, 25, "a1", "Title", None, None, 0.9)
    >>> feature = to_feature(event)
    >>> feature["geometry"]
    {'type': 'Point', 'coordinates': [32.85, 39.92]}
    >>> feature["properties"]["date"], "magnitude" in feature["properties"]
    ('2023-02-07', False)
    >>> feature["properties"]["actor1"], feature["properties"]["fatalities"]
    (None, None)
    """
    names = PROPERTIES + (QUAKE_PROPERTIES if event.event_type == "earthquake" else ())
    properties = {name: _json_value(getattr(event, name)) for name in names}
    return {
        "type": "Feature",
        "id": event.event_id,
        # The one place the package's lat, lon becomes GeoJSON's [lon, lat].
        "geometry": {"type": "Point", "coordinates": [event.lon, event.lat]},
        "properties": properties,
    }


def to_geojson(events: Iterable[Event]) -> dict[str, Any]:
    """Return an RFC 7946 FeatureCollection (WGS84, no ``crs`` member).

    Examples
    --------
    >>> to_geojson([])
    {'type': 'FeatureCollection', 'features': []}
    """
    return {"type": "FeatureCollection", "features": [to_feature(e) for e in events]}


def outlet(title: str | None, url: str | None) -> str:
    """Return how a source is named in ``source``: its web host, else its title.

    >>> outlet("Strike in Syria", "https://www.example.org/news/1"), outlet("Brief", None)
    ('example.org', 'Brief')
    """
    if url:
        from urllib.parse import urlsplit

        host = (urlsplit(url).hostname or "").removeprefix("www.")
        if host:
            return host
    return title or ""


def to_csv_rows(events: Iterable[Event],
                outlets: Mapping[str, Sequence[str]] | None = None) -> list[dict[str, Any]]:
    """Return one dict per event with the keys of ``CSV_COLUMNS`` (see the module doc).

    ``notes`` is the evidence sentence and ``source`` the article title, else its URL;
    for a happening, ``outlets`` (happening id -> outlet names) gives every source,
    joined with "; " as ACLED joins them.
    Text that a spreadsheet would run as a formula gets a leading ``'`` (see
    :func:`neutralise_formula`).

    Examples
    --------
    >>> import datetime as dt
    >>> event = Event("e1", "earthquake", None, None, "occurred", dt.date(2023, 2, 6),
    ...     "month", "Turkey", 39.0, 35.0, None, "TR", "", 3, 500.0, "A quake hit Turkey.",
    ...     0, 19, "a1", "Quake", "https://example.org/q", None, 0.7)
    >>> row = to_csv_rows([event])[0]
    >>> row["event_type"], row["layer"], row["time_precision"], row["geo_precision"]
    ('earthquake', 'earthquake', 3, 3)
    """
    rows = []
    for event in events:
        row: dict[str, Any] = {
            "event_date": _json_value(event.date),
            "event_type": event.acled_event_type or event.event_type,
            "sub_event_type": event.acled_sub_event_type,
            "actor1": event.actor1,
            "actor2": event.actor2,
            "location": event.place,
            "latitude": event.lat,
            "longitude": event.lon,
            "geo_precision": event.geo_precision,
            "time_precision": TIME_PRECISION.get(event.date_precision),
            "notes": event.evidence,
            "source": "; ".join(outlets[event.event_id]) if outlets and event.event_id
            in outlets else (event.article_title or event.source_url),
            "fatalities": event.fatalities,
            "layer": event.event_type,
        }
        for name in EXTRA_COLUMNS[1:]:
            row[name] = _json_value(getattr(event, name))
        rows.append({name: neutralise_formula(value) for name, value in row.items()})
    return rows


def neutralise_formula(value: Any) -> Any:
    """Return a CSV cell value that no spreadsheet runs as a formula.

    A string starting with one of ``FORMULA_PREFIXES`` gets a leading ``'``; anything
    else, numbers included, is returned as it is.

    Examples
    --------
    >>> neutralise_formula("=1+2"), neutralise_formula("-1+2"), neutralise_formula("@SUM(A1)")
    ("'=1+2", "'-1+2", "'@SUM(A1)")
    >>> neutralise_formula(-70.5), neutralise_formula("Aleppo"), neutralise_formula(None)
    (-70.5, 'Aleppo', None)
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_geojson(events: Iterable[Event], out: str | Path | IO[str]) -> None:
    """Write events as RFC 7946 GeoJSON to a path, ``"-"`` (stdout) or a text stream."""
    text = json.dumps(to_geojson(events), ensure_ascii=False, allow_nan=False)
    with _text_sink(out) as sink:
        sink.write(text)
        sink.write("\n")


def write_csv(events: Iterable[Event], out: str | Path | IO[str],
              outlets: Mapping[str, Sequence[str]] | None = None) -> None:
    """Write events as UTF-8 CSV with ``CSV_COLUMNS`` to a path, ``"-"`` or a stream.

    Rows end with CRLF (RFC 4180); formula cells get a leading ``'`` (see the module doc).
    """
    rows = to_csv_rows(events, outlets)
    with _text_sink(out) as sink:
        # RFC 4180's CRLF: Python's writer quotes a cell only for the characters of its
        # line terminator, so with "\n" a bare "\r" in a text went out unquoted and
        # split the row in two, the second part a row of its own (whose first cell the
        # formula rule never saw).
        writer = csv.DictWriter(sink, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)


def write_gpkg(events: Iterable[Event], path: str | Path) -> None:
    """Write events to a GeoPackage, layer ``events`` in EPSG:4326, replacing the file.

    Columns are the GeoJSON properties (quake fields always present); dates are ISO text.
    """
    if str(path) == "-":
        raise ValueError("a GeoPackage cannot be written to stdout; give a file name with -o")
    import geopandas as gpd

    events = list(events)
    names = PROPERTIES + QUAKE_PROPERTIES
    columns = {name: [_json_value(getattr(e, name)) for e in events] for name in names}
    # The one place the package's lat, lon becomes x = lon, y = lat for the geometry.
    points = gpd.points_from_xy([e.lon for e in events], [e.lat for e in events])
    frame = gpd.GeoDataFrame(columns, geometry=points, crs="EPSG:4326")
    frame = frame.astype({name: _GPKG_DTYPES.get(name, object) for name in names})
    with replacing(Path(path)) as tmp:
        frame.to_file(tmp, layer=GPKG_LAYER, driver="GPKG", engine="pyogrio")


def export(events: Iterable[Event], fmt: str, out: str | Path,
           outlets: Mapping[str, Sequence[str]] | None = None) -> None:
    """Write events in format ``fmt`` (one of ``FORMATS``) to ``out`` (a path or ``"-"``).

    ``outlets`` (happening id -> outlet names) fills the CSV's ``source`` column.

    Raises
    ------
    ValueError
        For an unknown format, or a GeoPackage asked for on stdout.
    """
    writers: dict[str, Callable[[Iterable[Event], Any], None]] = {
        "geojson": write_geojson,
        "csv": write_csv,
        "gpkg": write_gpkg,
    }
    if fmt not in writers:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {list(FORMATS)}")
    if fmt == "csv":
        write_csv(events, out, outlets)
    else:
        writers[fmt](events, out)


def _json_value(value: Any) -> Any:
    """Return ``value`` as JSON has it: ISO dates, null for missing or non-finite floats."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@contextmanager
def _text_sink(out: str | Path | IO[str]) -> Iterator[IO[str]]:
    """Yield a text stream for ``out``: a stream as is, stdout for ``"-"``, else a file."""
    if hasattr(out, "write"):
        yield out  # type: ignore[misc]
        return
    if str(out) == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    with replacing(Path(out)) as tmp, open(tmp, "w", encoding="utf-8", newline="") as sink:
        yield sink
