"""Tests for geo.store: round trip, idempotence, transactions, filters, concurrency."""

from __future__ import annotations

import dataclasses
import datetime as dt
import multiprocessing
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from factories import EVENT_DEFAULTS, make_event

from geo.errors import InputError
from geo.model import ACLED_SUB_EVENT_TYPES, EVENT_TYPES, Article, Event, EventQuery
from geo.store import SQLiteStore, Store, default_store_path, open_store, parse_bbox

BASE = EVENT_DEFAULTS


def event(**changes: object) -> Event:
    return make_event(**changes)


def article(article_id: str, **changes: object) -> Article:
    values = dict(
        id=article_id,
        title=f"Title {article_id}",
        text=f"Text of {article_id}.",
        published=dt.date(2023, 2, 2),
        url=f"https://example.org/{article_id}",
        source=f"https://example.org/{article_id}",
    )
    return Article(**{**values, **changes})  # type: ignore[arg-type]


# Five article events and one catalog quake, spread over types, dates and the map.
EVENTS = [
    event(
        event_id="e1",
        article_id="a1",
        place="Gaziantep",
        lat=37.07,
        lon=37.38,
        geonameid=314830,
        admin1="Gaziantep",
        actor1="Military Forces of Turkey",
        actor2="Kurdish militants",
        fatalities=0,
    ),
    event(
        event_id="e2",
        article_id="a1",
        event_type="protest",
        acled_event_type="Protests",
        acled_sub_event_type="Peaceful protest",
        status="planned",
        date=dt.date(2023, 2, 10),
        place="Aleppo",
        lat=36.2,
        lon=37.16,
        country_code="SY",
        geo_precision=2,
        actor1="protesters",
        actor2="Police Forces",
    ),
    event(
        event_id="e3",
        article_id="a2",
        event_type="armed_clash",
        acled_event_type="Battles",
        acled_sub_event_type="Armed clash",
        status="claimed",
        date=dt.date(2023, 3, 5),
        date_precision="month",
        place="Ukraine",
        lat=48.0,
        lon=37.8,
        country_code="UA",
        geo_precision=3,
        uncertainty_km=600.0,
        actor1="Russian forces",
        fatalities=12,
    ),
    event(
        event_id="e4",
        article_id="a2",
        event_type="diplomacy",
        acled_event_type="Strategic developments",
        acled_sub_event_type="Agreement",
        date=None,
        date_precision="published",
        place="Moscow",
        lat=55.75,
        lon=37.62,
        country_code="RU",
    ),
    event(
        event_id="e5",
        article_id="a3",
        event_type="military_base",
        acled_event_type="Strategic developments",
        acled_sub_event_type="Other",
        status="denied",
        date=dt.date(2022, 12, 31),
        place="Labasa",
        lat=-16.43,
        lon=179.38,
        country_code="FJ",
    ),
]
QUAKE = event(
    event_id="usgs:us6000jllz",
    event_type="earthquake",
    acled_event_type=None,
    acled_sub_event_type=None,
    date=dt.date(2023, 2, 6),
    place="26 km E of Nurdağı",
    lat=37.1736,
    lon=37.032,
    article_id="usgs",
    article_title="USGS earthquake catalog",
    source_url="https://earthquake.usgs.gov/earthquakes/eventpage/us6000jllz",
    published=None,
    confidence=1.0,
    magnitude=7.8,
    depth_km=17.925,
    usgs_id="us6000jllz",
)


def fill(store: SQLiteStore) -> None:
    for article_id in ("a1", "a2", "a3"):
        mine = [e for e in EVENTS if e.article_id == article_id]
        assert store.add_article(article(article_id), mine)
    store.add_events([QUAKE])


@pytest.fixture
def store(new_store: Callable[[], str]) -> Iterator[Store]:
    """A filled store, on SQLite and on PostGIS."""
    with open_store(new_store()) as opened:
        fill(opened)
        yield opened


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "events.sqlite"
    with open_store(path) as store:
        fill(store)
    # A fresh connection sees exactly what was written, dates and None included.
    with open_store(path) as store:
        assert store.query() == sorted(
            EVENTS + [QUAKE], key=lambda e: (e.date is None, e.date or dt.date.min, e.event_id)
        )
        assert store.get_article("a1") == article("a1")
        assert store.get_article("missing") is None
        assert store.has_article("a2") and not store.has_article("usgs")
        listed = store.articles()
        assert [a.id for a in listed] == ["a1", "a2", "a3"]
        assert all(a.text == "" for a in listed)
        assert store.articles(with_text=True)[0] == article("a1")
        assert store.schema_version() == 4
        (e1,) = store.get_events(["e1"])
        assert (e1.actor1, e1.actor2, e1.fatalities) == ("Military Forces of Turkey",
                                                         "Kurdish militants", 0)
        assert store.get_events(["e4"])[0].fatalities is None  # not said, not 0


