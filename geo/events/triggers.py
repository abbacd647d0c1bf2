"""Trigger words: which words of a sentence report which kind of incident.

Words are matched by lemma (simplemma, a maintained lemmatiser: "shelled", "shelling"
and "shells" are all ``shell``), so inflected and passive forms need no listing.
Phrases ("car bomb", "opened fire on", "took control of") are matched as regular
expressions over the lower-cased sentence. Each trigger names our layer, an ACLED
sub-event type and a rank: when one incident is reported with several words ("a
roadside bomb exploded, killing three"), the most specific (highest rank) decides its
type.

Casualty words ("killed", "wounded", "died") are triggers of their own with the lowest
rank: alone in a sentence they report an attack on civilians or a clash, by who was hit
(``casualty_type``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, compress

from geo.text.sentences import LETTERS, first_runs

# Layer keys (geo.model.EVENT_TYPES) used below.
CLASH, STRIKE, EXPLOSION = "armed_clash", "strike", "explosion"
CIVILIANS, PROTEST, RIOT = "violence_against_civilians", "protest", "riot"
STRATEGIC, DIPLOMACY, BASE, QUAKE = ("strategic_development", "diplomacy", "military_base",
                                     "earthquake")

# ACLED sub-event types.
AIR, SHELLING = "Air/drone strike", "Shelling/artillery/missile attack"
SUICIDE, IED, GRENADE, CHEMICAL = ("Suicide bomb", "Remote explosive/landmine/IED", "Grenade",
                                   "Chemical weapon")
ARMED_CLASH, REGAINS, OVERTAKES = ("Armed clash", "Government regains territory",
                                   "Non-state actor overtakes territory")
ATTACK, ABDUCTION, SEXUAL = "Attack", "Abduction/forced disappearance", "Sexual violence"
PEACEFUL, INTERVENTION, EXCESSIVE = ("Peaceful protest", "Protest with intervention",
                                     "Excessive force against protesters")
VIOLENT_DEMO, MOB = "Violent demonstration", "Mob violence"
AGREEMENT, ARRESTS, CHANGE = "Agreement", "Arrests", "Change to group/activity"
DISRUPTED, BASE_SET_UP, LOOTING = ("Disrupted weapons use", "Headquarters or base established",
                                   "Looting/property destruction")
TRANSFER, OTHER = "Non-violent transfer of territory", "Other"

CASUALTY_RANK = 10
WEAK_RANK = 5  # a word that supports an incident but never starts one


@dataclass(frozen=True, slots=True)
class Trigger:
    """A word or phrase of a sentence that reports an incident (offsets in the sentence)."""

    start: int
    end: int
    layer: str
    sub_type: str | None
    rank: int  # higher: more specific; the incident's type comes from its top trigger

    @property
    def casualty(self) -> bool:
        return self.rank <= CASUALTY_RANK


# Lemma -> (layer, sub-event type, rank). Lower-case lemmas as simplemma gives them.
LEMMAS: dict[str, tuple[str, str | None, int]] = {
    # Explosions/remote violence
    "airstrike": (STRIKE, AIR, 85), "air-strike": (STRIKE, AIR, 85),
    "warplane": (STRIKE, AIR, 84), "airplane": (STRIKE, AIR, 40),
    "shell": (STRIKE, SHELLING, 80), "shelling": (STRIKE, SHELLING, 80),
    "artillery": (STRIKE, SHELLING, 80), "mortar": (STRIKE, SHELLING, 80),
    "rocket": (STRIKE, SHELLING, 78), "missile": (STRIKE, SHELLING, 78),
    "bombard": (STRIKE, SHELLING, 78), "bombardment": (STRIKE, SHELLING, 78),
    "ied": (EXPLOSION, IED, 90), "landmine": (EXPLOSION, IED, 90),
    "explosive": (EXPLOSION, IED, 70), "explosion": (EXPLOSION, IED, 66),
    "blast": (EXPLOSION, IED, 66), "detonate": (EXPLOSION, IED, 72),
    "explode": (EXPLOSION, IED, 72), "bomb": (EXPLOSION, IED, 68),
    "bombing": (EXPLOSION, IED, 68), "bomber": (EXPLOSION, IED, 68),
    "grenade": (EXPLOSION, GRENADE, 88),
    "sarin": (EXPLOSION, CHEMICAL, 92), "chlorine": (EXPLOSION, CHEMICAL, 60),
    # A bare "strike"/"struck" or "drone" is an air strike unless the sentence says
    # otherwise (a quake, a labour strike: see the phrases and geo.events.incidents).
    "strike": (STRIKE, AIR, 40), "drone": (STRIKE, AIR, 45),
    # Battles
    "clash": (CLASH, ARMED_CLASH, 60), "fighting": (CLASH, ARMED_CLASH, 60),
    "battle": (CLASH, ARMED_CLASH, 58), "firefight": (CLASH, ARMED_CLASH, 62),
    "gunfight": (CLASH, ARMED_CLASH, 62), "skirmish": (CLASH, ARMED_CLASH, 60),
    "offensive": (CLASH, ARMED_CLASH, 55), "ambush": (CLASH, ARMED_CLASH, 62),
    "recapture": (CLASH, REGAINS, 74), "retake": (CLASH, REGAINS, 74),
    "regain": (CLASH, REGAINS, 72), "liberate": (CLASH, REGAINS, 70),
    "overrun": (CLASH, OVERTAKES, 74), "seize": (CLASH, OVERTAKES, 64),
    "capture": (CLASH, OVERTAKES, 64),
    # Violence against civilians
    "murder": (CIVILIANS, ATTACK, 58), "massacre": (CIVILIANS, ATTACK, 62),
    "behead": (CIVILIANS, ATTACK, 62), "execute": (CIVILIANS, ATTACK, 56),
    "stab": (CIVILIANS, ATTACK, 56), "torture": (CIVILIANS, ATTACK, 56),
    "assassinate": (CIVILIANS, ATTACK, 60), "assassination": (CIVILIANS, ATTACK, 60),
    "abduct": (CIVILIANS, ABDUCTION, 76), "abduction": (CIVILIANS, ABDUCTION, 76),
    "kidnap": (CIVILIANS, ABDUCTION, 76), "kidnapping": (CIVILIANS, ABDUCTION, 76),
    "hostage": (CIVILIANS, ABDUCTION, 70), "rape": (CIVILIANS, SEXUAL, 80),
    # Protests and riots
    "protest": (PROTEST, PEACEFUL, 50), "protester": (PROTEST, PEACEFUL, 50),
    "protestor": (PROTEST, PEACEFUL, 50), "demonstration": (PROTEST, PEACEFUL, 50),
    "demonstrator": (PROTEST, PEACEFUL, 50), "rally": (PROTEST, PEACEFUL, 48),
    "sit-in": (PROTEST, PEACEFUL, 50), "picket": (PROTEST, PEACEFUL, 46),
    "vigil": (PROTEST, PEACEFUL, 40), "march": (PROTEST, PEACEFUL, 44),
    "marcher": (PROTEST, PEACEFUL, 46), "demonstrate": (PROTEST, PEACEFUL, 48),
    "riot": (RIOT, VIOLENT_DEMO, 66), "rioter": (RIOT, VIOLENT_DEMO, 66),
    "lynch": (RIOT, MOB, 70), "mob": (RIOT, MOB, 64), "vandalize": (RIOT, VIOLENT_DEMO, 60),
    "rampage": (RIOT, MOB, 62),
    # Strategic developments
    "arrest": (STRATEGIC, ARRESTS, 45), "detain": (STRATEGIC, ARRESTS, 44),
    "apprehend": (STRATEGIC, ARRESTS, 44), "loot": (STRATEGIC, LOOTING, 47),
    "ransack": (STRATEGIC, LOOTING, 47), "plunder": (STRATEGIC, LOOTING, 47),
    "torch": (STRATEGIC, LOOTING, 46), "demolish": (STRATEGIC, LOOTING, 44),
    "defuse": (STRATEGIC, DISRUPTED, 74), "intercept": (STRATEGIC, DISRUPTED, 70),
    "destroy": (STRATEGIC, LOOTING, 44), "uproot": (STRATEGIC, LOOTING, 45),
    "fight": (CLASH, ARMED_CLASH, 58),
    # Troops patrolling a place: a military presence there (the base layer's "Other").
    "patrol": (BASE, OTHER, 23),
    "target": (CIVILIANS, ATTACK, 21),
    "curfew": (STRATEGIC, OTHER, 40),
    # Diplomacy
    "talk": (DIPLOMACY, AGREEMENT, 30), "meeting": (DIPLOMACY, AGREEMENT, 28),
    "summit": (DIPLOMACY, AGREEMENT, 30), "agreement": (DIPLOMACY, AGREEMENT, 32),
    "negotiation": (DIPLOMACY, AGREEMENT, 30), "ceasefire": (DIPLOMACY, AGREEMENT, 34),
    "truce": (DIPLOMACY, AGREEMENT, 34), "accord": (DIPLOMACY, AGREEMENT, 30),
    "visit": (DIPLOMACY, AGREEMENT, 27), "meet": (DIPLOMACY, AGREEMENT, 27),
    "host": (DIPLOMACY, AGREEMENT, 26),
    # Casualties alone
    "kill": (CIVILIANS, ATTACK, CASUALTY_RANK), "killing": (CIVILIANS, ATTACK, CASUALTY_RANK),
    # "died", "dead", "death" alone are no incident (an illness, an accident, old age):
    # they count only beside a trigger that says what happened.
    "die": (CIVILIANS, ATTACK, WEAK_RANK), "dead": (CIVILIANS, ATTACK, WEAK_RANK),
    "death": (CIVILIANS, ATTACK, WEAK_RANK), "wound": (CIVILIANS, ATTACK, CASUALTY_RANK),
    "injure": (CIVILIANS, ATTACK, CASUALTY_RANK), "injured": (CIVILIANS, ATTACK, CASUALTY_RANK),
    "wounded": (CIVILIANS, ATTACK, CASUALTY_RANK), "shoot": (CIVILIANS, ATTACK, 20),
    "shot": (CIVILIANS, ATTACK, 20), "gunman": (CIVILIANS, ATTACK, 22),
    "attack": (CIVILIANS, ATTACK, 21), "assault": (CIVILIANS, ATTACK, 21),
    "raid": (CIVILIANS, ATTACK, 21), "storm": (CIVILIANS, ATTACK, 18),
    "casualty": (CIVILIANS, ATTACK, CASUALTY_RANK), "fatality": (CIVILIANS, ATTACK,
                                                                CASUALTY_RANK),
    "earthquake": (QUAKE, None, 95), "quake": (QUAKE, None, 95), "aftershock": (QUAKE, None, 95),
    "tremor": (QUAKE, None, 90), "temblor": (QUAKE, None, 95),
}


def _phrases(*pairs: tuple[str, tuple[str, str | None, int]]) -> list[tuple[re.Pattern[str],
                                                                           tuple]]:
    return [(re.compile(r"\b(?:" + pattern + r")\b"), value) for pattern, value in pairs]


# Phrases, over the lower-cased sentence; they win over the words inside them.
PHRASES = _phrases(
    (r"air ?strikes?|air raids?|aerial (?:bombing|bombardment|attacks?)|drone (?:strikes?|"
     r"attacks?)|(?:(?:war)?planes?|aircraft|jets?|helicopters?|drones?) (?:struck|bombed|hit|"
     r"dropped|fired|targeted|pounded)|helicopter gunships?", (STRIKE, AIR, 88)),
    (r"suicide (?:bomb(?:ers?|ings?|s)?|attack(?:ers?|s)?|car bomb(?:ing)?)|"
     r"blew (?:himself|herself|"
     r"themselves) up|explosives?[- ]laden (?:vest|belt)|explosive vests?", (EXPLOSION, SUICIDE,
                                                                            96)),
    (r"(?:roadside|car|truck|motorcycle|parcel|magnetic|sticky) bombs?|improvised explosive"
     r"(?: devices?)?|land ?mines?|booby[- ]trap(?:ped|s)?|explosive devices?|"
     r"vehicle[- ]borne", (EXPLOSION, IED, 93)),
    (r"chemical (?:attacks?|weapons?|agents?|munitions?)|toxic gas|nerve agents?|chlorine gas|"
     r"chlorine[- ]filled|(?:cs|tear)[- ]?gas (?:grenades?|munitions?|canisters?) (?:from|by) "
     r"(?:a )?drones?|dropped (?:cs |tear[- ]?)gas", (EXPLOSION, CHEMICAL, 97)),
    (r"fired (?:shells|rockets|mortars?|missiles)|artillery fire|mortar (?:rounds?|shells?|fire)",
     (STRIKE, SHELLING, 82)),
    (r"exchange(?:d)? (?:of )?(?:heavy |intense )?(?:gun)?fire|gun ?battles?|armed clash(?:es)?",
     (CLASH, ARMED_CLASH, 63)),
    # Who was fired on decides (geo.events.incidents): civilians, protesters or fighters.
    (r"open(?:ed|s|ing)? fire|gunned down", (CIVILIANS, ATTACK, 21)),
    # Bodies found dumped or riddled with bullets: a killing by whoever did it (ACLED codes
    # them as attacks); bodies pulled from rubble or wreckage are no attack (below).
    # (One body found may be an accident's: only when it was dumped.)
    (r"(?:bodies|corpses) of (?:[\w-]+ ){0,5}?(?:were |have been |had been )?"
     r"(?:found|discovered|dumped)|(?:found|discovered) (?:the )?(?:[\w-]+ ){0,3}?"
     r"(?:dead )?(?:bodies|corpses)|(?:bodies|corpses) (?:[\w-]+ ){0,2}?"
     r"(?:were |have been |had been )?(?:found|discovered|dumped)|"
     r"(?:body|corpse) (?:[\w-]+ ){0,5}?(?:was |had been )?(?:found )?dumped",
     (CIVILIANS, ATTACK, 22)),
    (r"beat(?:en)?(?: and burned)?(?: [\w-]+){0,5} to death|lynch(?:ed|ing|ings)?|"
     r"mob justice|vigilante", (RIOT, MOB, 70)),
    (r"(?:took|take|takes|taking|seized|seize|seizes|seizing|captured|capture|captures|"
     r"capturing|gained|gain|regained|regain|regains|regaining|retook|retake|retakes|"
     r"retaking|reclaimed|wrested) (?:full )?control (?:of|over)", (CLASH, OVERTAKES, 73)),
    (r"(?:sexual(?:ly)? (?:assault(?:ed)?|violence|abuse)|gang[- ]raped?)",
     (CIVILIANS, SEXUAL, 80)),
    (r"taken (?:as )?hostages?|forcibly disappeared|enforced disappearances?",
     (CIVILIANS, ABDUCTION, 78)),
    (r"tear ?gas|water cannons?|rubber bullets|dispers(?:ed|e|ing)|baton[- ]charg(?:ed|e|ing)|"
     r"broke up|cracked down on", (PROTEST, INTERVENTION, 52)),
    (r"(?:pelted|pelting|threw|throwing|hurled|hurling)(?: [\w-]+){0,3} (?:with )?(?:stones|"
     r"rocks|petrol bombs|molotov)|stone[- ]pelting|stone[- ]throwing|burn(?:ed|t|ing)? tyres",
     (RIOT, VIOLENT_DEMO, 68)),
    (r"(?:shot|shoot(?:s|ing)?) down|foiled|weapons? caches?|(?:seized|confiscated|recovered) "
     r"(?:a |an )?(?:consignment of |cache of |large quantity of )?(?:weapons?|arms|"
     r"ammunition|explosives|pistols|rifles|guns)|dismantled (?:an? )?(?:bomb|ied|explosive)",
     (STRATEGIC, DISRUPTED, 72)),
    (r"hand(?:ed|s|ing)? over|hand(?:ed|s|ing)? (?:[\w-]+ ){0,3}(?:villages?|towns?|"
     r"territor(?:y|ies)|areas?|positions?|bases?) to|"
     r"withdr(?:ew|awn|aws) (?:its |their )?(?:forces |troops |fighters )?"
     r"from|without (?:a )?fight(?:ing)?", (STRATEGIC, TRANSFER, 71)),
    (r"set (?:on )?fire to|set ablaze|burn(?:ed|t) down", (STRATEGIC, LOOTING, 47)),
    (r"taken into custody|rounded up", (STRATEGIC, ARRESTS, 46)),
    (r"(?:announced|declared|formed) (?:the )?(?:formation|creation|establishment)|"
     r"new (?:leader|commander|group|militia|coalition|faction)|merged (?:with|into)|"
     r"splits?|split from|disband(?:ed|s|ing)?|(?:was|were|has been|have been) formed",
     (STRATEGIC, CHANGE, 43)),
    (r"state of emergency|(?:seized|seize|seizes|seizing|took|take|takes|grabbed) power|"
     r"(?:military |staged a |attempted |failed )?coup(?: d['’]\s?[ée]tat)?",
     (STRATEGIC, OTHER, 44)),
    (r"(?:established|set up|built|opened|sets up|setting up) (?:a |an |the )?(?:new )?"
     r"(?:military |air |army |forward )?(?:base|outpost|headquarters|camp|post|position)s?",
     (BASE, BASE_SET_UP, 60)),
    (r"(?:air |military |naval |army )?bases?|airbases?|outposts?|garrisons?|military presence|"
     r"(?:forces|troops) (?:are |were )?(?:stationed|deployed|based)|"
     r"(?:maintain|maintains|maintained|keep|keeps|station|stations|stationed|deploy|deploys|"
     r"deployed) (?:its |their |some |about |roughly )?(?:forces|troops)", (BASE, OTHER, 24)),
    (r"(?:peace|ceasefire|prisoner[- ]exchange|reconciliation) (?:deal|agreement|accord|talks|"
     r"pact)|(?:signed|reached|agreed|brokered|struck|sign|signs|reach)(?: [\w-]+){0,3} "
     r"(?:truce|ceasefire|agreement|deal|accord|pact)", (DIPLOMACY, AGREEMENT, 90)),
    (r"phone call|news conference|met with|held talks", (DIPLOMACY, AGREEMENT, 33)),
    (r"(?:gathered|assembled|took to the streets|marched)(?: [\w’'-]+){0,10}? to (?:demand|"
     r"protest|denounce|call|"
     r"condemn|demonstrate|reject|express)|took to the streets|staged (?:a )?(?:sit-in|"
     r"protest|rally|demonstration|strike|march)|went on strike|general strike|"
     # Labour strikes: "would strike over pay", "a 48-hour strike at UK airports"
     r"(?:crew|workers|staff|employees|teachers|doctors|nurses|drivers|pilots|miners|unions?)"
     r"(?: [\w-]+){0,6} (?:would|will|to|vote[ds]? to|threaten(?:s|ed)? to) strike|"
     r"(?:hour|day|indefinite|nationwide|national) strikes?|"
     r"strikes? (?:over|for) (?:pay|wages|salaries|pensions|conditions|jobs)|walkouts?|"
     r"industrial action|"
     r"block(?:ed|ing|s)? (?:the |a |main )?(?:roads?|highways?|streets?|railway|bridge)",
     (PROTEST, PEACEFUL, 52)),
)
# Words that are not incidents where they stand: "strike a deal", "a hunger strike",
# "talks about fighting corruption", "fighting fit", "rally in prices".
_NOT_INCIDENT = re.compile(
    r"\b(?:strike (?:a|an) (?:deal|balance|chord|agreement)|hunger strikes?|"
    r"fight(?:ing)? (?:against )?(?:corruption|poverty|crime|fire|fires|the virus|"
    r"the pandemic|covid|inflation|climate)|(?:stock|market|share|price|oil)s? rall(?:y|ied|ies)"
    r"|rall(?:y|ied|ies) (?:in|on) (?:stocks|shares|prices|markets)|heart attacks?|"
    r"panic attacks?|asthma attacks?|cyber ?attacks?|brain storm|shell (?:company|companies|"
    r"oil)|talk show|riot police|riot gear|anti-riot|death penalty|sentenced to death|"
    r"bod(?:y|ies) (?:[\w-]+ ){0,6}(?:rubble|wreckage|debris))\b")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
# A capitalised "March" (or "May") is a month, "Rally" may start a sentence: months only.
_MONTHS = frozenset({"march", "may"})


# Each phrase pattern (and ``_NOT_INCIDENT``) is tried only on the sentences that have a
# word its matches can start with (``first_runs``): a pattern that starts with a word
# boundary is tried at every word, a set of words is looked up in C.
_PHRASE_RUNS = [first_runs(pattern) for pattern, _ in PHRASES]
# The phrases (indices into PHRASES) each word can start; None: some phrase has to be
# tried on every sentence.
_PHRASES_BY_RUN: dict[str, list[int]] | None = None
if None not in _PHRASE_RUNS:
    _PHRASES_BY_RUN = {}
    for _k, _runs in enumerate(_PHRASE_RUNS):
        for _run in _runs or ():
            _PHRASES_BY_RUN.setdefault(_run, []).append(_k)
# (A set, so that intersecting a sentence's runs with it goes over the fewer.)
_PHRASE_RUNS_ANY = frozenset(_PHRASES_BY_RUN or ())
_MARK = re.compile("[-'’]")  # what splits a word of ``_WORD`` into runs of letters
_NOT_INCIDENT_RUNS = first_runs(_NOT_INCIDENT)


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    """Return the lemma of a lower-case English word (cached: words repeat).

    Examples
    --------
    >>> lemma("shelled"), lemma("abducted"), lemma("clashes")
    ('shell', 'abduct', 'clash')
    """
    import simplemma  # lazy: its English dictionary loads on first use

    return simplemma.lemmatize(word, lang="en").lower()


_ENTRIES: dict[str, tuple[str, str | None, int] | None] = {}
_TRIGGER_WORDS: set[str] = set()  # the words ``_ENTRIES`` holds an entry for


def _entry(word: str) -> tuple[str, str | None, int] | None:
    """Return the trigger entry of a word, by itself or by its lemma (memoised)."""
    try:
        return _ENTRIES[word]
    except KeyError:
        pass
    key = word.lower().strip("'’-")
    entry = LEMMAS.get(key) or LEMMAS.get(lemma(key))
    if entry is None and key.startswith("counter") and len(key) > 9:
        # "counter-attack", "counteroffensive", "counter-assaulted": the incident's word
        rest = key[8:] if key[7] == "-" else key[7:]
        entry = LEMMAS.get(rest) or LEMMAS.get(lemma(rest))
    if len(_ENTRIES) < 200_000:  # bounded: a text of made-up words cannot fill memory
        _ENTRIES[word] = entry
        if entry is not None:
            _TRIGGER_WORDS.add(word)
    return entry


def find_triggers(sentence: str) -> list[Trigger]:
    """Return the incident triggers of a sentence, in order, phrases over their words.

    Examples
    --------
    >>> [(t.layer, t.sub_type) for t in find_triggers("A roadside bomb exploded in Kabul.")]
    [('explosion', 'Remote explosive/landmine/IED'), ('explosion', \
'Remote explosive/landmine/IED')]
    >>> [t.layer for t in find_triggers("Markets rallied as talks to strike a deal went on.")]
    ['diplomacy']
    """
    low = sentence.lower()
    # Words are looked up in the lower-cased sentence when lower-casing kept every offset.
    words = low if len(low) == len(sentence) else sentence
    listed = _WORD.findall(words)
    distinct = set(listed)
    # The words a phrase can start with: the runs of letters of ``low`` (``LETTERS``),
    # which are the sentence's words where none has a hyphen or an apostrophe.
    if words is not low:
        runs = set(LETTERS.findall(low))
    elif "-" in low or "'" in low or "’" in low:
        runs = set(chain.from_iterable(map(_MARK.split, distinct)))
        runs.discard("")
    else:
        runs = distinct
    taken: list[tuple[int, int]] = []
    if _NOT_INCIDENT_RUNS is None or not _NOT_INCIDENT_RUNS.isdisjoint(runs):
        taken += [m.span() for m in _NOT_INCIDENT.finditer(low)]
    found: list[Trigger] = []
    # The phrases that a word of the sentence can start, in their order.
    todo = (range(len(PHRASES)) if _PHRASES_BY_RUN is None
            else sorted({k for run in runs.intersection(_PHRASE_RUNS_ANY)
                         for k in _PHRASES_BY_RUN[run]}))
    for k in todo:
        pattern, (layer, sub_type, rank) = PHRASES[k]
        for m in pattern.finditer(low):
            if not _overlaps(m.span(), taken):
                found.append(Trigger(m.start(), m.end(), layer, sub_type, rank))
                taken.append(m.span())
    # Each distinct word is looked up once, and offsets are found only in sentences that
    # hold a trigger word: most hold none. The words seen before are sorted out by set
    # operations, in C: the trigger words among them, and those never seen.
    entries = {w: e for w in distinct.intersection(_TRIGGER_WORDS)
               if (e := _ENTRIES[w]) is not None}
    for w in distinct.difference(_ENTRIES):
        if (e := _entry(w)) is not None:
            entries[w] = e
    # The matches of the trigger words only, picked in C (``findall`` and ``finditer``
    # give the same words in the same order).
    for m in compress(_WORD.finditer(words), map(entries.__contains__, listed)) if entries \
            else ():
        entry = entries[m.group()]
        if m.group() in _MONTHS and sentence[m.start()].isupper():
            continue
        if _overlaps(m.span(), taken):
            continue
        found.append(Trigger(m.start(), m.end(), *entry))
    found.sort(key=lambda t: t.start)
    return found


def _overlaps(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in spans)
