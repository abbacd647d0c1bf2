"""Offline GeoNames gazetteer: build the name index once, load it fast, look names up."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FEATURES = ("continent", "country", "admin1", "admin2", "city", "site", "region")


@dataclass(frozen=True, slots=True)
class Place:
    """One gazetteer entry. Coordinates are WGS84 ``lat, lon``."""

    id: int  # row number in the gazetteer, stable for one built index
    name: str
    lat: float
    lon: float
    geonameid: int | None  # None for curated or derived entries
    country_code: str  # ISO 3166-1 alpha-2, "" for continents
    admin1: str  # GeoNames admin1 code such as "SY.04", "" when unknown
    admin1_name: str
    feature: str  # one of FEATURES
    population: int
    uncertainty_km: float
    source: str  # "geonames", "curated: <source note>", ...


class Gazetteer:
    """Name index over places. ``lookup`` takes any surface form."""

    def lookup(self, name: str) -> list[Place]:
        """Return the places whose names normalise to ``name``'s, most prominent first."""
        raise NotImplementedError

    def get(self, place_id: int) -> Place:
        raise NotImplementedError

    def countries(self) -> dict[str, Place]:
        """Return the country entries keyed by ISO alpha-2 code."""
        raise NotImplementedError


def default_path() -> Path:
    raise NotImplementedError


def build_gazetteer(out: Path | None = None, dumps: tuple[Path, ...] = ()) -> Path:
    """Build the index from the packaged GeoNames data (+ optional dump files)."""
    raise NotImplementedError


def load_gazetteer(path: Path | None = None) -> Gazetteer:
    """Load (building first if missing) the index; cached per process."""
    raise NotImplementedError