def test_reingest_stores_nothing_new(store: SQLiteStore) -> None:
    changed = dataclasses.replace(EVENTS[0], place="Elsewhere")
    assert store.add_article(article("a1", title="Other title"), [changed]) is False
    assert store.get_article("a1") == article("a1")
    assert store.query(EventQuery(articles=["a1"]))[0].place == "Gaziantep"
    assert store.count() == 6


def test_add_events_is_idempotent_and_upserts(store: SQLiteStore) -> None:
    assert store.add_events([QUAKE, QUAKE]) == 2
    linked = dataclasses.replace(EVENTS[0], related_quake="us6000jllz")
    store.add_events([linked])
    assert store.count() == 6
    assert store.query(EventQuery(articles=["a1"], types=["strike"])) == [linked]


@pytest.mark.parametrize(
    "bad",
    [
        event(event_id="bad", geonameid=object()),  # sqlite cannot bind it
        event(event_id="bad", lat=200.0),  # fails the CHECK constraint
        event(event_id="bad", event_type="volcano"),  # rejected while writing
        event(event_id="bad", event_type="protest", acled_sub_event_type="Air/drone strike"),
        event(event_id="bad", event_type="earthquake", acled_event_type=None,
              acled_sub_event_type="Other"),
        event(event_id="bad", fatalities=-1),
        event(event_id="bad", fatalities=2.5),
        event(event_id="bad", fatalities="3"),
        event(event_id="bad", fatalities=True),
        event(event_id="bad", actor1=["army"]),
    ],
    ids=["unbindable", "check", "unknown-type", "sub-type-of-another-layer",
         "sub-type-of-no-layer", "negative-fatalities", "fractional-fatalities",
         "text-fatalities", "boolean-fatalities", "actor-not-text"],
)
def test_failure_mid_article_stores_nothing(store: SQLiteStore, bad: Event) -> None:
    events = [event(event_id="ok1", article_id="a9"), dataclasses.replace(bad, article_id="a9")]
    with pytest.raises(InputError, match="a9|bad"):
        store.add_article(article("a9"), events)
    assert not store.has_article("a9")
    assert store.count(EventQuery(articles=["a9"])) == 0
    assert store.count() == 6
    # The store is usable afterwards, and the article can be ingested once fixed.
    assert store.add_article(article("a9"), events[:1])


def test_event_of_another_article_is_refused(store: SQLiteStore) -> None:
    with pytest.raises(InputError, match="article_id 'a1', not 'a9'"):
        store.add_article(article("a9"), [EVENTS[0]])
    assert not store.has_article("a9")


