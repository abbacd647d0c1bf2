"""The nouns every stage shares: articles, toponyms, events, the event query, vocabularies.

Only data lives here: frozen dataclasses (they pickle, so Streamlit can cache them) and
the closed vocabularies they draw from. Stages import this module; it imports no stage.
Coordinates are ``lat, lon`` everywhere in the package (only ``geo.export`` writes
GeoJSON's ``[lon, lat]``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

# --- vocabularies ---------------------------------------------------------------------

# Layer key -> (ACLED event_type, default ACLED sub_event_type); None where ACLED has none.
# The order is the legend's: violent events first (ACLED's order of types, riots before
# protests), then strategic developments, then the natural hazard.
EVENT_TYPES: dict[str, tuple[str | None, str | None]] = {
    "armed_clash": ("Battles", "Armed clash"),
    "strike": ("Explosions/Remote violence", "Air/drone strike"),
    "explosion": ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
    "violence_against_civilians": ("Violence against civilians", "Attack"),
    "riot": ("Riots", "Violent demonstration"),
    "protest": ("Protests", "Peaceful protest"),
    "military_base": ("Strategic developments", "Other"),
    "diplomacy": ("Strategic developments", "Agreement"),
    "strategic_development": ("Strategic developments", "Other"),
    "earthquake": (None, None),
}
# Layer key -> the ACLED sub_event_types its events may carry, as ACLED spells them, the
# default (EVENT_TYPES) first. Together the layers cover ACLED's 25 sub-event types;
# "Other" is shared by military_base (a standing presence, no base set up) and
# strategic_development.
ACLED_SUB_EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "armed_clash": ("Armed clash", "Government regains territory",
                    "Non-state actor overtakes territory"),
    "strike": ("Air/drone strike", "Shelling/artillery/missile attack"),
    "explosion": ("Remote explosive/landmine/IED", "Suicide bomb", "Grenade",
                  "Chemical weapon"),
    "violence_against_civilians": ("Attack", "Abduction/forced disappearance",
                                   "Sexual violence"),
    "riot": ("Violent demonstration", "Mob violence"),
    "protest": ("Peaceful protest", "Protest with intervention",
                "Excessive force against protesters"),
    "military_base": ("Other", "Headquarters or base established"),
    "diplomacy": ("Agreement",),
    "strategic_development": ("Other", "Arrests", "Change to group/activity",
                              "Disrupted weapons use", "Looting/property destruction",
                              "Non-violent transfer of territory"),
    "earthquake": (),
}
STATUSES = ("occurred", "planned", "denied", "claimed")
DATE_PRECISIONS = ("day", "month", "year", "published")
# ACLED's geo_precision: 1 a named town or site, 2 near a town or part of a region,
# 3 a province, a country or a larger region.
GEO_PRECISIONS = (1, 2, 3)
# What a gazetteer entry (and so a toponym) is, coarsest first.
FEATURES = ("continent", "country", "admin1", "admin2", "city", "site", "region")
# Where an analyst's review left an event (README, "Review and corrections"): untouched,
# confirmed as extracted, corrected (a value changed by hand), or rejected (off the map).
REVIEW_STATUSES = ("unreviewed", "confirmed", "corrected", "rejected")
# The article id of catalog earthquakes (USGS), which have no article row.
CATALOG_ARTICLE_ID = "usgs"

BBox = tuple[float, float, float, float]  # west, south, east, north (degrees)


# --- inputs ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Article:
    """One news article as the pipeline sees it."""

    id: str  # stable: from the URL when there is one, else from the normalised text
    title: str
    text: str
    published: dt.date | None
    url: str | None = None
    updated: dt.date | None = None
    source: str = ""  # where it was read from: a path, a URL, "feed URL#entry", ...


@dataclass(frozen=True, slots=True)
class Failure:
    """An input that could not be read, and why; the batch went on without it."""

    source: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


# --- places ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Toponym:
    """A place name found in a text, resolved to a point.

    ``text[start:end] == name``. ``geonameid`` is None for places that do not come from
    GeoNames (curated sites, derived regions such as "northern Syria"); ``demonym`` is
    True when the place was read from a word such as "Syrian".
    """

    start: int
    end: int
    name: str
    lat: float
    lon: float
    geonameid: int | None
    country_code: str
    feature: str  # one of FEATURES
    uncertainty_km: float
    demonym: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- events ---------------------------------------------------------------------------


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
    geo_precision: int  # one of GEO_PRECISIONS
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
    actor1: str | None = None  # who acted, as the text names them ("Houthi forces")
    actor2: str | None = None  # who was targeted or fought back ("civilians")
    # Deaths as the text reports them (README, "The event schema"): None when it does not
    # say, 0 when it says no one was killed.
    fatalities: int | None = None
    # Set by the store, not by extraction: the happening (geo.happenings) this report
    # belongs to, or for a happening its own id. Not part of a report's identity, so an
    # extracted event equals its stored copy.
    happening_id: str | None = field(default=None, compare=False)
    sources: int = 1  # distinct articles reporting it (a happening's; 1 for a report)
    review_status: str = "unreviewed"  # one of REVIEW_STATUSES


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One change an analyst made, as the store keeps it (``geo review log``)."""

    at: str  # UTC, ISO 8601 to the second
    who: str
    target: str  # the event id changed (a happening's change is one record per report)
    field: str  # a field of Event, "review" or "group"
    old: str | None  # JSON text of the value before
    new: str | None  # JSON text of the value after
    note: str = ""


