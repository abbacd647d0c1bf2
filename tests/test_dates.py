"""Date tests: a table of sentences with their expected dates, false positives, speed."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from geo.text.dates import DateMention, find_dates

BASE = dt.date(2023, 3, 27)  # the seed article's publication date, a Monday
D = dt.date

# (sentence, base, expected (text, date, precision) per mention in order)
CASES = [
    ("On March 23, a U.S. base in northeastern Syria was attacked.", BASE,
     [("March 23", D(2023, 3, 23), "day")]),
    ("The momentum was blunted on Feb. 6, when Turkey was rocked.", BASE,
     [("Feb. 6", D(2023, 2, 6), "day")]),
    ("Rescuers dug on Feb 9, 2023.", BASE, [("Feb 9, 2023", D(2023, 2, 9), "day")]),
    ("Rescuers dug on Feb. 9, 2023.", BASE, [("Feb. 9, 2023", D(2023, 2, 9), "day")]),
    ("Putin met Assad in Sochi on May 17, 2018.", BASE,
     [("May 17, 2018", D(2018, 5, 17), "day")]),
    ("Fighters prepare for battle in Raqqa on June 22, 2017.", BASE,
     [("June 22, 2017", D(2017, 6, 22), "day")]),
    ("In December 2022, Moscow hosted landmark talks.", BASE,
     [("December 2022", D(2022, 12, 1), "month")]),
    ("Assad visited Moscow in March.", BASE, [("March", D(2023, 3, 1), "month")]),
    ("He visited Ankara this month.", BASE, [("this month", D(2023, 3, 1), "month")]),
    ("The process was suspended last month.", BASE, [("last month", D(2023, 2, 1), "month")]),
    ("Talks are likely next month.", BASE, [("next month", D(2023, 4, 1), "month")]),
    # Week phrases keep day precision: base - 7 days, the base date, base + 7 days.
    ("Drones struck last week.", BASE, [("last week", D(2023, 3, 20), "day")]),
    ("Drones struck this week.", BASE, [("this week", D(2023, 3, 27), "day")]),
    ("Talks resume next week.", BASE, [("next week", D(2023, 4, 3), "day")]),
    ("Drones struck yesterday.", BASE, [("yesterday", D(2023, 3, 26), "day")]),
    ("Today, the ministers meet.", BASE, [("Today", D(2023, 3, 27), "day")]),
    ("Talks resume tomorrow.", BASE, [("tomorrow", D(2023, 3, 28), "day")]),
    ("Drones struck on Tuesday.", BASE, [("Tuesday", D(2023, 3, 21), "day")]),
    ("Drones struck on Monday.", BASE, [("Monday", D(2023, 3, 27), "day")]),
    ("Drones struck last Monday.", BASE, [("last Monday", D(2023, 3, 20), "day")]),
    ("Talks resume next Tuesday.", BASE, [("next Tuesday", D(2023, 3, 28), "day")]),
    ("Drones struck two days ago.", BASE, [("two days ago", D(2023, 3, 25), "day")]),
    ("ISIS was largely destroyed in 2019.", BASE, [("2019", D(2019, 1, 1), "year")]),
    ("Turkey severed ties with Damascus in 2011.", BASE, [("2011", D(2011, 1, 1), "year")]),
    ("Since 2015, Russia has maintained forces in Syria.", BASE,
     [("2015", D(2015, 1, 1), "year")]),
    ("Fighting flared in early 2019.", BASE, [("early 2019", D(2019, 1, 1), "year")]),
    ("Troops left at the end of 2022.", BASE, [("2022", D(2022, 1, 1), "year")]),
    ("The economy shrank last year.", BASE, [("last year", D(2022, 1, 1), "year")]),
    ("Bogdanov spoke on March 27.", BASE, [("March 27", D(2023, 3, 27), "day")]),
    ("Bogdanov spoke on 27 March 2023.", BASE, [("27 March 2023", D(2023, 3, 27), "day")]),
    ("Bogdanov spoke on 2023-03-27.", BASE, [("2023-03-27", D(2023, 3, 27), "day")]),
    ("Bogdanov spoke on 3/27/2023.", BASE, [("3/27/2023", D(2023, 3, 27), "day")]),
    ("Talks began in mid-March.", BASE, [("mid-March", D(2023, 3, 1), "month")]),
    # Yearless dates prefer the past...
    ("Talks were held in April.", BASE, [("April", D(2022, 4, 1), "month")]),
    ("Talks were held on April 5.", BASE, [("April 5", D(2022, 4, 5), "day")]),
    # ...unless a future cue or modifier comes before them.
    ("Talks will be held in April.", BASE, [("April", D(2023, 4, 1), "month")]),
    ("Talks are scheduled for April 5.", BASE, [("April 5", D(2023, 4, 5), "day")]),
    ("Talks resume next March.", BASE, [("next March", D(2024, 3, 1), "month")]),
    ("Talks resumed last March.", BASE, [("last March", D(2022, 3, 1), "month")]),
    ("Talks resume in the coming May.", BASE, [("coming May", D(2023, 5, 1), "month")]),
    # The seed article.
    ("The next round of Moscow-hosted talks between Turkish and Syrian officials are likely "
     "to be held next month, Russian Deputy Foreign Minister Mikhail Bogdanov said on "
     "March 27.", BASE,
     [("next month", D(2023, 4, 1), "month"), ("March 27", D(2023, 3, 27), "day")]),
    ("People walk past collapsed buildings following a devastating earthquake in the town "
     "of Jinderis, Syria, on Feb. 9, 2023.", BASE, [("Feb. 9, 2023", D(2023, 2, 9), "day")]),
    ("During a visit to Ankara this month, Iranian Foreign Minister Hossein Amirabdollahian "
     "voiced his country's desire.", BASE, [("this month", D(2023, 3, 1), "month")]),
    # base=None: absolute dates only.
    ("On March 23 and on Feb. 9, 2023, last month, in 2019.", None,
     [("Feb. 9, 2023", D(2023, 2, 9), "day"), ("2019", D(2019, 1, 1), "year")]),
    ("In December 2022, talks; yesterday, more.", None,
     [("December 2022", D(2022, 12, 1), "month")]),
]

FALSE_POSITIVES = [
    "Talks may resume after the pause.",
    "May talks resume soon?",
    "Protesters say they will march to the square.",
    "The quakes left 50,000 people dead.",
    "The strikes had killed 19 people.",
    "After a 2-hour standoff, police withdrew.",
    "U.S. forces are said to number roughly 900 troops.",
    "Moves to restore ties after 12 years of bitter hostility appear back on track.",
    "The drone struck at 10:30 local time.",
    "Prime Minister Theresa May said the talks failed.",
    "The army sent 2000 troops, backed by 1900 militiamen.",
    "Clashes have raged since the 1990s.",
    "Crowds marked Bloody Sunday in Derry.",
    "March organisers counted 1,500 people.",
    "In Jan Egeland's view, aid must flow.",
]


@pytest.mark.parametrize(("sentence", "base", "expected"), CASES)
def test_find_dates(sentence, base, expected):
    mentions = find_dates(sentence, base)
    assert [(m.text, m.date, m.precision) for m in mentions] == expected
    for m in mentions:
        assert sentence[m.start:m.end] == m.text


@pytest.mark.parametrize("sentence", FALSE_POSITIVES)
def test_no_false_positives(sentence):
    assert find_dates(sentence, BASE) == []


@pytest.mark.parametrize(("sentence", "relative"), [
    ("on March 27", True), ("last month", True), ("on Tuesday", True), ("in March", True),
    ("on Feb. 9, 2023", False), ("in December 2022", False), ("in 2019", False),
    ("on 2023-03-27", False),
])
def test_relative_flag(sentence, relative):
    (mention,) = find_dates(sentence, BASE)
    assert mention.relative is relative


def test_offsets_are_relative_to_the_sentence():
    (m,) = find_dates("Quakes struck on Feb. 6.", BASE)
    assert (m.start, m.end) == (17, 23)


def test_datetime_base_is_accepted():
    (m,) = find_dates("Drones struck yesterday.", dt.datetime(2023, 3, 27, 18, 30))
    assert m.date == D(2023, 3, 26)


def test_impossible_dates_are_dropped():
    assert find_dates("On February 30, 2023 and 2/30/2023.", BASE) == []


def test_feb_29_goes_back_to_a_leap_year():
    (m,) = find_dates("It happened on Feb. 29.", BASE)
    assert m.date == D(2020, 2, 29)


def test_mention_is_frozen():
    (m,) = find_dates("on March 27", BASE)
    assert isinstance(m, DateMention)
    with pytest.raises(AttributeError):
        m.start = 0  # type: ignore[misc]


# dateparser, the package the notes name for dates, agrees on the single-day cases above.
# Left out: future cues (dateparser only knows past/future per call), and a weekday that
# is the base's own ("on Monday" in a Monday paper means that day; dateparser goes back 7).
@pytest.mark.parametrize(("sentence", "base", "expected"), [
    c for c in CASES if c[1] is not None and len(c[2]) == 1 and c[2][0][2] == "day"
    and not any(w in c[0] for w in ("ago", "next", "week", "scheduled", "Monday"))
])
def test_agrees_with_dateparser(sentence, base, expected):
    import dateparser  # a dependency of the project: always installed

    text, date, _ = expected[0]
    settings = {"RELATIVE_BASE": dt.datetime(base.year, base.month, base.day),
                "PREFER_DATES_FROM": "past", "PREFER_DAY_OF_MONTH": "first",
                "RETURN_AS_TIMEZONE_AWARE": False}
    # dateparser misreads "Feb. 6" (day from the base date): strip the dot, as the notes say.
    parsed = dateparser.parse(text.replace(".", ""), languages=["en"], settings=settings)
    assert parsed is not None and parsed.date() == date


# Timing asserts are in the slow tier, with limits far above what they take (~0.1 s):
# they catch a regex gone quadratic, not a busy machine.
@pytest.mark.slow
def test_sentences_without_dates_are_fast():
    sentence = ("Washington says it must keep a military presence in Syria to prevent the "
                "resurgence of the terrorist group, which was largely destroyed organizationally "
                "at least, officials in the capital said on the record.")
    assert len(sentence.split()) >= 30 and find_dates(sentence, BASE) == []
    started = time.process_time()  # CPU seconds: a busy machine's other work does not count
    for _ in range(1000):
        find_dates(sentence, BASE)
    assert time.process_time() - started < 3.0


@pytest.mark.slow
def test_sentences_with_numbers_are_fast():
    sentence = ("The quakes left 50,000 people dead in Turkey, 19 people in a 2-hour rescue, "
                "and 900 troops after 12 years in the field, officials said at 10:30 on the "
                "ground across the north of the country.")
    started = time.process_time()  # CPU seconds: a busy machine's other work does not count
    for _ in range(1000):
        find_dates(sentence, BASE)
    assert time.process_time() - started < 3.0


# --- dates at the ends of the calendar, and numbers that are no year -----------------

FIRST_DAY, LAST_DAY = D(1, 1, 1), D(9999, 12, 31)  # what datetime.date holds


@pytest.mark.parametrize("base", [FIRST_DAY, LAST_DAY], ids=["year-1", "year-9999"])
@pytest.mark.parametrize("sentence", [
    "Talks resume tomorrow.", "Talks resume next week.", "Drones struck yesterday.",
    "The process stalled last month.", "Talks resume next month.", "Talks resume next year.",
    "The economy shrank last year.", "Drones struck two years ago.", "Drones struck last week.",
    "The earthquake struck on Monday.", "Talks resume next Monday.", "Drones struck last Friday.",
    "Talks will be held on Sunday.", "The quake struck in March.", "Talks resume next March.",
    "Talks resumed last December.", "Talks will be held in January.", "It happened on Feb. 29.",
    "Talks are scheduled for Feb. 29.", "Talks resume in the coming May.",
])
def test_calendar_ends_never_raise(sentence, base):
    mentions = find_dates(sentence, base)
    # A date the calendar cannot hold is no date; the others are real dates near the base.
    assert all(D(1, 1, 1) <= m.date <= D(9999, 12, 31) for m in mentions)
    assert all(abs(m.date.year - base.year) <= 9 for m in mentions)


@pytest.mark.parametrize(("sentence", "base"), [
    ("Talks resume tomorrow.", LAST_DAY), ("Talks resume next week.", LAST_DAY),
    ("Talks resume next month.", LAST_DAY), ("Talks resume next year.", LAST_DAY),
    ("Talks resume next Monday.", LAST_DAY), ("Talks resume next March.", LAST_DAY),
    ("Drones struck yesterday.", FIRST_DAY), ("The process stalled last month.", FIRST_DAY),
    ("The economy shrank last year.", FIRST_DAY), ("Drones struck last week.", FIRST_DAY),
    ("Drones struck last Friday.", FIRST_DAY), ("The quake struck in March.", FIRST_DAY),
    ("It happened on Feb. 29.", FIRST_DAY), ("Drones struck two days ago.", FIRST_DAY),
])
def test_dates_past_the_calendar_are_dropped(sentence, base):
    assert find_dates(sentence, base) == []


@pytest.mark.parametrize(("sentence", "base", "expected"), [
    ("Talks resume tomorrow.", FIRST_DAY, D(1, 1, 2)),
    ("Drones struck yesterday.", LAST_DAY, D(9999, 12, 30)),
    ("Talks resume next month.", FIRST_DAY, D(1, 2, 1)),
    ("The process stalled last month.", LAST_DAY, D(9999, 11, 1)),
    ("The earthquake struck on Friday.", LAST_DAY, D(9999, 12, 31)),  # a Friday
])
def test_dates_inside_the_calendar_still_resolve(sentence, base, expected):
    (mention,) = find_dates(sentence, base)
    assert mention.date == expected


@pytest.mark.parametrize("sentence", [
    "Talks were held in March 0000.", "Talks were held in March 2500.",
    "Talks were held in March of 0000.", "Talks were held in March, 0000.",
    "Talks were held in March 1865.", "In May 1865, they marched in Washington.",
    "The toll rose in March 32 people dead.", "Talks were held in early March 0000.",
])
def test_a_month_with_a_number_that_is_no_year_is_no_date(sentence):
    # Not the month of the base date's year: the number says the writer meant another.
    assert find_dates(sentence, BASE) == []


@pytest.mark.parametrize(("sentence", "expected"), [
    ("In March, 30 people died.", [("March", D(2023, 3, 1), "month")]),
    ("In March, 2500 troops left.", [("March", D(2023, 3, 1), "month")]),
    ("Talks were held in March 2023.", [("March 2023", D(2023, 3, 1), "month")]),
    ("Talks were held in March 15 in Moscow.", [("March 15", D(2023, 3, 15), "day")]),
    ("Talks resume next March 5.", [("next March", D(2024, 3, 1), "month")]),
])
def test_a_month_with_a_day_a_year_or_a_quantity_is_still_dated(sentence, expected):
    assert [(m.text, m.date, m.precision) for m in find_dates(sentence, BASE)] == expected


@pytest.mark.slow
def test_a_long_sentence_with_many_dates_is_linear():
    # One sentence, no full stops: each mention looked at all the words before it.
    unit = "strikes hit Aleppo on Monday and in March, talks will follow next week, "
    timings = []
    for n in (2_000, 4_000):
        sentence = unit * n
        started = time.process_time()
        mentions = find_dates(sentence, BASE)
        timings.append(time.process_time() - started)
        assert len(mentions) == 3 * n
    assert timings[1] < 5.0 and timings[1] < 3 * timings[0] + 0.2


@pytest.mark.parametrize(("sentence", "day"), [
    ("On the night of 3-4 May 2024, gunmen killed four civilians.", dt.date(2024, 5, 3)),
    ("On 30–31 December 2023, clashes went on.", dt.date(2023, 12, 30)),
])
def test_days_across_take_the_first(sentence, day):
    (found,) = find_dates(sentence, dt.date(2024, 6, 10))
    assert (found.date, found.precision) == (day, "day")