def test_crash_mid_ingest_leaves_store_as_before(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite"
    with open_store(path) as store:
        fill(store)
    # A child process dies (no cleanup, no rollback) after writing the article row and
    # one event of a new article inside its transaction.
    script = textwrap.dedent(
        f"""
        import datetime, os
        import geo.store.common, geo.store.sqlite
        from geo.model import Event
        from geo.model import Article
        real, calls = geo.store.common.event_row, []
        def dying(event):
            calls.append(event)
            if len(calls) == 2:
                os._exit(3)
            return real(event)
        geo.store.common.event_row = dying
        base = {BASE!r}
        events = [Event(**{{**base, "event_id": f"c{{i}}", "article_id": "crash"}})
                  for i in range(3)]
        store = geo.store.sqlite.SQLiteStore({str(path)!r})
        store.add_article(Article("crash", "t", "x", None), events)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert done.returncode == 3, done.stderr.decode()
    with open_store(path) as store:
        assert not store.has_article("crash")
        assert store.count() == 6
        assert store._conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def _ingest_many(path: str, prefix: str, barrier: object) -> None:
    """Write 25 articles of 4 events each, one transaction per article."""
    store = open_store(path)
    barrier.wait()  # type: ignore[attr-defined]
    for n in range(25):
        article_id = f"{prefix}{n}"
        events = [event(event_id=f"{article_id}-{i}", article_id=article_id) for i in range(4)]
        assert store.add_article(article(article_id), events)
    store.close()


def test_two_processes_ingest_at_once(tmp_path: Path) -> None:
    path = str(tmp_path / "events.sqlite")
    open_store(path).close()
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    workers = [ctx.Process(target=_ingest_many, args=(path, p, barrier)) for p in "pq"]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [w.exitcode for w in workers] == [0, 0]
    with open_store(path) as store:
        assert len(store.articles()) == 50
        assert store.count() == 200
        assert store._conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_writer_waits_for_a_held_lock(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite"
    store = open_store(path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process mid-ingest
    results: list[bool] = []
    writer = threading.Thread(
        target=lambda: results.append(store.add_article(article("w"), [])), daemon=True
    )
    writer.start()
    writer.join(0.3)
    assert writer.is_alive() and results == []  # queued on the busy timeout, not failed
    holder.execute("COMMIT")
    writer.join(30)
    assert results == [True]
    holder.close()
    store.close()


def test_threads_with_separate_and_shared_stores(tmp_path: Path) -> None:
    path = str(tmp_path / "events.sqlite")
    shared = open_store(path)
    barrier = threading.Barrier(3)
    threads = [
        threading.Thread(target=_ingest_many, args=(path, "s", barrier)),
        threading.Thread(target=_ingest_many, args=(path, "t", barrier)),
    ]
    for thread in threads:
        thread.start()
    barrier.wait()
    for n in range(25):
        shared.add_article(article(f"u{n}"), [event(event_id=f"u{n}", article_id=f"u{n}")])
    for thread in threads:
        thread.join(120)
    assert shared.count() == 225
    shared.close()


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, {"e1", "e2", "e3", "e4", "e5", "usgs:us6000jllz"}),
        ({"types": ["strike", "protest"]}, {"e1", "e2"}),
        ({"types": "earthquake"}, {"usgs:us6000jllz"}),
        ({"since": "2023-02-06"}, {"e2", "e3", "usgs:us6000jllz"}),
        ({"until": dt.date(2023, 2, 1)}, {"e1", "e5"}),
        ({"since": "2023-02-01", "until": "2023-02-06"}, {"e1", "usgs:us6000jllz"}),
        ({"countries": "tr"}, {"e1", "usgs:us6000jllz"}),
        ({"countries": ["SY", "RU"]}, {"e2", "e4"}),
        ({"bbox": (36.0, 36.0, 38.0, 38.0)}, {"e1", "e2", "usgs:us6000jllz"}),
        ({"bbox": (37.5, 40.0, 38.0, 60.0)}, {"e3", "e4"}),
        ({"bbox": (170.0, -20.0, -170.0, -10.0)}, {"e5"}),  # across the antimeridian
        ({"statuses": ["planned", "claimed"]}, {"e2", "e3"}),
        ({"articles": ["a2", "usgs"]}, {"e3", "e4", "usgs:us6000jllz"}),
        ({"max_precision": 2}, {"e1", "e2", "e4", "e5", "usgs:us6000jllz"}),
        ({"types": ["strike", "protest"], "countries": "SY", "statuses": ["planned"]}, {"e2"}),
        ({"actor": "forces"}, {"e1", "e2", "e3"}),  # actor1 or actor2, any case
        ({"actor": "KURDISH"}, {"e1"}),  # actor2 only
        ({"actor": "  protesters "}, {"e2"}),
        ({"actor": "Forces of Tur"}, {"e1"}),
        ({"actor": "forces", "types": ["armed_clash"]}, {"e3"}),
        ({"actor": "forces", "since": "2023-02-06", "max_precision": 2}, {"e2"}),
        ({"actor": "Hamas"}, set()),
        ({"actor": "%"}, set()),  # LIKE's wildcards are plain characters
        ({"actor": "_"}, set()),
        ({"actor": "' OR 1=1 --"}, set()),
        ({"actor": ""}, {"e1", "e2", "e3", "e4", "e5", "usgs:us6000jllz"}),  # blank: all
    ],
)
def test_filters(store: SQLiteStore, filters: dict, expected: set[str]) -> None:
    query = EventQuery(**filters)
    events = store.query(query)
    assert {e.event_id for e in events} == expected
    # Every read of the store filters the same way.
    assert store.count(query) == len(expected)
    assert sum(c.count for c in store.grid_cells(1.0, query)) == len(expected)
    dated = [e for e in events if e.date]
    assert sum(n for days in store.daily_counts(query).values()
               for n in days.values()) == len(dated)


def test_actor_filter_in_every_read(store: SQLiteStore) -> None:
    query = EventQuery(actor="forces")
    assert [e.event_id for e in store.query(query, newest_first=True, limit=2)] == ["e3", "e2"]
    assert store.daily_counts(query) == {
        "strike": {dt.date(2023, 2, 1): 1}, "protest": {dt.date(2023, 2, 10): 1},
        "armed_clash": {dt.date(2023, 3, 5): 1}}
    assert {(c.event_type, c.count) for c in store.grid_cells(10.0, query)} == {
        ("strike", 1), ("protest", 1), ("armed_clash", 1)}
    # A literal % or _ in an actor's name is matched as written.
    store.add_events([event(event_id="e7", article_id="a9", actor1="Brigade_7 (100%)")])
    assert [e.event_id for e in store.query(EventQuery(actor="e_7 (100%"))] == ["e7"]
    assert store.count(EventQuery(actor="e17")) == 0


def test_order_and_limit(store: SQLiteStore) -> None:
    ids = [e.event_id for e in store.query()]
    assert ids == ["e5", "e1", "usgs:us6000jllz", "e2", "e3", "e4"]  # undated last
    assert [e.event_id for e in store.query(limit=2)] == ["e5", "e1"]
    newest = [e.event_id for e in store.query(newest_first=True)]
    assert newest == ["e3", "e2", "usgs:us6000jllz", "e1", "e5", "e4"]  # undated last
    assert [e.event_id for e in store.query(newest_first=True, limit=1)] == ["e3"]


def test_summary_offers_what_has_events(store: SQLiteStore) -> None:
    summary = store.summary()
    assert summary.events == 6
    assert (summary.first, summary.last) == (dt.date(2022, 12, 31), dt.date(2023, 3, 5))
    assert summary.countries == ("FJ", "RU", "SY", "TR", "UA")
    assert summary.sources == 4  # three articles and the quake catalog
    empty = open_store(":memory:").summary()
    assert (empty.events, empty.first, empty.countries, empty.sources) == (0, None, (), 0)


def test_sources_newest_first_searched_and_chosen(store: SQLiteStore) -> None:
    assert store.sources() == [("a2", "Title a2"), ("a1", "Title a1"),
                               ("usgs", "USGS earthquake catalog"), ("a3", "Title a3")]
    assert store.sources(limit=2) == [("a2", "Title a2"), ("a1", "Title a1")]
    assert store.sources("catalog") == [("usgs", "USGS earthquake catalog")]
    assert store.sources("TITLE A3") == [("a3", "Title a3")]  # any case
    # Chosen sources come first and always, whatever the search and the limit.
    assert store.sources("catalog", ids=["a3", "gone"], limit=0) == [("a3", "Title a3")]
    assert store.sources("catalog", ids=["a3"], limit=1) == [
        ("a3", "Title a3"), ("usgs", "USGS earthquake catalog")]
    # LIKE's wildcards and SQL in a search are plain text.
    assert store.sources("%") == [] and store.sources("_") == []
    assert store.sources("' OR 1=1 --") == []


def test_daily_counts_per_type(store: SQLiteStore) -> None:
    assert store.daily_counts(EventQuery(since="2023-02-01")) == {
        "strike": {dt.date(2023, 2, 1): 1}, "earthquake": {dt.date(2023, 2, 6): 1},
        "protest": {dt.date(2023, 2, 10): 1}, "armed_clash": {dt.date(2023, 3, 5): 1}}


def test_grid_cells_count_and_lead(store: SQLiteStore) -> None:
    strike = event(event_id="e6", article_id="a9", lat=37.2, lon=37.3, confidence=0.95)
    store.add_events([strike])
    cells = {(c.event_type, c.row, c.col): c for c in store.grid_cells(1.0)}
    gaziantep = cells[("strike", 127, 217)]  # 37.x N, 37.x E in cells from 90 S, 180 W
    assert gaziantep.count == 2 and gaziantep.lead_id == "e6"
    assert gaziantep.lat == pytest.approx((37.07 + 37.2) / 2)
    assert cells[("earthquake", 127, 217)].lead_id == "usgs:us6000jllz"
    assert cells[("military_base", 73, 359)].count == 1  # Labasa, next to 180 E
    with pytest.raises(ValueError, match="cell_deg must be in"):
        store.grid_cells(0)
    assert {e.event_id for e in store.get_events(["e6", "e1", "nope"])} == {"e1", "e6"}


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"types": ["bogus"]}, "unknown event type 'bogus'; expected one of"),
        ({"statuses": ["done"]}, "unknown status 'done'"),
        ({"since": "Feb 1"}, "since must be a date or YYYY-MM-DD, got 'Feb 1'"),
        ({"bbox": (0, 10, 1, 5)}, "south <= north"),
        ({"max_precision": 4}, "max_precision must be 1, 2 or 3"),
        ({"countries": ["TR' OR '1'='1"]}, "country must be an ISO 3166-1 alpha-2 code"),
    ],
)
def test_bad_filters_raise(filters: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        EventQuery(**filters)


def test_bad_limit_raises(store: SQLiteStore) -> None:
    with pytest.raises(ValueError, match="limit must be a non-negative integer"):
        store.query(limit=-1)


def test_injection_attempts_are_plain_values(store: SQLiteStore) -> None:
    nasty = "x'); DROP TABLE events; --"
    assert store.query(EventQuery(articles=[nasty])) == []
    assert store.count() == 6
    stored = event(event_id=nasty, article_id=nasty, place=nasty, evidence=nasty)
    assert store.add_article(article(nasty, title=nasty), [stored])
    assert store.query(EventQuery(articles=[nasty])) == [stored]
    assert store.get_article(nasty).title == nasty
    assert store.count() == 7


@pytest.mark.parametrize("how", ["path", "str", "url-relative", "url-absolute", "env"])
def test_open_store_forms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "here.sqlite"
    monkeypatch.delenv("GEO_STORE", raising=False)
    arg: str | Path | None = {
        "path": target,
        "str": str(target),
        "url-relative": "sqlite:///here.sqlite",
        "url-absolute": f"sqlite:///{target}",
        "env": None,
    }[how]
    if how == "env":
        monkeypatch.setenv("GEO_STORE", f"sqlite:///{target}")
    with open_store(arg) as store:
        store.add_events([QUAKE])
    assert target.exists()
    with open_store(target) as store:
        assert store.count() == 1


def test_in_memory_store() -> None:
    with open_store("sqlite:///:memory:") as store:
        fill(store)
        assert store.count(EventQuery(types=["strike"])) == 1


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://host/db", r"unsupported store URL scheme 'mysql'; expected one of \['sqlite"),
        ("sqlite://", "expected sqlite:///PATH"),
    ],
)
def test_unsupported_urls(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        open_store(url)


@pytest.mark.parametrize("url", ["postgresql://geo:secret@127.0.0.1:1/db",
                                 "postgis://geo:secret@127.0.0.1:1/db"])
def test_unreachable_postgres_is_an_oserror_without_the_password(url: str) -> None:
    with pytest.raises(OSError, match="cannot open event store") as caught:
        open_store(url)
    assert "secret" not in str(caught.value)


def test_default_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEO_DATA_DIR", str(tmp_path / "data"))
    assert default_store_path() == tmp_path / "data" / "events.sqlite"
    monkeypatch.setenv("GEO_STORE", str(tmp_path / "env.sqlite"))
    with open_store() as store:
        assert store.path == tmp_path / "env.sqlite"


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("not a database, just text " * 100)
    with pytest.raises(OSError, match="cannot open event store"):
        open_store(path)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite"
    open_store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(OSError, match="schema version 99 is newer"):
        open_store(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("35.5,35.8,38.5,38.2", (35.5, 35.8, 38.5, 38.2)),
        ("170,-20,-170,-10", (170, -20, -170, -10)),
    ],
)
def test_parse_bbox(text: str, expected: tuple) -> None:
    assert parse_bbox(text) == expected


@pytest.mark.parametrize("text", ["1,2,3", "a,b,c,d", "0,50,1,40", "0,0,200,1"])
def test_parse_bbox_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="bbox"):
        parse_bbox(text)


def test_revision_changes_with_any_write(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "events.sqlite") as store:
        first = store.revision()
        assert store.revision() == first  # reading changes nothing
        store.add_events([event(event_id="r1")])
        second = store.revision()
        assert second != first
        with SQLiteStore(tmp_path / "events.sqlite") as other:
            other.add_events([event(event_id="r2")])
        assert store.revision() != second


# --- article identity: one text, one article ----------------------------------------------

LONG_TEXT = "Shelling hit the outskirts of Kharkiv overnight, the governor said. " * 4
V1_ARTICLES = """CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version VALUES (1);
CREATE TABLE articles (id TEXT PRIMARY KEY, title TEXT NOT NULL, url TEXT, published TEXT,
    updated TEXT, source TEXT NOT NULL, text TEXT NOT NULL);"""


def test_the_same_text_under_another_id_is_already_stored(store: SQLiteStore) -> None:
    assert store.add_article(article("file", text=LONG_TEXT), [event(event_id="f1",
                                                                       article_id="file")])
    # The same words by another name (its URL, localhost vs 127.0.0.1): nothing is added.
    again = article("url", text="  " + LONG_TEXT.upper().replace(" ", "\n"))
    assert store.add_article(again, [event(event_id="u1", article_id="url")]) is False
    assert not store.has_article("url") and store.get_events(["u1"]) == []
    assert store.article_with_text(again.text) == "file"
    assert store.article_with_text(LONG_TEXT + " More.") is None


def test_short_texts_are_never_merged(store: SQLiteStore) -> None:
    # test fixture texts such as "text" are shared by different articles
    assert store.add_article(article("s1", text="text"), [])
    assert store.add_article(article("s2", text="text"), [])
    assert store.article_with_text("text") is None


def make_v1_store(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.executescript(V1_ARTICLES)
        rows = [("old1", LONG_TEXT), ("old2", LONG_TEXT.replace(" ", "  ")), ("old3", "short")]
        conn.executemany("INSERT INTO articles VALUES (?, 't', NULL, NULL, NULL, 's', ?)", rows)
    conn.close()


def test_a_version_1_store_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite"
    make_v1_store(path)
    with SQLiteStore(path) as store:
        assert store.schema_version() == 4
        # Copies stored before version 2 are all kept; the first keeps the text hash.
        assert [a.id for a in store.articles()] == ["old1", "old2", "old3"]
        assert store.article_with_text(LONG_TEXT) == "old1"
        assert store.add_article(article("new", text=LONG_TEXT), []) is False
        assert store.add_article(article("new", text="Another text."), [])
    with SQLiteStore(path) as store:  # opening it again changes nothing
        assert store.schema_version() == 4 and len(store.articles()) == 4


def test_a_failed_migration_leaves_the_store_as_it_was(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import geo.store.sqlite

    path = tmp_path / "v1.sqlite"
    make_v1_store(path)

    def broken(text: str) -> str:
        raise RuntimeError("simulated crash mid-migration")

    monkeypatch.setattr(geo.store.sqlite, "text_fingerprint", broken)
    with pytest.raises(OSError, match="cannot open event store"):
        SQLiteStore(path)
    with sqlite3.connect(path) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(articles)")]
        assert "text_hash" not in columns
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] == 1
    conn.close()
    monkeypatch.undo()
    with SQLiteStore(path) as store:
        assert store.schema_version() == 4


# --- schema version 3: actors and fatalities ---------------------------------------------

# The events table as schema version 2 made it (before actor1, actor2, fatalities).
V2_EVENT_COLUMNS = [f.name for f in dataclasses.fields(Event)
                    if f.name not in ("actor1", "actor2", "fatalities", "happening_id",
                                      "sources", "review_status")]


def make_v2_store(path: Path) -> None:
    """Write a version 2 store: an article and its events, as that version stored them."""
    with SQLiteStore(path) as store:
        fill(store)
    with sqlite3.connect(path) as conn:
        # Dropping columns needs their indexes gone; version 2 had no happenings.
        conn.execute("DROP INDEX events_map4")
        conn.execute("DROP INDEX events_days")
        conn.execute("DROP INDEX events_happening")
        for name in ("happenings", "overrides", "audit"):
            conn.execute(f"DROP TABLE {name}")
        for column in ("actor1", "actor2", "fatalities", "happening_id", "sources",
                       "review_status"):
            conn.execute(f"ALTER TABLE events DROP COLUMN {column}")
        conn.execute("DELETE FROM schema_version")
        conn.execute("INSERT INTO schema_version VALUES (2)")
    conn.close()


def test_a_version_2_store_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "v2.sqlite"
    make_v2_store(path)
    with sqlite3.connect(path) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(events)")]
    conn.close()
    assert columns == V2_EVENT_COLUMNS
    with SQLiteStore(path) as store:
        assert store.schema_version() == 4
        # Events stored before keep everything, with actors and fatalities unknown.
        unknown = {"actor1": None, "actor2": None, "fatalities": None}
        assert store.query() == [dataclasses.replace(e, **unknown) for e in sorted(
            EVENTS + [QUAKE], key=lambda e: (e.date is None, e.date or dt.date.min, e.event_id))]
        assert store.count(EventQuery(actor="forces")) == 0
        # New events carry them, and the filter finds them.
        assert store.add_article(article("a9"), [event(event_id="n1", article_id="a9",
                                                       actor1="Houthi forces", fatalities=3)])
        assert store.query(EventQuery(actor="houthi"))[0].fatalities == 3
        assert store.grid_cells(1.0, EventQuery(actor="houthi"))[0].count == 1
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint"):
            store._conn.execute("UPDATE events SET fatalities = -1 WHERE event_id = 'n1'")
    with SQLiteStore(path) as store:  # opening it again changes nothing
        assert store.schema_version() == 4 and store.count() == 7


def test_a_new_store_refuses_negative_fatalities_in_sql(tmp_path: Path) -> None:
    # The CHECK constraint holds whoever writes the file, not only this package.
    with SQLiteStore(tmp_path / "events.sqlite") as store:
        store.add_events([event(event_id="ok")])
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint"):
            store._conn.execute("UPDATE events SET fatalities = -1")


# ACLED's six event types and 25 sub-event types, as its codebook spells them.
ACLED = {
    "Battles": {"Armed clash", "Government regains territory",
                "Non-state actor overtakes territory"},
    "Explosions/Remote violence": {"Chemical weapon", "Air/drone strike", "Suicide bomb",
                                   "Shelling/artillery/missile attack",
                                   "Remote explosive/landmine/IED", "Grenade"},
    "Violence against civilians": {"Sexual violence", "Attack",
                                   "Abduction/forced disappearance"},
    "Protests": {"Peaceful protest", "Protest with intervention",
                 "Excessive force against protesters"},
    "Riots": {"Violent demonstration", "Mob violence"},
    "Strategic developments": {"Agreement", "Arrests", "Change to group/activity",
                               "Disrupted weapons use", "Headquarters or base established",
                               "Looting/property destruction",
                               "Non-violent transfer of territory", "Other"},
}


def test_the_layers_cover_acleds_taxonomy() -> None:
    assert list(ACLED_SUB_EVENT_TYPES) == list(EVENT_TYPES)
    covered: dict[str, set[str]] = {}
    for layer, (acled_type, default) in EVENT_TYPES.items():
        sub_types = ACLED_SUB_EVENT_TYPES[layer]
        if acled_type is None:
            assert sub_types == () and default is None
            continue
        assert sub_types[0] == default  # the default first
        assert set(sub_types) <= ACLED[acled_type]
        covered.setdefault(acled_type, set()).update(sub_types)
    assert covered == ACLED
    assert sum(len(v) for v in ACLED.values()) == 25


@pytest.mark.parametrize(("layer", "sub_type"), [
    (layer, sub_type) for layer, sub_types in ACLED_SUB_EVENT_TYPES.items()
    for sub_type in (*sub_types, None)])
def test_every_layer_and_sub_type_is_stored(layer: str, sub_type: str | None) -> None:
    stored = event(event_id="t", event_type=layer, acled_sub_event_type=sub_type,
                   actor1="Militia", fatalities=1)
    with open_store(":memory:") as store:
        store.add_events([stored])
        assert store.query(EventQuery(types=[layer])) == [stored]


def test_store_commands_on_sqlite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from geo import cli

    source, target = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    assert cli.main(["store", "migrate", str(source)]) == 0
    assert "schema version 4" in capsys.readouterr().err
    with open_store(source) as store:
        fill(store)
    assert cli.main(["store", "copy", str(source), f"sqlite:///{target}"]) == 0
    assert "3 articles, 6 events" in capsys.readouterr().err
    with open_store(source) as a, open_store(target) as b:
        assert a.query() == b.query() and a.articles(with_text=True) == b.articles(with_text=True)
    assert cli.main(["store", "copy", str(source), str(source)]) == 2
    assert "the same store" in capsys.readouterr().err
    assert cli.main(["store", "copy", str(tmp_path / "none.sqlite"), str(target)]) == 2
    assert "no event store at" in capsys.readouterr().err
