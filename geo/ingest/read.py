"""Reading inputs: paths, folders (recursively), http(s) URLs and uploaded bytes.

:func:`read_inputs` (the command line) does the file and network I/O (through
``geo.ingest.files`` and ``geo.ingest.fetch``); :func:`read_url` (the page's URL box)
reads http(s) URLs only and never the file system; :func:`parse_bytes` (uploads,
pastes) only parses. They hand the bytes to the parser for their kind
(``geo.ingest.parse``, ``geo.ingest.html``, ``geo.ingest.feeds``) and turn every bad
input, whatever went wrong with it, into a :class:`~geo.model.Failure`, so one bad item
never stops a batch.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Iterable, Iterator
from pathlib import Path

from geo.errors import InputError
from geo.ingest.feeds import parse_feed
from geo.ingest.fetch import (
    DEFAULT_DEADLINE_S,
    DEFAULT_TIMEOUT_S,
    content_charset,
    fetch,
    is_url,
    response_kind,
)
from geo.ingest.files import check_bytes, declared_encoding, decode, folder_files, read_file
from geo.ingest.html import parse_html
from geo.ingest.ids import article_id, normalise_text, text_fingerprint
from geo.ingest.parse import describe, failure, iter_jsonl, parse_json, parse_text
from geo.limits import DEFAULT_MAX_BYTES
from geo.model import Article, Failure

# File suffix -> parser kind. Anything else inside a folder is skipped.
SUFFIXES = {".txt": "text", ".md": "text", ".html": "html", ".htm": "html", ".json": "json",
            ".jsonl": "jsonl", ".xml": "feed", ".rss": "feed", ".atom": "feed"}  # fmt: skip
KINDS = frozenset(SUFFIXES.values())


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
    comes from the suffix of `source`. Nothing is fetched or opened: the bytes are all
    that is read.

    Raises
    ------
    InputError
        For an input that is bad as a whole, whatever the cause (a parser's own error
        included); bad records inside a JSON input or a feed come back as Failures.
    ValueError
        For a `kind` that is not one of the kinds above (a caller's mistake).
    """
    kind = kind or kind_for(source)
    if kind not in KINDS:
        raise ValueError(f"unknown input kind {kind!r}; expected one of {sorted(KINDS)}")
    try:
        results = _parse(data, source, kind, url, published, max_bytes, encoding)
    except InputError:
        raise
    except Exception as err:  # the last line of defence: the input fails, not the batch
        raise InputError(f"{source}: {describe(err)}") from err
    if not results:
        # A feed (or a JSON array) with no usable entry: nothing was read, which the
        # user must hear about rather than see a silent "0 stored".
        raise InputError(f"{source}: no article in it (no entry with a title or text)")
    return [_valid_unicode(result) for result in results]


def _parse(
    data: bytes,
    source: str,
    kind: str,
    url: str | None,
    published: dt.date | None,
    max_bytes: int,
    encoding: str | None,
) -> list[Article | Failure]:
    check_bytes(data, source, max_bytes)
    if kind == "feed":
        return parse_feed(data, source, published)
    if kind == "html":
        encoding = encoding or declared_encoding(data)
    raw = decode(data, source, encoding)
    if kind == "text":
        return [parse_text(raw, source, published, url=url)]
    if kind == "html":
        return [parse_html(raw, source, url, published)]
    if kind == "json":
        return parse_json(raw, source, published)
    return list(iter_jsonl(raw, source, published))


def _valid_unicode(result: Article | Failure) -> Article | Failure:
    """Refuse an article with a lone surrogate (``"\\ud800"`` in JSON): it is not text,
    and no UTF-8 file or database could store it."""
    if isinstance(result, Failure):
        return result
    for field in ("text", "title", "id", "url"):  # the text first: the title may come from it
        value = getattr(result, field) or ""
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as err:
            code = ord(value[err.start])
            return Failure(result.source, f"{field!r} is not valid Unicode (lone surrogate "
                                          f"U+{code:04X} at offset {err.start})")
    return result


def read_url(
    url: str,
    *,
    published: dt.date | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = DEFAULT_TIMEOUT_S,
    deadline: float = DEFAULT_DEADLINE_S,
    allow_private: bool | None = None,
) -> list[Article | Failure]:
    """Read the articles at an ``http://`` or ``https://`` URL (a page, a feed, JSON).

    For a URL typed by someone else (the page's URL box): anything but an http(s) URL
    with a host, such as a path, ``file:`` or ``ftp:``, is a Failure and the file system
    is never touched. Local and private addresses are refused unless `allow_private`
    (``None``: the operator's ``GEO_ALLOW_PRIVATE_URLS``). Every problem is a Failure
    naming `url`; nothing is raised.
    """
    try:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError(url)
    except ValueError:
        return [Failure(url, "only http(s) URLs are accepted")]
    try:
        results = _fetch_and_parse(url, published, max_bytes, timeout, deadline, allow_private)
    except InputError as err:
        return [failure(url, err)]
    except Exception as err:  # the last line of defence: the input fails, not the batch
        return [Failure(url, describe(err))]
    return list(_unique(results))


