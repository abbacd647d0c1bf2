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

Dates outside what ``datetime.date`` holds (years 1 to 9999: "tomorrow" in a paper dated
9999-12-31, "last month" in one dated January of year 1) are no dates: the mention is
dropped, never an exception. A month name followed by a number that is neither a day
nor a year the patterns accept ("in March 0000", "in March 2500") is no date either,
rather than that month of the base date's year.

Every sentence is checked once for the cheap features each pattern needs (a year's
digits, a month's first three letters, a weekday, a relative word), and a pattern runs
only on sentences that have its feature: the patterns with optional leading words try a
match at every word, which made dates the costliest step of extracting a long article.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from geo.text.sentences import Words, lowered, words_back

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
_DAY_DIGITS, _DAY_END = r"3[01]|[12]\d|0?[1-9]", r"(?:st|nd|rd|th)?(?!\d|[:.,]\d|-[a-z])"
_YEAR_DIGITS, _YEAR_END = r"19\d\d|20\d\d|2100", r"(?!\d|%|s\b|[.,:]\d)"
_D = rf"(?P<day>{_DAY_DIGITS}){_DAY_END}"
_Y = rf"(?P<year>{_YEAR_DIGITS}){_YEAR_END}"
# After a month name, a number that is neither a day nor a year ("March 0000", "March
# 32 people"), or four digits after a comma that are no year and no quantity ("March,
# 0000."): the month is not a date of the base date's year.
_A_DAY = rf"(?:{_DAY_DIGITS}){_DAY_END}"
_A_YEAR = rf"(?:{_YEAR_DIGITS}){_YEAR_END}"
_BAD_NUMBER_AFTER = (rf"\s+(?:of\s+)?(?!{_A_DAY}|{_A_YEAR})\d"
                     rf"|,\s*(?:of\s+)?(?!{_A_YEAR})\d{{4}}(?!\d|\s+[a-z])")
_MOD = r"(?i:last|next|this|coming|upcoming|early|late|mid)"
_FUTURE_MODS = {"next", "coming", "upcoming"}

_MONTH_DAY = re.compile(rf"\b{_M}\s+{_D}(?:,?\s+{_Y})?")
# "3-4 May 2024" (a night or days across): the first day.
_DAY_MONTH = re.compile(rf"(?<![\d,.:/-])\b{_D}(?:\s*[-–]\s*(?:{_DAY_DIGITS}))?(?:\s+of)?\s+{_M}"
                        rf"(?:,?\s+{_Y})?")
_MONTH_YEAR = re.compile(rf"\b{_M},?\s+(?:of\s+)?{_Y}")
_MONTH_ALONE = re.compile(
    rf"\b(?:(?P<pre>(?i:in|since|during|until|till|through|throughout|from|by|before|after))"
    rf"\s+(?:the\s+)?)?(?:(?P<mod>{_MOD})[\s-]+)?{_MONTH_NAME}(?!['’]s|{_BAD_NUMBER_AFTER})")
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
_LOWER_WORD_NEXT = re.compile(r"\s+[a-z]")
_FUTURE_CUE = re.compile(
    r"(?i)\b(?:will|shall|scheduled|expected|slated|planned|set\s+to|to\s+be\s+held"
    r"|due\s+to\s+be|upcoming)\b|['’]ll\b")
# What each pattern cannot match without (see ``_features``). The relative words are
# looked for in the lower-cased sentence, where a plain search is several times faster
# than a case-insensitive one.
_HAS_YEAR = re.compile(r"19\d\d|20\d\d|2100")
_HAS_MONTH = re.compile("|".join(sorted({name[:3] for name in MONTHS})))
_HAS_MONTH_NAME = re.compile("|".join(MONTH_NAMES))
_HAS_WEEKDAY = re.compile("|".join(_WEEKDAYS))
_HAS_RELATIVE = re.compile("day|night|tomorrow|morning|afternoon|evening|week|month|year")
# A day's last digit before a capitalised word, as in "14 April" and "3rd of March":
# ``_DAY_MONTH`` cannot match without it, and this scan, led by a digit, is several times
# cheaper than that pattern's, which starts with a lookbehind tried at every character.
_HAS_DAY_MONTH = re.compile(r"\d(?:st|nd|rd|th)?(?:\s+of)?\s+[A-Z][a-z]")

# Each feature's scan, and whether it reads the lower-cased sentence (``lowered``).
_FEATURE_SCANS = {"year": (_HAS_YEAR, False), "month": (_HAS_MONTH, False),
                  "day month": (_HAS_DAY_MONTH, False), "month name": (_HAS_MONTH_NAME, False),
                  "weekday": (_HAS_WEEKDAY, False), "relative": (_HAS_RELATIVE, True)}


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
    features = _features(sentence)
    if all(at is None for at in features.values()):
        return []
    text = Words(sentence)
    found: list[DateMention] = []
    for pattern, resolve, needs, back in _RULES:
        if None in map(features.__getitem__, needs):  # a feature it needs is missing
            continue
        # No match starts before the words that may lead up to the first place the
        # pattern's feature appears: the scan starts there, not at the sentence's start
        # (unless that is near and more than a word back: the scan costs less than finding
        # the words).
        at = features[needs[0]] or 0
        start = words_back(sentence, at, back) if at > 48 or back < 2 else 0
        # Every match holds its first feature: past the last place the feature appears
        # there is none, and the scan stops there instead of trying the pattern at every
        # character to the sentence's end.
        scan, on_copy = _FEATURE_SCANS[needs[0]]
        scanned = (lowered(sentence) if on_copy else sentence)
        for match in pattern.finditer(sentence, start):
            mention = resolve(match, text, base)
            if mention is not None:
                found.append(mention)
            if scanned is not None and scan.search(scanned, match.end()) is None:
                break
    if not found:
        return []
    # Longest first, then leftmost; a mention overlapping one already kept is dropped.
    # The characters kept are marked, so a check costs the mention's length, not the
    # number of mentions kept (a long sentence can have thousands).
    taken = bytearray(len(sentence))
    kept: list[DateMention] = []
    for m in sorted(found, key=lambda m: (m.start - m.end, m.start)):
        if taken.find(1, m.start, m.end) < 0:
            taken[m.start:m.end] = b"\x01" * (m.end - m.start)
            kept.append(m)
    return sorted(kept, key=lambda m: m.start)


def _features(sentence: str) -> dict[str, int | None]:
    """Return where each feature the patterns need first appears, None where it does not.

    Examples
    --------
    >>> {k: v for k, v in _features("Talks resume next week in Moscow.").items() if v}
    {'relative': 18}
    >>> {k: v for k, v in _features("On Feb. 6, 2023 quakes struck.").items() if v}
    {'year': 11, 'month': 3}
    """
    low = lowered(sentence)
    # With no lower-cased copy, the relative words may be anywhere: from the start.
    relative = 0 if low is None else _first(_HAS_RELATIVE, low)
    month = _first(_HAS_MONTH, sentence)
    day_month = None if month is None else _first(_HAS_DAY_MONTH, sentence)
    return {"year": _first(_HAS_YEAR, sentence), "month": month, "day month": day_month,
            # (A month's name holds the first three letters that ``month`` found.)
            "month name": None if month is None else _first(_HAS_MONTH_NAME, sentence, month),
            # (Every weekday's name holds "day", which ``relative`` looks for first.)
            "weekday": None if relative is None
            else _first(_HAS_WEEKDAY, sentence, max(0, relative - 6)), "relative": relative}


def _first(pattern: re.Pattern[str], text: str, pos: int = 0) -> int | None:
    match = pattern.search(text, pos)
    return None if match is None else match.start()


def _mention(match: re.Match[str], group: str | int, date: dt.date | None, precision: str,
             relative: bool, start: int | None = None) -> DateMention | None:
    if date is None:
        return None  # outside the calendar datetime.date holds
    start = match.start(group) if start is None else start
    end = match.end(group)
    return DateMention(start, end, match.string[start:end], date, precision, relative)


def _date(year: int, month: int, day: int) -> dt.date | None:
    """Return the date, or None when it does not exist or is outside years 1-9999.

    Examples
    --------
    >>> _date(2023, 2, 29), _date(10000, 1, 1), _date(2024, 2, 29)
    (None, None, datetime.date(2024, 2, 29))
    """
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _shift(base: dt.date, days: int) -> dt.date | None:
    """Return ``base`` moved by ``days``, or None past the ends of the calendar.

    Examples
    --------
    >>> _shift(dt.date(9999, 12, 31), 1) is None, _shift(dt.date(2023, 3, 27), -7)
    (True, datetime.date(2023, 3, 20))
    """
    try:
        return base + dt.timedelta(days=days)
    except OverflowError:
        return None


def _month(match: re.Match[str]) -> int:
    return MONTHS[match["mon"].rstrip(".")]


# A lower-cased piece of every match of _FUTURE_CUE.
_FUTURE_WORDS = ("will", "shall", "scheduled", "expected", "slated", "planned", "set", "held",
                 "due", "upcoming", "'ll", "’ll")


def _wants_future(text: Words, start: int) -> bool:
    before = text.before(start, 8)
    low = lowered(before)
    if low is not None and not any(map(low.__contains__, _FUTURE_WORDS)):
        return False  # most dates: none of the words a cue needs
    return bool(_FUTURE_CUE.search(before))


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    year, month0 = divmod(year * 12 + month - 1 + n, 12)
    return year, month0 + 1


def _yearless(month: int, day: int, base: dt.date, future: bool) -> dt.date | None:
    """The month/day nearest `base` on the preferred side (on the base date counts)."""
    step = 1 if future else -1
    for year in range(base.year, base.year + 9 * step, step):  # nine years reach a Feb 29
        if not dt.MINYEAR <= year <= dt.MAXYEAR:
            return None
        try:
            date = dt.date(year, month, day)
        except ValueError:
            if day > 29 or month != 2:
                return None
            continue
        if (date >= base) if future else (date <= base):
            return date
    return None


def _day_date(match: re.Match[str], text: Words, base: dt.date | None,
              month: int) -> DateMention | None:
    day = int(match["day"])
    if match["year"]:
        return _mention(match, 0, _date(int(match["year"]), month, day), "day", False)
    if base is None:
        return None
    date = _yearless(month, day, base, _wants_future(text, match.start()))
    return _mention(match, 0, date, "day", True)


def _month_day(match: re.Match[str], text: Words, base: dt.date | None) -> DateMention | None:
    return _day_date(match, text, base, _month(match))


def _numeric(match: re.Match[str], text: Words, base: dt.date | None) -> DateMention | None:
    return _day_date(match, text, base, int(match["m"]))


def _month_year(match: re.Match[str], text: Words, base: dt.date | None) -> DateMention | None:
    return _mention(match, 0, _date(int(match["year"]), _month(match), 1), "month", False)


def _month_alone(match: re.Match[str], text: Words, base: dt.date | None) -> DateMention | None:
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
    elif _wants_future(text, match.start()):
        year = base.year + (month < base.month)
    else:
        year = base.year - (month > base.month)
    start = match.start("mod") if mod else match.start("mon")
    return _mention(match, "mon", _date(year, month, 1), "month", True, start)


def _weekday(match: re.Match[str], text: Words, base: dt.date | None) -> DateMention | None:
    if base is None:
        return None
    if text.before(match.start(), 1).lower() in _NAMED_DAYS:
        return None
    mod = (match["mod"] or "").lower()
    wanted = _WEEKDAYS[match["wd"]]
    if mod in _FUTURE_MODS or (mod != "last" and _wants_future(text, match.start())):
        ahead = (wanted - base.weekday()) % 7 or (7 if mod in _FUTURE_MODS else 0)
        date = _shift(base, ahead)
    else:
        back = (base.weekday() - wanted) % 7 or (7 if mod == "last" else 0)
        date = _shift(base, -back)
    return _mention(match, 0, date, "day", True)


def _year(match: re.Match[str], text: Words, base: dt.date | None) -> DateMention | None:
    pre, part = (match["pre"] or "").lower(), match["part"]
    if not (pre or part):
        return None
    if pre in _QUANTITY_PREPS and _LOWER_WORD_NEXT.match(text.text, match.end()):
        return None
    start = match.start("part") if part else match.start("year")
    return _mention(match, "year", _date(int(match["year"]), 1, 1), "year", False, start)


def _relative(match: re.Match[str], text: Words, base: dt.date | None) -> DateMention | None:
    if base is None:
        return None
    word = " ".join((match["word"] or "").lower().split())
    if word:
        days = {"yesterday": -1, "tomorrow": 1, "last night": -1}.get(word, 0)
        return _mention(match, 0, _shift(base, days), "day", True)
    if match["unit"]:
        unit, n = match["unit"].lower(), {"last": -1, "this": 0, "next": 1}[match["mod"].lower()]
    else:
        unit, count = match["agounit"].lower(), match["n"].lower()
        n = -(int(count) if count.isdigit() else _NUMBER_WORDS[count])
    if unit in ("day", "week"):
        return _mention(match, 0, _shift(base, n * (7 if unit == "week" else 1)), "day", True)
    if unit == "month":
        year, month = _add_months(base.year, base.month, n)
        return _mention(match, 0, _date(year, month, 1), "month", True)
    return _mention(match, 0, _date(base.year + n, 1, 1), "year", True)


_Resolver = Callable[[re.Match[str], Words, dt.date | None], DateMention | None]
# Each pattern with its resolver, the features (``_features``) it cannot match without,
# and how many words a match can have before the first of them: "3/27/" before a year is
# one word; "in the mid-" before a month three; "end of the early " before a year four; a
# day's last digit is in the match's first word.
_RULES: tuple[tuple[re.Pattern[str], _Resolver, tuple[str, ...], int], ...] = (
    (_ISO, _numeric, ("year",), 0),
    (_US, _numeric, ("year",), 1),
    (_MONTH_DAY, _month_day, ("month",), 0),
    (_DAY_MONTH, _month_day, ("day month", "month"), 1),
    (_MONTH_YEAR, _month_year, ("month", "year"), 0),
    (_MONTH_ALONE, _month_alone, ("month name",), 3),
    (_WEEKDAY, _weekday, ("weekday",), 1),
    (_YEAR, _year, ("year",), 4),
    (_RELATIVE, _relative, ("relative",), 2),
)


def shift(day: dt.date, days: int) -> dt.date:
    """Return ``day`` moved by ``days``, held at the calendar's ends instead of raising.

    Examples
    --------
    >>> shift(dt.date(2023, 2, 6), -2), shift(dt.date(9999, 12, 31), 2)
    (datetime.date(2023, 2, 4), datetime.date(9999, 12, 31))
    """
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min
