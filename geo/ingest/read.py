"""Reading inputs: paths, folders (recursively), http(s) URLs and uploaded bytes.

:func:`read_inputs` does the file and network I/O (through ``geo.ingest.files`` and
``geo.ingest.fetch``), hands the bytes to the parser for their kind
(``geo.ingest.parse``, ``geo.ingest.html``, ``geo.ingest.feeds``) and turns every bad
input into a :class:`~geo.model.Failure`, so one bad item never stops a batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path

from geo.errors import InputError
from geo.ingest.feeds import parse_feed
from geo.ingest.fetch import content_charset, fetch, is_url, response_kind
from geo.ingest.files import check_bytes, declared_encoding, decode, folder_files, read_file
from geo.ingest.html import parse_html
from geo.ingest.parse import failure, iter_jsonl, parse_json, parse_text
from geo.limits import DEFAULT_MAX_BYTES
from geo.model import Article, Failure

# File suffix -> parser kind. Anything else inside a folder is skipped.
SUFFIXES = {".txt": "text", ".md": "text", ".html": "html", ".htm": "html", ".json": "json",
            ".jsonl": "jsonl", ".xml": "feed", ".rss": "feed", ".atom": "feed"}  # fmt: skip


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
            yield failure(str(target), err)


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
