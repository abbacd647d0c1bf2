"""Hardened reading: every input its own unit of failure, files and folders, article identity.

No network: the URL-identity tests work on strings.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

import geo.ingest.read as read
from geo.errors import InputError
from geo.ingest.ids import (
    MIN_FINGERPRINT_CHARS,
    article_id,
    normalise_url,
    text_fingerprint,
)
from geo.ingest.parse import describe, iter_jsonl, parse_json
from geo.ingest.read import parse_bytes, read_inputs
from geo.model import Article, Failure

GOOD = "Good one\n2024-01-05\n\nShelling was reported in Kharkiv on Thursday."
LONG = "Fighting continued near Bakhmut on Tuesday, officials said. " * 6
ATOM_YEAR_0 = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<entry><title>Dated nowhere</title><link href="https://ex.org/a"/>
<updated>0000-01-01T00:00:00Z</updated><summary>Clashes in Idlib.</summary></entry>
<entry><title>Fine</title><link href="https://ex.org/b"/>
<updated>2024-06-02T08:00:00Z</updated><summary>Talks in Doha.</summary></entry>
</feed>"""


def kinds(results: list[Article | Failure]) -> list[str]:
    return [type(r).__name__ for r in results]


# --- every input its own unit of failure ----------------------------------------------------


BAD_INPUTS = {
    "deep.json": ("[" * 100_000 + "]" * 100_000, r"^invalid JSON: nested too deeply$"),
    "bigint.json": ('{"text": "x", "id": 1' + "0" * 5000 + "}",
                    r"^invalid JSON: a number has too many digits$"),
    "longid.json": ('{"text": "x", "id": 1' + "0" * 250 + "}", r"^'id' is too long"),
    "longstrid.json": (json.dumps({"text": "x", "id": "x" * 201}), r"^'id' is too long \(201"),
    "surrogate.json": ('{"text": "Talks in Doha \\ud800 resumed."}',
                       r"^'text' is not valid Unicode \(lone surrogate U\+D800 at offset 14\)$"),
    "surrogate-title.json": ('{"text": "Talks.", "title": "\\udfff"}',
                             r"^'title' is not valid Unicode"),
    "late-nul.txt": ("Title\n" + "word " * 3000 + "\x00 and more", r"binary, not text \(NUL byte "
                     r"at offset 15006\)"),
}


def test_each_bad_input_is_a_failure_and_the_batch_goes_on(tmp_path: Path) -> None:
    for name, (data, _) in BAD_INPUTS.items():
        (tmp_path / name).write_text(data, encoding="utf-8", errors="surrogatepass")
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    names = [*BAD_INPUTS, "good.txt"]
    results = list(read_inputs([str(tmp_path / name) for name in names]))
    assert kinds(results) == ["Failure"] * len(BAD_INPUTS) + ["Article"]
    for result, (name, (_, reason)) in zip(results, BAD_INPUTS.items(), strict=False):
        assert result.source == str(tmp_path / name)
        assert re.search(reason, result.reason), (name, result.reason)
        assert "\n" not in result.reason and "Traceback" not in result.reason


def test_one_bad_jsonl_line_fails_alone() -> None:
    lines = [json.dumps({"text": "First."}), "[" * 50_000 + "]" * 50_000,
             '{"text": "x", "id": 1' + "0" * 5000 + "}", '{"text": "\\ud800"}',
             json.dumps({"text": "Last."})]
    results = list(iter_jsonl("\n".join(lines), "r.jsonl"))
    assert kinds(results) == ["Article", "Failure", "Failure", "Article", "Article"]
    assert results[1] == Failure("r.jsonl:2", "invalid JSON: nested too deeply")
    assert results[2] == Failure("r.jsonl:3", "invalid JSON: a number has too many digits")
    # The surrogate is caught where the bytes are read, for every kind of input.
    checked = parse_bytes("\n".join(lines).encode(), "r.jsonl")
    assert kinds(checked) == ["Article", "Failure", "Failure", "Failure", "Article"]
    assert checked[3].source == "r.jsonl:4"


