"""The event benchmark's scoring functions (benchmarks/event_scores.py) on hand-made inputs.

No corpus, no gazetteer, no extractor: events are ``SimpleNamespace`` objects carrying
only the attributes the scores read, which is also how an ``Event`` without
``actor1``/``actor2``/``fatalities`` must be handled.
"""

from __future__ import annotations

import datetime as dt
import doctest
import math
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
if str(BENCHMARKS) not in sys.path:
    sys.path.insert(0, str(BENCHMARKS))

import event_scores as sc  # noqa: E402 (benchmarks/)

KM_PER_DEGREE = 111.195  # along the equator (geo.geodesy's Earth radius)


def event(layer="strike", lat=0.0, lon=0.0, **fields):
    return SimpleNamespace(event_type=layer, lat=lat, lon=lon, **fields)


def gold(layer="strike", lat=0.0, lon=0.0, **fields):
    base = {"layer": layer, "acled_event_type": "Explosions/Remote violence",
            "acled_sub_event_type": "Air/drone strike", "place": "X", "lat": lat, "lon": lon,
            "date": "2021-04-14", "actor1": None, "actor2": None, "fatalities": None}
    return {**base, **fields}


def test_docstring_examples():
    result = doctest.testmod(sc)
    assert result.attempted > 20 and result.failed == 0


# --- place names and location outcomes ---------------------------------------------------


@pytest.mark.parametrize(("predicted", "gold_name", "expected"), [
    ("Nablus", "Nablus", True),
    ("nablus", "NABLUS", True),  # case-insensitive
    ("West  Bank", "west bank", True),  # white space
    ("Aleppo", "northern countryside of Aleppo", True),  # gold contains ours
    ("Gaza City", "Gaza", True),  # ours contains gold
    ("US", "Houston", False),  # not on a word boundary
    ("Syrian", "Syria", False),  # a demonym is another surface name
    ("Homs", "Hama", False),
    ("", "Hama", False),  # empty names match nothing
    (None, "Hama", False),
    ("Hama", "", False),
])
def test_names_match(predicted, gold_name, expected):
    assert sc.names_match(predicted, gold_name) is expected
    assert sc.names_match(gold_name, predicted) is expected  # symmetric


def test_names_match_plain_substring_reading():
    assert sc.names_match("US", "Houston", word_boundary=False)
    assert sc.names_match("Syria", "Syrian", word_boundary=False)
    assert not sc.names_match("", "Hama", word_boundary=False)


def test_location_outcome():
    assert sc.location_outcome([], ["Nablus"]) == sc.NO_EVENT
    assert sc.location_outcome(["Gaza", "Nablus"], ["Nablus"]) == sc.PLACED_RIGHT  # any event
    assert sc.location_outcome(["Gaza", "Ramallah"], ["Nablus", "Jenin"]) == sc.PLACED_ELSEWHERE
    assert sc.location_outcome(["Jenin"], ["Nablus", "Jenin"]) == sc.PLACED_RIGHT  # any gold
    assert sc.location_outcome([None], ["Nablus"]) == sc.PLACED_ELSEWHERE  # an event, no place
    assert sc.location_outcome(iter(["Nablus"]), iter(["Nablus"])) == sc.PLACED_RIGHT


def test_tally_outcomes_counts_every_outcome():
    tally = sc.tally_outcomes([sc.PLACED_RIGHT] * 3 + [sc.NO_EVENT])
    assert tally["n"] == 4
    assert tally["counts"] == {sc.PLACED_RIGHT: 3, sc.PLACED_ELSEWHERE: 0, sc.NO_EVENT: 1}
    assert tally["shares"] == {sc.PLACED_RIGHT: 0.75, sc.PLACED_ELSEWHERE: 0.0,
                               sc.NO_EVENT: 0.25}
    assert sum(tally["shares"].values()) == pytest.approx(1.0)
    empty = sc.tally_outcomes([])
    assert empty["n"] == 0 and set(empty["shares"].values()) == {None}


def test_share_and_targets():
    assert sc.share(1, 4) == 0.25 and sc.share(0, 0) is None
    assert sc.target_met(0.75, 0.75) is True  # the bound itself meets a >= target
    assert sc.target_met(0.10, 0.10, at_least=False) is True
    assert sc.target_met(0.11, 0.10, at_least=False) is False
    assert sc.target_met(None, 0.10) is None


# --- actors and fatalities ----------------------------------------------------------------


