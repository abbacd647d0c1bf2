"""Scoring functions for the event benchmark (``benchmarks/events.py``).

Pure functions: they read events and gold records and return numbers, they run no
extractor and read no file. Events are read by attribute with ``getattr`` and a default,
so an ``Event`` that lacks a field (``actor1``, ``actor2``, ``fatalities`` before issue
10) scores as if the field were None instead of crashing the benchmark; any object with
the attributes works (the tests use ``SimpleNamespace``).

Two measures:

- **Locations** (``event_location_dev.jsonl``, the eval README's "Where events
  happened"): per sentence with gold locations, whether some event's ``place`` names a
  gold location span (``location_outcome``).
- **Incidents** (``tests/data/incidents/reports.jsonl``): each gold incident is paired
  with one event (``match_incidents``), and the pair is scored on type, place, date,
  actors and fatalities (``score_incident``); ``summarise`` turns rows into shares.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import string
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from geo.geodesy import haversine_km

# --- shares and targets -----------------------------------------------------------------


def share(count: int, total: int) -> float | None:
    """Return ``count / total``, or None when there is nothing to divide by.

    >>> share(3, 4)
    0.75
    >>> share(0, 0) is None
    True
    """
    return count / total if total else None


def target_met(value: float | None, target: float, at_least: bool = True) -> bool | None:
    """Return whether ``value`` meets ``target`` (``>=`` or, with ``at_least=False``, ``<=``).

    None when there is no value (an empty sample meets no target and fails none).

    >>> target_met(0.8, 0.75), target_met(0.2, 0.10, at_least=False), target_met(None, 0.5)
    (True, False, None)
    """
    if value is None:
        return None
    return value >= target if at_least else value <= target


# --- locations ----------------------------------------------------------------------------

PLACED_RIGHT = "placed_right"
PLACED_ELSEWHERE = "placed_elsewhere"
NO_EVENT = "no_event"
OUTCOMES = (PLACED_RIGHT, PLACED_ELSEWHERE, NO_EVENT)


def normalise_name(name: str | None) -> str:
    """Return ``name`` case-folded, with runs of white space made one space and trimmed.

    >>> normalise_name("  West   Bank ")
    'west bank'
    """
    return " ".join((name or "").casefold().split())


def names_match(predicted: str | None, gold: str | None, word_boundary: bool = True) -> bool:
    """Return whether two place names are the same, or one contains the other.

    Case-insensitive, white space normalised (``normalise_name``). With
    ``word_boundary`` (the default) the contained name must sit on word boundaries of the
    longer one: "Aleppo" matches "northern Aleppo", but "US" does not match "Houston".
    ``word_boundary=False`` is the eval README's wording read literally (plain substring).
    An empty name matches nothing.

    >>> names_match("Aleppo", "the countryside of Aleppo"), names_match("US", "Houston")
    (True, False)
    >>> names_match("US", "Houston", word_boundary=False)
    True
    """
    a, b = normalise_name(predicted), normalise_name(gold)
    if not a or not b:
        return False
    if a == b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if not word_boundary:
        return short in long_
    return re.search(r"(?<!\w)" + re.escape(short) + r"(?!\w)", long_) is not None


def location_outcome(places: Iterable[str | None], gold_names: Iterable[str],
                     word_boundary: bool = True) -> str:
    """Classify one sentence: ``PLACED_RIGHT``, ``PLACED_ELSEWHERE`` or ``NO_EVENT``.

    ``places`` holds the ``place`` of every event extracted from the sentence (one item
    per event; an event without a place still counts as an event), ``gold_names`` the
    gold location spans' names. Placed right when some event's place matches some gold
    name (``names_match``); placed elsewhere when there are events and none matches; no
    event when there are none.

    >>> location_outcome(["Nablus"], ["Nablus"]), location_outcome(["Gaza"], ["Nablus"])
    ('placed_right', 'placed_elsewhere')
    >>> location_outcome([], ["Nablus"])
    'no_event'
    """
    places = list(places)
    if not places:
        return NO_EVENT
    gold = list(gold_names)
    if any(names_match(p, g, word_boundary) for p in places for g in gold):
        return PLACED_RIGHT
    return PLACED_ELSEWHERE


def tally_outcomes(outcomes: Iterable[str]) -> dict[str, Any]:
    """Return ``{"n": ..., "counts": {outcome: n}, "shares": {outcome: share}}``.

    Every outcome of ``OUTCOMES`` is present, with a zero count when it never occurred.

    >>> tally_outcomes(["placed_right", "no_event"])["shares"]
    {'placed_right': 0.5, 'placed_elsewhere': 0.0, 'no_event': 0.5}
    """
    counts = Counter(outcomes)
    n = sum(counts.values())
    return {"n": n, "counts": {o: counts[o] for o in OUTCOMES},
            "shares": {o: share(counts[o], n) for o in OUTCOMES}}


# --- actors and fatalities ----------------------------------------------------------------

_ARTICLES = {"a", "an", "the"}
_PUNCT = str.maketrans({c: " " for c in string.punctuation + "\u2019\u2018\u201c\u201d"})


def answer_tokens(text: str | None) -> list[str]:
    """Return the tokens actors are compared on: lower case, no punctuation, no a/an/the.

    >>> answer_tokens("The Houthi-led forces")
    ['houthi', 'led', 'forces']
    """
    return [t for t in (text or "").casefold().translate(_PUNCT).split() if t not in _ARTICLES]


def token_overlap(predicted: str | None, gold: str | None) -> float:
    """Return the token overlap of two strings: the F1 of their tokens (0 to 1).

    Tokens come from ``answer_tokens``; shared tokens are counted as a multiset, as in
    SQuAD's answer F1: ``2 * shared / (len(predicted) + len(gold))``. Symmetric, so a
    prediction that says too much ("gunmen in a pickup truck" for "gunmen") is marked
    down as one that says too little. 0 when either side has no token.

    >>> token_overlap("Houthi forces", "the Houthi forces"), token_overlap("forces", "police")
    (1.0, 0.0)
    >>> round(token_overlap("forces", "Houthi forces"), 3)
    0.667
    """
    p, g = answer_tokens(predicted), answer_tokens(gold)
    if not p or not g:
        return 0.0
    shared = sum((Counter(p) & Counter(g)).values())
    return 2 * shared / (len(p) + len(g))


def _blank(value: str | None) -> bool:
    return value is None or not str(value).strip()


def actor_agrees(predicted: str | None, gold: str | None, threshold: float = 0.5) -> bool:
    """Return whether a predicted actor agrees with the gold one.

    Both absent (None or blank) agree: the text names no one and neither do we. One
    absent disagrees. Otherwise they agree when ``token_overlap >= threshold``.

    >>> actor_agrees(None, None), actor_agrees("", None), actor_agrees("militants", None)
    (True, True, False)
    >>> actor_agrees("Taliban", "Taliban militants"), actor_agrees("police", "protesters")
    (True, False)
    """
    if _blank(predicted) or _blank(gold):
        return _blank(predicted) and _blank(gold)
    return token_overlap(predicted, gold) >= threshold


def fatalities_agree(predicted: int | None, gold: int | None) -> bool:
    """Return whether the fatality counts are equal; None equals None, and 0 is not None.

    >>> fatalities_agree(None, None), fatalities_agree(0, None), fatalities_agree(12, 12)
    (True, False, True)
    """
    if predicted is None or gold is None:
        return predicted is None and gold is None
    return int(predicted) == int(gold)


# --- incidents ------------------------------------------------------------------------------


def event_layer(event: Any) -> str | None:
    """Return an event's layer key: ``event_type`` (today's name), else ``layer``."""
    return getattr(event, "event_type", None) or getattr(event, "layer", None)


def event_distance_km(event: Any, lat: float, lon: float) -> float:
    """Return the great-circle distance from the event's point to ``lat, lon`` (km).

    ``math.inf`` when the event has no usable coordinates.
    """
    elat, elon = getattr(event, "lat", None), getattr(event, "lon", None)
    if elat is None or elon is None or not (math.isfinite(elat) and math.isfinite(elon)):
        return math.inf
    return haversine_km(elat, elon, lat, lon)


def _match_key(event: Any, gold: Mapping[str, Any]) -> tuple[bool, float]:
    return (event_layer(event) != gold.get("layer"),
            event_distance_km(event, gold["lat"], gold["lon"]))


def match_incidents(events: Sequence[Any], golds: Sequence[Mapping[str, Any]]
                    ) -> list[int | None]:
    """Pair each gold incident with at most one event; return the event index per gold.

    The best event for a gold incident is one of the gold layer, nearest to the gold
    point; failing that, the nearest event of any layer. Pairs are taken greedily, best
    first (same layer before other layers, then shorter distance, then the earlier gold
    and the earlier event), and one event serves one incident only, so a report with two
    incidents and one event scores one incident as found and the other as not. None
    where no event is left for a gold incident.

    >>> from types import SimpleNamespace as E
    >>> events = [E(event_type="strike", lat=0, lon=1), E(event_type="protest", lat=0, lon=5)]
    >>> match_incidents(events, [{"layer": "protest", "lat": 0, "lon": 0}])
    [1]
    >>> match_incidents(events[:1], [{"layer": "protest", "lat": 0, "lon": 0},
    ...                              {"layer": "strike", "lat": 0, "lon": 0}])
    [None, 0]
    """
    pairs = sorted(
        ((*_match_key(event, gold), g, e)
         for g, gold in enumerate(golds) for e, event in enumerate(events)),
    )
    chosen: list[int | None] = [None] * len(golds)
    used: set[int] = set()
    for _, _, g, e in pairs:
        if chosen[g] is None and e not in used:
            chosen[g] = e
            used.add(e)
    return chosen


def as_date(value: Any) -> dt.date | None:
    """Return ``value`` as a date: a date stays, a datetime gives its date, ISO text parses.

    >>> as_date("2021-04-14"), as_date(None)
    (datetime.date(2021, 4, 14), None)
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


