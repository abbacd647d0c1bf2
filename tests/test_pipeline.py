"""The event commands end to end: ingest, quakes, export and extract, on a temporary store."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyogrio
import pytest

from geo.cli import main
from geo.model import EventQuery
from geo.store import open_store

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "data" / "demo"


@pytest.fixture()
def store(tmp_path):
    return str(tmp_path / "events.sqlite")


@pytest.fixture()
def seed_file(shared_dir):
    return str(shared_dir / "seeds" / "000_736c63efd1aada5a.txt")


# Tests that need a real article but not the seed's facts use the demo briefs we ship
# (data/demo/articles), so they run in a clone without ../shared too.
TALKS = str(DEMO / "articles" / "01_turkey_syria_talks.txt")


def test_ingest_twice_stores_nothing_new(store, capsys):
    assert main(["ingest", str(DEMO / "articles"), "--store", store]) == 0
    with open_store(store) as s:
        first = s.count()
        articles = len(s.articles())
    assert first > 10 and articles == 4
    assert main(["ingest", TALKS, "--store", store]) == 0
    assert "1 already stored" in capsys.readouterr().err
    with open_store(store) as s:
        assert s.count() == first and len(s.articles()) == articles


def test_seed_published_date_and_events_stored(store, seed_file):
    main(["ingest", seed_file, "--store", store])
    with open_store(store) as s:
        (article,) = s.articles()
        assert article.published == dt.date(2023, 3, 27)
        assert article.updated == dt.date(2023, 3, 30)
        bases = s.query(EventQuery(types=["military_base"], since=dt.date(2023, 3, 23),
                                   until=dt.date(2023, 3, 23)))
        assert [e.place for e in bases] == ["northeastern Syria"]
        assert not [e for e in s.query() if e.place == "Washington"]


def test_catalog_links_and_places_the_turkey_quake(store, seed_file):
    main(["ingest", seed_file, "--store", store])
    assert main(["quakes", str(DEMO / "usgs_2023_turkey.csv"), "--store", store]) == 0
    with open_store(store) as s:
        quakes = s.query(EventQuery(types=["earthquake"], since=dt.date(2023, 2, 6),
                                    until=dt.date(2023, 2, 6)))
        (turkey,) = [e for e in quakes if e.place == "Turkey"]
        catalog = {e.usgs_id: e for e in quakes if e.usgs_id}
        assert turkey.related_quake == "us6000jllz"
        epicentre = catalog["us6000jllz"]
        assert (turkey.lat, turkey.lon) == (epicentre.lat, epicentre.lon)
        assert epicentre.magnitude == 7.8 and len(s.query(EventQuery(types=["earthquake"]))) > 280


def test_quakes_first_then_articles_link_too(store, seed_file):
    main(["quakes", str(DEMO / "usgs_2023_turkey.csv"), "--store", store])
    main(["ingest", seed_file, "--store", store])
    with open_store(store) as s:
        (jinderis,) = [e for e in s.query(EventQuery(types=["earthquake"]))
                       if e.place == "Jinderis"]
        assert jinderis.related_quake


def test_export_formats_read_back_with_gdal(store, tmp_path, capsys):
    main(["ingest", str(DEMO / "articles"), "--store", store])
    out = tmp_path / "syria.geojson"
    assert main(["export", "--country", "SY", "--types", "strike,military_base",
                 "--since", "2023-03-20", "-o", str(out), "--store", store]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and "crs" not in data
    assert data["features"]
    for feature in data["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert 35 < lon < 43 and 32 < lat < 38  # [lon, lat] order, inside Syria
        assert feature["properties"]["event_type"] in ("strike", "military_base")
    frame = pyogrio.read_dataframe(out)
    assert len(frame) == len(data["features"])
    gpkg = tmp_path / "all.gpkg"
    assert main(["export", "--format", "gpkg", "-o", str(gpkg), "--store", store]) == 0
    assert len(pyogrio.read_dataframe(gpkg)) > 10
    capsys.readouterr()
    assert main(["export", "--format", "csv", "--bbox", "35,32,43,38", "-o", "-",
                 "--store", store]) == 0
    header = capsys.readouterr().out.splitlines()[0].split(",")
    assert {"event_date", "event_type", "latitude", "longitude", "geo_precision",
            "notes", "source"} <= set(header)


def test_extract_prints_geojson_without_storing(capsys, tmp_path):
    docs = tmp_path / "docs.jsonl"
    docs.write_text(
        json.dumps({"id": "a", "title": "A", "published": "2024-05-10",
                    "text": "Protesters rallied in Istanbul on May 9."}) + "\n"
        + json.dumps({"id": "b", "title": "B", "published": "2024-05-10",
                      "text": "Shelling hit Kherson yesterday."}) + "\n",
        encoding="utf-8")
    assert main(["extract", str(DEMO / "articles"), str(docs)]) == 0
    data = json.loads(capsys.readouterr().out)
    places = {f["properties"]["place"] for f in data["features"]}
    assert {"Istanbul", "Kherson", "Jinderis", "Raqqa"} <= places


def test_bad_inputs_are_named_and_the_batch_goes_on(store, tmp_path, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Caf\xe9 in Paris\n2023-01-01\nA protest in Paris.".encode("latin-1"))
    code = main(["ingest", str(empty), str(binary), str(latin), TALKS, "--store", store])
    err = capsys.readouterr().err
    assert code == 1
    for name in ("empty.txt", "image.txt", "latin.txt"):
        assert name in err
    assert "1 article(s) stored" in err and "3 failed" in err
    with open_store(store) as s:
        assert len(s.articles()) == 1


def test_a_failing_article_leaves_the_store_as_it_was(store, monkeypatch, tmp_path):
    import geo.pipeline

    other = tmp_path / "other.txt"
    other.write_text("Brief\n2024-05-10\n\nA protest was held in Paris on May 9.\n",
                     encoding="utf-8")
    real = geo.pipeline.extract_events

    def flaky(article, gazetteer=None):
        if "Moscow" in article.text:
            raise ValueError("simulated crash while extracting")
        return real(article, gazetteer=gazetteer)

    monkeypatch.setattr(geo.pipeline, "extract_events", flaky)
    assert main(["ingest", TALKS, str(other), "--store", store]) == 1
    with open_store(store) as s:
        assert [a.title for a in s.articles()] == ["Brief"]


class _Feed(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


def test_ingest_a_feed_from_a_local_server(store, monkeypatch):
    monkeypatch.setenv("GEO_ALLOW_PRIVATE_URLS", "1")  # the operator allows local servers
    _Feed.body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>Clashes near Aleppo</title><link>http://127.0.0.1/a</link>"
        b"<pubDate>Mon, 06 May 2024 10:00:00 +0000</pubDate>"
        b"<description>Fighting broke out near Aleppo on Sunday.</description></item>"
        b"</channel></rss>"
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Feed)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
        assert main(["ingest", url, "--store", store]) == 0
    finally:
        server.shutdown()
    with open_store(store) as s:
        (event,) = s.query(EventQuery(types=["armed_clash"]))
        assert event.place == "Aleppo" and event.date == dt.date(2024, 5, 5)
        assert event.source_url == "http://127.0.0.1/a"


def test_demo_data_fills_every_layer(store):
    """What `make demo` loads: each event type has something on the map."""
    assert main(["quakes", str(DEMO / "usgs_2023_turkey.csv"), "--store", store]) == 0
    assert main(["ingest", str(DEMO / "articles"), "--store", store]) == 0
    with open_store(store) as s:
        types = {e.event_type for e in s.query()}
    assert types >= {"earthquake", "military_base", "strike", "armed_clash", "diplomacy",
                     "protest"}


# --- every article its own unit of failure; one article stored once ------------------------

LONG = ("Protesters rallied in central Izmir on Saturday, demanding higher wages and the "
        "release of detained activists, organisers said. ") * 3
STORY = "Rally in Izmir\n2024-05-11\n\n" + LONG


def brief(article_id, text=LONG, url=None, source=None):
    from geo.model import Article

    return Article(id=article_id, title="Brief", text=text, published=dt.date(2024, 5, 11),
                   url=url, source=source or article_id)


def no_events(article):
    return []


def test_store_articles_uses_the_given_extract(store, monkeypatch):
    import geo.pipeline
    from geo.pipeline import store_articles

    def no_gazetteer():
        raise AssertionError("the gazetteer was loaded")

    monkeypatch.setattr(geo.pipeline, "load_gazetteer", no_gazetteer)
    seen = []
    with open_store(store) as s:
        report = store_articles([brief("a")], s, extract=lambda a: seen.append(a.id) or [])
        assert seen == ["a"] and report.stored == 1 and s.has_article("a")


def test_any_error_fails_one_article_and_the_batch_goes_on(store):
    from geo.pipeline import store_articles

    def extract(article):
        if article.id == "overflow":
            raise OverflowError("date value out of range")
        if article.id == "deep":
            raise RecursionError("maximum recursion depth exceeded")
        return []

    items = [brief("first", text="First."), brief("overflow", text="Two."),
             brief("deep", text="Three."), brief("surrogate", text="Lone \ud800 surrogate."),
             brief("last", text="Last.")]
    with open_store(store) as s:
        report = store_articles(items, s, extract=extract)
        assert [a.id for a in s.articles()] == ["first", "last"]
    assert report.stored == 2 and not report.ok
    reasons = {f.source: f.reason for f in report.failures}
    assert reasons["overflow"] == "not stored: OverflowError: date value out of range"
    assert reasons["deep"] == "not stored: RecursionError: maximum recursion depth exceeded"
    assert reasons["surrogate"].startswith("not stored: UnicodeEncodeError")
    assert all("\n" not in reason for reason in reasons.values())


def test_an_explicit_id_stored_with_other_text_is_reported(store, tmp_path):
    from geo.ingest.read import read_inputs
    from geo.pipeline import store_articles

    first = tmp_path / "a.jsonl"
    first.write_text(json.dumps({"id": "x", "text": "Talks in Doha."}) + "\n", encoding="utf-8")
    second = tmp_path / "b.jsonl"
    second.write_text(json.dumps({"id": "x", "text": "talks in  DOHA."}) + "\n"
                      + json.dumps({"id": "x", "text": "Clashes in Idlib."}) + "\n",
                      encoding="utf-8")
    with open_store(store) as s:
        assert store_articles(read_inputs([str(first)]), s, extract=no_events).stored == 1
        report = store_articles(read_inputs([str(second)]), s, extract=no_events)
        assert s.get_article("x").text == "Talks in Doha."
    assert report.already_stored == 1  # the same text again
    assert [str(f) for f in report.failures] == [
        f"{second}:2: id 'x' already used in this batch with different text"]
    with open_store(store) as s:
        third = tmp_path / "c.jsonl"
        third.write_text(json.dumps({"id": "x", "text": "Clashes in Idlib."}) + "\n",
                         encoding="utf-8")
        report = store_articles(read_inputs([str(third)]), s, extract=no_events)
    assert [str(f) for f in report.failures] == [
        f"{third}:1: id 'x' already stored with different text"]


def test_a_changed_page_keeps_the_stored_version_with_a_warning(store):
    from geo.ingest.ids import article_id
    from geo.pipeline import store_articles

    url = "https://news.example/a"
    with open_store(store) as s:
        store_articles([brief(article_id(url, ""), text="Old text.", url=url)], s,
                       extract=no_events)
        report = store_articles([brief(article_id(url, ""), text="New text.", url=url)], s,
                                extract=no_events)
        assert s.get_article(article_id(url, "")).text == "Old text."
    assert report.ok and report.already_stored == 1
    assert "different text; the stored version is kept" in report.warnings[0]


class _Story(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        body = STORY.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture()
def story_server(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", "GEO_ALLOW_PRIVATE_URLS"):
        monkeypatch.delenv(name, raising=False)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Story)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_a_file_and_its_urls_are_stored_once(store, tmp_path, story_server):
    from geo.pipeline import ingest

    path = tmp_path / "story.txt"
    path.write_text(STORY, encoding="utf-8")
    urls = [f"http://127.0.0.1:{story_server}/story.txt",
            f"http://localhost:{story_server}//story.txt?ref=home",
            f"http://127.0.0.1:{story_server}/story.txt/#top"]
    with open_store(store) as s:
        refused = ingest(urls[:1], s)  # the operator's allowance is off
        assert "local or private address" in refused.failures[0].reason
        assert ingest([str(path)], s).stored == 1
        for url in urls:
            report = ingest([url], s, allow_private=True)
            assert report.ok and report.stored == 0 and report.already_stored == 1, url
        (article,) = s.articles()
        assert article.source == str(path)
        assert {e.article_id for e in s.query()} == {article.id}


def test_demo_caption_dated_by_the_quake_links_the_main_shock(store):
    # "on Feb. 9, three days after the earthquake": the quake of Feb. 6, the M7.8.
    main(["quakes", str(DEMO / "usgs_2023_turkey.csv"), "--store", store])
    main(["ingest", str(DEMO / "articles"), "--store", store])
    with open_store(store) as s:
        (jinderis,) = [e for e in s.query(EventQuery(types=["earthquake"]))
                       if e.place == "Jinderis"]
    assert jinderis.date == dt.date(2023, 2, 6)
    assert jinderis.related_quake == "us6000jllz"


def test_batched_writes_report_and_store_what_one_by_one_does(tmp_path):
    """Written in batches (each one transaction) or one by one, a mixed batch gives the same
    messages in the same order, the same report and the same store."""
    import dataclasses

    from factories import make_event

    from geo.model import Failure
    from geo.pipeline import store_articles

    def extract(article):
        if article.id == "boom":
            raise ValueError("no good")
        status = "rumoured" if article.id == "bad" else "occurred"  # the store refuses it
        return [make_event(event_id=f"{article.id}-{k}", article_id=article.id,
                           status=status, country_code="TR", lat=38.42 + k / 100,
                           date=dt.date(2024, 5, 11)) for k in range(2)]

    def text(n):
        return f"Brief number {n}. {LONG}"

    items = [brief("a", text(1)), Failure("missing.txt", "no such file"),
             brief("b", text(2)), brief("a", text(1)), brief("a", text(3)),
             dataclasses.replace(brief("undated", text(4)), published=None),
             brief("bad", text(5)), brief("boom", text(6)), brief("c", text(2)),
             *(brief(f"n{n}", text(10 + n)) for n in range(7))]
    outcomes = []
    for size in (1, 3, 100):
        said = []
        with open_store(str(tmp_path / f"s{size}.sqlite")) as s:
            report = store_articles(items, s, extract=extract, batch_size=size,
                                    on_item=lambda *message, said=said: said.append(
                                        message))
            stored = {name: list(s.dump(name)) for name in ("articles", "events",
                                                             "happenings")}
        outcomes.append((said, report, stored))
    assert outcomes[1] == outcomes[0] and outcomes[2] == outcomes[0]
    said, report, stored = outcomes[0]
    assert report.stored == 10 and report.already_stored == 2 and len(report.failures) == 4
    assert [source for source, _ in said][:9] == ["a", "missing.txt", "b", "a", "a",
                                                  "undated", "undated", "bad", "boom"]
    assert len(stored["articles"]) == 10 and len(stored["events"]) == 20


def test_kill_9_mid_ingest_leaves_whole_batches_and_a_rerun_completes(tmp_path):
    """``geo ingest`` killed (SIGKILL) while writing: the store holds whole batches (each
    article with all its reports, happenings as grouping them all gives), and the same
    command again stores the rest: nothing lost or duplicated."""
    import signal
    import sqlite3
    import subprocess
    import sys
    import time

    from geo.happenings.group import group

    towns = ["Kharkiv", "Kherson", "Idlib", "Aleppo", "Kano", "Izmir", "Mosul", "Homs"]
    wire = tmp_path / "wire.jsonl"
    wire.write_text("".join(json.dumps({
        "title": f"Brief {n}", "published": f"2024-03-{1 + n % 28:02d}",
        "text": f"Shelling hit {towns[n % len(towns)]} on Monday, officials said. "
                f"Report {n} of the wire."}) + "\n" for n in range(600)), encoding="utf-8")
    killed, whole = tmp_path / "killed.sqlite", tmp_path / "whole.sqlite"
    command = [sys.executable, "-m", "geo", "ingest", str(wire), "-q", "--store"]
    process = subprocess.Popen([*command, str(killed)], cwd=REPO, stderr=subprocess.PIPE)
    stored = 0
    deadline = time.monotonic() + 300
    while process.poll() is None and time.monotonic() < deadline:
        if killed.exists():
            try:
                with sqlite3.connect(killed) as db:
                    stored = db.execute("SELECT count(*) FROM articles").fetchone()[0]
            except sqlite3.OperationalError:  # the schema is being made
                stored = 0
            if stored:  # a batch (100 articles) is in
                break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the ingest ended before it was killed"
    assert main([*command[3:], str(whole)]) == 0
    with open_store(str(killed)) as s, open_store(str(whole)) as w:
        articles = s.articles(with_text=True)
        assert 100 <= len(articles) < 600
        assert all(w.get_article(a.id) == a for a in articles)
        reports = s.query(EventQuery())
        assert {e.article_id for e in reports} == {a.id for a in articles}
        ids = {e.event_id for e in reports}
        assert {e.event_id for e in w.query(EventQuery()) if e.article_id in
                {a.id for a in articles}} == ids  # each article with all its reports
        grouped = sorted([r.event_id for r in s.reports(h.event_id)]
                         for h in s.query(EventQuery(happenings=True)))
        assert grouped == sorted([e.event_id for e in g] for g in group(reports))
    assert main([*command[3:], str(killed)]) == 0  # the same command again
    tables = ("articles", "events", "happenings")
    with open_store(str(killed)) as s, open_store(str(whole)) as w:
        assert {t: list(s.dump(t)) for t in tables} == {t: list(w.dump(t)) for t in tables}