def test_token_overlap():
    assert sc.token_overlap("Houthi forces", "houthi FORCES") == 1.0
    assert sc.token_overlap("the Taliban", "Taliban") == 1.0  # articles do not count
    assert sc.token_overlap("Al-Shabaab", "al Shabaab") == 1.0  # punctuation does not
    assert sc.token_overlap("forces", "Houthi forces") == pytest.approx(2 / 3)
    assert sc.token_overlap("Gang members kidnapped", "Gang members") == pytest.approx(0.8)
    assert sc.token_overlap("police", "protesters") == 0.0
    assert sc.token_overlap("", "police") == 0.0 and sc.token_overlap(None, None) == 0.0
    assert sc.token_overlap("a", "police") == 0.0  # only an article: no tokens


def test_actor_agrees():
    assert sc.actor_agrees(None, None)  # the text names no one, neither do we
    assert sc.actor_agrees("  ", None)  # blank is absent
    assert not sc.actor_agrees(None, "Gang members")
    assert not sc.actor_agrees("gunmen", None)
    assert sc.actor_agrees("gang members", "Gang members")
    assert sc.actor_agrees("Taliban", "Taliban militants")  # overlap 2/3
    assert not sc.actor_agrees("unidentified armed men", "Taliban militants")
    # exactly at the threshold agrees: one of three tokens against one -> F1 0.5
    assert sc.token_overlap("police", "riot police officers") == pytest.approx(0.5)
    assert sc.actor_agrees("police", "riot police officers")
    assert not sc.actor_agrees("police", "riot police officers", threshold=0.6)


def test_fatalities_agree():
    assert sc.fatalities_agree(None, None)
    assert sc.fatalities_agree(0, 0) and sc.fatalities_agree(12, 12)
    assert not sc.fatalities_agree(0, None) and not sc.fatalities_agree(None, 0)
    assert not sc.fatalities_agree(11, 12)


# --- pairing incidents with events --------------------------------------------------------


def test_match_prefers_the_gold_layer_over_a_nearer_event():
    events = [event("armed_clash", lon=0.01), event("strike", lon=2.0)]
    assert sc.match_incidents(events, [gold("strike")]) == [1]


def test_match_takes_the_nearest_of_the_layer_else_the_nearest():
    events = [event("strike", lon=3.0), event("strike", lon=1.0), event("protest", lon=0.5)]
    assert sc.match_incidents(events, [gold("strike")]) == [1]
    assert sc.match_incidents(events, [gold("riot")]) == [2]  # no riot: nearest of all


def test_match_is_one_to_one():
    events = [event("strike", lon=0.0)]
    assert sc.match_incidents(events, [gold("strike"), gold("strike", lon=1.0)]) == [0, None]
    # the better pair wins the event, whichever gold comes first
    assert sc.match_incidents(events, [gold("protest"), gold("strike", lon=1.0)]) == [None, 0]
    two = [event("strike", lon=0.0), event("explosion", lon=5.0)]
    assert sc.match_incidents(two, [gold("explosion", lon=0.0), gold("strike", lon=0.0)]) \
        == [1, 0]


def test_match_without_events_or_coordinates():
    assert sc.match_incidents([], [gold(), gold()]) == [None, None]
    events = [event("strike", lat=None, lon=None), event("strike", lon=4.0)]
    assert sc.match_incidents(events, [gold("strike")]) == [1]  # no point sorts last
    assert sc.match_incidents(events[:1], [gold("strike")]) == [0]  # but still pairs


def test_event_distance_km():
    assert sc.event_distance_km(event(lon=1.0), 0.0, 0.0) == pytest.approx(KM_PER_DEGREE, 1e-3)
    assert sc.event_distance_km(event(lat=None), 0.0, 0.0) == math.inf
    assert sc.event_distance_km(SimpleNamespace(), 0.0, 0.0) == math.inf
    assert sc.event_distance_km(event(lat=math.nan), 0.0, 0.0) == math.inf


def test_event_layer_reads_either_name():
    assert sc.event_layer(event("riot")) == "riot"
    assert sc.event_layer(SimpleNamespace(layer="riot")) == "riot"
    assert sc.event_layer(SimpleNamespace()) is None


# --- scoring one incident -----------------------------------------------------------------


