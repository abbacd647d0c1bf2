"""Tests for geo.ingest.read and geo.ingest.fetch: parsers, ids, bad input, folders and URLs.

Network tests talk only to an HTTP server started on 127.0.0.1 inside the test.
"""

from __future__ import annotations

import datetime as dt
import http.server
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from geo.errors import InputError
from geo.ingest.feeds import parse_feed
from geo.ingest.fetch import ALLOW_PRIVATE_ENV, USER_AGENT, fetch, response_kind
from geo.ingest.html import parse_html
from geo.ingest.ids import article_id
from geo.ingest.parse import iter_jsonl, parse_json, parse_json_record, parse_text
from geo.ingest.published import parse_date
from geo.ingest.read import parse_bytes, read_inputs
from geo.model import Article, Failure

DATA = Path(__file__).resolve().parent / "data" / "ingest"
SEED = "000_736c63efd1aada5a.txt"
D = dt.date


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep requests to 127.0.0.1 direct even where a proxy is configured."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("ALL_PROXY", raising=False)


@pytest.fixture
def allow_private_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let fetches reach the test's server on 127.0.0.1, as an operator would allow."""
    monkeypatch.setenv(ALLOW_PRIVATE_ENV, "1")


def articles(results: list[Article | Failure]) -> list[Article]:
    return [r for r in results if isinstance(r, Article)]


def failures(results: list[Article | Failure]) -> list[Failure]:
    return [r for r in results if isinstance(r, Failure)]


# --- the seed article and text files -------------------------------------------------------


def test_seed_article(shared_dir: Path) -> None:
    path = shared_dir / "seeds" / SEED
    (article,) = read_inputs([str(path)])
    assert isinstance(article, Article)
    assert (
        article.title == "Moscow-Backed Talks Between Turkey, Syria Set to Resume Following Pause"
    )
    assert article.published == D(2023, 3, 27)
    assert article.updated == D(2023, 3, 30)
    assert article.text == path.read_bytes().decode("utf-8")
    assert article.url is None
    assert article.source == str(path)
    assert article.id == article_id(None, article.text)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("3/27/2023", D(2023, 3, 27)),
        ("27/3/2023", D(2023, 3, 27)),  # day first when the first number cannot be a month
        ("2023-03-27", D(2023, 3, 27)),
        ("2023/03/27", D(2023, 3, 27)),
        ("27.03.2023", D(2023, 3, 27)),
        ("March 27, 2023", D(2023, 3, 27)),
        ("Mar. 27 2023", D(2023, 3, 27)),
        ("27 March 2023", D(2023, 3, 27)),
        ("27th of March, 2023", D(2023, 3, 27)),
        ("Monday, March 27, 2023 10:15 AM ET", D(2023, 3, 27)),
        ("Published: 27 Mar 2023 | 09:00 GMT", D(2023, 3, 27)),
        ("Posted on 2023-03-27T08:00:00+03:00", D(2023, 3, 27)),
        ("2/30/2023", None),  # no such day
        ("Adam Morrow", None),
        ("Talks are due on March 27, 2023", None),  # a sentence with a date is not a date line
        ("May", None),
        ("50,000 people", None),
    ],
)
def test_parse_date(line: str, expected: D | None) -> None:
    assert parse_date(line) == expected


@pytest.mark.parametrize(
    ("raw", "published", "updated"),
    [
        ("Title\nBy A. Writer\n3/27/2023\n\nBody.", D(2023, 3, 27), None),
        ("Title\n27 March 2023\nUpdated: 28 March 2023\nBody", D(2023, 3, 27), D(2023, 3, 28)),
        (
            "Title\nMarch 27, 2023\nLast updated\nMarch 29, 2023\nBody",
            D(2023, 3, 27),
            D(2023, 3, 29),
        ),
        ("Title\nUpdated: 2023-03-30\nBody", None, D(2023, 3, 30)),
        ("Title\nBody on March 27, 2023, in Aleppo.", None, None),
        ("\n".join(["Title", *["line"] * 20, "3/27/2023"]), None, None),  # too far down
    ],
)
def test_parse_text_dates(raw: str, published: D | None, updated: D | None) -> None:
    article = parse_text(raw, "a.txt")
    assert (article.title, article.published, article.updated) == ("Title", published, updated)
    assert article.text == raw


