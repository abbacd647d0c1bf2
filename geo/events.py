"""Events: sentences + places + dates -> typed, dated, sourced events."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# Layer key -> (ACLED event_type, default ACLED sub_event_type); None where ACLED has none.
EVENT_TYPES: dict[str, tuple[str | None, str | None]] = {
    "earthquake": (None, None),
    "military_base": ("Strategic developments", "Headquarters or base established"),
    "strike": ("Explosions/Remote violence", "Air/drone strike"),
    "armed_clash": ("Battles", "Armed clash"),
    "diplomacy": ("Strategic developments", "Agreement"),
    "protest": ("Protests", "Peaceful protest"),
}
STATUSES = ("occurred", "planned", "denied", "claimed")
DATE_PRECISIONS = ("day", "month", "year", "published")


@dataclass(frozen=True, slots=True)
class Event:
    """One event on the map. Coordinates are ``lat, lon`` (export swaps them)."""

    event_id: str  # stable: same article, sentence, type and place -> same id
    event_type: str  # a key of EVENT_TYPES
    acled_event_type: str | None
    acled_sub_event_type: str | None
    status: str  # one of STATUSES
    date: dt.date | None
    date_precision: str  # one of DATE_PRECISIONS
    place: str
    lat: float
    lon: float
    geonameid: int | None
    country_code: str
    admin1: str
    geo_precision: int  # ACLED: 1 named town, 2 part of a region / near a town, 3 large region
    uncertainty_km: float
    evidence: str  # the sentence, verbatim from the article
    evidence_start: int
    evidence_end: int
    article_id: str
    article_title: str
    source_url: str | None
    published: dt.date | None
    confidence: float  # 0-1
    magnitude: float | None = None
    depth_km: float | None = None
    usgs_id: str | None = None
    related_quake: str | None = None  # usgs_id of the catalog quake an article event reports
