"""Event extraction: the seed article's acceptance cases and short articles of our own."""

from __future__ import annotations

import datetime as dt

import pytest

from geo.events.extract import extract_events
from geo.model import EVENT_TYPES, Article
from geo.text.sentences import split_sentences

PUBLISHED = dt.date(2023, 3, 27)


@pytest.fixture(scope="module")
def seed_events(seed_text):
    article = Article(id="seed", title="Moscow-Backed Talks", text=seed_text,
                      published=PUBLISHED, url="https://example.org/seed")
    return extract_events(article)


def find(events, event_type, place=None, date=None, status=None):
    return [e for e in events if e.event_type == event_type
            and (place is None or e.place == place)
            and (date is None or e.date == date)
            and (status is None or e.status == status)]


def test_earthquake_at_jinderis(seed_events):
    (quake,) = find(seed_events, "earthquake", "Jinderis")
    assert quake.date in (dt.date(2023, 2, 6), dt.date(2023, 2, 9))
    assert quake.date_precision == "day" and quake.geo_precision == 1
    assert abs(quake.lat - 36.395) < 0.05 and abs(quake.lon - 36.689) < 0.05


def test_earthquake_in_turkey_on_february_6(seed_events):
    (quake,) = find(seed_events, "earthquake", "Turkey", dt.date(2023, 2, 6))
    assert quake.country_code == "TR" and quake.geo_precision == 3


@pytest.mark.parametrize(
    ("place", "date", "precision", "status"),
    [
        ("Sochi", dt.date(2018, 5, 17), "day", "occurred"),
        ("Moscow", dt.date(2022, 12, 1), "month", "occurred"),
        ("Moscow", dt.date(2023, 3, 15), "day", "occurred"),
        ("Moscow", dt.date(2023, 4, 1), "month", "planned"),
        ("Ankara", dt.date(2023, 3, 1), "month", "occurred"),
    ],
)
def test_diplomacy(seed_events, place, date, precision, status):
    found = find(seed_events, "diplomacy", place, date, status)
    assert found, [(e.place, e.date, e.status) for e in find(seed_events, "diplomacy")]
    assert found[0].date_precision == precision


def test_battle_at_raqqa(seed_events):
    found = [e for e in seed_events if e.place == "Raqqa" and e.date == dt.date(2017, 6, 22)
             and e.event_type in ("armed_clash", "strike")]
    assert found and found[0].acled_event_type in ("Battles", "Explosions/Remote violence")


def test_drone_attack_on_the_base_in_northeastern_syria(seed_events):
    for event_type in ("military_base", "strike"):
        (event,) = find(seed_events, event_type, "northeastern Syria", dt.date(2023, 3, 23))
        assert event.country_code == "SY" and event.geo_precision == 2
        assert event.uncertainty_km >= 50


def test_us_strikes_in_eastern_syria(seed_events):
    strikes = find(seed_events, "strike", "eastern Syria")
    assert strikes
    assert all(dt.date(2023, 3, 20) <= e.date <= dt.date(2023, 3, 27) for e in strikes)
    assert strikes[0].acled_event_type == "Explosions/Remote violence"


def test_nothing_at_washington(seed_events):
    assert not [e for e in seed_events if e.place == "Washington"]
    assert not [e for e in seed_events if abs(e.lat - 38.9) < 1 and abs(e.lon + 77.0) < 1]


def test_evidence_is_verbatim_and_sourced(seed_text, seed_events):
    assert seed_events
    for e in seed_events:
        assert seed_text[e.evidence_start:e.evidence_end] == e.evidence
        assert e.article_id == "seed" and e.source_url == "https://example.org/seed"
        assert e.published == PUBLISHED
        assert e.event_type in EVENT_TYPES and 0 < e.confidence <= 1


def test_repeated_captions_give_one_event(seed_events):
    ids = [e.event_id for e in seed_events]
    assert len(ids) == len(set(ids))
    assert len(find(seed_events, "earthquake", "Jinderis")) == 1


def brief(text, published=dt.date(2024, 5, 10)):
    return extract_events(Article(id="t", title="t", text=text, published=published))


def test_protest_with_relative_date():
    (e,) = brief("Thousands of people joined a protest in Istanbul yesterday.")
    assert (e.event_type, e.place, e.date) == ("protest", "Istanbul", dt.date(2024, 5, 9))
    assert e.acled_event_type == "Protests"


def test_shelling_is_artillery():
    (e,) = brief("Artillery shelling hit Kharkiv on May 3, officials said.")
    assert e.event_type == "strike"
    assert e.acled_sub_event_type == "Shelling/artillery/missile attack"
    assert (e.date, e.date_precision) == (dt.date(2024, 5, 3), "day")


def test_clash_and_denial():
    (e,) = brief("The army denied that fighting had broken out near Aleppo.")
    assert (e.event_type, e.status, e.geo_precision) == ("armed_clash", "denied", 2)


def test_claimed_strike():
    (e,) = brief("Rebels claimed a drone strike in Idlib on Tuesday.")
    assert (e.event_type, e.status) == ("strike", "claimed")


def test_planned_summit_without_date_uses_publication_date():
    (e,) = brief("Leaders are expected to hold a summit in Geneva.")
    assert (e.event_type, e.status, e.date_precision) == ("diplomacy", "planned", "published")
    assert e.date == dt.date(2024, 5, 10)


def test_photo_caption_carries_its_date():
    text = ("Officials inspect the damage.\n"
            "Rescuers search the rubble after an earthquake in Antakya, Turkey, on Feb. 8, "
            "2023. (Photo agency)\n")
    (e,) = brief(text)
    assert (e.event_type, e.place, e.date) == ("earthquake", "Antakya", dt.date(2023, 2, 8))


def test_country_only_mentions_need_a_locative():
    assert brief("Turkey held talks with Greece on Monday.") == []
    (e,) = brief("Protests spread in Iran on Friday.")
    assert (e.place, e.geo_precision) == ("Iran", 3)


def test_sentence_splitter_keeps_abbreviations():
    sentences = [s.text for s in split_sentences("U.S. troops left Feb. 6. Talks began.")]
    assert sentences == ["U.S. troops left Feb. 6.", "Talks began."]