INCIDENT_FIELDS = ("has_event", "layer_right", "event_type_right", "sub_event_type_right",
                   "within_50km", "date_right", "actor1_agrees", "actor2_agrees",
                   "fatalities_right")


def score_incident(event: Any | None, gold: Mapping[str, Any], radius_km: float = 50.0
                   ) -> dict[str, Any]:
    """Score the event paired with one gold incident (None when no event was paired).

    Returns the booleans of ``INCIDENT_FIELDS`` and ``distance_km`` (None without an
    event). Without an event every field is False: the incident was not found, so
    nothing about it is right, not even a None actor. ``layer_right`` compares our layer
    key, ``event_type_right`` and ``sub_event_type_right`` ACLED's strings exactly;
    ``within_50km`` is a great-circle distance under ``radius_km`` (at most, inclusive)
    from the gold point; ``date_right`` an equal day; actors by ``actor_agrees`` and
    fatalities by ``fatalities_agree`` on ``actor1``, ``actor2`` and ``fatalities``,
    read with ``getattr`` (None when the event lacks the field).
    """
    if event is None:
        row: dict[str, Any] = dict.fromkeys(INCIDENT_FIELDS, False)
        row["distance_km"] = None
        return row
    distance = event_distance_km(event, gold["lat"], gold["lon"])
    return {
        "has_event": True,
        "layer_right": event_layer(event) == gold.get("layer"),
        "event_type_right": getattr(event, "acled_event_type", None)
        == gold.get("acled_event_type"),
        "sub_event_type_right": getattr(event, "acled_sub_event_type", None)
        == gold.get("acled_sub_event_type"),
        "within_50km": distance <= radius_km,
        "date_right": as_date(getattr(event, "date", None)) == as_date(gold.get("date")),
        "actor1_agrees": actor_agrees(getattr(event, "actor1", None), gold.get("actor1")),
        "actor2_agrees": actor_agrees(getattr(event, "actor2", None), gold.get("actor2")),
        "fatalities_right": fatalities_agree(getattr(event, "fatalities", None),
                                             gold.get("fatalities")),
        "distance_km": distance if math.isfinite(distance) else None,
    }


