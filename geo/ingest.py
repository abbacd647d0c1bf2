"""Reading articles: files, folders, JSON lines, HTML pages, RSS/Atom feeds and URLs.

The ``parse_*`` functions are pure: they take text or bytes already in memory and return
:class:`Article` objects or raise :class:`~geo.errors.InputError` with a message that starts
with the input's name. :func:`read_inputs` does the file and network I/O (the latter through
:mod:`geo.fetch`) and turns every bad input into a :class:`Failure`, so one bad item never
stops a batch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo.errors import InputError
from geo.fetch import (
    DEFAULT_MAX_BYTES,
    check_bytes,
    content_charset,
    declared_encoding,
    decode,
    fetch,
    folder_files,
    html_meta,
    is_url,
    read_file,
    response_kind,
)
from geo.published import header_dates, to_date

# File suffix -> parser kind. Anything else inside a folder is skipped.
SUFFIXES = {".txt": "text", ".md": "text", ".html": "html", ".htm": "html", ".json": "json",
            ".jsonl": "jsonl", ".xml": "feed", ".rss": "feed", ".atom": "feed"}  # fmt: skip
DATE_WINDOW = 15  # a text file's dates are looked for in its first 15 non-blank lines


@dataclass(frozen=True, slots=True)
class Article:
    """One news article as the pipeline sees it."""

    id: str  # stable: from the URL when there is one, else from the normalised text
    title: str
    text: str
    published: dt.date | None
    url: str | None = None
    updated: dt.date | None = None
    source: str = ""  # where it was read from: a path, a URL, "feed URL#entry", ...


@dataclass(frozen=True, slots=True)
class Failure:
    """An input that could not be read, and why; the batch went on without it."""

    source: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


# --- ids ---------------------------------------------------------------------------------


def normalise_url(url: str) -> str:
    """Return `url` with scheme and host lowercased, no fragment, no ``utm_*`` parameters.

    Examples
    --------
    >>> normalise_url("HTTPS://News.Example.org/a/b?id=3&utm_source=rss#top")
    'https://news.example.org/a/b?id=3'
    """
    parts = urllib.parse.urlsplit(url.strip())
    query = [
        (key, value)
        for key, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        if not key.lower().startswith("utm_")
    ]
    return urllib.parse.urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/",
         urllib.parse.urlencode(query), "")
    )  # fmt: skip


def article_id(url: str | None, text: str) -> str:
    """Return a stable 16-hex-digit id: from the normalised URL, else the normalised text.

    Examples
    --------
    >>> article_id("https://ex.org/a?utm_medium=x", "") == article_id("https://EX.org/a#c", "")
    True
    >>> article_id(None, "Shelling  in\\nKharkiv") == article_id(None, "shelling in Kharkiv ")
    True
    """
    key = f"url:{normalise_url(url)}" if url else "text:" + " ".join(text.split()).casefold()
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


# --- parsers -----------------------------------------------------------------------------


def parse_text(
    raw: str, source: str, published: dt.date | None = None, url: str | None = None
) -> Article:
    """Read a plain-text or Markdown article: title on the first line, dates near the top.

    The first non-blank line (less any Markdown ``#``) is the title. Among the next
    lines (up to ``DATE_WINDOW`` non-blank ones), the first that is a date is the
    publication date, and a line ``Updated:`` with a date on it or on the next line is the
    update date. The text kept is all of `raw`, so character offsets are the file's.
    `published` overrides the date found. When there is neither, ``published`` is None:
    the caller decides what to do with an undated article.

    Examples
    --------
    >>> a = parse_text("# Talks resume\\n3/27/2023\\nUpdated: March 30, 2023\\nBody.", "a.md")
    >>> a.title, a.published, a.updated
    ('Talks resume', datetime.date(2023, 3, 27), datetime.date(2023, 3, 30))
    """
    lines = [line.strip() for line in raw.splitlines() if line.strip()]
    if not lines:
        raise InputError(f"{source}: empty (no text)")
    title = lines[0].lstrip("#").strip() or lines[0]
    found, updated = header_dates(lines[1:DATE_WINDOW])
    return Article(
        id=article_id(url, raw),
        title=title,
        text=raw,
        published=published or found,
        url=url,
        updated=updated,
        source=source,
    )


_MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "last-modified")


def parse_html(
    raw: str, source: str, url: str | None = None, published: dt.date | None = None
) -> Article:
    """Read an article page with trafilatura: main text, title and date from the page.

    trafilatura only parses the markup given to it here; nothing is fetched. The URL is
    `url`, else the page's canonical URL; the update date comes from
    ``article:modified_time``-style ``<meta>`` tags.

    Raises
    ------
    InputError
        The input has no markup, or no main text can be found in it.
    """
    import trafilatura  # heavy; imported when a page is first parsed

    if re.search(r"<\s*[a-zA-Z!]", raw) is None:
        raise InputError(f"{source}: not HTML (no tags found)")
    try:
        doc = trafilatura.bare_extraction(raw, url=url, with_metadata=True, include_comments=False)
    except Exception as err:  # the one place trafilatura's own errors are translated
        raise InputError(f"{source}: cannot parse HTML ({type(err).__name__}: {err})") from err
    text = (doc.text or "").strip() if doc is not None and not isinstance(doc, dict) else ""
    if doc is None or isinstance(doc, dict) or not text:
        raise InputError(f"{source}: no article text found in the HTML (malformed or empty page)")
    page_url = url or doc.url or None
    meta = html_meta(raw)
    modified = next((meta[key] for key in _MODIFIED_META if key in meta), None)
    return Article(
        id=article_id(page_url, text),
        title=(doc.title or "").strip() or text.splitlines()[0].strip(),
        text=text,
        published=published or (to_date(doc.date) if doc.date else None),
        url=page_url,
        updated=to_date(modified) if modified else None,
        source=source,
    )


def _json_str(record: dict[str, Any], key: str, source: str) -> str | None:
    value = record.get(key)
    if value is not None and not isinstance(value, str):
        raise InputError(f"{source}: {key!r} must be a string, got {type(value).__name__}")
    return (value or "").strip() or None


def _json_date(record: dict[str, Any], key: str, source: str) -> dt.date | None:
    value = _json_str(record, key, source)
    when = to_date(value) if value else None
    if value and when is None:
        raise InputError(f"{source}: {key!r} is not a date: {value!r}")
    return when


def parse_json_record(obj: Any, source: str, published: dt.date | None = None) -> Article:
    """Read one JSON article: keys ``text`` (required), ``title``, ``published``, ``url``,
    ``id`` and ``updated``.

    Dates are ISO dates or datetimes (other date lines are accepted too). A given ``id``
    is kept; otherwise it comes from the URL or text. A missing title is the text's first
    line.

    Examples
    --------
    >>> a = parse_json_record({"text": "Body", "published": "2023-03-27T08:00:00Z"}, "x")
    >>> a.title, a.published
    ('Body', datetime.date(2023, 3, 27))
    """
    if not isinstance(obj, dict):
        raise InputError(f"{source}: expected a JSON object, got {type(obj).__name__}")
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{source}: missing or empty 'text'")
    url = _json_str(obj, "url", source)
    given = obj.get("id")
    if isinstance(given, bool) or not isinstance(given, str | int | None):
        raise InputError(f"{source}: 'id' must be a string or integer, got {given!r}")
    return Article(
        id=str(given).strip() if given not in (None, "") else article_id(url, text),
        title=_json_str(obj, "title", source) or text.strip().splitlines()[0].strip(),
        text=text,
        published=published or _json_date(obj, "published", source),
        url=url,
        updated=_json_date(obj, "updated", source),
        source=source,
    )


def _failure(source: str, err: InputError) -> Failure:
    """Turn an InputError into a Failure, without repeating the source in the reason."""
    message = str(err)
    return Failure(source, message.removeprefix(f"{source}: "))


def parse_json(raw: str, source: str, published: dt.date | None = None) -> list[Article | Failure]:
    """Read a ``.json`` document: one article object or an array of them.

    A bad element of an array is a :class:`Failure` named ``source[index]``; the others
    are still read. A document that is not JSON at all raises InputError.
    """
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as err:
        raise InputError(
            f"{source}: invalid JSON at line {err.lineno} column {err.colno}: {err.msg}"
        ) from err
    if not isinstance(data, list):
        return [parse_json_record(data, source, published)]
    results: list[Article | Failure] = []
    for index, record in enumerate(data):
        name = f"{source}[{index}]"
        try:
            results.append(parse_json_record(record, name, published))
        except InputError as err:
            results.append(_failure(name, err))
    return results


def iter_jsonl(
    raw: str, source: str, published: dt.date | None = None
) -> Iterator[Article | Failure]:
    """Read JSON lines, one article per line; a bad line is a Failure named ``source:line``."""
    # Split on "\n" only: str.splitlines() would also split at U+2028, which JSON strings
    # may contain unescaped.
    for number, line in enumerate(raw.split("\n"), start=1):
        if not line.strip():
            continue
        name = f"{source}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            yield Failure(name, f"invalid JSON at column {err.colno}: {err.msg}")
            continue
        try:
            yield parse_json_record(record, name, published)
        except InputError as err:
            yield _failure(name, err)


# --- bytes and I/O -----------------------------------------------------------------------


def kind_for(name: str) -> str:
    """Return the parser kind for a file name by its suffix, or raise InputError."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        expected = " ".join(SUFFIXES)
        raise InputError(f"{name}: unsupported file type {suffix or '(none)'!r}; use {expected}")
    return SUFFIXES[suffix]


def parse_bytes(
    data: bytes,
    source: str,
    *,
    kind: str | None = None,
    url: str | None = None,
    published: dt.date | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    encoding: str | None = None,
) -> list[Article | Failure]:
    """Check, decode and parse one input's bytes (a file, a download, an upload).

    `kind` is ``"text"``, ``"html"``, ``"json"``, ``"jsonl"`` or ``"feed"``; by default it
    comes from the suffix of `source`. Raises InputError for an input that is bad as a
    whole; bad records inside a JSON input come back as Failures.
    """
    kind = kind or kind_for(source)
    check_bytes(data, source, max_bytes)
    if kind == "feed":
        from geo.feeds import parse_feed  # it builds on this module's Article

        return list(parse_feed(data, source, published))
    if kind == "html":
        encoding = encoding or declared_encoding(data)
    raw = decode(data, source, encoding)
    if kind == "text":
        return [parse_text(raw, source, published, url=url)]
    if kind == "html":
        return [parse_html(raw, source, url, published)]
    if kind == "json":
        return parse_json(raw, source, published)
    if kind == "jsonl":
        return list(iter_jsonl(raw, source, published))
    raise ValueError(
        f"unknown input kind {kind!r}; expected one of {sorted(set(SUFFIXES.values()))}"
    )


def _read_url(
    url: str, published: dt.date | None, max_bytes: int, timeout: float
) -> list[Article | Failure]:
    data, content_type = fetch(url, timeout=timeout, max_bytes=max_bytes)
    kind = response_kind(content_type, data)
    charset = content_charset(content_type)
    return parse_bytes(data, url, kind=kind, url=url, published=published, encoding=charset)


def _read_path(path: Path, published: dt.date | None, max_bytes: int) -> list[Article | Failure]:
    kind = kind_for(str(path))  # first, so an unknown file type is not read at all
    data = read_file(path, max_bytes)
    return parse_bytes(data, str(path), kind=kind, published=published, max_bytes=max_bytes)


def _read_one(
    item: str, published: dt.date | None, max_bytes: int, timeout: float
) -> Iterator[Article | Failure]:
    """Read one command-line input; every InputError becomes a Failure."""
    targets: list[str | Path]
    if is_url(item):
        targets = [item]
    elif Path(item).is_dir():
        targets = list(folder_files(Path(item), SUFFIXES))
        if not targets:
            yield Failure(item, f"no article files in the folder (looked for {' '.join(SUFFIXES)})")
    elif Path(item).exists():
        targets = [Path(item)]
    else:
        yield Failure(item, "no such file, folder or URL")
        return
    for target in targets:
        try:
            if isinstance(target, Path):
                yield from _read_path(target, published, max_bytes)
            else:
                yield from _read_url(target, published, max_bytes, timeout)
        except InputError as err:
            yield _failure(str(target), err)


def read_inputs(
    inputs: Iterable[str],
    *,
    published: dt.date | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = 15.0,
) -> Iterator[Article | Failure]:
    """Read articles from paths, folders (recursively) and http(s) URLs, in order.

    Each bad input, or bad record inside one, is yielded as a :class:`Failure` and the
    batch goes on. An article whose id was already yielded in this batch is skipped.
    `published` (the ``--published`` option) overrides every article's date. An article
    whose date could not be found is yielded with ``published=None``: it is not a failure,
    and the caller reports it as a warning.
    """
    seen: set[str] = set()
    for item in inputs:
        for result in _read_one(item, published, max_bytes, timeout):
            if isinstance(result, Article):
                if result.id in seen:
                    continue
                seen.add(result.id)
            yield result
