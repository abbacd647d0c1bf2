"""Who did it, to whom, and how many died: actors and fatalities as the text says them.

Actors are noun phrases ending in a word for an armed or social group ("Houthi forces",
"unidentified gunmen", "protesters", "civilians"), kept as written. Of a sentence's
actor phrases, ``actor1`` is the one that acted: the agent after "by" in a passive
sentence, else the nearest before the trigger; ``actor2`` is the other side: the
nearest after the trigger, or the victims of a passive sentence ("three civilians were
killed").

Fatalities follow ACLED's convention (``FATALITY_WORDS``): a number as written (the
lowest of a range), 0 when the text says no one died (or reports injuries only), fixed
numbers for vague words, None when the text says nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from geo.text.sentences import LETTERS, first_runs, lower_case_copy, lowered

# Words that end an actor phrase (singular and plural forms both listed).
_HEADS = (
    r"forces|force|troops|soldiers?|army|military|militar(?:y|ies)|militants?|militias?|"
    r"militiamen|fighters?|rebels?|insurgents?|jihadists?|gunmen|gunman|attackers?|"
    r"assailants?|police(?:men|man| officers?)?|officers?|guards?|security personnel|"
    r"protesters?|protestors?|demonstrators?|rioters?|mob|crowds?|students?|workers?|"
    r"farmers?|villagers?|residents?|civilians?|people|men|women|children|worshippers?|"
    r"passengers?|journalists?|activists?|herders?|members?|groups?|gangs?|bandits?|"
    r"smugglers?|settlers?|supporters?|government|authorities|regime|coalition|"
    r"separatists?|paramilitar(?:y|ies)|commandos?|snipers?|pirates?|traders?|"
    r"pilgrims?|refugees?|migrants?|teachers?|doctors?|nurses?|officials?|leaders?|youths?|"
    r"bombers?|personnel|agents?|guerrillas?|kidnappers?|abductors?|robbers?|thieves|thief|"
    r"looters?|marines?|paratroopers?|labou?rers?|shopkeepers?|pupils?|guests?|woman|man|"
    r"broadcasters?|clans?|air defen[cs]es?|junta"
)
_MODIFIER = r"(?:[A-Z][\w'’.-]*|unidentified|unknown|suspected|armed|masked|alleged|local|" \
            r"security|government|state|federal|opposition|rebel|militia|tribal|ethnic|" \
            r"military|army|air|naval|navy|border|riot|special|police|cartel|rival|gang|" \
            r"criminal|jihadist|islamist|extremist|" \
            r"pro-[\w-]+|anti-[\w-]+|[a-z]+-backed|[a-z]+-led|[a-z]+-aligned)"
ACTOR = re.compile(rf"\b(?:(?:the|a|an|some|several|dozens of|hundreds of|\d(?:[\d,]*\d)?|"
                   rf"two|three|four|five|six|seven|eight|nine|ten)\s+)?"
                   rf"(?:{_MODIFIER}\s+){{0,4}}(?:{_HEADS})\b")
# Named groups that are actors on their own.
NAMED = re.compile(
    r"\b(?:Taliban|Houthis?|Hezbollah|Hamas|al-Shabaab|Al-Shabaab|Boko Haram|ISWAP|ISIS|"
    r"ISIL|Islamic State|IS|al-Qaeda|Al-Qaeda|JNIM|HTS|Hayat Tahrir al-Sham|SDF|YPG|PKK|"
    r"Wagner(?: Group)?|RSF|Rapid Support Forces|M23|ADF|ELN|FARC|Fulani herdsmen|"
    r"SAF|ENDF|TPLF|TDF|SPLA(?:-IO)?|SPLM(?:-N|-IO)?|FDLR|FARDC|MNDAA|TNLA|IDF|TTP|BLA|"
    r"ISKP|ISGS|CJNG|CODECO|LRA|UPDF|AMISOM|ATMIS|MONUSCO|UNIFIL|Janjaweed|Mai-Mai|"
    r"Wazalendo|"
    # Arabic names of armed groups: "Liwa al-Tawhid", "Jaysh al-Islam", "Kataib Hezbollah"
    r"(?:Liwa|Liwaa|Jaysh|Jaish|Jabhat|Harakat|Kataib|Saraya|Faylaq|Ansar)"
    r"(?:[ -](?:al|Al|el|ul|ad|as|an|ash|at|az))?[ -][A-Z][\w'’-]+)\b")
# Each pattern is tried only on sentences with a word its matches can start with (a
# group's name) or, for ``ACTOR``, the word its head starts with: many have none.
_PATTERN_RUNS = ((NAMED, first_runs(NAMED)),
                 (ACTOR, first_runs(re.compile(rf"\b(?:{_HEADS})\b"))))
_PLACE_AFTER = re.compile(r"\s+(?:area|council|camps?)\b")
_ARTICLE = re.compile(r"^(?:the|a|an|some)\s+", re.IGNORECASE)
_BY_BEFORE = re.compile(r"\bby\s+(?:the\s+)?$")
# Words for a fight of two sides, where neither acts on the other.
_MUTUAL = re.compile(r"(?i:clash|fought|fight|battl|skirmish|exchang)")
_AND_GAP = re.compile(r"\s+and\s+(?:the\s+)?")
_WITH_BEFORE = re.compile(r"\b(?:with|against)\s+(?:the\s+)?$")
_BETWEEN_BEFORE = re.compile(r"\bbetween\s+(?:the\s+)?$")
_PASSIVE = re.compile(r"\b(?:was|were|been|being|is|are|got)\s+(?:\w+ly\s+)?\w+(?:ed|en|wn)\b")


@dataclass(frozen=True, slots=True)
class Actors:
    actor1: str | None
    actor2: str | None


@lru_cache(maxsize=256)
def actor_spans(sentence: str) -> list[tuple[int, int, str]]:
    """Return the actor phrases of a sentence as (start, end, text), in order.

    Examples
    --------
    >>> [a[2] for a in actor_spans("Houthi forces shelled a village, killing two civilians.")]
    ['Houthi forces', 'two civilians']
    >>> [a[2] for a in actor_spans("On 2 May 2022, unidentified gunmen killed 1,200 cattle.")]
    ['unidentified gunmen']
    """
    runs = set(LETTERS.findall(sentence))
    candidates = [m for pattern, starts in _PATTERN_RUNS
                  if starts is None or not starts.isdisjoint(runs)
                  for m in pattern.finditer(sentence)]
    # "Bassa local government area", "the Jenin refugee camp" are places, not actors.
    candidates = [m for m in candidates if not _PLACE_AFTER.match(sentence, m.end())]
    found: dict[tuple[int, int], str] = {}
    # The longest phrase wins where two overlap ("Taliban militants" over "Taliban").
    for m in sorted(candidates, key=lambda m: m.start() - m.end()):
        if not any(m.start() < e and s < m.end() for s, e in found):
            found[(m.start(), m.end())] = _ARTICLE.sub("", m.group())
    return sorted((s, e, text) for (s, e), text in found.items())


def find_actors(sentence: str, trigger_start: int, trigger_end: int) -> Actors:
    """Return who acted and who was hit, for the trigger at the given span.

    Examples
    --------
    >>> find_actors("Militia forces shelled the village of Tal Abyad.", 15, 22)
    Actors(actor1='Militia forces', actor2=None)
    >>> s = "Three civilians were killed following attacks by Taliban militants."
    >>> find_actors(s, 21, 27)
    Actors(actor1='Taliban militants', actor2='Three civilians')
    """
    spans = actor_spans(sentence)
    before = [a for a in spans if a[1] <= trigger_start]
    after = [a for a in spans if a[0] >= trigger_end]
    by = next((a for a in after if _BY_BEFORE.search(sentence[max(0, a[0] - 8):a[0]])), None)
    passive = bool(_PASSIVE.search(sentence[max(0, trigger_start - 25):trigger_end]))
    if by is not None:
        victims = before[-1][2] if before else next((a[2] for a in after if a is not by), None)
        return Actors(by[2], victims)
    if passive and before:
        return Actors(None, before[-1][2])
    if _MUTUAL.match(sentence, trigger_start):
        # "Fano militiamen and ENDF soldiers clashed", "clashes between X and Y": the
        # two sides, in the text's order.
        if len(before) >= 2 and _AND_GAP.fullmatch(sentence, before[-2][1], before[-1][0]) \
                and not (after and _WITH_BEFORE.search(sentence, 0, after[0][0])):
            return Actors(before[-2][2], before[-1][2])
        if len(after) >= 2 and _AND_GAP.fullmatch(sentence, after[0][1], after[1][0]) \
                and _BETWEEN_BEFORE.search(sentence, max(0, after[0][0] - 12), after[0][0]):
            return Actors(after[0][2], after[1][2])
    actor1 = before[-1][2] if before else None
    actor2 = after[0][2] if after else None
    if actor1 is None and after and len(after) > 1:
        actor1, actor2 = after[0][2], after[1][2]
    return Actors(actor1, actor2)


# ACLED-style numbers for vague words (documented in the README).
FATALITY_WORDS = {"a few": 3, "few": 3, "several": 10, "many": 10, "a number of": 10,
                  "dozens of": 12, "dozens": 12, "a dozen": 12, "scores of": 20,
                  "hundreds of": 100,
                  "hundreds": 100}
_NUMBER_WORDS = {"one": 1, "a": 1, "an": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                 "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
                 "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
                 "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
                 "forty": 40, "fifty": 50, "hundred": 100}
_COUNT = (r"(?P<n>\d[\d,]*|" + "|".join(sorted(map(re.escape, {**_NUMBER_WORDS,
                                                             **FATALITY_WORDS}),
                                                key=len, reverse=True)) + r")")
_DEATH = r"(?:killed|dead|died|deaths?|bodies|lives|fatalit(?:y|ies)|slain|murdered|executed|" \
         r"beheaded|shot dead|massacred|perished|killing|lost their lives)"
_NUMBER_THEN_DEATH = re.compile(
    rf"\b(?:at least|about|around|some|nearly|almost|more than|over|up to)?\s*{_COUNT}"
    rf"(?:\s*(?:-|to|or)\s*\d[\d,]*)?(?:\s+[\w'’-]+){{0,5}}?\s+(?:(?:were|was|are|have been|"
    rf"had been|being|been)\s+)?{_DEATH}\b", re.IGNORECASE)
_DEATH_THEN_NUMBER = re.compile(
    rf"\b(?:killing|killed|executed|executing|murdered|massacred|beheaded|slaughtered|"
    rf"death toll(?: rose| climbed| reached| stood)?(?: to| at| of)?|leaving|deaths of|"
    rf"bodies of|corpses of)\s+"
    rf"(?:at least |about |some |nearly |more than )?{_COUNT}\b(?!\s+(?:years?|"
    rf"months?|days?|hours?|km|kilometres|miles|percent|%))(?!(?:\s+(?!and\b)[\w-]+){{0,3}}\s+"
    rf"(?:injured|wounded|hurt|homeless|displaced|stranded)\b)", re.IGNORECASE)
_DEATH_PATTERNS = (_NUMBER_THEN_DEATH, _DEATH_THEN_NUMBER)
_DEATH_COPIES = tuple(copy for p in _DEATH_PATTERNS if (copy := lower_case_copy(p)) is not None)
_NONE_DIED = re.compile(
    r"\bno (?:fatalit(?:y|ies)|casualt(?:y|ies)|deaths|one was killed|one died|injuries or deaths|"
    r"deaths or injuries)\b|\bno(?:body| one) (?:was |were )?(?:killed|hurt|injured|harmed)"
    r"|\bwithout (?:casualties|fatalities)\b", re.IGNORECASE)
# Looked for in the lower-cased sentence, where these plain words are found several
# times faster than case-insensitively (``geo.text.sentences.lowered``).
_ANY_CASUALTY = re.compile(r"kill|dead|die|death|bod(?:y|ies)|lives|fatalit|slain|murder|"
                           r"execut|behead|massacre|perish|casualt|wound|injur|hurt|harm")
_ANY_CASUALTY_ANY_CASE = re.compile(_ANY_CASUALTY.pattern, re.IGNORECASE)
_INJURED = re.compile(r"\b(?:wounded|wounding|injured|injuring|injuries|hurt)\b", re.IGNORECASE)


def fatalities(sentence: str) -> int | None:
    """Return the deaths a sentence reports, by the convention above, else None.

    Examples
    --------
    >>> fatalities("Shelling hit a trolleybus, killing 8 people and wounding about 20.")
    8
    >>> fatalities("At least 22 ISIS members were killed in the clashes.")
    22
    >>> fatalities("No fatalities reported."), fatalities("Two were wounded."), \
