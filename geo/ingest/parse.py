"""Parsing text already in memory into articles: plain text / Markdown and JSON (lines).

Pure functions: they take a string and the input's name and return
:class:`~geo.model.Article` objects, or raise :class:`~geo.errors.InputError` with a
message that starts with the input's name (a bad record inside a JSON input comes back
as a :class:`~geo.model.Failure`, so the others are still read).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

from geo.errors import InputError
from geo.ingest.ids import article_id
from geo.ingest.published import header_dates, to_date
from geo.model import Article, Failure

DATE_WINDOW = 15  # a text file's dates are looked for in its first 15 non-blank lines
# The longest explicit id kept: ids key the store and travel in URLs and exports.
MAX_ID_CHARS = 200
# An absolute path inside an error message (not the path part of a URL).
_PATH = re.compile(r"(?<![\w:/.])/(?:[\w.@+-]+/)+[\w.@+-]*")
_REASON_CHARS = 200


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


def _json_id(value: Any, source: str) -> str | None:
    """Return an explicit id as a string (None when absent or blank), checking it."""
    if isinstance(value, bool) or not isinstance(value, str | int | None):
        shown = repr(value)
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        raise InputError(f"{source}: 'id' must be a string or integer, got {shown}")
    if isinstance(value, int):
        # Checked before str(): Python refuses to print an int of over 4,300 digits.
        if value.bit_length() > MAX_ID_CHARS * 3.33:
            raise InputError(f"{source}: 'id' is too long (at most {MAX_ID_CHARS} characters)")
        value = str(value)
    value = (value or "").strip()
    if len(value) > MAX_ID_CHARS:
        raise InputError(
            f"{source}: 'id' is too long ({len(value):,} characters; at most {MAX_ID_CHARS})"
        )
    return value or None


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
    given = _json_id(obj.get("id"), source)
    return Article(
        id=given or article_id(url, text),
        title=_json_str(obj, "title", source) or text.strip().splitlines()[0].strip(),
        text=text,
        published=published or _json_date(obj, "published", source),
        url=url,
        updated=_json_date(obj, "updated", source),
        source=source,
    )


def failure(source: str, err: InputError) -> Failure:
    """Turn an InputError into a Failure, without repeating the source in the reason."""
    message = str(err)
    return Failure(source, message.removeprefix(f"{source}: "))


def describe(err: BaseException) -> str:
    """Say what an unexpected error was in one line: its type and message, no traceback.

    File paths are left out (an ``OSError`` gives only its description, other messages
    have absolute paths replaced), so a message shown on the page never tells where
    the server keeps its files.

    Examples
    --------
    >>> describe(RecursionError("maximum recursion depth exceeded"))
    'RecursionError: maximum recursion depth exceeded'
    >>> describe(FileNotFoundError(2, "No such file or directory", "/srv/app/x"))
    'FileNotFoundError: No such file or directory'
    >>> describe(ValueError("bad value in /srv/app/geo/x.py\\nline two"))
    'ValueError: bad value in <path> line two'
    """
    message = (err.strerror or "") if isinstance(err, OSError) else str(err)
    message = _PATH.sub("<path>", " ".join(message.split()))
    if len(message) > _REASON_CHARS:
        message = message[: _REASON_CHARS - 3] + "..."
    return f"{type(err).__name__}: {message}" if message else type(err).__name__


def _loads(raw: str, where: str) -> Any:
    """``json.loads``, every way it can fail being a JSON problem said in words."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError as err:
        at = f"line {err.lineno} column {err.colno}" if where == "line" else f"column {err.colno}"
        raise InputError(f"invalid JSON at {at}: {err.msg}") from err
    except RecursionError as err:
        raise InputError("invalid JSON: nested too deeply") from err
    except ValueError as err:  # Python's cap on the digits of an integer, as a rule
        what = "a number has too many digits" if "digits" in str(err) else describe(err)
        raise InputError(f"invalid JSON: {what}") from err


def parse_json(raw: str, source: str, published: dt.date | None = None) -> list[Article | Failure]:
    """Read a ``.json`` document: one article object or an array of them.

    A bad element of an array is a :class:`Failure` named ``source[index]``; the others
    are still read. A document that is not JSON at all raises InputError.
    """
    try:
        data = _loads(raw, "line")
    except InputError as err:
        raise InputError(f"{source}: {err}") from err
    if not isinstance(data, list):
        return [parse_json_record(data, source, published)]
    results: list[Article | Failure] = []
    for index, record in enumerate(data):
        results.append(_record(record, f"{source}[{index}]", published))
    return results


def _record(record: Any, name: str, published: dt.date | None) -> Article | Failure:
    """Read one JSON record; anything wrong with it is its own Failure."""
    try:
        return parse_json_record(record, name, published)
    except InputError as err:
        return failure(name, err)
    except Exception as err:  # the last line of defence: the record fails, not the input
        return Failure(name, describe(err))


def split_lines(raw: str) -> list[str]:
    r"""Split JSON lines text into its lines, on ``"\n"`` only.

    ``str.splitlines()`` would also split at U+2028, which JSON strings may contain
    unescaped.

    Examples
    --------
    >>> split_lines('{"text": "one\u2028two"}\n\n{}')
    ['{"text": "one\u2028two"}', '', '{}']
    """
    return raw.split("\n")


def iter_jsonl(
    raw: str, source: str, published: dt.date | None = None, first_line: int = 1
) -> Iterator[Article | Failure]:
    """Read JSON lines, one article per line; a bad line is a Failure named ``source:line``.

    `first_line` is the number of `raw`'s first line in its file, for a piece of a file
    read on its own (``geo.ingest.read.plan_inputs`` splits large files into pieces).
    """
    for number, line in enumerate(split_lines(raw), start=first_line):
        if not line.strip():
            continue
        name = f"{source}:{number}"
        try:
            record = _loads(line, "column")
        except InputError as err:
            yield Failure(name, str(err))
            continue
        yield _record(record, name, published)
