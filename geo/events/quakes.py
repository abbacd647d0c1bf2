"""Linking the earthquakes articles report to the catalog quakes (``geo.events.usgs``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable

from geo.geodesy import haversine_km
from geo.model import Event
from geo.text.dates import shift

__all__ = ["link_quakes"]

LINK_DAYS = 2  # an event dated to the day: the catalog quake within two days of it
# An event with no date of its own takes the publication date, which can be days after
# the quake it reports: it looks a week back.
LINK_DAYS_PUBLISHED = 7
LINK_KM = 300.0


def link_quakes(events: Iterable[Event], catalog: Iterable[Event]) -> list[Event]:
    """Set ``related_quake`` on article earthquake events to the catalog quake reported.

    A catalog quake qualifies when its date is within 2 days of the event's date (or up to
    7 days before it, for an event dated only by its article's publication) and its
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
    back = LINK_DAYS if event.date_precision == "day" else LINK_DAYS_PUBLISHED
    ahead = LINK_DAYS if event.date_precision == "day" else 0
    for offset in range(-back, ahead + 1):
        for quake in by_day.get(shift(event.date, offset), ()):
            distance = haversine_km(event.lat, event.lon, quake.lat, quake.lon)
            if distance > reach:
                continue
            # Largest magnitude first, then the nearest.
            key = (quake.magnitude if quake.magnitude is not None else -math.inf, -distance)
            if best is None or key > best:
                best, chosen = key, quake
    return chosen