def test_parse_text_override_and_markdown_title() -> None:
    article = parse_text("\n\n## Headline here\n3/27/2023\n", "a.md", published=D(2024, 1, 2))
    assert article.title == "Headline here"
    assert article.published == D(2024, 1, 2)


@pytest.mark.parametrize("raw", ["", "  \n\t\n"])
def test_parse_text_empty(raw: str) -> None:
    with pytest.raises(InputError, match=r"^a\.txt: empty"):
        parse_text(raw, "a.txt")


# --- ids -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://news.example.org/a/b?id=7",
        "https://news.example.org/a/b?id=7&utm_source=rss&utm_campaign=spring",
        "https://news.example.org/a/b?utm_medium=social&id=7#comments",
        "HTTPS://NEWS.example.org/a/b?id=7",
    ],
)
def test_article_id_same_url(url: str) -> None:
    assert article_id(url, "any text") == article_id("https://news.example.org/a/b?id=7", "")


def test_article_id_differs() -> None:
    base = article_id("https://news.example.org/a/b?id=7", "")
    assert article_id("https://news.example.org/a/b?id=8", "") != base
    assert article_id("https://news.example.org/a/c?id=7", "") != base
    assert article_id(None, "Shelling in Kharkiv") != article_id(None, "Shelling in Kherson")


def test_article_id_same_text() -> None:
    one = article_id(None, "Shelling in Kharkiv.\n\nResidents  fled.")
    assert one == article_id(None, "  shelling in KHARKIV. residents fled.\r\n")
    assert len(one) == 16 and int(one, 16) >= 0


# --- HTML ----------------------------------------------------------------------------------


def test_parse_html_fixture() -> None:
    article = parse_html((DATA / "article.html").read_text(encoding="utf-8"), "article.html")
    assert article.title == "Ceasefire talks open in Geneva"
    assert article.published == D(2024, 5, 14)
    assert article.updated == D(2024, 5, 15)
    assert article.url == "https://ledger.example.org/world/2024/05/ceasefire-talks-geneva"
    assert article.id == article_id(article.url, "")
    assert "shelling had eased" in " ".join(article.text.split())
    assert "Sport" not in article.text and "Copyright" not in article.text
    assert "tracking" not in article.text


def test_parse_html_never_connects(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("parse_html opened a connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    raw = (DATA / "article.html").read_text(encoding="utf-8")
    article = parse_html(raw, "page", url="https://ledger.example.org/p?utm_source=x")
    assert article.url == "https://ledger.example.org/p?utm_source=x"
    assert article.id == article_id("https://ledger.example.org/p", "")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("plain words, no markup at all", "not HTML"),
        ("<html><head><title>x</title></head><body></body></html>", "no article text"),
        ("<html><body><script>var a = 1;</script></body></html>", "no article text"),
    ],
)
def test_parse_html_bad(raw: str, reason: str) -> None:
    with pytest.raises(InputError, match=f"^page.html: {reason}"):
        parse_html(raw, "page.html")


# --- feeds ---------------------------------------------------------------------------------


def test_parse_rss() -> None:
    first, second = parse_feed((DATA / "feed.rss").read_bytes(), "feed.rss")
    assert first.title == "Floods cut roads around Mosul"
    assert (
        first.text
        == "Heavy rain flooded roads around Mosul on Tuesday.\nCrews worked through the night."
    )
    assert first.url is not None and first.url.endswith(
        "mosul-floods?utm_source=rss&utm_medium=feed"
    )
    assert first.id == article_id("https://wire.example.com/world/mosul-floods", "")
    assert first.published == D(2024, 4, 9)  # the publisher's day, not UTC's April 10
    assert first.source == "feed.rss#entry-1"
    assert (second.title, second.published) == ("Port of Aden reopens", D(2024, 4, 10))
    assert second.text == "Ships began unloading grain in Aden after a two-week closure."


def test_parse_atom() -> None:
    (entry,) = parse_feed((DATA / "feed.atom").read_bytes(), "feed.atom")
    assert entry.title == "Convoy reaches Rafah crossing"
    assert entry.url == "https://monitor.example.net/2024/06/convoy-rafah"
    assert entry.published == entry.updated == D(2024, 6, 2)  # only <updated>: dated by it
    assert entry.text == "A convoy of forty trucks reached the Rafah crossing on Sunday morning."