# The map's base layers, by the key a link names them with.
BASE_LAYERS = {"outlines": "Country outlines (offline)", "osm": "OpenStreetMap (online)",
               "carto": "CartoDB Positron (online)"}
DENSITY_LAYER = "density"  # the density view's key among the map's layers


@dataclass(frozen=True, slots=True)
class MapView:
    """The map's state as a link holds it (``geo.webapp.state``).

    ``center`` and ``zoom`` (None: fit the events), the layers switched off by key (event
    types and ``DENSITY_LAYER``; the density view starts off) and the base layer's key.
    """

    center: tuple[float, float] | None = None
    zoom: int | None = None
    hidden: tuple[str, ...] = (DENSITY_LAYER,)
    base: str = "outlines"


@dataclass(frozen=True, slots=True)
class EventQuery:
    """Which events: one value for the URL, the page, the CLI, the store and exports.

    Every field left at its default restricts nothing. Values are checked and
    normalised when the query is made (lists become tuples, country codes upper case),
    so a query is hashable and keys a cache as it is.

    Examples
    --------
    >>> EventQuery(types=["strike"], countries=["sy"])
    EventQuery(types=('strike',), since=None, until=None, countries=('SY',), articles=(), \
statuses=(), max_precision=3, bbox=None, actor='', happenings=False, reviews=(), text='')
    >>> EventQuery(actor="  Houthi ").actor
    'Houthi'
    >>> EventQuery(types=("bombing",))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: unknown event type 'bombing'; expected one of ['armed_clash', ...]
    """

    types: tuple[str, ...] = ()  # keys of EVENT_TYPES
    since: dt.date | None = None  # inclusive; undated events drop out when set
    until: dt.date | None = None
    countries: tuple[str, ...] = ()  # ISO 3166-1 alpha-2 codes
    articles: tuple[str, ...] = ()  # article ids; CATALOG_ARTICLE_ID for catalog quakes
    statuses: tuple[str, ...] = ()  # of STATUSES
    max_precision: int = 3  # keep events with geo_precision <= this
    bbox: BBox | None = None  # west > east crosses the antimeridian, as in RFC 7946
    # Part of an actor's name: events whose actor1 or actor2 contains it (ASCII letters in
    # any case); blank restricts nothing.
    actor: str = ""
    # False: one row per report (an article's event); True: one per happening, the
    # reports of one incident merged (geo.happenings), as the map shows by default.
    happenings: bool = False
    # Review statuses to keep (REVIEW_STATUSES); empty keeps all but rejected events.
    reviews: tuple[str, ...] = ()
    # Words of the evidence, the place or the article's title (ASCII letters in any
    # case); blank restricts nothing.
    text: str = ""

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise through the back door, once
        set_(self, "types", _one_of("event type", self.types, EVENT_TYPES))
        set_(self, "statuses", _one_of("status", self.statuses, STATUSES))
        set_(self, "reviews", _one_of("review status", self.reviews, REVIEW_STATUSES))
        set_(self, "happenings", bool(self.happenings))
        set_(self, "countries", tuple(_country(c) for c in _tuple(self.countries)))
        set_(self, "articles", tuple(str(a) for a in _tuple(self.articles)))
        set_(self, "since", _day("since", self.since))
        set_(self, "until", _day("until", self.until))
        if isinstance(self.max_precision, bool) or self.max_precision not in GEO_PRECISIONS:
            raise ValueError(f"max_precision must be 1, 2 or 3, got {self.max_precision!r}")
        if self.bbox is not None:
            set_(self, "bbox", _bbox(self.bbox))
        set_(self, "actor", _actor(self.actor))
        set_(self, "text", _actor(self.text))

    def is_empty(self) -> bool:
        """Tell whether the query restricts nothing."""
        return self == EventQuery()


def _tuple(values: Any) -> tuple:
    if values is None:
        return ()
    return (values,) if isinstance(values, str) else tuple(values)


def _one_of(what: str, values: Any, valid: Any) -> tuple[str, ...]:
    out = _tuple(values)
    for value in out:
        if value not in valid:
            raise ValueError(f"unknown {what} {value!r}; expected one of {sorted(valid)}")
    return out


def _country(code: Any) -> str:
    text = str(code).strip().upper()
    if len(text) != 2 or not text.isascii() or not text.isalpha():
        raise ValueError(f"country must be an ISO 3166-1 alpha-2 code, got {code!r}")
    return text


def _day(name: str, value: Any) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a date or YYYY-MM-DD, got {value!r}") from None


def _actor(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"actor must be text, got {value!r}")
    return value.strip()


def _bbox(bbox: Any) -> BBox:
    try:
        west, south, east, north = (float(v) for v in bbox)
    except (TypeError, ValueError):
        raise ValueError(f"bbox must be four numbers (west, south, east, north), "
                         f"got {bbox!r}") from None
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
        raise ValueError(f"bbox {tuple(bbox)!r} is not (west, south, east, north) in degrees "
                         "with south <= north")
    return (west, south, east, north)
