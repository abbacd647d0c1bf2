"""Batch writes (``Store.add_articles``): the same store as writing articles one by one.

On SQLite and PostGIS: articles, reports and happenings written in batches of any size
equal those written one at a time in the same order, with repeats, texts already
stored, reports of no country and corrections in between; a bad event keeps nothing of
its batch.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Callable

import pytest
from factories import make_event

from geo.errors import InputError
from geo.happenings.group import group
from geo.model import Article, Event, EventQuery
from geo.store import happen, open_store
from geo.store.common import SQLStore, plain_row
from geo.store.sql import event_row

DAY = dt.date(2023, 3, 24)
LONG = "Shelling hit the town of {n} on Friday, killing several people, officials said."


def batch_inputs(seed: int, n_articles: int) -> list[tuple[Article, list[Event]]]:
    """Articles of 1-3 reports near one another (so they group), in three countries and
    none, with repeats: the same id again, and the same text under another id."""
    rng = random.Random(seed)
    out: list[tuple[Article, list[Event]]] = []
    for a in range(n_articles):
        article_id = f"a{a:03d}"
        events = []
        for k in range(rng.randint(1, 3)):
            coarse = rng.random() < 0.25
            country = rng.choice(["SY", "SY", "IQ", "TR", ""])
            events.append(make_event(
                event_id=f"{article_id}-{k}", article_id=article_id, country_code=country,
                place="Somewhere", lat=35 + rng.random() * (0.5 if coarse else 0.2),
                lon=40 + rng.random() * 0.2,
                date=DAY + dt.timedelta(days=rng.randint(0, 4)),
                date_precision=rng.choice(["day", "day", "day", "published", "month"]),
                uncertainty_km=rng.choice([60.0, 120.0]) if coarse else rng.choice([3.0, 9.0]),
                actor1=rng.choice([None, None, "army", "rebels"]),
                evidence_start=10 * k, evidence_end=10 * k + 9))
        article = Article(id=article_id, title=f"Report {a}", text=LONG.format(n=a),
                          published=DAY, url=f"https://{article_id}.example/news")
        out.append((article, events))
        if rng.random() < 0.1:  # the same article again
            out.append((article, events))
        if rng.random() < 0.1:  # its text under another id (a file and its URL)
            other = dataclasses.replace(article, id=f"{article_id}-url")
            out.append((other, [dataclasses.replace(e, article_id=other.id,
                                                    event_id=f"{e.event_id}-url")
                                for e in events]))
    return out


def contents(store: SQLStore) -> dict[str, list[tuple]]:
    return {name: list(store.dump(name)) for name in ("articles", "events", "happenings")}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batches_store_what_one_by_one_stores(new_store: Callable[[str], str],
                                              seed: int) -> None:
    inputs = batch_inputs(seed, 70)
    rng = random.Random(seed)
    with open_store(new_store("one")) as one, open_store(new_store("many")) as many:
        assert isinstance(one, SQLStore) and isinstance(many, SQLStore)
        # A correction before the batches (the batches then read the overrides).
        first, first_events = inputs[0]
        for store in (one, many):
            store.add_article(first, first_events)
            store.correct([first_events[0].event_id], {"fatalities": 7}, who="t")
        added_one = [one.add_article(a, e) for a, e in inputs[1:]]
        added_many: list[bool] = []
        rest = inputs[1:]
        while rest:
            size = rng.choice([1, 2, 5, 17, 40])
            added_many += many.add_articles(rest[:size])
            rest = rest[size:]
        assert added_many == added_one
        assert 0 < sum(added_one) < len(added_one)  # repeats were skipped
        assert contents(many) == contents(one)
        # And both are what grouping every report at once gives.
        reports = many.query(EventQuery())
        expected = sorted([e.event_id for e in g] for g in group(reports))
        stored = sorted([r.event_id for r in many.reports(h.event_id)]
                        for h in many.query(EventQuery(happenings=True)))
        assert stored == expected
        # Reports of no country were grouped with reports of a country.
        countries = [{r.country_code for r in many.reports(h.event_id)}
                     for h in many.query(EventQuery(happenings=True))]
        assert any("" in found and len(found) > 1 for found in countries)


def test_a_batch_with_a_bad_event_keeps_nothing(new_store: Callable[[str], str]) -> None:
    inputs = batch_inputs(5, 6)
    article, events = inputs[3]
    bad = (article, [dataclasses.replace(events[0], status="rumoured")])
    with open_store(new_store("s")) as store:
        with pytest.raises(InputError, match=f"article '{article.id}' not stored"):
            store.add_articles([*inputs[:3], bad])
        with pytest.raises(InputError, match="has article_id"):
            store.add_articles([(inputs[0][0], inputs[1][1])])
        assert store.articles() == [] and store.count() == 0
        assert store.add_articles([]) == []
        assert store.add_articles(inputs[:3]) == [True, True, True]
        assert store.add_articles(inputs[:4]) == [False, False, False, True]


def test_candidates_searched_together_are_each_reports_own(
        new_store: Callable[[str], str]) -> None:
    # A regrouping searches the candidates of many reports in one statement: each gets
    # what its own search finds (same country or none, dates, distance, other articles,
    # not rejected), whatever else is searched with it.
    inputs = batch_inputs(3, 60)
    with open_store(new_store("c")) as store:
        assert isinstance(store, SQLStore)
        store.add_articles(inputs)
        stored = store.query(EventQuery(reviews=("unreviewed", "rejected", "confirmed")))
        store.correct([stored[1].event_id], {"review": "rejected"}, who="t")
        extra = [
            make_event(event_id="new-1", article_id="new", country_code="SY", lat=35.1,
                       lon=40.1, date=DAY, uncertainty_km=9.0),
            make_event(event_id="new-2", article_id=stored[0].article_id, country_code="IQ",
                       lat=35.05, lon=40.05, date=DAY + dt.timedelta(days=2)),
            make_event(event_id="new-3", article_id="new", country_code="TR", lat=35.1,
                       lon=40.1, date=None, date_precision="published", published=None),
            make_event(event_id="new-4", article_id="new", country_code="SY", lat=-20.0,
                       lon=40.1, date=DAY),
        ]
        wanted = [*stored, *extra]
        with store._transaction() as conn:
            together = happen._candidates_many(conn, wanted)
            alone = {e.event_id: happen._candidates(conn, e) for e in wanted}
        assert set(together) == set(alone)
        for key, found in alone.items():
            assert sorted(together[key], key=lambda e: e.event_id) == \
                sorted(found, key=lambda e: e.event_id), key
        assert sum(map(len, alone.values())) > len(stored)  # they found one another
        assert together["new-1"] and not together["new-3"] and not together["new-4"]


def test_reports_upserted_together_are_stored_as_given(new_store: Callable[[str], str]) -> None:
    # PostgreSQL writes a batch's reports in one statement from JSON: every value comes
    # back as given (full-precision coordinates, dates, missing values); an id given
    # twice keeps its last row; an infinite number (no JSON for it) is written too.
    events = [make_event(event_id=f"u{k}", article_id="art", lat=35.123456789012345 + k / 7,
                         lon=-40.98765432109876, date=DAY + dt.timedelta(days=k),
                         fatalities=None if k % 2 else k, actor1="army" if k else None,
                         confidence=1 / 3)
              for k in range(4)]
    again = dataclasses.replace(events[2], place="Elsewhere", lat=1e-7)
    with open_store(new_store("u")) as store:
        assert isinstance(store, SQLStore)
        with store._transaction() as conn:
            happen.upsert_events(conn, [event_row(e) for e in [*events, again]])
        assert list(store.dump("events")) == [
            plain_row(event_row(e)) for e in [events[0], events[1], again, events[3]]]
        infinite = dataclasses.replace(events[0], magnitude=float("inf"))
        with store._transaction() as conn:
            happen.upsert_events(conn, [event_row(infinite)])
        assert store.get_events(["u0"])[0].magnitude == float("inf")