def summarise(rows: Sequence[Mapping[str, Any]], fields: Sequence[str] = INCIDENT_FIELDS
              ) -> dict[str, Any]:
    """Return ``{"n": len(rows), field: share of rows where it is true, ...}``.

    >>> summarise([{"has_event": True}, {"has_event": False}], ["has_event"])
    {'n': 2, 'has_event': 0.5}
    """
    out: dict[str, Any] = {"n": len(rows)}
    for field in fields:
        out[field] = share(sum(1 for r in rows if r.get(field)), len(rows))
    return out


def summarise_by(rows: Sequence[Mapping[str, Any]], key: Callable[[Mapping[str, Any]], Any],
                 fields: Sequence[str] = INCIDENT_FIELDS) -> dict[Any, dict[str, Any]]:
    """Return ``summarise`` per group of rows, groups by ``key(row)``, largest first.

    >>> rows = [{"style": "wire", "has_event": True}, {"style": "acled", "has_event": False},
    ...         {"style": "wire", "has_event": False}]
    >>> summarise_by(rows, lambda r: r["style"], ["has_event"])
    {'wire': {'n': 2, 'has_event': 0.5}, 'acled': {'n': 1, 'has_event': 0.0}}
    """
    groups: dict[Any, list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), str(kv[0])))
    return {k: summarise(v, fields) for k, v in ordered}


def extra_events(n_events: int, n_matched: int) -> int:
    """Return the events of a report that no gold incident took (the false-dot count).

    >>> extra_events(5, 1), extra_events(0, 0)
    (4, 0)
    """
    return max(0, n_events - n_matched)
