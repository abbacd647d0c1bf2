"""Hand-made events for tests: one set of defaults, each test states what differs."""

from __future__ import annotations

import datetime as dt

from geo.model import EVENT_TYPES, Event

EVENT_DEFAULTS: dict[str, object] = dict(
    event_id="e",
    event_type="strike",
    acled_event_type="Explosions/Remote violence",
    acled_sub_event_type="Air/drone strike",
    status="occurred",
    date=dt.date(2023, 2, 1),
    date_precision="day",
    place="Place",
    lat=37.0,
    lon=37.0,
    geonameid=None,
    country_code="TR",
    admin1="",
    geo_precision=1,
    uncertainty_km=5.0,
    evidence="Something happened.",
    evidence_start=0,
    evidence_end=19,
    article_id="a1",
    article_title="Title",
    source_url=None,
    published=dt.date(2023, 2, 2),
    confidence=0.8,
    actor1=None,
    actor2=None,
    fatalities=None,
)

# A real catalog row's fields (USGS us6000jllz, the M7.8 of 6 February 2023).
QUAKE_FIELDS: dict[str, object] = dict(
    event_id="usgs:us6000jllz", event_type="earthquake", acled_event_type=None,
    acled_sub_event_type=None, date=dt.date(2023, 2, 6), place="26 km E of Nurdağı, Turkey",
    lat=37.1736, lon=37.032, uncertainty_km=10.0,
    evidence="M 7.8 - 26 km E of Nurdağı, Turkey", evidence_end=34, article_id="usgs",
    article_title="USGS earthquake catalog",
    source_url="https://earthquake.usgs.gov/earthquakes/eventpage/us6000jllz",
    published=None, confidence=1.0, magnitude=7.8, depth_km=17.925, usgs_id="us6000jllz",
)


def make_event(**changes: object) -> Event:
    """Return an event with ``EVENT_DEFAULTS`` and ``changes``.

    Another ``event_type`` brings its own ACLED type and default sub-type (the store
    refuses a sub-type of another layer), unless ``changes`` give them too.
    """
    event_type = changes.get("event_type")
    if isinstance(event_type, str) and event_type in EVENT_TYPES:
        acled_type, sub_type = EVENT_TYPES[event_type]
        changes = {"acled_event_type": acled_type, "acled_sub_event_type": sub_type, **changes}
    return Event(**{**EVENT_DEFAULTS, **changes})  # type: ignore[arg-type]
