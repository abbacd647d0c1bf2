"""Analysts' corrections as data: which fields can be changed, checked values, applying them.

A correction is an *override*: (event id, field) -> value, kept in the store beside the
extracted value it replaced. Overrides are applied to every report the extractor
produces, so a corrected value wins over a re-extraction; the review itself (confirmed,
rejected) and a hand-made grouping are overrides too (fields ``review`` and ``group``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from collections.abc import Mapping
from typing import Any

from geo.model import (
    ACLED_SUB_EVENT_TYPES,
    DATE_PRECISIONS,
    EVENT_TYPES,
    GEO_PRECISIONS,
    Event,
)

# A move sets these together: the place a gazetteer entry or a map click gives.
PLACE_FIELDS = ("place", "lat", "lon", "geonameid", "country_code", "admin1",
                "geo_precision", "uncertainty_km")
VALUE_FIELDS = (*PLACE_FIELDS, "event_type", "acled_sub_event_type", "date",
                "date_precision", "actor1", "actor2", "fatalities")
REVIEWS = ("confirmed", "rejected")
FIELDS = (*VALUE_FIELDS, "review", "group")


def field_value(event: Event, name: str) -> Any:
    """Return an event's value of a correctable field, as JSON would hold it.

    >>> field_value(_sample(), "date")
    '2023-03-24'
    """
    value = getattr(event, name)
    return value.isoformat() if isinstance(value, dt.date) else value


def check_value(name: str, value: Any) -> Any:
    """Return ``value`` checked and normalised for field ``name`` (JSON-ready).

    Raises
    ------
    ValueError
        Naming the field and what it accepts.

    Examples
    --------
    >>> check_value("fatalities", "3")
    3
    >>> check_value("date", "2023-3-4")
    Traceback (most recent call last):
    ValueError: date must be YYYY-MM-DD or empty, got '2023-3-4'
    """
    if name not in FIELDS:
        raise ValueError(f"unknown field {name!r}; expected one of {list(FIELDS)}")
    blank = value is None or (isinstance(value, str) and not value.strip())
    text = value.strip() if isinstance(value, str) else value
    if name in ("lat", "lon", "uncertainty_km"):
        number = _number(name, text)
        limit = {"lat": 90.0, "lon": 180.0, "uncertainty_km": 20_000.0}[name]
        low = 0.0 if name == "uncertainty_km" else -limit
        if not low <= number <= limit:
            raise ValueError(f"{name} must be between {low:g} and {limit:g}, got {value!r}")
        return number
    if name in ("geo_precision", "fatalities", "geonameid"):
        if blank and name != "geo_precision":
            return None
        number = _whole(name, text)
        if name == "geo_precision" and number not in GEO_PRECISIONS:
            raise ValueError(f"geo_precision must be 1, 2 or 3, got {value!r}")
        if number < 0:
            raise ValueError(f"{name} must be 0 or more, got {value!r}")
        return number
    if name == "event_type":
        if text not in EVENT_TYPES:
            raise ValueError(f"event_type must be one of {list(EVENT_TYPES)}, got {value!r}")
        return text
    if name == "date_precision":
        if text not in DATE_PRECISIONS:
            raise ValueError(f"date_precision must be one of {list(DATE_PRECISIONS)}, "
                             f"got {value!r}")
        return text
    if name == "date":
        if blank:
            return None
        try:
            if len(str(text)) != 10:
                raise ValueError
            return dt.date.fromisoformat(str(text)).isoformat()
        except ValueError:
            raise ValueError(f"date must be YYYY-MM-DD or empty, got {value!r}") from None
    if name == "review":
        if text not in REVIEWS:
            raise ValueError(f"review must be one of {list(REVIEWS)}, got {value!r}")
        return text
    if name == "country_code":
        code = str(text or "").upper()
        if code and (len(code) != 2 or not code.isascii() or not code.isalpha()):
            raise ValueError(f"country_code must be an ISO alpha-2 code, got {value!r}")
        return code
    if not isinstance(text, str | None):
        raise ValueError(f"{name} must be text, got {value!r}")
    if name in ("place", "admin1", "group"):
        if name != "admin1" and blank:
            raise ValueError(f"{name} must not be empty")
        return text or ""
    return None if blank else text  # actor1, actor2, acled_sub_event_type


def apply_overrides(event: Event, overrides: Mapping[str, Any]) -> Event:
    """Return ``event`` with the corrected values and its review status.

    ``overrides`` maps fields to checked values (``check_value``); a changed event type
    brings its ACLED type, and a sub-type the new type does not have falls back to the
    type's default.
    """
    values: dict[str, Any] = {}
    for name in VALUE_FIELDS:
        if name in overrides:
            value = overrides[name]
            values[name] = dt.date.fromisoformat(value) if name == "date" and value else value
    event_type = values.get("event_type", event.event_type)
    if event_type != event.event_type or "acled_sub_event_type" in values:
        acled_type, default_sub = EVENT_TYPES[event_type]
        values["acled_event_type"] = acled_type
        sub = values.get("acled_sub_event_type", event.acled_sub_event_type)
        values["acled_sub_event_type"] = sub if sub in ACLED_SUB_EVENT_TYPES[event_type] \
            else default_sub
    values["review_status"] = review_status(overrides)
    return dataclasses.replace(event, **values)


def review_status(overrides: Mapping[str, Any]) -> str:
    """Return the review status a set of overrides gives.

    >>> review_status({}), review_status({"review": "confirmed"}), review_status({"lat": 1.0})
    ('unreviewed', 'confirmed', 'corrected')
    """
    if overrides.get("review") == "rejected":
        return "rejected"
    if any(name in overrides for name in VALUE_FIELDS):
        return "corrected"
    return "confirmed" if overrides.get("review") == "confirmed" else "unreviewed"


def to_json(value: Any) -> str | None:
    """Encode a field value for the store (None stays None)."""
    return None if value is None else json.dumps(value, ensure_ascii=False)


def from_json(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _number(name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return number


def _whole(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not text.isascii() or not text.lstrip("-").isdigit() or len(text) > 9:
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    return int(text)


def _sample() -> Event:
    return Event(event_id="e", event_type="strike", acled_event_type=None,
                 acled_sub_event_type=None, status="occurred", date=dt.date(2023, 3, 24),
                 date_precision="day", place="X", lat=0.0, lon=0.0, geonameid=None,
                 country_code="", admin1="", geo_precision=1, uncertainty_km=1.0,
                 evidence="", evidence_start=0, evidence_end=0, article_id="a",
                 article_title="", source_url=None, published=None, confidence=1.0)


_FEATURE_PRECISION = {"site": 1, "city": 1, "admin2": 2, "region": 2, "admin1": 3,
                      "country": 3, "continent": 3}


def place_values(name: str, lat: float, lon: float, *, geonameid: int | None = None,
                 country_code: str = "", admin1: str = "", feature: str = "city",
                 uncertainty_km: float = 1.0) -> dict[str, Any]:
    """Return the place fields a move sets, checked (a gazetteer entry or a map click).

    >>> place_values("Jinderis", 36.39, 36.69, feature="city")["geo_precision"]
    1
    """
    values = {"place": name, "lat": lat, "lon": lon, "geonameid": geonameid,
              "country_code": country_code, "admin1": admin1,
              "geo_precision": _FEATURE_PRECISION.get(feature, 2),
              "uncertainty_km": uncertainty_km}
    return {key: check_value(key, value) for key, value in values.items()}