def test_parse_feed_override() -> None:
    entries = parse_feed((DATA / "feed.rss").read_bytes(), "feed.rss", published=D(2020, 1, 1))
    assert {e.published for e in entries} == {D(2020, 1, 1)}


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"<rss version='2.0'><channel><title>Cut off", "malformed feed"),
        (b"<html><body><p>A page, not a feed</p></body></html>", "not an RSS or Atom feed"),
    ],
)
def test_parse_feed_bad(raw: bytes, reason: str) -> None:
    with pytest.raises(InputError, match=f"^f.xml: {reason}"):
        parse_feed(raw, "f.xml")


def test_parse_feed_never_opens_a_path_given_as_bytes() -> None:
    # feedparser reads bytes that name a file; parse_feed must not let it.
    with pytest.raises(InputError, match="malformed feed|not an RSS"):
        parse_feed(str(DATA / "feed.rss").encode(), "x")


# --- JSON ----------------------------------------------------------------------------------


def test_jsonl_with_a_bad_line() -> None:
    raw = (DATA / "records.jsonl").read_text(encoding="utf-8")
    first, bad, third = iter_jsonl(raw, "r.jsonl")
    assert isinstance(first, Article) and isinstance(third, Article)
    assert (first.id, first.url, first.published) == (
        "wire-001",
        "https://wire.example.com/kherson",
        D(2024, 3, 4),
    )
    assert bad == Failure("r.jsonl:2", bad.reason)
    assert bad.reason.startswith("invalid JSON")
    assert third.title == "Market fire in Kano"
    assert third.published == D(2024, 3, 5)  # the date as written, not converted to UTC
    assert third.id == article_id(None, third.text)


def test_jsonl_keeps_line_separators_inside_strings() -> None:
    raw = '{"text": "one\u2028two"}\n{"text": "three"}\n'
    assert [a.text for a in articles(list(iter_jsonl(raw, "x")))] == ["one\u2028two", "three"]


def test_json_array_and_object() -> None:
    results = parse_json('[{"text": "A"}, 5, {"text": "B", "title": "Bee"}]', "a.json")
    assert [type(r).__name__ for r in results] == ["Article", "Failure", "Article"]
    assert results[1] == Failure("a.json[1]", "expected a JSON object, got int")
    (one,) = parse_json('{"text": "Only one"}', "o.json")
    assert isinstance(one, Article) and one.title == "Only one"


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"title": "No text"}, "missing or empty 'text'"),
        ({"text": "  "}, "missing or empty 'text'"),
        ({"text": "x", "published": "soon"}, "'published' is not a date: 'soon'"),
        ({"text": "x", "published": 20230327}, "'published' must be a string"),
        ({"text": "x", "url": ["a"]}, "'url' must be a string"),
        ({"text": "x", "id": {"a": 1}}, "'id' must be a string or integer"),
        (["text"], "expected a JSON object"),
    ],
)
def test_parse_json_record_bad(record: object, reason: str) -> None:
    with pytest.raises(InputError, match=f"^rec: {reason}"):
        parse_json_record(record, "rec")


def test_parse_json_malformed() -> None:
    with pytest.raises(InputError, match=r"^a\.json: invalid JSON at line 2 column 1"):
        parse_json('{"text": "x",\n}', "a.json")


# --- batches: folders, bad input, duplicates ------------------------------------------------


def test_folder_recursive_sorted_skipping_hidden_and_unknown() -> None:
    results = list(read_inputs([str(DATA / "folder")]))
    folder = DATA / "folder"
    assert [r.source for r in results] == [
        str(folder / "alpha.txt"),
        str(folder / "reports" / "beta.md"),
        f"{folder / 'reports' / 'older' / 'gamma.json'}[0]",
    ]
    assert [a.published for a in articles(results)] == [D(2024, 4, 2), D(2024, 4, 3), D(2024, 4, 4)]
    assert articles(results)[1].title == "Aid flights resume to Juba"