def test_score_incident_all_right():
    ev = event("violence_against_civilians", lat=0.49, lon=29.47,
               acled_event_type="Violence against civilians",
               acled_sub_event_type="Sexual violence", date=dt.date(2021, 4, 14),
               actor1="FARDC soldiers", actor2="two women", fatalities=None)
    g = gold("violence_against_civilians", lat=0.4911, lon=29.4731,
             acled_event_type="Violence against civilians",
             acled_sub_event_type="Sexual violence", actor1="FARDC soldiers",
             actor2="women", fatalities=None)
    row = sc.score_incident(ev, g)
    assert all(row[f] for f in sc.INCIDENT_FIELDS), row
    assert row["distance_km"] == pytest.approx(0.4, abs=0.2)


def test_score_incident_event_without_the_new_fields():
    """Today's Event has no actor1/actor2/fatalities: they read as None, nothing raises."""
    ev = event("strike", acled_event_type="Explosions/Remote violence",
               acled_sub_event_type="Shelling/artillery/missile attack",
               date=dt.date(2021, 4, 15))
    row = sc.score_incident(ev, gold(actor1="Russian forces", actor2=None, fatalities=3))
    assert row["has_event"] and row["layer_right"] and row["event_type_right"]
    assert not row["sub_event_type_right"]
    assert not row["date_right"]
    assert not row["actor1_agrees"] and row["actor2_agrees"]  # None == None agrees
    assert not row["fatalities_right"]


def test_score_incident_distance_boundary():
    g = gold(lat=0.0, lon=0.0)
    near = sc.score_incident(event(lon=49.9 / KM_PER_DEGREE, date="2021-04-14"), g)
    far = sc.score_incident(event(lon=50.5 / KM_PER_DEGREE, date="2021-04-14"), g)
    assert near["within_50km"] and not far["within_50km"]
    assert sc.score_incident(event(lon=1.0), g, radius_km=200)["within_50km"]
    lost = sc.score_incident(event(lat=None, lon=None), g)
    assert not lost["within_50km"] and lost["distance_km"] is None


def test_score_incident_dates():
    g = gold(date="2021-04-14")
    assert sc.score_incident(event(date=dt.date(2021, 4, 14)), g)["date_right"]
    assert sc.score_incident(event(date=dt.datetime(2021, 4, 14, 22, 5)), g)["date_right"]
    assert sc.score_incident(event(date="2021-04-14"), g)["date_right"]
    assert not sc.score_incident(event(date=None), g)["date_right"]
    assert not sc.score_incident(event(date=dt.date(2021, 4, 13)), g)["date_right"]


def test_score_incident_without_event_is_all_wrong():
    row = sc.score_incident(None, gold())  # gold actors and fatalities are None
    assert not any(row[f] for f in sc.INCIDENT_FIELDS)
    assert row["distance_km"] is None


def test_summaries():
    rows = [
        {"style": "acled", "layer": "strike", "has_event": True, "layer_right": True},
        {"style": "acled", "layer": "riot", "has_event": True, "layer_right": False},
        {"style": "wire", "layer": "strike", "has_event": False, "layer_right": False},
        {"style": "headline", "layer": "strike", "has_event": True, "layer_right": True},
    ]
    fields = ("has_event", "layer_right")
    assert sc.summarise(rows, fields) == {"n": 4, "has_event": 0.75, "layer_right": 0.5}
    assert sc.summarise([], fields) == {"n": 0, "has_event": None, "layer_right": None}
    by_style = sc.summarise_by(rows, lambda r: r["style"], fields)
    assert list(by_style) == ["acled", "headline", "wire"]  # largest, then by name
    assert by_style["acled"] == {"n": 2, "has_event": 1.0, "layer_right": 0.5}
    assert sc.summarise_by(rows, lambda r: r["layer"], fields)["strike"]["n"] == 3
    full = sc.summarise([sc.score_incident(None, gold())])
    assert set(full) == {"n", *sc.INCIDENT_FIELDS}


def test_extra_events():
    assert sc.extra_events(3, 1) == 2
    assert sc.extra_events(1, 1) == 0
    assert sc.extra_events(0, 0) == 0


def test_as_date():
    assert sc.as_date("2021-04-14") == dt.date(2021, 4, 14)
    assert sc.as_date("2021-04-14T10:00:00") == dt.date(2021, 4, 14)
    assert sc.as_date(dt.datetime(2021, 4, 14, 1)) == dt.date(2021, 4, 14)
    assert sc.as_date(None) is None and sc.as_date("") is None
