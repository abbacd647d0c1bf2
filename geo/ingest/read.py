"""Reading inputs: paths, folders (recursively), http(s) URLs and uploaded bytes.

:func:`read_inputs` (the command line) does the file and network I/O (through
``geo.ingest.files`` and ``geo.ingest.fetch``); :func:`read_url` (the page's URL box)
reads http(s) URLs only and never the file system; :func:`parse_bytes` (uploads,
pastes) only parses. :func:`read_inputs` is :func:`plan_inputs` (walking folders) then
:func:`read_unit` for each piece, which a Dask worker can run as well (``geo.cluster``).
They hand the bytes to the parser for their kind
(``geo.ingest.parse``, ``geo.ingest.html``, ``geo.ingest.feeds``) and turn every bad
input, whatever went wrong with it, into a :class:`~geo.model.Failure`, so one bad item
never stops a batch.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
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
from geo.ingest.parse import describe, failure, iter_jsonl, parse_json, parse_text, split_lines
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
    return list(drop_repeats(results))


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


@dataclass(frozen=True, slots=True)
class Unit:
    """One piece of a batch that can be read on its own, wherever (another process, a
    Dask worker): a URL, a file by its path, a file's bytes, or some lines of a JSON
    lines file. :func:`plan_inputs` makes them and :func:`read_unit` reads them.
    """

    source: str  # the URL or the file's path, as Failures name it
    kind: str  # "url", "path", "bytes" or "lines"
    data: bytes | str = b""  # "bytes": the file's bytes; "lines": its decoded lines
    first_line: int = 1  # "lines": the number of the first line of `data` in the file


def plan_inputs(
    inputs: Iterable[str],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    read_files: bool = False,
    lines_per_unit: int = 0,
) -> Iterator[Unit | Failure]:
    """Say what reading ``inputs`` takes: Units to read, and the Failures found meanwhile.

    Folders are walked here, in order, and a missing path is a Failure here. With
    `read_files`, each file's bytes are read here too, so that whoever reads the Units
    needs no access to these files (a Dask worker on another machine); with
    `lines_per_unit` as well, a JSON lines file is cut into Units of that many lines,
    read apart and named by their line numbers in the file as a whole file's are.
    Reading all the Units in order with :func:`read_unit` gives what reading the
    inputs does, the same articles and the same Failures.
    """
    for item in inputs:
        if is_url(item):
            # A URL is never a path, whatever its scheme: ftp: and file: are refused as such.
            yield Unit(item, "url")
            continue
        for target in _targets(item):
            if isinstance(target, Failure) or not read_files:
                yield target if isinstance(target, Failure) else Unit(str(target), "path")
                continue
            try:
                yield from _read_ahead(target, max_bytes, lines_per_unit)
            except InputError as err:
                yield failure(str(target), err)
            except Exception as err:  # the last line of defence: the input fails, not the batch
                yield Failure(str(target), describe(err))


def _targets(item: str) -> list[Path | Failure]:
    """Return the files a path names (a folder's, walked) and the Failures met on the way."""
    path = Path(item)
    try:
        folder = path.is_dir()
        if not (folder or path.exists() or path.is_symlink()):
            return [Failure(item, "no such file, folder or URL")]
        targets: list[Path | Failure] = folder_files(path, SUFFIXES) if folder else [path]
    except OSError as err:  # a path the system cannot even look at (too long, ...)
        return [Failure(item, f"cannot read ({err.strerror or type(err).__name__})")]
    if folder and not any(isinstance(target, Path) for target in targets):
        none = Failure(item, f"no article files in the folder (looked for {' '.join(SUFFIXES)})")
        return [none, *targets]
    return targets


def _read_ahead(path: Path, max_bytes: int, lines_per_unit: int) -> Iterator[Unit]:
    """Read a file into Units of its bytes, or of its lines for a JSON lines file.

    The lines are checked and decoded as :func:`parse_bytes` does before it parses
    them, so a file that is bad as a whole fails here, as a whole.
    """
    source = str(path)
    kind = kind_for(source)  # first, so an unknown file type is not read at all
    data = read_file(path, max_bytes)
    if kind != "jsonl" or lines_per_unit <= 0:
        yield Unit(source, "bytes", data)
        return
    check_bytes(data, source, max_bytes)
    lines = split_lines(decode(data, source))
    if not any(line.strip() for line in lines):
        raise InputError(f"{source}: no article in it (no entry with a title or text)")
    for start in range(0, len(lines), lines_per_unit):
        piece = lines[start : start + lines_per_unit]
        if any(line.strip() for line in piece):
            yield Unit(source, "lines", "\n".join(piece), first_line=start + 1)


def read_unit(
    unit: Unit,
    *,
    published: dt.date | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = DEFAULT_TIMEOUT_S,
    deadline: float = DEFAULT_DEADLINE_S,
    allow_private: bool | None = None,
) -> list[Article | Failure]:
    """Read one Unit of :func:`plan_inputs` into its articles; every problem is a Failure.

    Repeats are not dropped here: that takes the whole batch (``read_inputs`` does it).
    """
    try:
        if unit.kind == "url":
            return _fetch_and_parse(unit.source, published, max_bytes, timeout, deadline,
                                    allow_private)  # fmt: skip
        if unit.kind == "path":
            kind = kind_for(unit.source)  # first, so an unknown file type is not read at all
            data = read_file(Path(unit.source), max_bytes)
            return parse_bytes(data, unit.source, kind=kind, published=published,
                               max_bytes=max_bytes)  # fmt: skip
        if unit.kind == "bytes":
            assert isinstance(unit.data, bytes)
            return parse_bytes(unit.data, unit.source, published=published, max_bytes=max_bytes)
        assert unit.kind == "lines" and isinstance(unit.data, str), unit.kind
        found = iter_jsonl(unit.data, unit.source, published, first_line=unit.first_line)
        return [_valid_unicode(result) for result in found]
    except InputError as err:
        return [failure(unit.source, err)]
    except Exception as err:  # the last line of defence: the input fails, not the batch
        return [Failure(unit.source, describe(err))]


def drop_repeats(results: Iterable[Article | Failure]) -> Iterator[Article | Failure]:
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
        for unit in plan_inputs(inputs, max_bytes=max_bytes):
            if isinstance(unit, Failure):
                yield unit
            else:
                yield from read_unit(unit, published=published, max_bytes=max_bytes,
                                     timeout=timeout, deadline=deadline,
                                     allow_private=allow_private)  # fmt: skip

    return drop_repeats(every())