def test_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "readme.pdf").write_bytes(b"%PDF")
    (failure,) = read_inputs([str(tmp_path)])
    assert isinstance(failure, Failure) and failure.source == str(tmp_path)
    assert failure.reason.startswith("no article files in the folder (looked for .txt .md")


BAD_FILES = {
    "empty.txt": (b"", r"^empty$"),
    "blank.md": (b" \n\n ", r"^empty$"),
    "image.txt": (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        r"binary, not text \(NUL byte at offset 8\)",
    ),
    "latin1.txt": (
        "Titre\n3/27/2023\nCafé à Alep".encode("latin-1"),
        r"not valid UTF-8 \(byte 0xe9 at offset 19\)",
    ),
    "big.txt": (b"Title\n" + b"word " * 300, r"too large \(1,506 bytes; the cap is 1,000 bytes\)"),
    "broken.json": (b'{"text": "x"', r"invalid JSON at line 1 column 13"),
    "broken.xml": (
        b"<?xml version='1.0'?><rss version='2.0'><channel><title>Half",
        r"malformed feed",
    ),
    "page.html": (b"<html><body></body></html>", r"no article text found"),
    "report.pdf": (b"%PDF-1.4", r"unsupported file type '\.pdf'"),
}


def test_bad_inputs_are_reported_and_the_batch_goes_on(tmp_path: Path) -> None:
    for name, (data, _) in BAD_FILES.items():
        (tmp_path / name).write_bytes(data)
    good = tmp_path / "good.txt"
    good.write_text("Good one\n2024-01-05\nText.", encoding="utf-8")
    inputs = [str(tmp_path / name) for name in BAD_FILES] + [
        str(tmp_path / "missing.txt"),
        str(good),
    ]
    results = list(read_inputs(inputs, max_bytes=1_000))
    assert [r.source for r in results] == inputs
    for failure, (name, (_, reason)) in zip(results, BAD_FILES.items(), strict=False):
        assert isinstance(failure, Failure)
        assert failure.source == str(tmp_path / name)
        assert re.search(reason, failure.reason), (name, failure.reason)
        assert str(failure) == f"{failure.source}: {failure.reason}"
    assert results[-2] == Failure(str(tmp_path / "missing.txt"), "no such file, folder or URL")
    assert isinstance(results[-1], Article) and results[-1].published == D(2024, 1, 5)


def test_duplicates_are_read_once(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Same story\n\nBody  text.", encoding="utf-8")
    (tmp_path / "b.md").write_text("same story\nbody text.\n", encoding="utf-8")
    twice = [str(tmp_path / "a.txt"), str(tmp_path), str(DATA / "feed.rss"), str(DATA / "feed.rss")]
    results = list(read_inputs(twice))
    assert [r.source for r in results] == [
        str(tmp_path / "a.txt"),
        f"{DATA / 'feed.rss'}#entry-1",
        f"{DATA / 'feed.rss'}#entry-2",
    ]


def test_an_undated_article_is_not_a_failure(tmp_path: Path) -> None:
    (tmp_path / "undated.txt").write_text("No date here\n\nJust text.", encoding="utf-8")
    (article,) = read_inputs([str(tmp_path / "undated.txt")])
    assert isinstance(article, Article) and article.published is None


def test_published_override_applies_to_the_batch() -> None:
    inputs = [str(DATA / "folder"), str(DATA / "feed.atom")]
    dates = {a.published for a in articles(list(read_inputs(inputs, published=D(2021, 6, 1))))}
    assert dates == {D(2021, 6, 1)}


def test_parse_bytes_declared_charset() -> None:
    page = (DATA / "article.html").read_text(encoding="utf-8")
    page = page.replace('charset="utf-8"', 'charset="iso-8859-1"').replace("Odesa", "Odessa café")
    (article,) = parse_bytes(page.encode("iso-8859-1"), "page.html")
    assert isinstance(article, Article) and "Odessa café" in article.text


# --- URLs ----------------------------------------------------------------------------------

HUGE = b"<html><body><p>" + b"x" * 50_000 + b"</p></body></html>"


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, str, bytes]] = {
        "/article": (200, "text/html; charset=utf-8", (DATA / "article.html").read_bytes()),
        "/feed": (200, "application/rss+xml", (DATA / "feed.rss").read_bytes()),
        "/feed-as-html": (200, "text/html", (DATA / "feed.atom").read_bytes()),
        "/story.txt": (200, "text/plain; charset=utf-8", b"Plain story\n2024-02-02\nBody."),
        "/records": (200, "application/json", b'[{"text": "From JSON"}]'),
        "/huge": (200, "text/html", HUGE),
        "/empty": (200, "text/html", b""),
    }
    seen_agents: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        self.seen_agents.append(self.headers.get("User-Agent", ""))
        path = self.path.split("?")[0]
        if path in ("/moved", "/to-file"):
            target = "/article" if path == "/moved" else "file:///etc/hostname"
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path == "/stream":  # no Content-Length: the size is known only while reading
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            for _ in range(10):
                self.wfile.write(b"y" * 10_000)
            return
        status, content_type, body = self.routes.get(path, (404, "text/plain", b"not found"))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.usefixtures("allow_private_urls")