def test_json_array_records_fail_alone() -> None:
    raw = json.dumps([{"text": "A"}, {"text": "B", "id": "x" * 300}, {"text": "C", "id": 7}])
    results = parse_json(raw, "a.json")
    assert kinds(results) == ["Article", "Failure", "Article"]
    assert results[2].id == "7"  # type: ignore[union-attr]


def test_an_atom_date_of_year_0_is_no_date() -> None:
    first, second = parse_bytes(ATOM_YEAR_0, "f.atom")
    assert isinstance(first, Article) and first.published is None
    assert isinstance(second, Article) and second.published is not None


def test_an_unexpected_error_is_a_one_line_failure(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(raw: str, source: str, *args: object, **kwargs: object) -> Article:
        if "boom" in raw:
            raise OverflowError("date value out of range\n  in /srv/app/geo/text/dates.py")
        return Article(id="ok", title="t", text=raw, published=None, source=source)

    monkeypatch.setattr(read, "parse_text", explode)
    (tmp_path / "a.txt").write_text("boom", encoding="utf-8")
    (tmp_path / "b.txt").write_text("fine", encoding="utf-8")
    results = list(read_inputs([str(tmp_path)]))
    assert results[0] == Failure(str(tmp_path / "a.txt"),
                                 "OverflowError: date value out of range in <path>")
    assert isinstance(results[1], Article)
    # parse_bytes (the page's uploads) raises only InputError, so its callers catch it.
    with pytest.raises(InputError, match=r"^a\.txt: OverflowError: date value out of range"):
        parse_bytes(b"boom", "a.txt")


@pytest.mark.parametrize(
    ("err", "reason"),
    [
        (RecursionError("maximum recursion depth exceeded"),
         "RecursionError: maximum recursion depth exceeded"),
        (PermissionError(13, "Permission denied", "/srv/secret"),
         "PermissionError: Permission denied"),
        (ValueError("x" * 500), "ValueError: " + "x" * 197 + "..."),
        (KeyError(), "KeyError"),
    ],
)
def test_describe(err: BaseException, reason: str) -> None:
    assert describe(err) == reason


# --- files and folders ---------------------------------------------------------------------


@pytest.mark.timeout(20)  # a FIFO that is opened waits for a writer: a hang, not a failure
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_skipped_without_opening_it(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "x.txt")
    (tmp_path / "y.txt").write_text(GOOD, encoding="utf-8")
    results = list(read_inputs([str(tmp_path), str(tmp_path / "x.txt")]))
    assert results[0] == Failure(str(tmp_path / "x.txt"), "skipped: not a regular file (a FIFO)")
    assert isinstance(results[1], Article)
    assert results[2] == Failure(str(tmp_path / "x.txt"), "not a regular file (a FIFO)")


def test_folder_walks_do_not_follow_links(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("Secret\n\nNot to be read.", encoding="utf-8")
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "good.txt").write_text(GOOD, encoding="utf-8")
    (folder / "link.txt").symlink_to(outside / "secret.txt")
    (folder / "linked").symlink_to(outside, target_is_directory=True)
    (folder / "notes.pdf").symlink_to(outside / "secret.txt")  # not an article file: ignored
    results = list(read_inputs([str(folder)]))
    assert [(type(r).__name__, r.source) for r in results] == [
        ("Failure", str(folder / "link.txt")),
        ("Failure", str(folder / "linked")),
        ("Article", str(folder / "sub" / "good.txt")),
    ]
    assert all("symbolic link" in r.reason for r in results if isinstance(r, Failure))
    assert not any("Secret" in r.text for r in results if isinstance(r, Article))


def test_a_folder_of_links_only_has_no_article_files(tmp_path: Path) -> None:
    (tmp_path / "real.txt").write_text(GOOD, encoding="utf-8")
    folder = tmp_path / "links"
    folder.mkdir()
    (folder / "a.txt").symlink_to(tmp_path / "real.txt")
    results = list(read_inputs([str(folder)]))
    assert kinds(results) == ["Failure", "Failure"]
    assert results[0].reason.startswith("no article files in the folder")  # type: ignore


def test_a_file_that_grew_past_the_cap_is_refused(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # stat() says small, the read finds more: the cap holds for what is read.
    path = tmp_path / "a.txt"
    path.write_text("Title\n" + "x" * 2000, encoding="utf-8")
    real_stat = Path.stat

    def small(self: Path, **kwargs: object) -> os.stat_result:
        info = real_stat(self, **kwargs)  # type: ignore[arg-type]
        return os.stat_result((info.st_mode, *info[1:6], 10, *info[7:]))

    monkeypatch.setattr(Path, "stat", small)
    (failure,) = read_inputs([str(path)], max_bytes=1000)
    assert failure == Failure(str(path), "too large (more than 1,000 bytes; the cap is 1,000 "
                                         "bytes)")


# --- article identity ------------------------------------------------------------------------

CANONICAL = "https://news.example.org/world/story?id=7"


@pytest.mark.parametrize(
    "variant",
    [
        "https://news.example.org/world/story?id=7&ref=homepage",
        "https://news.example.org/world/story?ref_src=twsrc&id=7",
        "https://news.example.org//world//story?id=7",
        "https://news.example.org/world/story/?id=7",
        "https://news.example.org:443/world/story?id=7",
        "HTTPS://News.Example.ORG/world/story?id=7#comments",
        "https://news.example.org/world/story?utm_source=x&id=7&utm_campaign=y",
        "https://news.example.org/world/story?id=7&fbclid=abc&gclid=def",
        "  https://news.example.org/world/story?id=7\n",
        "https://user:pw@news.example.org/world/story?id=7",
    ],
)
def test_url_variants_share_an_id(variant: str) -> None:
    assert normalise_url(variant) == CANONICAL
    assert article_id(variant, "any") == article_id(CANONICAL, "other")


@pytest.mark.parametrize(
    "other",
    [
        "https://news.example.org/world/story?id=8",
        "https://news.example.org/world/Story?id=7",  # paths are case-sensitive
        "https://news.example.org/world/story?id=7&page=2",  # other parameters are kept
        "https://news.example.org:8443/world/story?id=7",
        "http://other.example.org/world/story?id=7",
    ],
)
def test_different_pages_keep_different_ids(other: str) -> None:
    assert article_id(other, "") != article_id(CANONICAL, "")


def test_parameter_order_and_default_ports() -> None:
    assert normalise_url("http://ex.org:80/a?b=2&a=1") == normalise_url("http://ex.org/a?a=1&b=2")
    assert normalise_url("http://[::1]:80/a/") == "http://[::1]/a"
    assert normalise_url("https://ex.org") == "https://ex.org/"


def test_text_fingerprints() -> None:
    assert text_fingerprint(LONG) == text_fingerprint("  " + LONG.upper().replace(" ", "\n  "))
    assert text_fingerprint(LONG) != text_fingerprint(LONG + "More.")
    assert text_fingerprint("x" * (MIN_FINGERPRINT_CHARS - 1)) is None
    assert text_fingerprint("x" * MIN_FINGERPRINT_CHARS) is not None


def test_a_batch_reads_each_article_once(tmp_path: Path) -> None:
    # The same long text as a file and as a JSON record with a URL: one article.
    (tmp_path / "a.txt").write_text("Bakhmut\n\n" + LONG, encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps({"text": "Bakhmut\n\n" + LONG,
                                                 "url": "https://ex.org/bakhmut"}),
                                     encoding="utf-8")
    results = list(read_inputs([str(tmp_path / "a.txt"), str(tmp_path / "b.json")]))
    assert [r.source for r in results] == [str(tmp_path / "a.txt")]


def test_an_explicit_id_reused_with_other_text_is_reported() -> None:
    raw = "\n".join(json.dumps(r) for r in [{"id": "x", "text": "One."},
                                            {"id": "x", "text": "one. "},  # the same text
                                            {"id": "x", "text": "Two."}])
    results = list(read.drop_repeats(parse_bytes(raw.encode(), "r.jsonl")))
    assert results[0].source == "r.jsonl:1"
    assert results[1] == Failure("r.jsonl:3",
                                 "id 'x' already used in this batch with different text")
    assert len(results) == 2
