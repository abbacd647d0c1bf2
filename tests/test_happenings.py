"""Happenings: reports of one incident from many articles grouped into one, in the store.

The grouping rule (geo.happenings.group) on hand-made reports, the store keeping it up to
date incrementally and whatever the order of ingest, and three real articles about one
strike through the whole pipeline.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from factories import make_event

from geo.happenings.group import compatible, date_span, group, is_anchor, summarise
from geo.model import Article, Event, EventQuery
from geo.store import SQLiteStore, open_store

DAY = dt.date(2023, 3, 24)


def report(event_id: str, article_id: str, **changes: object) -> Event:
    values: dict[str, object] = dict(date=DAY, lat=35.336, lon=40.141, country_code="SY",
                                     place="Deir ez-Zor", uncertainty_km=8.7)
    return make_event(event_id=event_id, article_id=article_id, **{**values, **changes})


def article(article_id: str) -> Article:
    return Article(id=article_id, title=f"Report {article_id}", text=f"Text of {article_id}.",
                   published=DAY, url=f"https://{article_id}.example/news")


# --- the rule ----------------------------------------------------------------------------

def test_reports_of_one_strike_from_two_articles_are_compatible() -> None:
    assert compatible(report("e1", "a1"), report("e2", "a2"))


@pytest.mark.parametrize("change, why", [
    ({"article_id": "a1"}, "same article"),
    ({"event_type": "protest"}, "another layer"),
    ({"country_code": "IQ"}, "another country"),
    ({"date": DAY + dt.timedelta(days=1)}, "a day apart"),
    ({"lat": 34.56, "lon": 38.28, "place": "Palmyra"}, "200 km away"),
    ({"date": None}, "undated"),
    ({"date_precision": "year"}, "only the year known"),
])
def test_reports_that_differ_are_not_compatible(change: dict, why: str) -> None:
    base = report("e1", "a1", actor1="US forces")
    assert not compatible(base, dataclasses.replace(report("e2", "a2", actor1="US forces"),
                                                    **change)), why


def test_named_attackers_must_share_a_word() -> None:
    us = report("e1", "a1", actor1="US forces")
    assert compatible(us, report("e2", "a2", actor1="US warplanes"))
    assert compatible(us, report("e2", "a2", actor1=None))
    assert not compatible(us, report("e2", "a2", actor1="Russian forces"))
    # "forces", numbers and the like say nothing about who.
    assert not compatible(report("e1", "a1", actor1="Syrian forces"),
                          report("e2", "a2", actor1="Turkish forces"))


def test_date_spans_follow_precision() -> None:
    assert date_span(report("e", "a", date_precision="published")) == (
        DAY - dt.timedelta(days=3), DAY)
    assert date_span(report("e", "a", date=dt.date(1, 1, 1), date_precision="published")
                     ) is None  # no room before the year 1


def test_a_coarse_report_joins_the_one_group_it_fits_and_never_bridges_two() -> None:
    town_a = report("e1", "a1")
    town_a2 = report("e2", "a2")
    province = report("e3", "a3", place="Deir ez-Zor Governorate", geo_precision=3,
                      uncertainty_km=120.0, lat=35.2, lon=40.5)
    groups = group([province, town_a, town_a2])
    assert [[e.event_id for e in g] for g in groups] == [["e1", "e2", "e3"]]
    # A second town 60 km away: the province report fits both and stays apart.
    town_b = report("e4", "a4", place="Mayadin", lat=35.02, lon=40.45)
    groups = group([province, town_a, town_a2, town_b])
    assert [[e.event_id for e in g] for g in groups] == [["e1", "e2"], ["e3"], ["e4"]]


def test_daily_reports_of_one_town_do_not_chain_into_one_happening() -> None:
    daily = [report(f"e{d:02d}{k}", f"a{d}-{k}", date=DAY + dt.timedelta(days=d))
             for d in range(10) for k in range(2)]
    month = report("m", "am", date_precision="month")  # fits all ten: stays apart
    published = report("p", "ap", date_precision="published",
                       date=DAY + dt.timedelta(days=2))  # fits three days: apart
    groups = group([*daily, month, published])
    assert sorted(len(g) for g in groups) == [1, 1] + [2] * 10


def test_grouping_does_not_depend_on_order() -> None:
    rng = random.Random(7)
    reports = [report(f"e{i:03d}", f"a{i % 9}", lat=35 + rng.random() * 0.3,
                      lon=40 + rng.random() * 0.3,
                      date=DAY + dt.timedelta(days=rng.randint(0, 6)),
                      uncertainty_km=rng.choice([3.0, 10.0, 60.0]))
               for i in range(120)]
    first = group(reports)
    for _ in range(5):
        rng.shuffle(reports)
        assert group(reports) == first


def every_pair_group(events: list[Event]) -> list[list[str]]:
    """The grouping rule applied to every pair of reports, without any index."""
    pool = sorted((e for e in events if date_span(e) is not None),
                  key=lambda e: e.event_id)
    anchor = [is_anchor(e) for e in pool]
    parent = list(range(len(pool)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    fits: dict[int, set[int]] = {}
    for i, j in itertools.combinations(range(len(pool)), 2):
        if (anchor[i] or anchor[j]) and compatible(pool[i], pool[j]):
            if anchor[i] and anchor[j]:
                ri, rj = root(i), root(j)
                parent[max(ri, rj)] = min(ri, rj)
            else:
                other, seed = (j, i) if anchor[i] else (i, j)
                fits.setdefault(other, set()).add(seed)
    groups: dict[int, list[str]] = {}
    out = [[e.event_id] for e in events if date_span(e) is None]
    for i, e in enumerate(pool):
        if anchor[i]:
            groups.setdefault(root(i), []).append(e.event_id)
    for i, e in enumerate(pool):
        targets = {root(k) for k in fits.get(i, ())}
        if anchor[i]:
            continue
        if len(targets) == 1:
            groups[targets.pop()].append(e.event_id)
        else:
            out.append([e.event_id])
    return sorted(sorted(g) for g in [*out, *groups.values()])


@pytest.mark.parametrize("seed", range(6))
def test_the_indexed_grouping_equals_the_rule_on_every_pair(seed: int) -> None:
    # Dense and mixed: many reports a day at a few places (one near the pole, one on
    # the antimeridian), countries given or not, every date precision, fine and
    # coarse places; the index must find every pair the rule joins.
    rng = random.Random(seed)
    places = [(35.0, 40.0, "SY"), (35.2, 40.3, "SY"), (35.1, 41.5, "IQ"),
              (89.7, 10.0, ""), (0.0, 179.95, "FJ"), (0.05, -179.97, "")]
    reports = []
    for i in range(400):
        lat, lon, country = rng.choice(places)
        coarse = rng.random() < 0.2
        spread = 1.0 if coarse else 0.15
        reports.append(report(
            f"e{i:04d}", f"a{rng.randrange(150)}",
            event_type=rng.choice(["strike", "strike", "armed_clash"]),
            lat=max(-90.0, min(90.0, lat + rng.uniform(-spread, spread))),
            lon=lon + rng.uniform(-spread, spread),
            country_code=rng.choice([country, country, country, ""]),
            date=DAY + dt.timedelta(days=rng.randint(0, 40)),
            date_precision=rng.choice(["day"] * 6 + ["published", "month", "year"]),
            uncertainty_km=rng.choice([300.0, 60.0]) if coarse
            else rng.choice([1.0, 5.0, 15.0, 25.0, 26.0]),
            actor1=rng.choice([None, None, None, "army", "rebels"])))
    assert sorted([e.event_id for e in g] for g in group(reports)) == \
        every_pair_group(reports)


def test_pins_and_rejections_override_the_rule() -> None:
    a, b, c = report("e1", "a1"), report("e2", "a2"), report("e3", "a3")
    assert len(group([a, b, c])) == 1
    pins = {"e3": "s-e3"}
    assert [[e.event_id for e in g] for g in group([a, b, c], pins)] == [["e1", "e2"], ["e3"]]
    rejected = dataclasses.replace(b, review_status="rejected")
    assert [[e.event_id for e in g] for g in group([a, rejected, c])] == [
        ["e1", "e3"], ["e2"]]


def test_the_happening_takes_the_finest_place_most_precise_date_and_counts_sources() -> None:
    fine = report("e2", "a2", fatalities=8, date_precision="day")
    coarse = report("e1", "a1", place="eastern Syria", geo_precision=2, uncertainty_km=160.0,
                    lat=34.77, lon=41.02, fatalities=10, date_precision="published",
                    date=DAY + dt.timedelta(days=1))
    again = report("e3", "a3", fatalities=9)
    happening = summarise("h-e1", [coarse, fine, again])
    assert (happening.place, happening.date, happening.date_precision) == (
        "Deir ez-Zor", DAY, "day")
    assert happening.sources == 3 and happening.fatalities == 8
    assert happening.event_id == happening.happening_id == "h-e1"


# --- in the store ------------------------------------------------------------------------

def fill(store: SQLiteStore, order: list[int]) -> None:
    batches = [
        ("a1", [report("e1", "a1", actor1="US forces")]),
        ("a2", [report("e2", "a2", lat=35.34, lon=40.15)]),
        ("a3", [report("e3", "a3", place="eastern Syria", uncertainty_km=160.0,
                       geo_precision=2, lat=34.77, lon=41.02)]),
        ("a4", [report("e4", "a4", place="Palmyra", lat=34.56, lon=38.28, uncertainty_km=4.0)]),
        ("a5", [report("e5", "a5", event_type="protest", place="Deir ez-Zor")]),
    ]
    for i in order:
        article_id, events = batches[i]
        store.add_article(article(article_id), events)


def grouping(store: SQLiteStore) -> list[tuple[str, int, list[str]]]:
    return [(h.event_id, h.sources, [r.event_id for r in store.reports(h.event_id)])
            for h in store.query(EventQuery(happenings=True))]


def test_the_store_groups_reports_incrementally_and_order_never_matters(
        new_store: Callable[[str], str]) -> None:
    expected = [("h-e1", 3, ["e1", "e2", "e3"]), ("h-e4", 1, ["e4"]), ("h-e5", 1, ["e5"])]
    for n, order in enumerate([[0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [2, 4, 0, 3, 1]]):
        with open_store(new_store(f"s{n}")) as store:
            fill(store, order)
            assert grouping(store) == expected, order
            assert store.count() == 5 and store.count(EventQuery(happenings=True)) == 3
            assert {e.happening_id for e in store.query()} == {"h-e1", "h-e4", "h-e5"}


def test_happenings_filter_by_article_and_the_reports_keep_their_articles(
        new_store: Callable[[str], str]) -> None:
    with open_store(new_store("s")) as store:
        fill(store, [0, 1, 2, 3, 4])
        assert [h.event_id for h in store.query(EventQuery(happenings=True,
                                                           articles=("a2",)))] == ["h-e1"]
        assert store.sources_of(["h-e1"])["h-e1"] == [
            ("a1", "Title", None), ("a2", "Title", None), ("a3", "Title", None)]


def random_reports(seed: int, n: int) -> list[Event]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        coarse = rng.random() < 0.25
        out.append(report(
            f"e{i:03d}", f"a{rng.randrange(n // 2)}",
            lat=35 + rng.random() * (0.5 if coarse else 0.2),
            lon=40 + rng.random() * 0.2,
            date=DAY + dt.timedelta(days=rng.randint(0, 4)),
            date_precision=rng.choice(["day", "day", "day", "published", "month"]),
            uncertainty_km=rng.choice([60.0, 120.0]) if coarse else rng.choice([3.0, 9.0]),
            actor1=rng.choice([None, None, "army", "rebels"])))
    return out


# Every seed on SQLite, two on PostGIS (the same SQL, slower round trips).
SEEDS = [("sqlite", seed) for seed in range(8)] + [("postgis", seed) for seed in range(2)]


@pytest.mark.parametrize(("backend", "seed"), SEEDS)
def test_incremental_grouping_equals_grouping_everything(
        new_store: Callable[[str], str], seed: int) -> None:
    reports = random_reports(seed, 60)
    by_article: dict[str, list[Event]] = {}
    for e in reports:
        by_article.setdefault(e.article_id, []).append(e)
    order = list(by_article)
    random.Random(seed).shuffle(order)
    expected = [[e.event_id for e in g] for g in group(reports)]
    with open_store(new_store("s")) as store:
        for article_id in order:
            store.add_article(article(article_id), by_article[article_id])
        stored = [[r.event_id for r in store.reports(h.event_id)]
                  for h in store.query(EventQuery(happenings=True))]
        assert sorted(stored) == sorted(expected)
        # Re-extracting an article (some reports gone, one new) keeps it exact.
        victim = order[0]
        kept = by_article[victim][1:] + [report("zz", victim)]
        store.replace_events(victim, kept)
        rest = [e for e in reports if e.article_id != victim] + kept
        stored = [[r.event_id for r in store.reports(h.event_id)]
                  for h in store.query(EventQuery(happenings=True))]
        assert sorted(stored) == sorted([[e.event_id for e in g] for g in group(rest)])
        assert store.count(EventQuery(happenings=True)) == len(group(rest))


def snapshot(store: SQLiteStore) -> list[list[str]]:
    every = EventQuery(happenings=True, reviews=("unreviewed", "confirmed", "corrected",
                                                 "rejected"))
    return sorted([r.event_id for r in store.reports(h.event_id)]
                  for h in store.query(every))


@pytest.mark.parametrize(("backend", "seed"), SEEDS)
def test_corrections_keep_the_grouping_what_regrouping_everything_gives(
        new_store: Callable[[str], str], seed: int) -> None:
    rng = random.Random(seed)
    reports = random_reports(seed, 60)
    with open_store(new_store("s")) as store:
        for e in reports:
            store.add_article(article(e.article_id), [x for x in reports
                                                      if x.article_id == e.article_id])
        for _ in range(4):
            target = rng.choice(reports).event_id
            store.correct([target], {"lat": 35 + rng.random() * 0.3}, who="t")
            store.correct([rng.choice(reports).event_id],
                          {"review": rng.choice(["confirmed", "rejected"])}, who="t")
            ids = [h.event_id for h in store.query(EventQuery(happenings=True))]
            store.merge(rng.sample(ids, 2), who="t")
            ids = [h.event_id for h in store.query(EventQuery(happenings=True))
                   if h.sources > 1]
            if ids:
                store.split(rng.choice(ids), who="t")
        incremental = snapshot(store)
        store.regroup()
        assert snapshot(store) == incremental


def test_reopening_an_old_store_groups_what_it_holds(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "s.sqlite"
    with SQLiteStore(path) as store:
        fill(store, [0, 1, 2, 3, 4])
    with sqlite3.connect(path) as conn:  # as schema version 3 left it: no happenings
        conn.execute("DELETE FROM happenings")
        conn.execute("UPDATE events SET happening_id = NULL")
        conn.execute("DROP INDEX events_map4")
        conn.execute("DROP INDEX events_days")
        conn.execute("DROP INDEX events_happening")
        for column in ("happening_id", "sources", "review_status"):
            conn.execute(f"ALTER TABLE events DROP COLUMN {column}")
        conn.execute("UPDATE schema_version SET version = 3")
    conn.close()
    with SQLiteStore(path) as store:
        assert store.schema_version() == 4
        assert grouping(store)[0] == ("h-e1", 3, ["e1", "e2", "e3"])


# --- three real articles, through the whole pipeline ------------------------------------

STRIKE_ARTICLES = [
    Article(id="wire-a", title="US strikes weapons depot in Deir ez-Zor",
            text="A US air strike hit a weapons depot in Deir ez-Zor on Friday, killing "
                 "eight fighters, the Pentagon said.",
            published=DAY, url="https://wire.example/a"),
    # A coarser place: "eastern Syria".
    Article(id="wire-b", title="Warplanes hit eastern Syria",
            text="US warplanes struck targets in eastern Syria on March 24, a war monitor "
                 "reported. The monitor gave no toll.",
            published=DAY, url="https://monitor.example/b"),
    # A day later, "yesterday".
    Article(id="wire-c", title="Depot near Deir ez-Zor bombed",
            text="Yesterday American aircraft bombed an arms depot near the city of Deir "
                 "ez-Zor, residents said. Eight people were killed.",
            published=DAY + dt.timedelta(days=1), url="https://daily.example/c"),
]
# The same day, about 200 km away: another strike.
OTHER_STRIKE = Article(id="wire-d", title="Convoy hit near Palmyra",
                       text="An air strike hit a convoy near Palmyra on March 24, local "
                            "sources said.",
                       published=DAY, url="https://other.example/d")


@pytest.mark.slow
def test_three_articles_on_one_strike_make_one_happening_with_three_sources(
        new_store: Callable[[str], str]) -> None:
    from geo.pipeline import store_articles

    results = []
    for n, order in enumerate([[0, 1, 2, 3], [3, 2, 1, 0], [1, 3, 0, 2]]):
        items = [[*STRIKE_ARTICLES, OTHER_STRIKE][i] for i in order]
        with open_store(new_store(f"s{n}")) as store:
            report_ = store_articles(items, store)
            assert report_.ok
            strikes = store.query(EventQuery(happenings=True, types=("strike",)))
            results.append([(h.event_id, h.sources, h.place) for h in strikes])
            assert store.count(EventQuery(types=("strike",))) == 4
    assert results[0] == results[1] == results[2]
    by_sources = sorted(results[0], key=lambda r: -r[1])
    assert by_sources[0][1:] == (3, "Deir ez-Zor")  # the finest place of the three
    assert by_sources[1][1:] == (1, "Palmyra")  # 200 km away: apart
    assert len(by_sources) == 2


def test_a_reextraction_that_disagrees_with_a_correction_is_flagged(
        new_store: Callable[[str], str]) -> None:
    first = report("e1", "a1", fatalities=3)
    with open_store(new_store("s")) as store:
        store.add_article(article("a1"), [first])
        (record,) = store.correct(["e1"], {"fatalities": 5}, who="analyst", note="wire")
        assert (record.old, record.new, record.who, record.note) == ("3", "5", "analyst", "wire")
        # The same extraction again: nothing to flag.
        store.replace_events("a1", [first])
        assert store.flagged() == [] and store.get_events(["e1"])[0].fatalities == 5
        # A better extractor now reads 4: the analyst's 5 stays, and is flagged.
        store.replace_events("a1", [dataclasses.replace(first, fatalities=4)])
        (kept,) = store.get_events(["e1"])
        assert (kept.fatalities, kept.review_status) == (5, "corrected")
        assert store.flagged() == [("e1", "fatalities")]
        # An event renamed by the new extraction (another id, same sentence) keeps it.
        store.replace_events("a1", [dataclasses.replace(first, event_id="e1-new")])
        (renamed,) = store.get_events(["e1-new"])
        assert renamed.fatalities == 5


def test_the_text_search_reads_sentence_place_and_title(new_store: Callable[[str], str]) -> None:
    with open_store(new_store("s")) as store:
        fill(store, [0, 1, 2, 3, 4])
        assert {e.event_id for e in store.query(EventQuery(text="PALMYRA"))} == {"e4"}
        assert store.count(EventQuery(text="no such words")) == 0
        # "%" and "_" are plain characters, and happenings are searched too.
        assert store.count(EventQuery(text="100%")) == 0
        assert store.count(EventQuery(text="deir", happenings=True)) == 2


def test_a_large_batch_is_grouped_as_a_small_one(new_store: Callable[[str], str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import geo.store.common

    reports = random_reports(3, 60)
    with open_store(new_store("small")) as store:
        store.add_events(reports)
        small = snapshot(store)
    monkeypatch.setattr(geo.store.common, "BULK_BATCH", 10)
    with open_store(new_store("bulk")) as store:
        store.add_events(reports)
        assert snapshot(store) == small
    assert small == sorted([e.event_id for e in g] for g in group(reports))