fatalities("Talks went on.")
    (0, 0, None)
    >>> fatalities("Dozens of people were killed.")
    12
    >>> fatalities("Police fired tear gas, leaving dozens of workers injured.")
    0
    """
    low = lowered(sentence)
    if not (_ANY_CASUALTY.search(low) if low is not None
            else _ANY_CASUALTY_ANY_CASE.search(sentence)):
        return None  # most sentences: no death or injury word, nothing to count
    # (Case-sensitively in the lower-cased copy where there is one: the same matches.)
    text, patterns = ((sentence, _DEATH_PATTERNS) if low is None or len(_DEATH_COPIES) < 2
                      else (low, _DEATH_COPIES))
    counted = [_count(m.group("n")) for pattern in patterns for m in pattern.finditer(text)]
    numbers = [n for n in counted if n is not None]
    if numbers:
        return sum(numbers) if len(numbers) > 1 and _separate_groups(sentence) else max(numbers)
    if _NONE_DIED.search(sentence):
        return 0
    if re.search(rf"\b{_DEATH}\b", sentence, re.IGNORECASE):
        return 1 if re.search(r"\b(?:a|one|an?)\s+(?:\w+\s+){0,3}(?:was|is)\s+(?:killed|"
                              r"shot dead)\b|\b(?:was|is)\s+(?:killed|shot dead)\b", sentence,
                              re.IGNORECASE) else None
    if _INJURED.search(sentence):
        return 0
    return None


def _separate_groups(sentence: str) -> bool:
    # "22 soldiers and 5 militants were killed": deaths of two groups add up.
    return bool(re.search(r"\d[\d,]*\s+[\w-]+\s+and\s+(?:at least\s+)?\d", sentence))


def _count(text: str) -> int | None:
    key = text.lower().replace(",", "")
    if key.isdigit():
        value = int(key)
        return value if value < 100_000 else None
    return FATALITY_WORDS.get(key) or _NUMBER_WORDS.get(key)
