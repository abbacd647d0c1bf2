"""A regression corpus of bad inputs: every reader and the CLI, no traceback, no hang.

The corpus is generated here (nothing of it is committed): malformed and hostile files
of each kind the tool reads, beside good ones. Each case must end in a clear message
naming the input, in bounded time (``pytest-timeout`` per test), and the good inputs of
the same batch must be stored. A fuzz test (hypothesis) throws random bytes and query
strings at the readers and the page's link parser.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.errors import InputError
from geo.ingest.read import parse_bytes, read_inputs
from geo.model import Article, EventQuery, Failure
from geo.webapp.state import fit_dates, parse_params

GOOD = "Protest in Paris\n2024-05-10\n\nThousands joined a protest in Paris on May 9.\n"
GOOD_2 = "Shelling in Kharkiv\n2024-05-11\n\nShelling hit Kharkiv on May 10.\n"


def atom(updated: str) -> str:
    return ('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
            f'<entry><title>Clashes in Aleppo</title><updated>{updated}</updated>'
            '<content>Clashes were reported in Aleppo.</content></entry></feed>')


# name -> bytes; every one of these must fail or be read, never crash or hang.
BAD: dict[str, bytes] = {
    "empty.txt": b"",
    "blank.txt": b"   \n\n\t \n",
    "image.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "late_nul.txt": b"Title\n" + b"a" * 10_000 + b"\x00rest",
    "latin1.txt": "Caf\xe9 in Paris\n2023-01-01\nA protest in Paris.".encode("latin-1"),
    "utf16.txt": "Protest in Paris\nA protest in Paris.".encode("utf-16"),
    "no_text.html": b"<html><head><title>x</title></head><body></body></html>",
    "tag_soup.html": b"<html><body><p>unclosed <b><i><div></table></td>" * 200,
    "attributes.html": (b"<html><body><p " + b" ".join(b'a%d="x"' % i for i in range(100_000))
                        + b">Clashes in Aleppo.</p></body></html>"),
    "not_html.html": b"just words, no markup at all",
    "broken.json": b'{"text": "Clashes in Aleppo", ',
    "deep.json": b"[" * 100_000 + b"]" * 100_000,
    "surrogate.json": b'{"text": "\\ud800 Clashes in Aleppo", "published": "2024-05-01"}',
    "huge_id.json": b'{"id": ' + b"9" * 5_000 + b', "text": "Clashes in Aleppo."}',
    "bool_id.json": b'{"id": true, "text": "Clashes in Aleppo."}',
    "text_list.json": b'{"text": ["Clashes in Aleppo"]}',
    "bad_date.json": b'{"text": "Clashes in Aleppo.", "published": "yesterday-ish"}',
    "lines.jsonl": b'{"text": "Clashes in Aleppo."}\n{not json}\n[1, 2]\n{"id": 1}\n',
    "broken.rss": b"<rss><channel><item><title>Clashes</title>",
    "not_a_feed.xml": b"<?xml version='1.0'?><catalog><book/></catalog>",
    "year0.atom": atom("0000-01-01T00:00:00Z").encode(),
    "laughs.xml": (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
                   + b"".join(b'<!ENTITY %s "%s">' % (bytes([98 + i]), (b"&%s;" % bytes(
                       [97 + i])) * 10) for i in range(8))
                   + b']><rss><channel><item><title>&i;</title></item></channel></rss>'),
    "xxe.rss": (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                b"<rss><channel><item><title>&x;</title><description>&x;</description>"
                b"</item></channel></rss>"),
    "year9999.txt": (b"Quake tomorrow\n9999-12-31\n\nAn earthquake is expected tomorrow "
                     b"near Aleppo, and talks next week in Ankara.\n"),
    "year1.txt": (b"Old news\n0001-01-01\n\nClashes broke out yesterday in Aleppo, "
                  b"a week after the earthquake.\n"),
    "march0000.txt": b"Odd date\n2024-05-10\n\nClashes in Aleppo in March 0000.\n",
    "unknown_suffix.docx": b"PK\x03\x04 not an article",
}
# What must never appear in a message: a traceback, or where the tool lives.
LEAKS = ("Traceback", "site-packages", str(Path(__file__).resolve().parents[1]))


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, data in BAD.items():
        (folder / name).write_bytes(data)
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    (folder / "sub").mkdir()
    (folder / "sub" / "good_2.txt").write_text(GOOD_2, encoding="utf-8")
    if hasattr(os, "mkfifo"):
        os.mkfifo(folder / "fifo.txt")  # opening it would block until a writer comes
    outside = tmp_path / "outside.txt"
    outside.write_text("Secret\n2024-01-01\n\nA secret protest in Paris.\n", encoding="utf-8")
    (folder / "link.txt").symlink_to(outside)
    (folder / "linked_dir").symlink_to(tmp_path, target_is_directory=True)
    return folder


@pytest.mark.timeout(120)
def test_ingest_of_the_whole_corpus_stores_the_good_and_names_the_bad(corpus, tmp_path):
    store = tmp_path / "events.sqlite"
    done = subprocess.run(
        [sys.executable, "-m", "geo", "ingest", str(corpus), "--store", str(store), "-q"],
        capture_output=True, text=True, timeout=110, stdin=subprocess.DEVNULL,
        env={**os.environ, "GEO_DEBUG": ""})
    assert done.returncode == 1, done.stderr
    assert not any(leak in done.stderr for leak in LEAKS[:2]), done.stderr
    for name in ("empty.txt", "image.txt", "late_nul.txt", "latin1.txt", "deep.json",
                 "surrogate.json", "huge_id.json", "broken.json", "lines.jsonl"):
        assert name in done.stderr, f"{name} not named in:\n{done.stderr}"
    from geo.store import open_store

    with open_store(store) as s:
        titles = {a.title for a in s.articles()}
    assert {"Protest in Paris", "Shelling in Kharkiv"} <= titles
    assert "Secret" not in titles  # the symlink out of the folder was not followed


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", sorted(BAD))
def test_each_bad_input_is_a_failure_or_an_article(corpus, name):
    results = list(read_inputs([str(corpus / name)]))
    assert results, name
    for result in results:
        assert isinstance(result, Article | Failure)
        if isinstance(result, Failure):
            assert result.source.endswith(name) or name in result.source
            assert "\n" not in result.reason and "Traceback" not in result.reason


@pytest.mark.timeout(60)
def test_a_fifo_is_refused_without_waiting(corpus):
    (failure,) = read_inputs([str(corpus / "fifo.txt")])
    assert isinstance(failure, Failure)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", ["year9999.txt", "year1.txt", "march0000.txt",
                                  "surrogate.json", "year0.atom"])
def test_odd_dates_and_text_do_not_stop_extraction(corpus, tmp_path, name):
    store = tmp_path / "events.sqlite"
    done = subprocess.run(
        [sys.executable, "-m", "geo", "ingest", str(corpus / name), str(corpus / "good.txt"),
         "--store", str(store), "-q"], capture_output=True, text=True, timeout=110)
    assert "Traceback" not in done.stderr, done.stderr
    assert "1 article(s) stored" in done.stderr or "2 article(s) stored" in done.stderr


def test_march_0000_is_not_dated_to_the_article_year(corpus):
    from geo.events.extract import extract_events

    (article,) = read_inputs([str(corpus / "march0000.txt")])
    assert isinstance(article, Article)
    for event in extract_events(article):
        assert event.date_precision != "month" or event.date != dt.date(2024, 3, 1)


# --- fuzz ---------------------------------------------------------------------------------

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(data=st.binary(max_size=3000),
       kind=st.sampled_from(["text", "html", "json", "jsonl", "feed"]))
def test_readers_take_any_bytes(data, kind):
    try:
        results = parse_bytes(data, f"fuzz.{kind}", kind=kind)
    except InputError:
        return
    for result in results:
        assert isinstance(result, Article | Failure)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=20)


@FUZZ
@given(record=st.dictionaries(st.sampled_from(["id", "title", "text", "published", "url",
                                                "updated", "other"]), json_values))
def test_json_records_of_any_shape(record):
    data = json.dumps(record).encode("utf-8")
    try:
        results = parse_bytes(data, "fuzz.json", kind="json")
    except InputError:
        return
    assert all(isinstance(r, Article | Failure) for r in results)


@FUZZ
@given(params=st.dictionaries(
    st.sampled_from(["since", "until", "types", "countries", "articles", "statuses",
                     "status", "precision", "max_precision", "zzz"]),
    st.text(max_size=30)))
def test_the_link_parser_takes_any_query_string(params):
    parsed = parse_params(params)
    assert isinstance(parsed.query, EventQuery)
    fitted = fit_dates(parsed.query, dt.date(2023, 2, 6), dt.date(2023, 3, 30))
    query = fitted.query
    if query.since and query.until:
        assert dt.date(2023, 2, 6) <= query.since <= query.until <= dt.date(2023, 3, 30)


@FUZZ
@given(since=st.dates(), until=st.dates(), first=st.dates(), span=st.integers(0, 5000))
def test_fitted_dates_are_always_inside_the_store(since, until, first, span):
    last = first + dt.timedelta(days=span) if first.year < 9990 else first
    query = fit_dates(EventQuery(since=since, until=until), first, last).query
    assert first <= query.since <= query.until <= last
