"""Geoparser: find toponym spans in text and resolve each to one gazetteer place."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class Toponym:
    """A resolved place mention. ``text[start:end] == name``."""

    start: int
    end: int
    name: str
    lat: float
    lon: float
    geonameid: int | None
    country_code: str
    feature: str
    uncertainty_km: float
    demonym: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


def geoparse(text: str) -> list[Toponym]:
    """Return the toponyms of ``text`` in order of appearance."""
    raise NotImplementedError
