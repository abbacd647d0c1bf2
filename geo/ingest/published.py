"""When an article was published: the date lines at the top of a text, and date strings.

Used by ``geo.ingest.read`` (a text file's first lines; HTML and JSON date fields) and
``geo.ingest.feeds`` (an entry's dates as written). Event dates inside the text are
``geo.text.dates``' business.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re

from geo.text.dates import MONTHS

# Lower-cased, since date lines are matched case-insensitively.
_MONTHS = {name.lower(): number for name, number in MONTHS.items()}
_MONTH = r"(?P<name>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<d>\d{1,2})(?:st|nd|rd|th)?"
_CORES = (
    r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})",
    r"(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})",
    r"(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4})",
    r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})",
    _MONTH + r"\s+" + _DAY + r",?\s+(?P<y>\d{4})",
    _DAY + r"\s+(?:of\s+)?" + _MONTH + r",?\s+(?P<y>\d{4})",
)
_LABEL = r"(?:(?:first\s+)?(?:published|posted|dated?)(?:\s+on)?\s*:?\s*)?"
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_TIME = (
    r"(?:\s*(?:,|at|-|\||t)?\s*\d{1,2}[:.]\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[ap]\.?\s?m\.?)?"
    r"\s*(?:z|[a-z]{2,4}|[+-]\d{2}:?\d{2})?)?"
)
_DATE_LINES = [
    re.compile(r"\s*" + _LABEL + _WEEKDAY + core + _TIME + r"\s*", re.IGNORECASE) for core in _CORES
]
_UPDATED = re.compile(
    r"(?:last\s+)?(?:updated|modified)(?:\s+on)?\s*:?\s*(?P<rest>.*)", re.IGNORECASE
)


def parse_date(line: str) -> dt.date | None:
    """Return the date if the whole of `line` is one date (an optional label, weekday and
    time allowed), else None.

    ``3/27/2023`` is read month first, as in US news, unless the first number is over 12;
    ``27.03.2023`` is day first.

    Examples
    --------
    >>> parse_date("3/27/2023"), parse_date("Published: Monday, 27 March 2023, 10:15 GMT")
    (datetime.date(2023, 3, 27), datetime.date(2023, 3, 27))
    >>> parse_date("Mar. 27, 2023 at 5:40 p.m. ET"), parse_date("2023-03-27T10:00:00Z")
    (datetime.date(2023, 3, 27), datetime.date(2023, 3, 27))
    >>> parse_date("Talks resume on March 27, 2023") is None
    True
    """
    if len(line) > 80:
        return None
    for pattern in _DATE_LINES:
        match = pattern.fullmatch(line)
        if match is None:
            continue
        parts = match.groupdict()
        year = int(parts["y"])
        if parts.get("name"):
            month = _MONTHS[parts["name"].lower()]
        elif parts.get("a"):
            first, second = int(parts["a"]), int(parts["b"])
            month, parts["d"] = (second, str(first)) if first > 12 else (first, str(second))
        else:
            month = int(parts["m"])
        try:
            return dt.date(year, month, int(parts["d"]))
        except ValueError:
            return None
    return None


def to_date(value: str) -> dt.date | None:
    """Read an ISO 8601 / RFC 3339 date or datetime, an RFC 822 date, or a date line."""
    value = value.strip()
    try:
        return dt.datetime.fromisoformat(value).date()
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError, OverflowError):  # year 0, year 99999, ...
        return parse_date(value)


def header_dates(lines: list[str]) -> tuple[dt.date | None, dt.date | None]:
    """Find the first date line and an ``Updated:`` date (same or next line)."""
    published: dt.date | None = None
    updated: dt.date | None = None
    index = 0
    while index < len(lines):
        label = _UPDATED.fullmatch(lines[index])
        if label is not None:
            when = parse_date(label["rest"]) if label["rest"] else None
            if not label["rest"] and index + 1 < len(lines):
                when = parse_date(lines[index + 1])
                index += when is not None
            updated = updated or when
        elif published is None:
            published = parse_date(lines[index])
        index += 1
    return published, updated