def _fetch_and_parse(
    url: str,
    published: dt.date | None,
    max_bytes: int,
    timeout: float,
    deadline: float,
    allow_private: bool | None,
) -> list[Article | Failure]:
    data, content_type = fetch(url, timeout=timeout, deadline=deadline, max_bytes=max_bytes,
                               allow_private=allow_private)  # fmt: skip
    kind = response_kind(content_type, data)
    charset = content_charset(content_type)
    return parse_bytes(data, url, kind=kind, url=url, published=published,
                       max_bytes=max_bytes, encoding=charset)  # fmt: skip


def _read_path(path: Path, published: dt.date | None, max_bytes: int) -> list[Article | Failure]:
    kind = kind_for(str(path))  # first, so an unknown file type is not read at all
    data = read_file(path, max_bytes)
    return parse_bytes(data, str(path), kind=kind, published=published, max_bytes=max_bytes)


def _read_one(
    item: str,
    published: dt.date | None,
    max_bytes: int,
    timeout: float,
    deadline: float,
    allow_private: bool | None,
) -> Iterator[Article | Failure]:
    """Read one command-line input; anything that goes wrong becomes a Failure."""
    if is_url(item):
        # A URL is never a path, whatever its scheme: ftp: and file: are refused as such.
        try:
            yield from _fetch_and_parse(item, published, max_bytes, timeout, deadline,
                                        allow_private)  # fmt: skip
        except InputError as err:
            yield failure(item, err)
        except Exception as err:  # the last line of defence: the input fails, not the batch
            yield Failure(item, describe(err))
        return
    path = Path(item)
    try:
        folder = path.is_dir()
        if not (folder or path.exists() or path.is_symlink()):
            yield Failure(item, "no such file, folder or URL")
            return
        targets = folder_files(path, SUFFIXES) if folder else [path]
    except OSError as err:  # a path the system cannot even look at (too long, ...)
        yield Failure(item, f"cannot read ({err.strerror or type(err).__name__})")
        return
    if folder and not any(isinstance(target, Path) for target in targets):
        yield Failure(item, f"no article files in the folder (looked for {' '.join(SUFFIXES)})")
    for target in targets:
        if isinstance(target, Failure):
            yield target
            continue
        try:
            yield from _read_path(target, published, max_bytes)
        except InputError as err:
            yield failure(str(target), err)
        except Exception as err:  # the last line of defence: the input fails, not the batch
            yield Failure(str(target), describe(err))


def _unique(results: Iterable[Article | Failure]) -> Iterator[Article | Failure]:
    """Drop repeats of an article already given (same id, or same text under another id).

    A record that reuses an explicit id with different text is not a repeat: it is a
    Failure, so it is not dropped unseen.
    """
    texts: dict[str, str] = {}  # id -> normalised text
    fingerprints: set[str] = set()
    for result in results:
        if isinstance(result, Failure):
            yield result
            continue
        text = normalise_text(result.text)
        known = texts.get(result.id)
        if known is not None:
            if known != text and result.id != article_id(result.url, result.text):
                yield Failure(result.source,
                              f"id {result.id!r} already used in this batch with different text")
            continue
        fingerprint = text_fingerprint(result.text)
        if fingerprint in fingerprints:
            continue
        texts[result.id] = text
        if fingerprint is not None:
            fingerprints.add(fingerprint)
        yield result


def read_inputs(
    inputs: Iterable[str],
    *,
    published: dt.date | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = DEFAULT_TIMEOUT_S,
    deadline: float = DEFAULT_DEADLINE_S,
    allow_private: bool | None = None,
) -> Iterator[Article | Failure]:
    """Read articles from paths, folders (recursively) and http(s) URLs, in order.

    For the command line: paths are read from the file system. Each bad input, or bad
    record inside one, is yielded as a :class:`Failure` and the batch goes on, whatever
    the error. An article already yielded in this batch (same id, or the same text by
    another name, such as a file and its URL) is skipped; an explicit id reused with
    different text is a Failure. `published` (the ``--published`` option) overrides every
    article's date. An article whose date could not be found is yielded with
    ``published=None``: it is not a failure, and the caller reports it as a warning.
    URLs are fetched as :func:`read_url` does (`timeout` per read, `deadline` per fetch,
    `allow_private` for local and private addresses).
    """
    def every() -> Iterator[Article | Failure]:
        for item in inputs:
            yield from _read_one(item, published, max_bytes, timeout, deadline, allow_private)

    return _unique(every())
