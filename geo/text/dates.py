"""Dates: find date expressions in a sentence and resolve them against the article's date.

Candidates come from a handful of regexes, and each is resolved by calendar arithmetic
on the fields the regex captured. dateparser agrees on the day-precision cases
(``tests/test_dates.py`` checks it), but it costs ~0.35 ms a call and misreads "Feb. 6";
arithmetic is exact, takes microseconds and keeps ``import geo`` free of dateparser.

What counts as a date: a capitalised month name or abbreviation with a day or a year;
a spelled-out month after a preposition or modifier ("in March", "next March",
"mid-March"); a weekday; an ISO (2023-03-27) or US (3/27/2023) numeric date; a year
1900-2100 after a word that makes it one ("in 2019", "since 2015", "early 2019", "the end
of 2022"); a relative phrase (yesterday, today, tomorrow, last/this/next week/month/year,
"two days ago"). Everything else with digits ("50,000", "a 2-hour", "10:30") is not.

Dates without a year, weekdays and bare months resolve to the most recent one on or
before the base date. They look forward instead when "next", "coming" or "upcoming" is
right before them, or a future cue ("will", "scheduled", "expected", "to be held", "set
to", ...) is among the eight words before them. "last" before a month or weekday means
strictly before the base date's month or day. Week phrases keep day precision: "last
week" is base - 7 days, "this week" the base date and "next week" base + 7 days, all with
``relative=True``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

PRECISIONS = ("day", "month", "year")

MONTH_NAMES = ("January February March April May June July August September October "
               "November December").split()
_MONTH_ABBRS = {"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "Jun": 6, "Jul": 7, "Aug": 8,
                "Sep": 9, "Sept": 9, "Oct": 10, "Nov": 11, "Dec": 12}
# The one month table: names and abbreviations as written, capitalised.
MONTHS = {name: i for i, name in enumerate(MONTH_NAMES, 1)} | _MONTH_ABBRS
_WEEKDAYS = {name: i for i, name in enumerate(
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split())}
# Named days that are not the weekday of any recent week ("Bloody Sunday").
_NAMED_DAYS = {"good", "black", "bloody", "super", "ash", "palm", "easter", "holy", "cyber",
               "maundy", "shrove", "fat"}
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                 "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
                 "twelve": 12}

# Month names are case-sensitive, so "may" and "march" (verbs) never match.
# Only abbreviations take a dot, so a full name never swallows the sentence's full stop.
_M = r"(?P<mon>(?:{})\b|(?:{})\b\.?)".format(
    "|".join(MONTH_NAMES), "|".join(sorted(_MONTH_ABBRS, key=len, reverse=True)))
# A month alone must be spelled out: "in Jan Egeland's report" is no date.
_MONTH_NAME = r"(?P<mon>(?:{})\b)".format("|".join(MONTH_NAMES))
_D = r"(?P<day>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?(?!\d|[:.,]\d|-[a-z])"
_Y = r"(?P<year>19\d\d|20\d\d|2100)(?!\d|%|s\b|[.,:]\d)"
_MOD = r"(?i:last|next|this|coming|upcoming|early|late|mid)"
_FUTURE_MODS = {"next", "coming", "upcoming"}

_MONTH_DAY = re.compile(rf"\b{_M}\s+{_D}(?:,?\s+{_Y})?")
_DAY_MONTH = re.compile(rf"(?<![\d,.:/-])\b{_D}(?:\s+of)?\s+{_M}(?:,?\s+{_Y})?")
_MONTH_YEAR = re.compile(rf"\b{_M},?\s+(?:of\s+)?{_Y}")
_MONTH_ALONE = re.compile(
    rf"\b(?:(?P<pre>(?i:in|since|during|until|till|through|throughout|from|by|before|after))"
    rf"\s+(?:the\s+)?)?(?:(?P<mod>{_MOD})[\s-]+)?{_MONTH_NAME}(?!['’]s)")
_WEEKDAY = re.compile(
    r"\b(?:(?P<mod>(?i:last|next|this|coming|upcoming))\s+)?"
    r"(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")
_ISO = re.compile(rf"(?<![\d-]){_Y}-(?P<m>1[0-2]|0?[1-9])-(?P<day>3[01]|[12]\d|0?[1-9])(?![\d-])")
_US = re.compile(rf"(?<![\d/.-])(?P<m>1[0-2]|0?[1-9])/(?P<day>3[01]|[12]\d|0?[1-9])/{_Y}(?!/)")
_YEAR = re.compile(
    r"\b(?:(?P<pre>(?i:in|since|during|until|till|through|throughout|from|by|before|after"
    r"|(?:end|start|beginning|middle|spring|summer|autumn|fall|winter|half|quarter)\s+of))"
    rf"\s+(?:the\s+)?)?(?:(?P<part>(?i:early|late|mid))[\s-]+)?{_Y}")
_RELATIVE = re.compile(
    r"(?i)\b(?:(?P<word>yesterday|today|tomorrow|tonight|last\s+night"
    r"|this\s+(?:morning|afternoon|evening))"
    r"|(?P<mod>last|this|next)\s+(?P<unit>week|month|year)"
    r"|(?P<n>\d{1,2}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
    r"\s+(?P<agounit>day|week|month|year)s?\s+ago)\b")
# "backed by 2000 troops": a year after by/before/after must not run on into a lower-case word.
_QUANTITY_PREPS = {"by", "before", "after"}
_FUTURE_CUE = re.compile(
    r"(?i)\b(?:will|shall|scheduled|expected|slated|planned|set\s+to|to\s+be\s+held"
    r"|due\s+to\s+be|upcoming)\b|['’]ll\b")
# Any date needs one of these; most sentences have none and return at once.
_PREFILTER = re.compile(
    r"\d|\b(?:{}|Mon|Tue|Wed|Thu|Fri|Sat|Sun)|(?i:day|night|tomorrow"
    r"|morning|afternoon|evening|week|month|year)".format("|".join(_MONTH_ABBRS | {"May": 5})))


@dataclass(frozen=True, slots=True)
class DateMention:
    """A resolved date expression. ``sentence[start:end] == text``.

    ``date`` is the first day of the month or year for coarser precisions; ``relative``
    is True when the date depends on the base date (no explicit year).
    """

    start: int
    end: int
    text: str
    date: dt.date
    precision: str  # "day" | "month" | "year"
    relative: bool


def find_dates(sentence: str, base: dt.date | None) -> list[DateMention]:
    """Find the date expressions in one sentence and resolve them against `base`.

    Parameters
    ----------
    sentence : str
        One sentence; offsets in the result are relative to it.
    base : datetime.date or None
        The article's publication date. With None, expressions that need it
        (relative phrases, weekdays, dates without a year) are skipped.

    Returns
    -------
    list of DateMention
        Non-overlapping mentions in text order; where two overlap the longer wins.

    Examples
    --------
    >>> import datetime as dt
    >>> [(m.text, str(m.date), m.precision)
    ...  for m in find_dates("Talks resume next month, he said on Feb. 6.", dt.date(2023, 3, 27))]
    [('next month', '2023-04-01', 'month'), ('Feb. 6', '2023-02-06', 'day')]
    >>> find_dates("Talks may resume; 900 troops will march.", dt.date(2023, 3, 27))
    []
    """
    if isinstance(base, dt.datetime):
        base = base.date()
    if not _PREFILTER.search(sentence):
        return []
    found: list[DateMention] = []
    for pattern, resolve in _RULES:
        for match in pattern.finditer(sentence):
            mention = resolve(match, sentence, base)
            if mention is not None:
                found.append(mention)
    kept: list[DateMention] = []
    for m in sorted(found, key=lambda m: (m.start - m.end, m.start)):
        if all(m.end <= k.start or m.start >= k.end for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda m: m.start)


def _mention(match: re.Match[str], group: str | int, date: dt.date, precision: str,
             relative: bool, start: int | None = None) -> DateMention:
    start = match.start(group) if start is None else start
    end = match.end(group)
    return DateMention(start, end, match.string[start:end], date, precision, relative)


def _month(match: re.Match[str]) -> int:
    return MONTHS[match["mon"].rstrip(".")]


def _wants_future(sentence: str, start: int) -> bool:
    return bool(_FUTURE_CUE.search(" ".join(sentence[:start].split()[-8:])))


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    year, month0 = divmod(year * 12 + month - 1 + n, 12)
    return year, month0 + 1


def _yearless(month: int, day: int, base: dt.date, future: bool) -> dt.date | None:
    """The month/day nearest `base` on the preferred side (on the base date counts)."""
    step = 1 if future else -1
    for year in range(base.year, base.year + 9 * step, step):  # nine years reach a Feb 29
        try:
            date = dt.date(year, month, day)
        except ValueError:
            if day > 29 or month != 2:
                return None
            continue
        if (date >= base) if future else (date <= base):
            return date
    return None


def _day_date(match: re.Match[str], sentence: str, base: dt.date | None,
              month: int) -> DateMention | None:
    day = int(match["day"])
    if match["year"]:
        try:
            return _mention(match, 0, dt.date(int(match["year"]), month, day), "day", False)
        except ValueError:
            return None
    if base is None:
        return None
    date = _yearless(month, day, base, _wants_future(sentence, match.start()))
    return None if date is None else _mention(match, 0, date, "day", True)


def _month_day(match: re.Match[str], sentence: str, base: dt.date | None) -> DateMention | None:
    return _day_date(match, sentence, base, _month(match))


def _numeric(match: re.Match[str], sentence: str, base: dt.date | None) -> DateMention | None:
    return _day_date(match, sentence, base, int(match["m"]))


def _month_year(match: re.Match[str], sentence: str, base: dt.date | None) -> DateMention:
    return _mention(match, 0, dt.date(int(match["year"]), _month(match), 1), "month", False)


def _month_alone(match: re.Match[str], sentence: str, base: dt.date | None) -> DateMention | None:
    pre, mod = (match["pre"] or "").lower(), (match["mod"] or "").lower()
    if base is None or not (pre or mod):
        return None
    # "a speech by May", "after May resigned": the surname, not the month.
    if match["mon"] == "May" and not mod and pre in {"by", "before", "after", "from"}:
        return None
    month = _month(match)
    if mod == "this":
        year = base.year
    elif mod in _FUTURE_MODS:
        year = base.year + (month <= base.month)
    elif mod == "last":
        year = base.year - (month >= base.month)
    elif _wants_future(sentence, match.start()):
        year = base.year + (month < base.month)
    else:
        year = base.year - (month > base.month)
    start = match.start("mod") if mod else match.start("mon")
    return _mention(match, "mon", dt.date(year, month, 1), "month", True, start)


def _weekday(match: re.Match[str], sentence: str, base: dt.date | None) -> DateMention | None:
    if base is None:
        return None
    words = sentence[:match.start()].split()
    if words and words[-1].lower() in _NAMED_DAYS:
        return None
    mod = (match["mod"] or "").lower()
    wanted = _WEEKDAYS[match["wd"]]
    if mod in _FUTURE_MODS or (mod != "last" and _wants_future(sentence, match.start())):
        ahead = (wanted - base.weekday()) % 7 or (7 if mod in _FUTURE_MODS else 0)
        date = base + dt.timedelta(days=ahead)
    else:
        back = (base.weekday() - wanted) % 7 or (7 if mod == "last" else 0)
        date = base - dt.timedelta(days=back)
    return _mention(match, 0, date, "day", True)


def _year(match: re.Match[str], sentence: str, base: dt.date | None) -> DateMention | None:
    pre, part = (match["pre"] or "").lower(), match["part"]
    if not (pre or part):
        return None
    if pre in _QUANTITY_PREPS and re.match(r"\s+[a-z]", sentence[match.end():]):
        return None
    start = match.start("part") if part else match.start("year")
    return _mention(match, "year", dt.date(int(match["year"]), 1, 1), "year", False, start)


def _relative(match: re.Match[str], sentence: str, base: dt.date | None) -> DateMention | None:
    if base is None:
        return None
    word = " ".join((match["word"] or "").lower().split())
    if word:
        days = {"yesterday": -1, "tomorrow": 1, "last night": -1}.get(word, 0)
        return _mention(match, 0, base + dt.timedelta(days=days), "day", True)
    if match["unit"]:
        unit, n = match["unit"].lower(), {"last": -1, "this": 0, "next": 1}[match["mod"].lower()]
    else:
        unit, count = match["agounit"].lower(), match["n"].lower()
        n = -(int(count) if count.isdigit() else _NUMBER_WORDS[count])
    if unit in ("day", "week"):
        return _mention(match, 0, base + dt.timedelta(days=n * (7 if unit == "week" else 1)),
                        "day", True)
    if unit == "month":
        year, month = _add_months(base.year, base.month, n)
        return _mention(match, 0, dt.date(year, month, 1), "month", True)
    return _mention(match, 0, dt.date(base.year + n, 1, 1), "year", True)


_Resolver = Callable[[re.Match[str], str, dt.date | None], DateMention | None]
_RULES: tuple[tuple[re.Pattern[str], _Resolver], ...] = (
    (_ISO, _numeric),
    (_US, _numeric),
    (_MONTH_DAY, _month_day),
    (_DAY_MONTH, _month_day),
    (_MONTH_YEAR, _month_year),
    (_MONTH_ALONE, _month_alone),
    (_WEEKDAY, _weekday),
    (_YEAR, _year),
    (_RELATIVE, _relative),
)
