"""Events: sentences + places + dates -> typed, dated, sourced events.

Each sentence (captions included) is scanned for trigger words of the event types. A
typed trigger becomes one event per place the sentence locates it at, dated by the date
expression nearest to the trigger, or by the article's date.

Which toponyms place an event, and which of them win, is ``geo.events.where``: locative
phrases first, actors and origins never, the finest place the text ties to the incident.
Country-only events (geo_precision 3, at the country's centroid) are kept when the
country follows a locative preposition ("in Syria") or when the event is an earthquake;
otherwise a sentence that only names countries ("talks with Turkey") yields no event.

Time is linear in the text (``benchmarks/extract_size.py``: about 2.5 s per MB on one
core): toponyms go to their sentences in one sorted sweep, and dates are looked for only
in sentences where a trigger has a place.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import hashlib
import re

from geo.events.actors import fatalities, find_actors
from geo.events.incidents import (
    Incident,
    disaster_article,
    may_start_incident,
    named_group,
    sentence_incidents,
    sentence_triggers,
    without_grievance,
)
from geo.events.triggers import CASUALTY_RANK
from geo.events.where import Place, SpotNames, candidate_places, choose, may_name_spots
from geo.model import EVENT_TYPES, Article, Event, Toponym
from geo.places.gazetteer import Gazetteer, collector_paused, load_gazetteer
from geo.places.geoparse import geoparse
from geo.text.dates import find_dates, shift
from geo.text.sentences import Sentence, lowered, split_sentences


def _words(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(patterns) + r")\b", re.IGNORECASE)


_PLANNED = _words(r"will", r"would", r"likely to", r"expected to", r"set to", r"plans? to",
                  r"planned", r"to be held", r"next (?:week|month|year|round)", r"upcoming",
                  r"future", r"scheduled")
_DENIED = _words(r"denied", r"denies", r"deny", r"denying", r"rejected claims?")
_CLAIMED = _words(r"claimed", r"claims?", r"purported(?:ly)?", r"alleged(?:ly)?",
                  r"reportedly", r"said to")

@collector_paused()
def extract_events(
    article: Article, toponyms: list[Toponym] | None = None,
    gazetteer: Gazetteer | None = None,
) -> list[Event]:
    """Return the events ``article`` reports, one per (sentence, type, place).

    Repeated captions give the same event ids and are reported once.
    """
    gaz = gazetteer or load_gazetteer()
    found = geoparse(article.text, gaz) if toponyms is None else toponyms
    sentences = _continued(split_sentences(article.text), article.text)
    admin1 = _Admin1Names(gaz)
    spelt = SpotNames(gaz, found)
    events: dict[str, Event] = {}
    previous: list[Event] = []
    last_day: dt.date | None = None  # the last day an event was explicitly dated on
    disaster = disaster_article(article.title, article.text)
    for sentence, inside in zip(sentences, _by_sentence(sentences, found), strict=True):
        current = _sentence_events(article, sentence, inside, admin1, spelt, last_day,
                                   disaster)
        last_day = next((e.date for e in current if e.date_precision == "day"
                         and e.date is not None), last_day)
        if current and previous and _follows_up(current, previous, sentence.text):
            # "Russian forces shelled Kharkiv and Okhtyrka. At least 9 civilians were
            # killed in Kharkiv.": the dead of the incident before at that place.
            points = {(e.lat, e.lon) for e in current}
            there = [e for e in previous if (e.lat, e.lon) in points]
            counted = dict(zip((e.event_id for e in there),
                               _with_fatalities(there, sentence.text), strict=True))
            previous = [counted.get(e.event_id, e) for e in previous]
            events.update((e.event_id, e) for e in previous)
            continue
        if not current and previous:
            # "... attacked a village in Zamfara. Eleven people were killed.": a sentence
            # with no incident of its own counts the previous incident's dead.
            previous = _with_fatalities(previous, sentence.text)
            events.update((e.event_id, e) for e in previous)
        for event in current:
            events.setdefault(event.event_id, event)
        previous = current
    return _without_headline_copies(list(events.values()), article, sentences)


def _continued(sentences: list[Sentence], text: str) -> list[Sentence]:
    """Join to its sentence a piece that the splitter cut after an abbreviation.

    "The bomb went off at about 8:20 p.m. (1820 GMT) in Karrada": a piece that opens
    with a parenthesis or a lower-case letter, on the same line, goes on the sentence
    before it.

    Examples
    --------
    >>> text = "A bomb went off at 8 p.m. (1700 GMT) in Karrada. Talks resumed."
    >>> [s.text for s in _continued(split_sentences(text), text)]
    ['A bomb went off at 8 p.m. (1700 GMT) in Karrada.', 'Talks resumed.']
    """
    out: list[Sentence] = []
    for sentence in sentences:
        head = sentence.text[:1]
        if out and (head == "(" or head.islower()) and "\n" not in text[out[-1].end:sentence.start]:
            last = out[-1]
            out[-1] = Sentence(last.start, sentence.end, text[last.start:sentence.end])
        else:
            out.append(sentence)
    return out


def _without_headline_copies(events: list[Event], article: Article,
                             sentences: list[Sentence]) -> list[Event]:
    """Drop the headline's events that the body reports too: the body's date and place win.

    A headline ("Drone strike near Idlib") repeats what the body tells with a date and a
    finer place; its own event would be a second dot, dated on the publication day.
    """
    if not sentences or not article.title.strip():
        return events
    first = sentences[0]
    if " ".join(first.text.split()).lstrip("# ") != " ".join(article.title.split()):
        return events
    body_types = {e.event_type for e in events if e.evidence_start != first.start}
    return [e for e in events
            if e.evidence_start != first.start or e.event_type not in body_types]


_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
            "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
            "thirteen": 13, "fourteen": 14, "fifteen": 15, "twenty": 20, "thirty": 30}
_COUNT = r"(?:\d{1,5}|" + "|".join(k for k in _NUMBERS if len(k) > 2) + ")"
# "kills five", "shooting dead 15 villagers", "shot dead a teacher": the dead after the verb
# (headlines say "kill", wire copy "shot dead").
_KILLS_N = re.compile(
    r"\b(?:kills?|killing|shot dead|shoots? dead|shooting dead|guns? down|gunned down|"
    r"massacres?|massacred)\s+(?:at least |about |some |more than |nearly |up to )?"
    r"(?P<n>" + _COUNT + r"|an?(?=\s+(?!few\b|number\b|dozen\b|total\b|handful\b|large\b)"
    r"[a-z]))\b(?!\s+(?:years?|months?|days?|hours?|km|kilomet|miles|percent|per cent|%))",
    re.IGNORECASE)
# "One soldier and seven attackers were killed", "22 security personnel and at least 5
# Maoists were killed": two groups of dead add up.
_TWO_GROUPS = re.compile(
    r"\b(?P<a>" + _COUNT + r")\s+(?:[\w-]+\s+){1,3}and\s+(?:at least\s+)?(?P<b>" + _COUNT
    + r")\s+(?:[\w-]+\s+){1,3}(?:were\s+(?:\w+ly\s+)?killed|died|were\s+shot dead|"
    r"were\s+dead|lost their lives)\b|\b(?:killed|killing|kills?|deaths\s+of)\s+"
    r"(?:at least\s+)?(?P<c>"
    + _COUNT + r")\s+[a-z][\w-]*(?:\s+[a-z][\w-]*)?\s+and\s+(?:at least\s+)?(?P<d>" + _COUNT
    + r")\s+[a-z]", re.IGNORECASE)


# A word every match of _KILLS_N and _TWO_GROUPS holds, lower-cased.
_KILLING_WORDS = ("kill", "shot", "shoot", "gun", "massacr", "died", "dead", "lost their",
                  "deaths of")


def _deaths(sentence: str, dates: list) -> int | None:
    """Return the deaths ``sentence`` reports (``actors.fatalities``), read with its dates
    blanked ("On 7 December 2021, troops killed 11" is 11 dead, not 2021), the dead after
    "kills"/"shot dead", and two groups of dead added up."""
    if dates:
        # (``dates`` are in order and do not overlap: the pieces between them are kept.)
        parts: list[str] = []
        kept = 0
        for d in dates:
            parts += (sentence[kept:d.start], " " * (d.end - d.start))
            kept = d.end
        parts.append(sentence[kept:])
        sentence = "".join(parts)
    deaths = fatalities(sentence)
    # Both patterns need a killing word: most sentences have none (a lower-cased copy
    # tells, except for the few characters lowered() declines, where they run anyway).
    low = lowered(sentence)
    killing = low is None or any(map(low.__contains__, _KILLING_WORDS))
    if not killing:
        return deaths
    if deaths is None and (m := _KILLS_N.search(sentence)):
        deaths = _number(m["n"])
    if (m := _TWO_GROUPS.search(sentence)) is not None:
        a, b = _number(m["a"] or m["c"]), _number(m["b"] or m["d"])
        if a is not None and b is not None and (deaths is None or deaths < a + b):
            deaths = a + b
    return deaths


def _number(text: str) -> int | None:
    key = text.lower()
    return int(key) if key.isdigit() else _NUMBERS.get(key)


_HIT = re.compile(r"\b(?:were|was|have been|had been)\s+(?:\w+ly\s+)?(?:killed|wounded|"
                  r"injured|shot dead|abducted|kidnapped|arrested|detained)\b")


def _follows_up(current: list[Event], previous: list[Event], sentence: str) -> bool:
    """Tell whether a sentence only counts the dead of the incident before, where it was.

    Its events are killings with nothing but casualty words ("were killed", "died"), at
    places the incident before happened at.
    """
    if any(e.event_type != "violence_against_civilians" or e.acled_sub_event_type != "Attack"
           for e in current):
        return False
    points = {(e.lat, e.lon) for e in previous}
    if any((e.lat, e.lon) not in points for e in current):
        return False
    return all(t.rank <= CASUALTY_RANK for t in sentence_triggers(sentence))


def _with_fatalities(events: list[Event], sentence: str) -> list[Event]:
    """Give the events that have no death count the one ``sentence`` reports, if any, and
    those that name no one hit the victims it names ("11 civilians were killed")."""
    todo = [e.event_type != "earthquake" and (e.fatalities is None or e.actor2 is None)
            for e in events]
    if not any(todo):
        return events
    deaths = _deaths(sentence, [])
    hit = _HIT.search(sentence)
    victims = named_group(find_actors(sentence, hit.start(), hit.end()).actor2) if hit else None
    if deaths is None and victims is None:
        return events
    return [dataclasses.replace(
        e, fatalities=e.fatalities if e.fatalities is not None else deaths,
        actor2=e.actor2 or victims) if do else e for e, do in zip(events, todo, strict=True)]


def _by_sentence(sentences: list[Sentence], toponyms: list[Toponym]) -> list[list[Toponym]]:
    """Return, per sentence, the toponyms that lie wholly inside it, in their given order.

    One sweep over the toponyms sorted by start, with a binary search per sentence:
    filtering all toponyms for every sentence made extraction quadratic in the text.

    Examples
    --------
    >>> from geo.text.sentences import split_sentences
    >>> text = "Talks in Moscow. Quake near Adana and Antakya."
    >>> t = [Toponym(a, b, text[a:b], 0.0, 0.0, None, "", "city", 1.0, False)
    ...      for a, b in ((28, 33), (9, 15), (38, 45))]
    >>> [[x.name for x in inside] for inside in _by_sentence(split_sentences(text), t)]
    [['Moscow'], ['Adana', 'Antakya']]
    """
    order = sorted(range(len(toponyms)), key=lambda k: toponyms[k].start)
    starts = [toponyms[k].start for k in order]
    out = []
    for sentence in sentences:
        first = bisect.bisect_left(starts, sentence.start)
        last = bisect.bisect_right(starts, sentence.end, lo=first)
        # Sorting the few indices back keeps the caller's order, which decides ties.
        inside = sorted(k for k in order[first:last] if toponyms[k].end <= sentence.end)
        out.append([toponyms[k] for k in inside])
    return out


def _sentence_events(article: Article, sentence: Sentence, toponyms: list[Toponym],
                     admin1: _Admin1Names, spelt: SpotNames,
                     last_day: dt.date | None = None, disaster: bool = False) -> list[Event]:
    if not toponyms and not (spelt.places and may_name_spots(sentence.text)):
        return []  # no place, and no spot the article's places could help find
    found = sentence_triggers(sentence.text)
    if not found or not may_start_incident(sentence.text, found):
        return []  # most sentences report nothing: their places are not judged
    places = candidate_places(article.text, toponyms, sentence.start, sentence.end, spelt)
    if not places:
        return []
    incidents = sentence_incidents(sentence.text, sentence.start, places, found, disaster)
    located = [(incident, chosen) for incident in incidents
               if (chosen := choose(list(incident.places), incident.layer))]
    if not located:
        return []  # dates are looked for only where they date an event
    dates = find_dates(sentence.text, article.published)
    deaths = _deaths(sentence.text, dates)
    # The event id hashes the sentence: hash it once, not once per event, as a sentence
    # of a long text without full stops can hold thousands of places.
    id_prefix = hashlib.sha1(f"{article.id}|{sentence.text}|".encode())
    # Once per sentence, not per incident: a long sentence can hold thousands of each.
    starts = [d.start for d in dates]
    future = any(d.date and d.relative and "next" in d.text.lower() for d in dates)
    out = []
    protest_deaths: list[int | None] = []  # counted without what a protest is about
    for incident, chosen in located:
        t_start, t_end = incident.trigger.start, incident.trigger.end
        dead = deaths
        if incident.layer == "protest" and deaths:
            if not protest_deaths:
                protest_deaths.append(_deaths(without_grievance(sentence.text), dates))
            dead = protest_deaths[0]
        date, precision, explicit = _date_for(dates, starts, t_start, article.published)
        if not explicit and last_day is not None:
            # "On the same day, ...", "A day earlier, ...": dated by the sentence before.
            shifted = _next_to(sentence.text, last_day)
            if shifted is not None:
                date, precision, explicit = shifted, "day", True
        if incident.layer == "earthquake" and date is not None:
            date = _before_reference(sentence.text, date)
        status = _status(sentence.text, t_start, t_end, future)
        for place in chosen:
            out.append(_event(article, sentence, id_prefix, place, incident, status,
                              date, precision, explicit, admin1,
                              dead if incident.layer != "earthquake" else None))
    return out


_SAME_DAY = re.compile(r"\b(?:the|that)\s+same\s+(?:day|night|morning|evening)\b|"
                       r"\blater\s+that\s+(?:day|night)\b", re.IGNORECASE)
_DAY_BEFORE = re.compile(r"\b(?:a|one)\s+day\s+(?:earlier|before)\b|\bthe\s+(?:day|night)\s+"
                         r"before\b|\bthe\s+previous\s+(?:day|night)\b", re.IGNORECASE)
_DAY_AFTER = re.compile(r"\bthe\s+(?:following|next)\s+(?:day|night|morning)\b|"
                        r"\b(?:a|one)\s+day\s+later\b", re.IGNORECASE)


_DAY_WORDS = ("day", "night", "morning", "evening")  # one is in every match of the three


def _next_to(sentence: str, last_day: dt.date) -> dt.date | None:
    """Return the day a sentence dates by the one before it ("On the same day", "A day
    earlier", "The following day"), else None.

    Examples
    --------
    >>> _next_to("A day earlier, gunmen shot dead an official.", dt.date(2020, 9, 24))
    datetime.date(2020, 9, 23)
    """
    low = lowered(sentence)
    if low is not None and not any(map(low.__contains__, _DAY_WORDS)):
        return None  # most sentences: none of the words the three patterns need
    if _SAME_DAY.search(sentence):
        return last_day
    if _DAY_BEFORE.search(sentence):
        return shift(last_day, -1)
    if _DAY_AFTER.search(sentence):
        return shift(last_day, 1)
    return None


# "on Feb. 9, three days after the earthquake": the quake was three days before the date.
_AFTER_QUAKE = re.compile(
    r"\b(?P<n>a|an|one|two|three|four|five|six|seven|eight|nine|ten|\d{1,3})\s+"
    r"(?P<unit>days?|weeks?)\s+(?:after|since)\s+(?:the\s+)?(?:(?:deadly|devastating|"
    r"massive|powerful|first|main)\s+)?(?:earthquakes?|quakes?|tremors?)\b", re.IGNORECASE)
_NEAR_BEFORE = re.compile(r"\b(?:near|outside|around|close to)\s+$", re.IGNORECASE)
_SMALL_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                  "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}


def _before_reference(sentence: str, date: dt.date) -> dt.date:
    """Return the date of the quake a sentence dates by reference ("N days after it").

    Examples
    --------
    >>> _before_reference("Searches went on, three days after the earthquake.",
    ...                   dt.date(2023, 2, 9))
    datetime.date(2023, 2, 6)
    """
    low = lowered(sentence)
    if low is not None and "quake" not in low and "tremor" not in low:
        return date  # no quake word, no match
    m = _AFTER_QUAKE.search(sentence)
    if m is None:
        return date
    n = _SMALL_NUMBERS.get(m["n"].lower()) or int(m["n"])
    return shift(date, -n * (7 if m["unit"].lower().startswith("week") else 1))


def _date_for(dates, starts: list[int], trigger_start: int, published: dt.date | None):
    """Return (date, precision, explicit) from the date mention nearest the trigger.

    ``dates`` are in text order and do not overlap (``starts`` are their starts), so the
    nearest is one of the two around the trigger; on a tie the earlier one.
    """
    if dates:
        k = bisect.bisect_left(starts, trigger_start)
        nearest = min(dates[max(0, k - 1):k + 1], key=lambda d: abs(d.start - trigger_start))
        return nearest.date, nearest.precision, True
    return published, "published", False


# A lower-cased piece of every match of _DENIED, _CLAIMED and _PLANNED.
_DENIED_WORDS = ("den", "rejected")
_CLAIMED_WORDS = ("claim", "purport", "alleg", "reportedly", "said to")
_PLANNED_WORDS = ("will", "would", "likely", "expected", "set to", "plan", "to be held",
                  "next", "upcoming", "future", "scheduled")


def _status(text: str, start: int, end: int, future: bool) -> str:
    """Return the event's status; ``future``: the sentence has a "next ..." date."""
    window = text[max(0, start - 60):end + 40]
    low = lowered(window)
    # Each pattern runs only where one of its words can be (most windows hold none).
    denied = low is None or any(map(low.__contains__, _DENIED_WORDS))
    claimed = low is None or any(map(low.__contains__, _CLAIMED_WORDS))
    if denied and _DENIED.search(window) and not (
            claimed and _CLAIMED.search(text[max(0, start - 25):start])):
        return "denied"
    if claimed and _CLAIMED.search(text[max(0, start - 25):start]):
        return "claimed"
    if future or ((low is None or any(map(low.__contains__, _PLANNED_WORDS)))
                  and _PLANNED.search(window)):
        return "planned"
    return "occurred"


# The radius of a district and of a province named by a town's name, at the least (km).
_DIVISION_KM = {1: 30.0, 2: 80.0}


def _geo_precision(toponym: Toponym, text_before: str) -> int:
    if toponym.feature in ("city", "site"):
        return 2 if _NEAR_BEFORE.search(text_before) else 1
    if toponym.feature == "admin2" or (toponym.feature == "region"
                                       and toponym.uncertainty_km <= 250):
        return 2
    return 3


def _event(article: Article, sentence: Sentence, id_prefix: hashlib._Hash, place: Place,
           incident: Incident, status: str, date: dt.date | None, precision: str,
           explicit: bool, admin1: _Admin1Names, deaths: int | None) -> Event:
    event_type, sub_type = incident.layer, incident.sub_type
    acled_type, default_sub = EVENT_TYPES[event_type]
    toponym, locative = place.toponym, place.locative
    if place.anchor is not None:
        # A spot the gazetteer lacks, at the place the text ties it to: ACLED's "part of
        # or near" a known place, or the province or country level for a coarse anchor.
        geo_precision = 3 if place.anchor.feature in ("admin1", "country") else 2
    else:
        geo_precision = _geo_precision(toponym,
                                       article.text[max(0, toponym.start - 15):toponym.start])
    uncertainty = toponym.uncertainty_km
    if place.anchor is None and toponym.feature in ("city", "site") and place.level >= 1:
        # "Kandahar province", "the Kharkiv and Odesa regions": a town's name for its
        # district or province; the point stays the town's, the area is wider.
        geo_precision = max(geo_precision, 2 if place.level == 1 else 3)
        uncertainty = max(uncertainty, _DIVISION_KM[min(place.level, 2)])
    # The id is sha1("article id|sentence|event type|place"); ``id_prefix`` has hashed
    # the first two.
    digest = id_prefix.copy()
    digest.update(f"{event_type}|{toponym.name}".encode())
    event_id = digest.hexdigest()[:16]
    confidence = 0.45 + 0.2 * locative + 0.15 * explicit + 0.1 * (geo_precision == 1)
    confidence += 0.1 * (status == "occurred")
    return Event(
        event_id=event_id, event_type=event_type, acled_event_type=acled_type,
        acled_sub_event_type=sub_type if acled_type else default_sub, status=status,
        date=date, date_precision=precision, place=toponym.name, lat=toponym.lat,
        lon=toponym.lon, geonameid=toponym.geonameid, country_code=toponym.country_code,
        admin1=admin1(place.anchor or toponym), geo_precision=geo_precision,
        uncertainty_km=uncertainty, evidence=sentence.text,
        evidence_start=sentence.start, evidence_end=sentence.end, article_id=article.id,
        article_title=article.title, source_url=article.url, published=article.published,
        confidence=round(min(confidence, 1.0), 2), actor1=incident.actors.actor1,
        actor2=incident.actors.actor2, fatalities=deaths,
    )


class _Admin1Names:
    """The first-level division of each place an article's events are at, looked up once.

    A long article names the same places again and again, and a name can have many
    gazetteer entries to go through.
    """

    __slots__ = ("_gaz", "_seen")

    def __init__(self, gaz: Gazetteer) -> None:
        self._gaz = gaz
        self._seen: dict[tuple[str, float, float], str] = {}

    def __call__(self, toponym: Toponym) -> str:
        key = (toponym.name, toponym.lat, toponym.lon)
        name = self._seen.get(key)
        if name is None:
            name = self._seen[key] = _admin1_name(toponym, self._gaz)
        return name


def _admin1_name(toponym: Toponym, gaz: Gazetteer) -> str:
    for place in gaz.lookup(toponym.name):
        if abs(place.lat - toponym.lat) < 1e-6 and abs(place.lon - toponym.lon) < 1e-6:
            return place.admin1_name
    return ""