def test_url_article(server: str) -> None:
    url = f"{server}/article?utm_source=newsletter"
    (article,) = read_inputs([url])
    assert isinstance(article, Article)
    assert (article.title, article.url, article.source) == (
        "Ceasefire talks open in Geneva",
        url,
        url,
    )
    assert article.id == article_id(f"{server}/article", "")
    assert _Handler.seen_agents[-1] == USER_AGENT


@pytest.mark.usefixtures("allow_private_urls")
@pytest.mark.parametrize(
    ("path", "count"), [("/feed", 2), ("/feed-as-html", 1), ("/story.txt", 1), ("/records", 1)]
)
def test_url_kinds(server: str, path: str, count: int) -> None:
    results = list(read_inputs([server + path]))
    assert len(articles(results)) == count and not failures(results)


@pytest.mark.usefixtures("allow_private_urls")
@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/missing", "HTTP error 404 Not Found"),
        ("/huge", "too large (50,033 bytes; the cap is 20,000 bytes)"),
        ("/stream", "too large (more than 20,000 bytes; the cap is 20,000 bytes)"),
        ("/empty", "empty"),
    ],
)
def test_url_failures(server: str, path: str, reason: str) -> None:
    url = server + path
    assert list(read_inputs([url], max_bytes=20_000)) == [Failure(url, reason)]


@pytest.mark.usefixtures("allow_private_urls")
def test_redirects_only_to_http(server: str) -> None:
    (article,) = read_inputs([f"{server}/moved"])
    assert isinstance(article, Article) and article.url == f"{server}/moved"
    with pytest.raises(InputError, match="HTTP error 302"):
        fetch(f"{server}/to-file")


@pytest.mark.usefixtures("allow_private_urls")
def test_unreachable_url_and_the_batch_goes_on(server: str, closed_port: int) -> None:
    dead = f"http://127.0.0.1:{closed_port}/article"
    results = list(read_inputs([dead, "ftp://127.0.0.1/x.txt", f"{server}/story.txt"]))
    assert results[0] == Failure(dead, "could not connect")
    assert results[1] == Failure(
        "ftp://127.0.0.1/x.txt", "unsupported URL scheme 'ftp'; expected http or https"
    )
    assert isinstance(results[2], Article)


@pytest.mark.usefixtures("allow_private_urls")
def test_fetch_times_out() -> None:
    # A socket that listens but never answers: the connection succeeds, the read waits.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/slow"
        with pytest.raises(InputError, match=r"timed out after 0\.2 s"):
            fetch(url, timeout=0.2)


@pytest.mark.parametrize(
    ("content_type", "body", "kind"),
    [
        ("application/atom+xml", b"", "feed"),
        ("text/xml; charset=utf-8", b"<rss>", "feed"),
        ("", b"\n  <?xml version='1.0'?>\n<rss version='2.0'>", "feed"),
        ("text/html", b"<!DOCTYPE html><html><head><link type='application/rss+xml'>", "html"),
        ("application/json", b"[]", "json"),
        ("text/plain", b"Title", "text"),
        ("application/octet-stream", b"<html>", "html"),
    ],
)
def test_response_kind(content_type: str, body: bytes, kind: str) -> None:
    assert response_kind(content_type, body) == kind
