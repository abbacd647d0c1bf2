"""Where an incident happened: which toponyms of a sentence place it, and which of them win.

A toponym places an event unless the sentence uses it for an actor or an origin: the
subject of a speech or stance verb ("Washington says"), an adjective or possessive of
people ("U.S. base", "Iran's foreign minister"), the object of "by", "with", "accused",
or where people come from ("fighters from Idlib"). A possessive of a place noun
("Baghdad's main bridges", "Yala's Yaha district") is a place.

A toponym is *locative* when it follows a locative preposition ("in", "near", "off the
coast of", "in the mountainous ... region of") or is what a violent verb acted on
("captured Kupres", "shelled the town of X"). "From" and "to" give origins and
destinations: places, but not locative ones. Places the text ties into one chain ("Yaha
district of Yala", "Yala's Yaha district", "Irbil, Iraq", "X (Y district, Z province)")
share their locative flag, so the finest of them can win.

Of the locative places (else of all), the finest level wins (towns and sites, then
districts and regions, then provinces, then countries); a designator written after the
name overrides the gazetteer's feature ("Konduz Province" is a province even where the
gazetteer found the town); a place the text says holds another ranks coarser than it.
Countries count only when locative, or for earthquakes.

A place the gazetteer lacks still places an event when the text ties it to one it knows
(``named_spots``): "the village of X in Y", "Y's X district", "X, 20 km south of Y". The
event keeps X's name and sits at Y's point (or that far in that direction), with ACLED's
geo_precision 2 and Y's uncertainty radius. A place the text measures from ("30 km south
of Y") is not where it happened, and neither are places inside an organisation's name
("the Syrian Arab Army"), faiths, peoples ("ethnic Amhara villagers") and seats of power
("the government in Kinshasa").
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from geo.events.actors import NAMED
from geo.geodesy import EARTH_RADIUS_KM, haversine_km
from geo.model import Toponym
from geo.places.gazetteer import Gazetteer
from geo.places.spans import COMMON, PLACE_PREFIXES
from geo.text.names import norm, sound
from geo.text.sentences import lower_case_copy, lowered

LEVEL = {"city": 0, "site": 0, "admin2": 1, "region": 1, "admin1": 2, "country": 3,
         "continent": 4}
COUNTRY_LEVEL = 3
# A direction's part of a country wider than this ranks as a province ("east India").
_PROVINCE_KM = 150.0


@dataclass(frozen=True, slots=True)
class Place:
    """A toponym that can place an event, with how the sentence ties it to the event."""

    toponym: Toponym
    locative: bool  # after "in/at/near ...", or the object of "captured", "shelled", ...
    level: int  # 0 town or site, 1 district or region, 2 province, 3 country, 4 continent
    # A named spot the gazetteer lacks ("the village of X in Y"): ``toponym`` carries
    # X's name at Y's point, and ``anchor`` is Y (see ``named_spots``).
    anchor: Toponym | None = None


_AREA_NOUN = (r"(?:city|town|village|hamlet|district|province|governorate|region|area|"
              r"countryside|outskirts|suburbs?|neighbou?rhoods?|camp|sector|vicinity|capital|"
              r"port|island|county|municipality|settlements?|villages|towns|cities|enclave|"
              r"strip|valley|border town|centre|center|heart|parts?|streets?|edge|coast|"
              r"coastline|waters|shores?|gates|borders?|environs|banks?|areas|state|"
              r"department|territory|raion|oblast|commune|resorts?|avenues?|boulevards?|"
              r"squares?|markets?|bazaars?)")
# "Syria's north", "the south of Lebanon" (but "70 km north of Goma" is a reference).
_DIRECTION = r"(?:north|south|east|west)(?:-?(?:east|west))?(?:ern)?(?: part| side)?"
# A toponym followed by one of these is an actor, not a location ("Washington says").
# "Damascus was shelled", "Fallujah has been patrolled": a passive subject is a place.
_ACTOR_AFTER = re.compile(
    r"^(?:(?:’s|'s)(?!\s+(?:[a-z][\w-]*\s+){0,3}(?:" + _AREA_NOUN[3:-1] + "|" + _DIRECTION
    + r"|main|largest|biggest|second|third|capital|markets?|roads?|highways?|bridges?|"
    r"airports?|prisons?|hospitals?|mosques?|squares?|avenues?|skies|territory|airspace)\b)|-backed|-based|"
    r"-led|-made|\s*,?\s*(?:meanwhile,\s*)?(?:says|said|say|remains|remained|responded|vowed|"
    r"warned|accused|condemned|denied|claimed|insists|insisted|argues|argued|wants|wanted|"
    r"opposes|opposed|supports|supported|backs|backed|maintains|accuses|urged|urges|would|"
    r"declared|announced|annexed|recognised|recognized|demanded|threatened|"
    r"will|(?:has|had)(?!\s+been\b)|(?:is|was)(?!\s+(?:\w+ly\s+)?(?:being\s+)?(?:\w+ly\s+)?"
    r"\w+(?:ed|en|wn)\b|\s+(?:the\s+)?scene\s+of\b))\b|"
    r"\s+(?:(?:health|medical|hospital|security|local)\s+)?officials?\b|"
    r"\s+(?:forces|troops|military|government|president|"
    r"defen[cs]e|base|bases|strikes?|drones?|authorities|army|navy|embassy|envoy|counterpart|"
    r"(?:health\s+|interior\s+|foreign\s+)?ministry|"
    r"representatives?|ministers?|soldiers|fighters|jets?|warplanes?|aircraft|"
    # "Amhara villagers", "Fulani herders", "Shiite militias": a people, not a place
    r"villagers|civilians|herders|herdsmen|farmers|militias?|militiamen|rebels|"
    r"insurgents|separatists|tribesmen|clans?|tribes?|communit(?:y|ies))\b)",
    re.IGNORECASE,
)
# ("the 1967 Mideast war", "the Gulf War": the name of a war, not the place of this event.)
_ADJECTIVAL_AFTER = re.compile(
    r"^(?!\s+(?:Air|Naval|Military|Army)\s+Base\b)"  # "Bien Hoa Air Base" is a name
    r"(?:-backed|-based|-led|-made)?\s+(?:military\s+|air\s+|naval\s+|security\s+|special\s+|"
    r"armed\s+|government\s+|riot\s+)?(?:base|bases|"
    r"forces|troops|strikes?|drones?|jets?|warplanes?|officials?|soldiers?|embassy|wars?|"
    r"veterans?|patrols?|convoys?|marines?|sailors?|diplomats?|citizens?|nationals?|"
    r"servicem[ae]n|personnel|contractors?|helicopters?|aircraft|planes?|ships?|vessels?|"
    r"warships?|navy|army)\b",
    re.IGNORECASE,
)
# "Mexico's police chief was shot dead": whose official was the victim is where it was done.
_VICTIM_AFTER = re.compile(
    r"^(?:’s|'s)\s+(?:(?!who\b|which\b|that\b)[\w-]+\s+){0,4}"
    r"(?:chief|officials?|leaders?|president|governor|mayor|ministers?|commanders?|aides?|"
    r"officers?|spokes(?:man|woman)|judges?|journalists?|prosecutor|envoy|ambassador|"
    r"general|deputy|lawmakers?|politicians?|activists?|clerics?|imams?|priests?)\s+"
    r"(?:was|were|has\s+been|have\s+been|had\s+been)\s+"
    r"(?:\w+ly\s+)?(?:shot|killed|assassinated|murdered|stabbed|kidnapped|abducted|attacked|"
    r"wounded|injured|gunned\s+down|ambushed|beheaded|lynched)\b")
_EXCEPT_BEFORE = re.compile(r"\b(?:except|excepting|apart\s+from|other\s+than)\s+(?:for\s+)?"
                            r"(?:the\s+)?(?:[a-z][\w-]*\s+){0,2}$", re.IGNORECASE)
# Where a weapon was fired from, not where it hit: "rockets fired from Gaza".
_LAUNCHED_FROM = re.compile(r"\b(?:fired|launched|shot)\s+from\s+(?:the\s+)?$", re.IGNORECASE)
# "to the west of X": measured from X, not in it.
_TO_DIRECTION_OF = re.compile(r"\bto\s+the\s+" + _DIRECTION + r"\s+of\s+(?:the\s+)?$",
                              re.IGNORECASE)
# "over" that is about, not above: "the crisis over Iraq", "seconds over Scotland's X".
_ABOUT_OVER = re.compile(r"\b(?:victory|victories|win|wins|won|lead|seconds|points|dispute|"
                         r"disputes|concerns?|crisis|row|tensions?|fears?|anger|outrage|talks|"
                         r"shadow|sovereignty|claims?|influence|standoff|feud|spat|debate|"
                         r"worries|worry|split|rift)\s+over\s+(?:the\s+)?(?:[\w-]+\s+)?$",
                         re.IGNORECASE)
_CITY_STATE_KM = 60.0  # a country this small is a city's police: Hong Kong, Singapore
_LOCAL_POLICE_ACT = re.compile(r"^\s+police\s+(?:have\s+|had\s+|on\s+\w+\s+)?(?:arrest|detain|"
                               r"raid|fire[ds]?\b|opened\s+fire|shot|shoot|clash|dispers|kill|"
                               r"seiz|storm|beat|use[ds]?\s+tear)")
# "Mostar's violence", "Kenya's post-election unrest": the strife of a place is there.
_STRIFE_AFTER = re.compile(r"^(?:’s|'s)\s+(?:[\w-]+\s+){0,2}(?:violence|fighting|unrest|"
                           r"clashes|insurgency|bloodshed|civil\s+war)\b")
# "U.S.-Iraqi", "Russia-Ukraine": a name joined to a people's or a country's name.
_JOINED_NAME_AFTER = re.compile(r"^[-–](?!(?:based|backed|led|made|held|controlled)\b)[A-Z]")
# After a country, its weapons ("a U.S. airstrike"); after a town they say where.
_WEAPON_AFTER = re.compile(r"\s+(?:-led\s+)?(?:air-?\s?strikes?|missiles?|rockets?|bombers?|"
                           r"artillery|shelling)\b", re.IGNORECASE)
_ACTOR_BEFORE = re.compile(r"\b(?:by|with|accused|accusing|against|urged|told|ethnic)\s+"
                           r"(?:the\s+)?$",
                           re.IGNORECASE)
# "the Islamic State of Iraq", "the Central Bank of Egypt", "the Army of Conquest": a
# place inside the capitalised name of an organisation names the organisation.
_ORG_OF_BEFORE = re.compile(
    r"\b[A-Z][\w’'-]+\s+(?:State|Emirate|Caliphate|Front|Army|Party|Movement|Council|Bank|"
    r"University|Church|Ministry|League|Brigades?|Battalions?|Organi[sz]ation|Committee|"
    r"Authority|Agency|Institute|Association|Federation|Commission|Court)\s+of\s+"
    r"(?:the\s+)?(?:[A-Z][\w’'-]+\s+and\s+(?:the\s+)?)?$")
# A place inside a capitalised name that opens or ends with a word of armed groups,
# parties and media is part of an organisation's name ("the Syrian Arab Army", "Jabhat
# Fateh Al-Sham", "the Kurdistan Workers' Party", "the Kabul Times"): who, not where.
# (Facilities named after a place are still there: "Kabul University", "Mosul Dam".)
_ORG_HEAD = re.compile(
    r"^(?:Army|Armies|Forces?|Front|Brigades?|Battalions?|Division|Regiments?|Guards?|"
    r"Movement|Party|Council|Alliance|Union|Coalition|Organi[sz]ation|Committee|Group|"
    r"Militias?|Corps|Police|Ministry|Observatory|Agency|Network|Press|News|Times|Post|"
    r"Herald|Tribune|Radio|Television|TV|Channel|Airlines?|Airways|Bank|Company|Media|"
    r"Commission|Federation|Association|Foundation|Institute|Club|League|Cup|Declaration|"
    r"Accords?|Agreement|Treaty|Conference|Summit|Revolution|Workers[’']?)$")
_ORG_START = re.compile(
    r"^(?:Harakat|Harakah|Jabhat|Jabha|Jaysh|Jaish|Jeish|Liwa|Liwaa|Kataib|Kataeb|Kata’ib|"
    r"Kata'ib|Ansar|Hay’at|Hay'at|Hayat|Tahrir|Ahrar|Fateh|Fatah|Jund|Saraya|Hizb|Faylaq|"
    r"Firqat|Tajamu|Asa’ib|Asa'ib|Harakat)$")
_CAPITAL_WORD = re.compile(r"(?:[Aa][dlnrstz][-‐]|[Ee]l[-‐])?[A-Z][\w’'-]*")
_NUMBER_WORDS = frozenset("one two three four five six seven eight nine ten eleven twelve "
                          "twenty thirty forty fifty hundred".split())
# "a man from Hebron", "fighters from Idlib": where people come from.
_ORIGIN_BEFORE = re.compile(
    r"\b(?:people|[a-z]*m[ae]n|fighters|militants|troops|soldiers|natives?|residents?|"
    r"citizens?|nationals?|refugees|migrants|officials|families|students|delegations?|"
    r"[a-z]{3,}(?:ers?|ors?|ists?|ians?|ants?|ents?))"
    r"\s+(?:originally\s+)?from\s+(?:the\s+)?(?:(?:[\w-]+\s+){0,2}(?:town|city|village|province|"
    r"region)\s+of\s+)?$",
    re.IGNORECASE)
# Where the news was told, not where it happened: "officials in Port Sudan said", "the
# army said in a statement from Bogota", "told reporters in Kabul".
_TOLD_BEFORE = re.compile(
    r"\b(?:said|says|told\s+(?:\w+\s+){0,2}|statement|speaking|reported|reporting|announced|"
    r"broadcast(?:ing)?)\s+"
    r"(?:(?:on\s+\w+|late|earlier)\s+)?(?:in|from)\s+(?:(?:a|an|the)\s+)?(?:[\w-]+\s+){0,3}"
    r"(?:in|from)?\s*$", re.IGNORECASE)
_SOURCE_BEFORE = re.compile(
    r"\b(?:officials?|sources?|spokes(?:man|woman|person)|witnesses|monitor|correspondents?|"
    r"diplomats?|analysts?|ministry|leaders|journalists|reports?)\s+(?:in|from|at)\s+"
    r"(?:the\s+)?$", re.IGNORECASE)
# "the government in Kinshasa", "the regime in Damascus": a seat of power standing for it.
_SEAT_BEFORE = re.compile(r"\b(?<!local\s)(?:government|regime|administration|leadership|"
                          r"junta)\s+in\s+$", re.IGNORECASE)  # not "X local government in Y"
# Faiths and sects that GeoNames also has as village names ("Muslim militants"), feasts
# ("before the iftar of Ramadan") and the particles of Arabic names ("Abu Hamza al-Ansari").
_FAITHS = frozenset("muslim muslims christian christians jewish jew jews shiite shiites shia "
                    "sunni sunnis hindu hindus buddhist buddhists catholic catholics "
                    "protestant protestants orthodox alawite alawites druze yazidi yazidis "
                    "sikh sikhs islamic islamist islamists "
                    # feasts and months, and name particles that stand alone ("Abu Hamza")
                    "ramadan muharram eid ashura christmas easter passover diwali nowruz "
                    "abu umm bin ibn".split())
_SPEAKER_AFTER = re.compile(r"^\s*,?\s*(?:said|say|says|told|reported|added|confirmed)\b",
                            re.IGNORECASE)
# "clashes between Armenia and Azerbaijan": the sides, when they are countries.
_BETWEEN_BEFORE = re.compile(r"\bbetween\s+(?:the\s+)?(?:\S+(?:\s\S+)?\s+and\s+(?:the\s+)?)?$",
                             re.IGNORECASE)
# Words that may stand between a preposition and its place: "in the mountainous",
# "in neighbouring", "in rebel-held eastern". Not "in support of", "in talks with".
_ADJECTIVES = (r"(?:(?:the|this|a|an)\s+)?(?:(?!(?:of|for|with|by|and|or|to|from|as|that|"
               r"which|who|support|response|favou?r|honou?r|memory|talks|protest|solidarity|"
               r"charge|charges|behalf|spite|front|addition|order|case|terms)\b)"
               r"[a-z][\w’'-]*\s+){0,2}")
_LOCATIVE_BEFORE = re.compile(
    r"\b(?:in|at|near|outside|across|through|throughout|inside|into|on|around|over|off|along|"
    r"within|beyond|near the border with|close to)\s+(?:the\s+(?:town|city|village|province|"
    r"region|area)\s+of\s+)?" + _ADJECTIVES + "$", re.IGNORECASE)
# "captured 70 percent of Bosnia", "seized about one-third of Croatia": a share of the
# land taken is where it was taken.
_SHARE = (r"\b(?:(?:re)?captur|seiz|occup|overr[au]n|took|tak|control|held|hold)\w*\s+"
          r"(?:(?:about|over|nearly|almost|some|roughly|more\s+than|less\s+than)\s+)?"
          r"(?:\d+\s*(?:percent|per\s+cent|%)|(?:the\s+)?(?:(?:north|south|east|west)\w*\s+)?"
          r"(?:(?:a|one|two|three)[-\s]?)?(?:thirds?|quarters?|half|parts?)|most|much|"
          r"large\s+parts?)")
# "the Kurdish city of Afrin", "the northern countryside of Aleppo", "off the coast of
# Somalia": the place of an area noun is where things happen.
_OF_PLACE_BEFORE = re.compile(r"(?:\b" + _AREA_NOUN + r"|\bthe\s+" + _DIRECTION + r"|" + _SHARE
                              + r")\s+of\s+(?:the\s+)?(?:(?:rural|greater|mostly\s+rural|"
                              + _DIRECTION + r")\s+)?$",
                              re.IGNORECASE)  # "the East Ghouta region of rural Damascus"
# "captured Kupres", "shelled the town of X", "stormed rebel-held Y": what the violence
# was done to.
_OBJECT_BEFORE = re.compile(
    r"(?:\b(?:(?:re)?captur|seiz|shell|bomb|storm|patroll?|attack|raid|invad|overr[au]n|besieg|"
    r"pound|retak|retook|took|liberat|ambush|occup|overtook|overtak|assault|enter)\w*\s+|"
    r"\b(?:withdrew|withdrawn|withdrawing|retreated|retreating|pulled\s+out)\s+(?:from|of)\s+)"
    r"(?:the\s+)?(?:(?:strategic|key|northern|southern|eastern|western|central|rebel-held|"
    r"[a-z]+-(?:held|controlled))\s+){0,2}$", re.IGNORECASE)
_LOCATIVE_OR_OBJECT = re.compile(f"(?:{_LOCATIVE_BEFORE.pattern})|(?:{_OBJECT_BEFORE.pattern})",
                                 re.IGNORECASE)
# "X was shelled", "X, a town of 5,000, was captured by", "X came under attack": the
# subject of a passive act of violence is where it was done.
_PASSIVE_AFTER = re.compile(
    r"(?:,?\s+and\s+(?:the\s+)?[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*){0,2})?"  # "X and Y were hit"
    r"(?:\s*,[^,;()]{1,80},)?\s+(?:was|were|has\s+been|have\s+been|had\s+been|is\s+being|"
    r"was\s+being|came\s+under)\s+(?:[a-z]+ly\s+)?(?:(?:re)?captured|seized|shelled|bombed|"
    r"bombarded|attacked|raided|stormed|overrun|besieged|encircled|pounded|struck|hit|targeted|"
    r"invaded|occupied|liberated|retaken|looted|torched|burned|burnt|destroyed|ambushed|"
    r"rocked|shaken|fire|attack|assault|bombardment|shelling)\b", re.IGNORECASE)
_PASSIVE_WORDS = (" was ", " were ", " been ", " under ")


def _passive_subject(text: str, end: int) -> int:
    """Tell where the passive act of violence that hit the place ending at ``end`` is
    said ("X, a town, was shelled"), 0 when none is."""
    window = text[end:end + 140]
    if not any(w in window for w in _PASSIVE_WORDS):
        return 0
    m = _PASSIVE_AFTER.match(text, end, end + 140)
    return 0 if m is None else m.end()


# A capitalised word right before a one-word town, inside a sentence, that is no title,
# direction or place word makes the town the last word of another name ("the Iron Dome").
_NAME_BEFORE_TOWN = re.compile(r"(?<![\w’'‘-])([A-Z][a-z]{2,}) $")
_BEFORE_TOWN_OK = frozenset(
    "north south east west northern southern eastern western central upper lower greater rural "
    "new old san santa saint port fort mount lake cape al el the in at of near from to "
    "president minister governor mayor general colonel king queen prince sheikh imam "
    "village town city district province region camp".split())


def _tail_of_longer_name(text: str, t: Toponym, starts_of: set[int]) -> bool:
    """Tell whether a one-word town ends a longer capitalised name: "the Iron Dome",
    "Crocus City Hall" (but not "President Assad", "northern Idlib")."""
    if " " in t.name or t.feature not in ("city", "site"):
        return False
    before = text[max(0, t.start - 40):t.start]
    m = _NAME_BEFORE_TOWN.search(before)
    if m is None or (m.group(1).lower() in _BEFORE_TOWN_OK
                     and m.group(1) not in ("City", "Town")):
        return False
    return (t.start - len(before) + m.start(1) not in starts_of
            and not _sentence_start(before, m.start(1)))


def _sentence_start(before: str, at: int) -> bool:
    """Tell whether ``before[at:]`` opens a sentence (or the text)."""
    head = before[:at].rstrip()
    return not head or head[-1] in ".!?:;\"“(—-–"


# "(Damascus Time)", "Independence Day", "Terminal 4": a clock, a feast, a building.
_TIME_ZONE_AFTER = re.compile(r"^\s+(?:[Tt]ime|[Ss]tandard\s+[Tt]ime|Day|Eve|"
                              r"\d{1,3}\b(?!\s*(?:km|kms|kilomet\w*|miles?|mi)\b))\b")
# Words that GeoNames also has as towns but that texts use otherwise: "the Arab sector",
# articles of newspapers' names ("Le Figaro", "La Stampa").
_NOT_PLACES = frozenset(("Time", "Arab", "Le", "La", "Les", "Los", "Las", "El", "Area"))

# An all-capital short name that is no country ("SAA", "SLA", "IS") is an organisation
# far more often than a place.
_ACRONYM = re.compile(r"^[A-Z]{2,5}$")
# "Konduz Province", "Sangcharak District": the word after the name says its level.
_DESIGNATOR_AFTER = re.compile(
    r"^\s+(?:(?P<town>city|town|village|camp|neighbou?rhood)|(?P<district>district|"
    r"county|local government area|lga|sub-?district|municipality|raion|territory|commune|"
    r"tehsil|upazila|woreda)|(?P<province>province|governorate|state|oblast|region|"
    r"prefecture|department)s?)\b(?!\s+(?:of|called|named)\b)", re.IGNORECASE)  # "X town of Y": Y
_DESIGNATOR_LEVEL = {"town": 0, "district": 1, "province": 2}
# "the Kharkiv and Odesa regions": the plural noun says the level of both.
_LISTED_DESIGNATOR = re.compile(
    r"\s+and\s+[A-Z][\w’'-]*(?:\s[A-Z][\w’'-]*)?\s+(?:(?P<district>districts|counties|"
    r"municipalities|territories)|(?P<province>provinces|governorates|states|oblasts|regions|"
    r"prefectures|departments))\b")
# What may stand between two toponyms the text ties into one chain: "Yaha district of
# Yala", "Yala's Yaha district", "Irbil, Iraq", "Tampere (Pirkanmaa region)".
# "the Huwwara checkpoint near Nablus", "Amerli, near Tuz Khurmato": the second is
# where the first is measured from; the first is where it happened.
_NEAR_LINK = (r",?\s+(?:(?i:checkpoint|camp|crossing|junction|bridge|base|airport|village|"
              r"town)\s+)?(?:near|outside)\s+(?:the\s+)?(?:(?:town|city|village)\s+of\s+)?")
_NEAR_GAP = re.compile("^" + _NEAR_LINK + "$")
_CHAIN_GAP = re.compile(
    r"^(?:(?:’s|'s)\s+(?:[a-z][\w-]*\s+){0,3}(?:of\s+)?|(?:’s|'s)\s+(?:[a-z][\w-]*\s+){0,2}"
    r"(?:capital|city|town),\s+|"
    r"(?:\s+(?i:" + _AREA_NOUN + r"))?\s*[,(]\s*(?:the\s+)?|"
    r"\s+(?i:" + _AREA_NOUN + r")\s+(?:of|in)\s+(?:the\s+)?(?:[a-z][\w-]*\s+){0,2}|"
    r"\s*,\s*(?:an?|the)\s+(?:[a-z][\w-]*\s+){0,2}(?:of|in|near)\s+(?:the\s+)?|"
    r"\s*,\s*(?:the\s+)?(?:[a-z][\w-]*\s+){0,2}(?:capital|city|town)\s+of\s+(?:the\s+)?|"
    + _NEAR_LINK + r")$")

# Links that say which side holds the other: "Yala's Yaha district", "east China's
# Shandong province" (the first holds the second); "the Vedeno region of southern
# Chechnya", "Miranshah, the main town of North Waziristan" (the second holds the first).
# "the West Bank city of Nablus", "the Homs neighbourhood of Baba Amr", but "the Huriyah
# neighbourhood of Baghdad": after a town noun and "of", the larger place holds the other.
# After a division noun the second holds the first ("the Giro district of Ghazni
# province"), unless the first is a country or a part of one ("the southern Syria
# province of Daraa").
_HOLDER_FIRST = re.compile(r"^(?:’s|'s)\s")
_HOLDER_LARGER = re.compile(r"^\s+(?i:city|town|village|hamlet|port|capital|neighbou?rhood|"
                            r"suburb|quarter|camp|settlement|border town)\s+of\s")
_HOLDER_SECOND = re.compile(
    r"^(?:\s+(?i:" + _AREA_NOUN + r")\s+(?:of|in)\s|\s*,\s*(?:an?|the)\s+(?:[a-z][\w-]*\s+)"
    r"{0,2}(?:of|in)\s|\s*,\s*(?:the\s+)?(?:[a-z][\w-]*\s+){0,2}(?:capital|city|town)\s+of\s)")
_DIVISION_COMMA = re.compile(r"^\s+(?i:district|county|sub-?district|municipality|tehsil|"
                             r"upazila|woreda|local government area|lga),\s+$")
_LIST_GAP = re.compile(r"^\s+(?:and|or)\s+(?:the\s+)?$")
_MAX_GAP = 60  # longer gaps are no chain (and are not matched: a sentence has many)
_OPENS = re.compile(r"^(?:\s+(?i:" + _AREA_NOUN + r"))?\s*\(\s*$")  # "Al-Hol camp (Al-Hasakah)"
_INSIDE = re.compile(r"^[^()]{0,40}$")


def candidate_places(text: str, toponyms: list[Toponym], start: int = 0,
                     end: int | None = None, spelt: SpotNames | None = None) -> list[Place]:
    """Return the toponyms of one sentence that locate something, in their given order.

    ``start:end`` is the sentence in ``text``: named spots the gazetteer lacks are looked
    for there (``named_spots``; ``spelt`` finds them under other spellings) and come
    after the toponyms.

    Examples
    --------
    >>> text = "Gunmen from Hebron attacked a checkpoint in Yala's Yaha district."
    >>> t = [Toponym(a, b, text[a:b], 0.0, 0.0, None, "", f, 1.0, False)
    ...      for a, b, f in ((12, 18, "city"), (44, 48, "admin1"), (51, 55, "city"))]
    >>> [(p.toponym.name, p.locative) for p in candidate_places(text, t)]
    [('Yala', True), ('Yaha', True)]
    """
    stop = len(text) if end is None else end
    # "30 km south of Y": most sentences have no distance, and so no reference.
    measured_from = references(text, toponyms) if _measured(text, start, stop) else {}
    spots = named_spots(text, toponyms, start, stop, measured_from, spelt)
    if len(toponyms) > 1:
        toponyms, misread = _narrowed(text, toponyms)
        spots += misread
    if spots:
        # A toponym inside a spot's name ("Mir" of "the town of Mir Ali") is no place.
        toponyms = [t for t in toponyms if not any(
            t.start < s.toponym.end and s.toponym.start < t.end for s in spots)]
    out: list[Place] = []
    divisions = {t.start for t in toponyms if t.feature in ("country", "admin1")}
    # The rest of a longer "X of Y" name is no place either ("Control" of "the Line of
    # Control"), nor the opening word of a named group ("Boko" of "Boko Haram").
    tails = {m.end() - 1 for t in toponyms if _head_of_longer_name(text, t, divisions)
             and (m := _OF_NAME_AFTER.match(text, t.end))}
    passive: dict[int, int] = {}  # toponym -> where the passive verb ends
    launched_from: list[Toponym] = []
    starts_of = {t.start for t in toponyms}
    items: list[tuple[Toponym, _Spot | None]] = [(t, None) for t in toponyms]
    items += [(spot.toponym, spot) for spot in spots]
    for t, spot in items:
        if t.demonym:
            continue
        before = text[max(0, t.start - 40):t.start]
        after = text[t.end:t.end + 60]
        if _ADJECTIVAL_AFTER.match(after) or (t.feature == "country" and (
                _WEAPON_AFTER.match(after) or _JOINED_NAME_AFTER.match(after))):
            continue  # "a U.S. base", "US strikes", "a U.S. airstrike": whose, not where
        if t.feature != "country" and _ACRONYM.match(t.name):
            continue
        if t.start in tails or ((group := NAMED.match(text, t.start)) and group.end() >= t.end):
            continue
        if t.name in _NOT_PLACES or (after[:1] == " " and _TIME_ZONE_AFTER.match(after)):
            continue  # "9:00 A.M. (Damascus Time)": a clock, not a place
        if _tail_of_longer_name(text, t, starts_of):
            continue  # "the Iron Dome": the last word of another name
        if t.name.lower() in _NUMBER_WORDS or _in_org_name(text, t):
            continue  # "Ten minutes later", "Hamas", "the Syrian Arab Army"
        # Cheap tests on the last words first: most toponyms follow none of these.
        tail = before[-7:]
        told = " in " in tail or "from " in tail or " the " in tail
        # The words around, lower-cased for the case-insensitive patterns (``_Lowered``).
        b, a = _Lowered(before), _Lowered(after)
        if told and (b.search(_TOLD_BEFORE_) or b.search(_SEAT_BEFORE_)
                     or (b.search(_SOURCE_BEFORE_) and a.match(_SPEAKER_AFTER_))):
            continue
        if spot is None and measured_from and t in measured_from:
            continue  # "30 km southwest of Belfast": Belfast is where it was not
        if t.name.lower() in _FAITHS or (spot is None and _head_of_longer_name(text, t, divisions)):
            continue  # "Muslim militants"; "the Line of Control", "the Bank of England"
        if ("of " in tail or "and " in tail) and _ORG_OF_BEFORE.search(before):
            continue  # "the Islamic State of Iraq and Al-Sham"
        if "from " in tail and _LAUNCHED_FROM.search(before):
            launched_from.append(t)  # "rockets fired from Gaza ... over Ashkelon"
        if "of " in tail and "from " in before[-45:] and b.search(_ORIGIN_BEFORE_):
            continue  # "officials from the town of X who were kidnapped": where they live
        locative = b.search(_OF_PLACE_BEFORE_) if "of " in tail else b.search(_LOCATIVE_OR_OBJECT_)
        if not locative and "of " not in tail and (done := _passive_subject(text, t.end)):
            passive[id(t)] = done  # "Mbuji Mayi, the main city of the province, was captured"
        if locative and "of " in tail and _TO_DIRECTION_OF.search(before):
            locative = False  # "in the Chlef province to the west of Algiers"
        if locative and "over " in before[-40:] and _ABOUT_OVER.search(before):
            locative = False  # "the crisis over Iraq", "a victory over Scotland's X"
        if (not locative and after[:8] == " police "
                and (t.feature != "country" or t.uncertainty_km <= _CITY_STATE_KM)
                and _LOCAL_POLICE_ACT.match(after)):
            locative = True  # "Hong Kong police arrest 47": a town's police act there
        if not locative and after[:2] in ("'s", "’s") and (
                _VICTIM_AFTER.match(after) or _STRIFE_AFTER.match(after)):
            locative = True  # "Mexico's police chief was shot", "Mostar's violence"
        if not locative and (a.match(_ACTOR_AFTER_) or b.search(_ACTOR_BEFORE_)
                             or ("from " in tail and b.search(_ORIGIN_BEFORE_))):
            continue
        if "xcept " in tail or "part from " in before[-12:] or "ther than " in before[-12:]:
            if _EXCEPT_BEFORE.search(before):
                continue  # "every major centre except Kinshasa": where it did not happen
        if t.feature == "country" and b.search(_BETWEEN_BEFORE_):
            continue  # "fighting between Armenia and Azerbaijan": the sides
        level = LEVEL.get(t.feature, COUNTRY_LEVEL)
        if (t.feature == "region" and t.geonameid is None and t.name[:1].islower()
                and t.uncertainty_km > _PROVINCE_KM):
            level = LEVEL["admin1"]  # "east India": a part of a country, not a district
        if level < COUNTRY_LEVEL and ((m := _DESIGNATOR_AFTER.match(after)) or (
                after[:5] == " and " and (m := _LISTED_DESIGNATOR.match(after)))):
            level = _DESIGNATOR_LEVEL[m.lastgroup or "town"]
        if spot is not None:
            level = spot.level
        out.append(Place(t, locative, level, spot.anchor if spot else None))
    if passive and not any(p.locative and not any(
            t.end < p.toponym.start < done for t in toponyms if id(t) in passive
            and (done := passive[id(t)])) for p in out):
        # The subject of a passive act is where it was done, unless the sentence says
        # where ("Khadr was captured in Afghanistan": a person).
        out = [Place(p.toponym, True, p.level, p.anchor) if id(p.toponym) in passive else p
               for p in out]
    if launched_from and any(p.locative and p.toponym not in launched_from for p in out):
        out = [p for p in out if p.toponym not in launched_from]
    if spots:
        # "at the entrance to X camp near the city of Y": X is where Y is said to be.
        at_place = {id(p.toponym) for p in out if p.locative and p.anchor is None}
        out = [Place(p.toponym, True, p.level, p.anchor) if not p.locative and p.anchor
               is not None and id(p.anchor) in at_place else p for p in out]
        out = _anchor_loose_spots(text, out, spots)
    if "between" in text[start:stop]:
        out = _between(text, out)
    return _chained(text, out)


class _Lowered:
    """A piece of text and, made on first use, its lower-cased copy.

    The case-insensitive patterns of lower-case words that judge the words around a
    toponym run case-sensitively on the copy (``geo.text.sentences.lower_case_copy``):
    the same answers, several times faster; and not at all where the copy lacks every
    word that a match needs. Each takes a pattern with its copy and those words
    (``_with_copy``).
    """

    __slots__ = ("_low", "_made", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._low: str | None = None  # None: not made yet, or cannot be (``lowered``)
        self._made = False

    def _pick(self, patterns: _WithCopy) -> tuple[re.Pattern[str], str] | None:
        """Return the pattern to run and the text to run it on; None: it cannot match."""
        pattern, copy, needs = patterns
        if copy is None:
            return pattern, self.text
        if not self._made:
            self._low, self._made = lowered(self.text), True
        low = self._low
        if low is None:
            return pattern, self.text
        if needs and not any(map(low.__contains__, needs)):
            return None
        return copy, low

    def search(self, patterns: _WithCopy) -> bool:
        picked = self._pick(patterns)
        return picked is not None and picked[0].search(picked[1]) is not None

    def match(self, patterns: _WithCopy) -> bool:
        picked = self._pick(patterns)
        return picked is not None and picked[0].match(picked[1]) is not None


_WithCopy = tuple[re.Pattern[str], re.Pattern[str] | None, tuple[str, ...]]


def _with_copy(pattern: re.Pattern[str], needs: str = "") -> _WithCopy:
    """Return ``pattern``, its lower-case copy and the words (one of which every match
    holds, lower-cased) that ``needs`` lists."""
    return pattern, lower_case_copy(pattern), tuple(needs.split())


_TOLD_BEFORE_ = _with_copy(_TOLD_BEFORE,
                           "said says told statement speaking reported reporting announced "
                           "broadcast")
_SEAT_BEFORE_ = _with_copy(_SEAT_BEFORE, "government regime administration leadership junta")
_SOURCE_BEFORE_ = _with_copy(_SOURCE_BEFORE, "official source spokes witnesses monitor "
                             "correspondent diplomat analyst ministry leaders journalists")
_SPEAKER_AFTER_ = _with_copy(_SPEAKER_AFTER)
_OF_PLACE_BEFORE_ = _with_copy(_OF_PLACE_BEFORE)
_LOCATIVE_OR_OBJECT_ = _with_copy(_LOCATIVE_OR_OBJECT)
_ACTOR_AFTER_ = _with_copy(_ACTOR_AFTER)
_ACTOR_BEFORE_ = _with_copy(_ACTOR_BEFORE, "by with accus against urged told ethnic")
_ORIGIN_BEFORE_ = _with_copy(_ORIGIN_BEFORE, "from")
_BETWEEN_BEFORE_ = _with_copy(_BETWEEN_BEFORE, "between")


# --- named spots the gazetteer lacks ----------------------------------------------------

# Nouns that say a name is a town-level spot ("the village of X", "X refugee camp") or
# a district-level one ("the X district of Y", "X local government area"), the level
# they have, and the nouns whose spot lies inside a town ("the Y neighbourhood of X").
_TOWN_NOUNS = (r"villages?|towns?|hamlets?|city|settlements?|(?:refugee\s+)?camps?|"
               r"localit(?:y|ies)|neighbou?rhoods?|quarters?|suburbs?|hilltops?|hills?|"
               r"communit(?:y|ies)|"
               r"heights|farms|outskirts|strongholds?|border\s+(?:crossing|post)|"
               + r"(?-i:[A-Z])(?:" + "|".join(
                   w[1:] for w in ("Airport", "Airbase", "Square", "Roundabout", "Market",
                                   "Mosque", "Hospital", "Prison", "Checkpoint", "Crossing",
                                   "Dam", "Bridge", "Stadium", "Hotel", "Complex", "Mountains",
                                   "Valley", "Plateau", "Gorge", "Desert", "Fields", "Plant",
                                   "Park", "Station", "School", "University", "College",
                                   "Church", "Cathedral", "Shrine", "Junction"))
               + r")")
_DISTRICT_NOUNS = (r"districts?|sub-?districts?|areas?|county|wards?|townships?|tehsils?|"
                   r"upazilas?|woredas?|constituenc(?:y|ies)|regency|sub-?count(?:y|ies)|"
                   r"chiefdoms?|"
                   r"local\s+government(?:\s+areas?)?|"
                   r"LGAs?|local\s+councils?|communes?|municipalit(?:y|ies)|sectors?|regions?|"
                   r"zones?")
# A building named after a place is no place of that name: "Zaman Park", "Aleppo University".
_BUILDINGS = frozenset("Park Station School University College Church Cathedral Shrine Hospital "
                       "Mosque Market Hotel Stadium Prison Airport Airbase Square".split())
_INSIDE_TOWN = re.compile(r"(?i)^(?:neighbou?rhoods?|quarters?|suburbs?|districts?|areas?|"
                          r"sub-?districts?|airport|square|roundabout|market|mosque|hospital|"
                          r"prison|checkpoint|bridge|stadium|hotel|complex|plant|park|station|"
                          r"school|university|college|church|cathedral|shrine|junction)$")
# A name as news writes one: capitalised words, with Arabic articles and particles
# ("Khan Touman", "Al-Zorba", "Jabal al-Sayyid", "Abu Al-Dhuhour").
_PARTICLE = r"(?:[Aa][dlnrstz]|[Aa]sh|[Ee][lnrsz]|[Uu][ld])[-‐]\s?"
_NAME_WORD = r"(?:" + _PARTICLE + r")?[A-Z‘’](?:[\w’'‘ʼ`-]*\w)?(?<!’s)(?<!'s)"
_NAME = (_NAME_WORD + r"(?:\s(?:(?:al|el|ad|as|ash|at|az|bin|ibn|de|del|da|do|du|la|le)"
         r"\s)?" + _NAME_WORD + r"){0,3}")
_NOUN_OF_NAME = re.compile(
    r"\b(?P<noun>" + _TOWN_NOUNS + "|" + _DISTRICT_NOUNS + r")\s+(?:of|called|named|known\s+as)"
    r"\s+(?:the\s+)?"
    r"(?P<name>" + _NAME + r")")
_NAME_NOUN = re.compile(
    r"(?<![\w’'‘-])(?P<name>" + _NAME + r")\s+(?P<noun>(?i:" + _TOWN_NOUNS + "|"
    + _DISTRICT_NOUNS + r"))\b")
_OF_AFTER = re.compile(r"\s+of\b")
# "in X in Y", "at X, Y": a name after a locative preposition, tied to a known place.
_ON_TARGET = r"(?:attacks?|assaults?|raids?|offensive|(?:air)?strikes?|advance)\s+on"
_PREP_NAME = re.compile(r"\b(?:in|at|near|outside|" + _ON_TARGET + r")\s+(?P<name>" + _NAME
                        + r")")
_DISTRICT_NOUN = re.compile(r"(?i)^(?:" + _DISTRICT_NOUNS + r")$")
# The words of the place nouns above: a sentence without any has no noun-marked spot
# (a set test over its words costs less than a search for the nouns).
_NOUN_WORDS = frozenset(
    "village villages town towns hamlet hamlets city settlement settlements camp camps "
    "locality localities neighbourhood neighbourhoods neighborhood neighborhoods quarter "
    "quarters suburb suburbs hilltop hilltops hill hills heights farms outskirts stronghold "
    "strongholds airport airbase square roundabout market mosque hospital prison checkpoint "
    "crossing dam bridge stadium hotel complex mountains valley plateau gorge desert fields "
    "plant park station school university college church cathedral shrine junction "
    "border "
    "district districts sub subdistrict subdistricts area areas county local lga lgas "
    "community communities ward wards township townships tehsil tehsils upazila upazilas "
    "woreda woredas constituency constituencies regency chiefdom chiefdoms "
    "commune communes municipality municipalities sector sectors region regions zone "
    "zones".split())
_LOWER_WORD = re.compile(r"[a-z]+")
# (No leading word boundary: a pattern led by plain letters is scanned for their first
# letters, several times faster; ``_spot_matches`` drops the matches inside a word.)
_PREP_CAPITAL = re.compile(r"(?:in|at|near|outside)\s+(?=" + _PARTICLE + r"|[A-Z‘’])")
# "an attack on X, in Y province": the target of an attack too (looked for only in the
# sentences with an " on ").
_ON_CAPITAL = re.compile(r"\b" + _ON_TARGET + r"\s+(?=" + _PARTICLE + r"|[A-Z‘’])")
_NAME_HEADS = frozenset("‘’aeu")
# What ties a spot to a known place after it: "X in (northern) Y", "X, Y", "X (Y ...",
# "X near Y", "X, a village in Y", "X, just south of Y".
_SPOT_TO_ANCHOR = re.compile(
    r"^(?:\s*,\s*(?:(?:in|near|outside|close\s+to)\s+)?|\s+(?:in|of|near|outside|on\s+the\s+outskirts\s+of|"
    r"close\s+to)\s+|,?\s+(?:just\s+|slightly\s+)?" + _DIRECTION + r"\s+of\s+|"
    r"\s*\(\s*(?:[A-Z][\w’'‘-]*(?:\s[A-Z][\w’'‘-]*){0,2},\s*)?|"  # "X (Tawila, North Darfur)"
    r"\s*,\s*(?:an?|another|the)\s+(?:(?:[a-z]|[A-Z][a-z]+\s+[a-z])[\w-]*\s+){0,3}(?:in|of|near)\s+)"
    r"(?:the\s+)?(?:[a-z][\w-]*\s+){0,2}(?:capital,\s+)?$")  # "X, outside the capital, Y"
# What ties a known place before a spot to it: "Baghdad's northwestern neighbourhood of
# X", "the northern Baghdad neighbourhood of X", "Yala's X district".
_ANCHOR_TO_SPOT = re.compile(r"^(?:’s|'s)?\s+(?:[a-z][\w-]*\s+){0,2}$")
# Names of things that are no place: "the city of God", months, "the area of Operations".
_NOT_A_NAME = re.compile(r"^(?:The|This|That|These|Those|A|An|Its|Their|His|Her|Our|"
                         r"God|Allah|Operations?|Control|Conflict|Peace)$")
# Before "region of", "district of": "the southern Bavarian region of X".
_PEOPLE_ADJECTIVE = re.compile(r"^[A-Z][a-z]+(?:ian|ean|i|ese|ish)$")
# Adjectives of peoples, faiths and control: "a Jewish settlement", "the rebel-held town",
# "Shiite neighbourhoods" (a spot's name is a name, not what describes it).
_ADJECTIVE = re.compile(r"^[A-Z][a-z]+(?:ish|ese|ian|ean|ite|ic|ist)$|"
                        r"-(?:held|controlled|backed|led|based|run|dominated|majority|populated)$")


@dataclass(frozen=True, slots=True)
class _Spot:
    toponym: Toponym  # the spot's name at its anchor's point (NaN while it has none)
    anchor: Toponym | None
    level: int
    inside_town: bool  # a neighbourhood, district or area: it may lie inside a town
    known: bool = False  # found in the gazetteer under another spelling: its own point


class SpotNames:
    """Find a spot's name in the gazetteer under another spelling, near where the text is.

    A text that marks a name as a place ("the village of Harbinefseh", "Sheikh Meskin
    town") may spell it as the gazetteer does not ("Ḩarbinafsah", "Shaykh Miskīn"). By
    sound (``names.sound``) the name is looked up near the places the text names: the
    place it ties the spot to, else the sentence's places, else the article's. Near means
    inside a named country or province, or within ``_NEAR_TOWN_KM`` of a named town. A
    people's adjective is asked last and for long names only ("Russian bombs" fell on a
    Chechen Tando, not on the Siberian one), and several places far apart that sound
    alike are no answer.
    """

    def __init__(self, gazetteer: Gazetteer, article_places: Iterable[Toponym] = ()) -> None:
        self._gaz = gazetteer
        self.places = tuple(t for t in article_places if not t.demonym and t.country_code)

    def people(self, word: str) -> bool:
        """Tell whether ``word`` is a people's adjective ("German", "Afghan")."""
        return self._gaz.demonym(word) is not None

    def __call__(self, text: str, start: int, end: int, anchor: Toponym | None,
                 sentence_places: Sequence[Toponym]) -> Toponym | None:
        if anchor is not None:
            context: Sequence[Toponym] = (anchor,) if anchor.country_code else ()
        else:
            # A people's adjective comes last, and finds only long names (countries
            # need ``_COUNTRY_WIDE_SOUND``): "the Syrian army retook Maarat al-Numan".
            context = [t for t in sentence_places if not t.demonym and t.country_code] \
                or self.places or [t for t in sentence_places if t.demonym and t.country_code]
        if not context:
            return None
        hits = [p for p in self._gaz.sounding(text[start:end], {t.country_code for t in context})
                if p.feature in ("city", "site", "admin2")]
        if not hits:
            return None
        best = hits[0]  # the most prominent
        if any(haversine_km(best.lat, best.lon, h.lat, h.lon) > _SAME_PLACE_KM for h in hits):
            return None
        near = [t for t in context if _near(best.lat, best.lon, t)]
        if not near:
            return None
        if all(t.feature == "country" for t in near) and len(
                sound(norm(text[start:end]))) < _COUNTRY_WIDE_SOUND:
            return None  # a short name found anywhere in a country is likely another place
        return Toponym(start, end, text[start:end], best.lat, best.lon, best.geonameid,
                       best.country_code, best.feature, best.uncertainty_km, False)


def _near(lat: float, lon: float, place: Toponym) -> bool:
    """Tell whether a point may lie in or near ``place`` (a country: in it)."""
    if place.feature == "country":
        return True  # the lookup kept the place's country only
    reach = place.uncertainty_km + _SAME_PLACE_KM if place.feature != "city" else _NEAR_TOWN_KM
    return haversine_km(lat, lon, place.lat, place.lon) <= reach


_SAME_PLACE_KM = 25.0  # places of one sound this close are one town and its district
_COUNTRY_WIDE_SOUND = 7  # letters of a sound looked for in a whole country
_NEAR_TOWN_KM = 60.0  # "the village of X" in a sentence about Y: X lies this near Y at most
_NEAR_TOWN_GAP = 150  # characters between a loose spot and the town it is put near
# Spots that are areas, not towns: no finer than the town they are near.
_LANDFORM_END = re.compile(r"\b(?:Mountains?|Valley|Plateau|Gorge|Desert|Fields|Hills?|Heights|"
                           r"Region|Range|Plains?|Camp|Farms)$")
_FOUND_TOWN_LEVEL = -2


def named_spots(text: str, toponyms: list[Toponym], start: int, end: int,
                measured_from: dict[Toponym, tuple[float, float | None, int, int]] | None = None,
                spelt: SpotNames | None = None) -> list[_Spot]:
    """Return the spots of ``text[start:end]`` that the text names but the gazetteer lacks.

    "the village of X", "X neighbourhood", "in X in Y": a capitalised name that a place
    noun or a locative preposition marks as a place, that no toponym covers (one inside
    it, "Mir" of "the town of Mir Ali", is a misreading). The spot sits at the known
    place the text ties it to ("the village of X in Y", "Y's X district": ACLED's
    geo_precision 2, Y's uncertainty radius); a spot marked by a place noun but tied to
    no place is returned without an anchor and may take the sentence's area later
    (``_anchor_loose_spots``). A name after a preposition alone counts only when tied.
    A place measured from a known one ("Lurgan, 20 miles southwest of Belfast", or the
    phrase itself when no name comes before it) sits that far in that direction, its
    radius a third of the distance (the whole distance when no direction is given).
    """
    sentence = text[start:end]
    if not toponyms and spelt is None:
        return []
    starts_of = {t.start for t in toponyms}
    known = [t for t in toponyms if not t.demonym and not _tail_of_longer_name(text, t, starts_of)]
    # "the eastern Syrian city of X": a people's adjective right before the place noun
    # says the country (a country small enough for its centre to mean something).
    adjectives = [t for t in toponyms if t.demonym and t.uncertainty_km <= MAX_COUNTRY_KM]
    if not known and not adjectives and spelt is None:
        return []
    found: list[_Spot] = []
    taken: list[tuple[int, int]] = []
    if measured_from is None:
        measured_from = references(text, known)
    for origin, (km, bearing, name_end, distance) in measured_from.items():
        # "Lurgan, 20 miles (30 km) southwest of Belfast": Lurgan, 30 km from Belfast; "an
        # ambush 30 km northeast of Karbala": the place is the phrase.
        m = _NAME_BEFORE.search(text, max(start, name_end - 60), name_end)
        if m is not None and any(t.start < m.end() and m.start() < t.end for t in toponyms):
            continue  # the gazetteer knows the place measured
        name = _trimmed(m.group("name")) if m is not None else ""
        if name and (name.split()[0].lower() in COMMON or _NOT_A_NAME.match(name.split()[0])):
            name = ""
        level = LEVEL.get(origin.feature, COUNTRY_LEVEL) - 1
        if name:
            a = m.start("name") if m is not None else distance
        else:
            # The phrase may measure a place the text named before it ("Amroussa village
            # in Bouinan district, some 50 km south of Algiers"): it ranks as an area.
            a, name, level = distance, text[distance:origin.end], 1
        lat, lon = (origin.lat, origin.lon) if bearing is None else _destination(
            origin.lat, origin.lon, bearing, km)
        spot = Toponym(a, a + len(name), name, lat, lon, None, origin.country_code, "city",
                       round(max(SPOT_MIN_KM, km if bearing is None else km / 3), 1), False)
        found.append(_Spot(spot, origin, level, False))
        taken.append((a, a + len(name)))
    for pattern, m in _spot_matches(sentence, {t.start - start: t.end - start for t in known}):
        a, b = m.start("name") + start, m.end("name") + start
        name = _trimmed(text[a:b])
        if not name:
            continue
        b = a + len(name)
        first = name.split()[0]
        bare = re.sub("^" + _PARTICLE, "", first)
        if (_NOT_A_NAME.match(first) or _ACRONYM.match(first) or first.lower() in _NUMBER_WORDS
                or (bare.lower() in COMMON and not _DIRECTION_FIRST.match(name))
                or (name.isupper() and len(name) <= 5)
                or (" " not in name and (_ADJECTIVE.search(name) or (
                    spelt is not None and spelt.people(name)
                    and not (m.groupdict().get("noun") or "x")[0].isupper())))
                or name.split()[-1].lower() in _FAITHS  # "a Rohingya Muslim neighbourhood"
                or any(a < e and s < b for s, e in taken)):
            continue
        facility = None
        if (pattern is _NAME_NOUN and (noun := m.groupdict().get("noun"))
                and noun in _BUILDINGS):
            facility = m.end() + start  # "Zaman Park": the noun is part of the name
        inside = [t for t in toponyms if t.start < (facility or b) and a < t.end]
        if any(t.start <= a and t.end >= (facility or b) for t in inside):
            continue  # the gazetteer knows the name (or a longer one)
        if any(t.start > a and t.end == b and all(
                w.lower() in COMMON or w.lower() in PLACE_PREFIXES
                for w in text[a:t.start].split()) for t in inside):
            continue  # "Greater Damascus", "East Jerusalem": the place is the known one
        noun = m.groupdict().get("noun")
        if pattern is _NOUN_OF_NAME and noun and noun[0].isupper():
            continue  # "the Church of the Nativity": a building's name, not its place
        if pattern is _NAME_NOUN and noun and noun[0].islower() and (
                of := _OF_AFTER.match(sentence, m.end())) and (
                (not _INSIDE_TOWN.match(noun) and not _DISTRICT_NOUN.match(noun)
                 and not _holder_after(text, known, of.end() + start))
                or (" " not in name and _PEOPLE_ADJECTIVE.search(name))):
            continue  # "the German town of Mainz" (not "the X Refugee Camp of Y") names Mainz
        end_of_phrase = m.end() + start if pattern is _NAME_NOUN else b
        anchor = _anchor_after(text, known, end_of_phrase)
        if pattern is _PREP_NAME and inside and not (
                anchor is not None and all(
                    (t.start > a or t.end < b) and not _prominent(t) for t in inside)):
            # "in Mir Ali, another town in North Waziristan": "Mir" (a village of
            # Belarus) is a misreading of a longer name the text ties to a place.
            continue
        if anchor is None:
            head = m.start("noun") + start if pattern is _NOUN_OF_NAME else a
            anchor = _anchor_before(text, known, head)
            if anchor is None and pattern is _NOUN_OF_NAME:
                anchor = _anchor_before(text, adjectives, head, _ADJECTIVE_TO_NOUN)
        if anchor is None and inside and inside[0].start == a and _prominent(inside[0]):
            anchor = inside[0]  # "Dara’a Al-Balad District": a part of the town
        district = bool(noun and _DISTRICT_NOUN.match(noun))
        if spelt is not None and not inside and (
                found_as := spelt(text, a, b, anchor, toponyms)) is not None:
            # A town found by its name is as fine as a place gets: finer than a spot
            # that only sits at the point of a place it lies in (level -1); a district
            # lies in its anchor.
            level = (_FOUND_TOWN_LEVEL if not district and found_as.feature != "admin2"
                     else 1 if anchor is None else min(1, LEVEL.get(anchor.feature, 3) - 1))
            found.append(_Spot(found_as, None, level, bool(noun and _INSIDE_TOWN.match(noun)),
                               known=True))
            taken.append((a, b))
            continue
        if anchor is None and pattern is _PREP_NAME:
            continue
        if pattern is _NAME_NOUN and noun and noun[0].isupper():
            b = m.end() + start  # "Harabish District": the noun is part of the name
            name = text[a:b]
        level = 1 if district else 0
        if anchor is not None:
            level = min(level, LEVEL.get(anchor.feature, COUNTRY_LEVEL) - 1)
        found.append(_Spot(_spot_toponym(a, b, name, anchor, district), anchor, level,
                           bool(noun and _INSIDE_TOWN.match(noun))))
        taken.append((a, b))
    return found


_POSSESSIVE = re.compile(r"(?:’s|'s)$")
# "East Ghouta", "North Darfur": a direction word opens a name of two words or more
# (alone it is no name).
_DIRECTION_FIRST = re.compile(r"^(?:North|South|East|West)(?:ern)?\s+(?!(?:of|and|the)\b)"
                              r"[A-Z]")
_HOLDER_AT = re.compile(r"\s+(?:the\s+)?")


def _holder_after(text: str, known: list[Toponym], at: int) -> bool:
    """Tell whether a division follows ``at`` (after "of"): "X village of Biu local
    government area" names the village X in Biu, but "the German town of Mainz" names
    Mainz (a town), as "the Kurdish city of Afrin" names Afrin."""
    m = _HOLDER_AT.match(text, at)
    if m is None:
        return False
    for t in known:
        if t.start == m.end():
            if t.feature in ("admin1", "admin2", "region", "country"):
                return True
            designator = _DESIGNATOR_AFTER.match(text[t.end:t.end + 40])
            return designator is not None and designator.lastgroup != "town"
    return False


def _prominent(t: Toponym) -> bool:
    """Tell whether a toponym that opens a longer name is a real place, not a misreading.

    A division, or a town of some 100,000 people (radii follow population, see
    ``geo.places.build``): "Dara’a Al-Balad District" is in Dara’a; "Tal" of "Tal Safir"
    and "Moi" of "Moi Wana" are other places that happen to share a word.
    """
    return t.feature in ("admin1", "admin2", "region") or (t.feature == "city"
                                                            and t.uncertainty_km >= 5.0)


def _trimmed(name: str) -> str:
    """Return a spot's name without what follows it: "Mardan Friday", "Yala's" are no names.

    Examples
    --------
    >>> _trimmed("Mardan Friday"), _trimmed("Chechnya's"), _trimmed("Mir Ali")
    ('Mardan', '', 'Mir Ali')
    """
    words = name.split(" ")
    while words and words[-1].lower() in COMMON:
        words.pop()
    if words and _POSSESSIVE.search(words[-1]):
        return ""  # "Yala's Yaha district": the possessive is the anchor, not the spot
    return " ".join(words)


_KM_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
             "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "fifteen": 15, "twenty": 20,
             "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
             "ninety": 90, "a hundred": 100}
# "20 miles (30 km) southwest of", "some 100 kms from": a place named after it is a
# reference point, not where it happened.
_REFERENCE_BEFORE = re.compile(
    r"(?:,\s*|\s+)(?P<q>(?:about|some|around|nearly|roughly|approximately|just|only|almost|"
    r"(?:just\s+)?(?:over|under)|(?:more|less)\s+than|at\s+least)\s+)?"
    r"(?P<n>\d{1,4}(?:[.,]\d+)?|(?i:" + "|".join(sorted(_KM_WORDS, key=len, reverse=True))
    + r"))\s*(?:-\s*)?(?P<unit>km|kms|kilomet(?:er|re)s?|miles?|mi)\b"
    r"(?:\s*\([^()]{0,40}\))?\s+(?:(?:to\s+the\s+)?(?P<dir>(?:north|south)(?:-?(?:east|west))?|east|west)"
    r"(?:ern)?\s+)?(?:of|from|outside|away\s+from)\s+(?:the\s+)?(?:[a-z][\w-]*\s+){0,3}$",
    re.IGNORECASE)
_REFERENCE_LOW = lower_case_copy(_REFERENCE_BEFORE)  # its groups read the same offsets
_DIGIT = re.compile(r"\d")
# The unit every match of _REFERENCE_BEFORE holds (and its lower-case copy).
_UNIT = re.compile(r"(?:km|kms|kilomet(?:er|re)s?|miles?|mi)\b", re.IGNORECASE)
_UNIT_LOW = lower_case_copy(_UNIT)


def _measured(text: str, start: int, end: int) -> bool:
    """Tell whether ``text[start:end]`` may give a distance: a number, or a unit after a
    word ("forty miles"). Most sentences have neither."""
    return (_DIGIT.search(text, start, end) is not None or text.find(" mile", start, end) >= 0
            or text.find(" kilomet", start, end) >= 0 or text.find(" km", start, end) >= 0)


_BEARINGS = {"north": 0.0, "northeast": 45.0, "east": 90.0, "southeast": 135.0,
             "south": 180.0, "southwest": 225.0, "west": 270.0, "northwest": 315.0}
_NAME_BEFORE = re.compile(r"(?<![\w’'‘-])(?P<name>" + _NAME + r")(?:\s+(?i:" + _TOWN_NOUNS
                          + "|" + _DISTRICT_NOUNS + r"))?(?:\s+(?:located|situated|lying))?"
                          r"(?:,\s+(?:an?|the)\s+(?:[a-z][\w-]*\s+)"
                          r"{0,2}(?:" + _TOWN_NOUNS + "|" + _DISTRICT_NOUNS + r")(?:\s+located)?)?"
                          r"\s*$")  # "Ghasikuwa, a village (about 160 km west of ...)"


def references(text: str, toponyms: list[Toponym]) -> dict[Toponym, tuple[float, float | None,
                                                                            int, int]]:
    """Return the toponyms the text measures from: (km, bearing or None, where the phrase
    starts (its comma), where its distance starts).

    Examples
    --------
    >>> text = "He was shot in Lurgan, 20 miles (30 km) southwest of Belfast."
    >>> t = Toponym(53, 60, "Belfast", 54.6, -5.9, None, "GB", "city", 10.0, False)
    >>> references(text, [t])[t]
    (32.2, 225.0, 21, 23)
    """
    out: dict[Toponym, tuple[float, float | None, int, int]] = {}
    starts = [t.start for t in toponyms if t.feature not in ("country", "continent")]
    if not starts:
        return out
    # Numbers are common, units rare: no unit in reach of any toponym, no reference.
    region = text[max(0, min(starts) - 90):max(starts)]
    low = lowered(region)
    if (_UNIT.search(region) if low is None or _UNIT_LOW is None
            else _UNIT_LOW.search(low)) is None:
        return out
    for t in toponyms:
        if t.feature in ("country", "continent"):
            continue  # "100 km from Syria" measures from a border, not from a point
        lo = max(0, t.start - 90)
        if not _measured(text, lo, t.start):
            continue  # most places have no distance before them
        before = text[lo:t.start]
        low = lowered(before)
        if not (m := _REFERENCE_BEFORE.search(before) if low is None or _REFERENCE_LOW is None
                else _REFERENCE_LOW.search(low)):
            continue
        n = m["n"].lower()
        number = float(_KM_WORDS[n]) if n in _KM_WORDS else float(n.replace(",", "."))
        km = number * (1.609 if m["unit"].lower().startswith("mi") else 1.0)
        bearing = _BEARINGS.get(m["dir"].lower().replace("-", "")) if m["dir"] else None
        out[t] = (round(km, 1), bearing, lo + m.start(), lo + m.start("q" if m["q"] else "n"))
    return out


def _destination(lat: float, lon: float, bearing: float, km: float) -> tuple[float, float]:
    """Return the point ``km`` from ``lat, lon`` on ``bearing`` (degrees), on a sphere."""
    d = km / EARTH_RADIUS_KM
    phi, lam, theta = math.radians(lat), math.radians(lon), math.radians(bearing)
    phi2 = math.asin(math.sin(phi) * math.cos(d) + math.cos(phi) * math.sin(d) * math.cos(theta))
    lam2 = lam + math.atan2(math.sin(theta) * math.sin(d) * math.cos(phi),
                            math.cos(d) - math.sin(phi) * math.sin(phi2))
    return round(math.degrees(phi2), 4), round((math.degrees(lam2) + 540) % 360 - 180, 4)


def may_name_spots(sentence: str) -> bool:
    """Tell whether a sentence without a known place may still name a spot: a place noun
    or a preposition before a capitalised word (most sentences have neither)."""
    return not _NOUN_WORDS.isdisjoint(_LOWER_WORD.findall(sentence.lower())) or (
        _PREP_CAPITAL.search(sentence) is not None)


def _spot_matches(sentence: str, starts: dict[int, int]) -> Iterator[tuple[re.Pattern[str],
                                                                    re.Match[str]]]:
    """Yield the spot patterns' matches in ``sentence``, in the order they are judged.

    The place-noun patterns run only where a place noun is; the preposition pattern
    only at a capitalised word after the preposition that no toponym opens (``starts``,
    a toponym's start to its end, in the sentence), or that opens a longer name ("in
    Mir Ali"): most sentences have neither, and every position of a long one would be
    tried.
    """
    if not _NOUN_WORDS.isdisjoint(_LOWER_WORD.findall(sentence.lower())):
        for pattern in (_NOUN_OF_NAME, _NAME_NOUN):
            for m in pattern.finditer(sentence):
                yield pattern, m
    cues = []
    for cue in _PREP_CAPITAL.finditer(sentence):
        at = cue.start()
        if at and (sentence[at - 1].isalnum() or sentence[at - 1] == "_"):
            continue  # no word boundary before it ("Berlin Kabul"): no preposition
        cues.append(cue)
    on = sentence.find(" on ")
    targets = []
    while on >= 0:  # " on " is common, "attack on X" rare: the word before is read first
        head = sentence[on + 4:on + 5]
        if head.isupper() or head in _NAME_HEADS:  # a capital, or a particle ("al-")
            target = _ON_CAPITAL.search(sentence, max(0, on - 12), on + 8)
            if target is not None:
                targets.append(target)
        on = sentence.find(" on ", on + 4)
    if targets:
        cues = sorted([*cues, *targets], key=lambda c: c.start())
    for cue in cues:
        at = cue.end()
        known_end = starts.get(at)
        if known_end is not None and not (sentence[known_end:known_end + 1] == " "
                                          and sentence[known_end + 1:known_end + 2].isupper()):
            continue  # a toponym opens the name, and the name ends with it
        if (named := _PREP_NAME.match(sentence, cue.start())) and (
                known_end is None or named.end("name") > known_end):
            yield _PREP_NAME, named


# "X, just south of Y": X lies near the town Y, but outside the country or province Y.
_BESIDE = re.compile(r"^,?\s+(?:just\s+|slightly\s+)?" + _DIRECTION + r"\s+of\s+")


def _anchor_after(text: str, known: list[Toponym], end: int) -> Toponym | None:
    for t in known:
        if end <= t.start <= end + 60 and _SPOT_TO_ANCHOR.match(gap := text[end:t.start]):
            if t.feature in ("country", "admin1") and _BESIDE.match(gap):
                continue
            if t.feature == "country" and text[t.end:t.end + 3] in ("'s ", "’s "):
                # "in Myanmar's Sagaing region": the division the country's name opens.
                finer = next((u for u in known if t.end < u.start <= t.end + 4
                              and u.feature in ("admin1", "admin2", "city")), None)
                if finer is not None:
                    return finer
            return t
    return None


def _anchor_before(text: str, known: list[Toponym], head: int,
                   gap: re.Pattern[str] | None = None) -> Toponym | None:
    for t in known:
        if head - 40 <= t.end <= head and (gap or _ANCHOR_TO_SPOT).match(text[t.end:head]):
            return t
    return None


_ADJECTIVE_TO_NOUN = re.compile(r"^\s+(?:[a-z][\w-]*\s+)?$")
MAX_COUNTRY_KM = 500.0  # a spot at a larger country's centre would mislead more than help


def _spot_toponym(start: int, end: int, name: str, anchor: Toponym | None,
                  district: bool) -> Toponym:
    nan = float("nan")
    return Toponym(
        start=start, end=end, name=name, lat=anchor.lat if anchor else nan,
        lon=anchor.lon if anchor else nan, geonameid=None,
        country_code=anchor.country_code if anchor else "",
        feature="admin2" if district else "city",
        uncertainty_km=max(anchor.uncertainty_km if anchor else 0.0, SPOT_MIN_KM),
        demonym=False)


SPOT_MIN_KM = 5.0  # a spot is no closer to its anchor's point than this, we assume
# "the Hama countryside", "the outskirts of Aleppo": a town read as its area.
_AREA_AFTER = re.compile(r"^(?:’s|'s)?\s+(?:[a-z]+\s+)?(?:countryside|province|governorate|"
                         r"outskirts|suburbs|environs)\b", re.IGNORECASE)
_AREA_BEFORE = re.compile(r"\b(?:(?:countryside|outskirts|suburbs|environs|province|governorate)"
                          r"\s+of\s+(?:the\s+)?|rural\s+)$", re.IGNORECASE)


_BETWEEN_TOWNS = re.compile(r"\bbetween\s+(?:the\s+)?(?:(?:towns?|cities|villages)\s+of\s+)?$",
                            re.IGNORECASE)
_AND_GAP = re.compile(r"^\s+and\s+(?:the\s+)?(?:(?:town|city|village)\s+of\s+)?$")
_BETWEEN_MAX_KM = 300.0


def _between(text: str, places: list[Place]) -> list[Place]:
    """Make "on the road between X and Y" one place between the two towns.

    The incident happened somewhere between them: one spot at the midpoint, named by the
    two, its radius half their distance (geo_precision 2), rather than a dot at each.
    Countries and provinces are left alone ("fighting between Armenia and Azerbaijan"
    names the sides).
    """
    out = list(places)
    for p, q in zip(places, places[1:], strict=False):
        a, b = p.toponym, q.toponym
        if (p not in out or q not in out or a.feature not in ("city", "site")
                or b.feature not in ("city", "site") or a.country_code != b.country_code
                or not _BETWEEN_TOWNS.search(text, max(0, a.start - 40), a.start)
                or not _AND_GAP.match(text[a.end:b.start])):
            continue
        km = haversine_km(a.lat, a.lon, b.lat, b.lon)
        if km > _BETWEEN_MAX_KM:
            continue
        lat, lon = (a.lat + b.lat) / 2, (a.lon + b.lon) / 2
        spot = Toponym(a.start, b.end, text[a.start:b.end], round(lat, 4), round(lon, 4), None,
                       a.country_code, "admin2",
                       round(max(km / 2, a.uncertainty_km, b.uncertainty_km, SPOT_MIN_KM), 1),
                       False)
        k = out.index(p)
        out[k:k + 2] = [Place(spot, True, min(p.level, q.level), None)]
    return out


# The parenthesis after a place, or after the list it opens ("Boni and Hombori (").
_PAREN_OPEN = re.compile(r"(?:\s*(?:,|and|or)\s+[A-Z][\w’'‘-]*(?:\s[A-Z][\w’'‘-]*)?){0,3}"
                         r"(?:\s+(?:village|town|city|camp|area|district))?\s*\(\s*")


def _narrowed(text: str, toponyms: list[Toponym]) -> tuple[list[Toponym], list[_Spot]]:
    """Take the parenthesis after a place at its word: "Boni (Hombori, Douentza, Mopti)".

    Conflict reports name the district and province a place lies in. A place read as a
    town in another country than its parenthesis (a German "Boni" for a Malian village)
    was misread when two of them agree on another country: it becomes a spot at the first
    of them, ACLED's geo_precision 2.
    """
    kept: list[Toponym] = []
    misread: list[_Spot] = []
    for k, t in enumerate(toponyms):
        m = _PAREN_OPEN.match(text, t.end)
        close = text.find(")", t.end, t.end + 120) if m is not None else -1
        inside = [u for u in toponyms[k + 1:] if close > 0 and u.end <= close and not u.demonym
                  and u.feature != "country"]
        holder = _holder_before(text, toponyms, k)
        if holder is not None:
            # "Khyber district's Bara area": not the Sudanese Bara.
            misread.append(_Spot(_spot_toponym(t.start, t.end, t.name, holder, False), holder,
                                 LEVEL.get(holder.feature, COUNTRY_LEVEL) - 1, False))
            continue
        # Two places of the parenthesis agree on a country the place is not in, or one
        # the text calls a division ("Kuchi village (Munya LGA, Niger state)").
        marked = [u for u in inside if _DIVISION_NOUN.match(text, u.end)]
        if len(inside) == 1 and (not marked or _prominent(t)):
            inside = []  # one division may be read elsewhere itself ("Kurdistan province")
        elif marked and len({u.country_code for u in inside}) > 1:
            inside = [marked[-1]]  # the widest division the text names says the country
        if (not inside or t.demonym or t.feature in ("country", "admin1")
                or len({u.country_code for u in inside}) > 1
                or inside[0].country_code == t.country_code):
            division, near = _division_after(text, toponyms, k)
            if (division is None or t.demonym or t.feature != "city"
                    or (_prominent(t) and not near)
                    or division.country_code == t.country_code):
                kept.append(t)
                continue
            inside = [division]  # "Soro, Yatenga province": not the Indian Soro
        holder = inside[0]
        level = LEVEL.get(holder.feature, COUNTRY_LEVEL) - 1
        misread.append(_Spot(_spot_toponym(t.start, t.end, t.name, holder, False), holder,
                             level, False))
    return kept, misread


# What joins a place to the division named after it: "Soro, Yatenga province", "Nondin and
# Soro, Yatenga province", and the division's noun after it.
_DIVISION_WORD = (r"(?:province|state|region|governorate|district|county|department|"
                  r"prefecture|oblast|territory|municipality|commune|local\s+government\s+area|"
                  r"LGA)")
_TO_DIVISION = re.compile(r"(?:\s+(?:and|or)\s+[A-Z][\w’'‘-]*(?:\s[A-Z][\w’'‘-]*)?)?"
                          r"(?:\s+" + _DIVISION_WORD + r")?(?:\s*,|\s+in|\s+of)\s+(?:the\s+)?"
                          r"(?:(?:occupied|disputed|restive|troubled|northern|southern|eastern|"
                          r"western|central)\s+)?$")
_DIVISION_NOUN = re.compile(r"\s+(?:province|state|region|governorate|district|county|"
                            r"department|prefecture|oblast|lga|local government area)\b",
                            re.IGNORECASE)


_HOLDS_AFTER = re.compile(r"(?:\s+" + _DIVISION_WORD + r")?(?:’s|'s)\s+(?:[a-z][\w-]*\s+){0,2}$")


def _holder_before(text: str, toponyms: list[Toponym], k: int) -> Toponym | None:
    """Return the place before ``toponyms[k]`` that the text says holds it, when that
    place is in another country than a small town read there ("Khyber district's Bara
    area"); else None."""
    t = toponyms[k]
    if k == 0 or t.demonym or t.feature not in ("city", "admin2") or _prominent(t):
        return None
    u = toponyms[k - 1]
    if (u.demonym or u.country_code == t.country_code
            or t.start - u.end > 40 or not _HOLDS_AFTER.match(text[u.end:t.start])):
        return None
    if u.feature == "city" and haversine_km(t.lat, t.lon, u.lat, u.lon) <= _NEAR_TOWN_KM * 5:
        return None  # a town's "X" that may be a neighbour across a border
    return u  # "Khyber district's Bara area", "Baghdad's northern al-Husseiniya district"


_NEAR_TOWN = re.compile(r"(?:\s+(?:area|village|town|district|region|(?:refugee\s+)?camp))?"
                        r",?\s+near\s+(?:the\s+)?"
                        r"(?:(?:town|city|village)\s+of\s+)?")


def _division_after(text: str, toponyms: list[Toponym], k: int) -> tuple[Toponym | None, bool]:
    """Return the place the text says ``toponyms[k]`` lies in, when it says so twice or
    with a division's noun: "Soro, Yatenga province", "Masala in Beni territory, North
    Kivu" (the first of them), or a town far off that it is said to be near ("the Sur area
    near Farah city"; then the second value is true)."""
    chain: list[Toponym] = []
    end = toponyms[k].end
    for u in toponyms[k + 1:k + 4]:
        if u.demonym or u.feature == "country" or u.start - end > 40 or not _TO_DIVISION.match(
                text[end:u.start]):
            break
        chain.append(u)
        end = u.end
    if not chain:
        near = _NEAR_TOWN.match(text, end)
        town = next((v for v in toponyms[k + 1:k + 3] if near and v.start == near.end()), None)
        t = toponyms[k]
        if (town is not None and town.feature == "city" and town.country_code != t.country_code
                and haversine_km(t.lat, t.lon, town.lat, town.lon) > _NEAR_TOWN_KM * 5):
            return town, True  # "the Sur area near Farah city": not the Lebanese Sur
        return None, False
    first = chain[0]
    if first.feature in ("admin1", "admin2") and _DIVISION_NOUN.match(text, first.end):
        return first, False
    if first.feature == "admin1" and " in " in text[toponyms[k].end:first.start]:
        return first, False  # "the settlement of Eli in the occupied West Bank"
    if len(chain) > 1 and len({u.country_code for u in chain}) == 1:
        return first, False
    return None, False


def _anchor_loose_spots(text: str, places: list[Place], spots: list[_Spot]) -> list[Place]:
    """Give each spot that the text tied to no place the sentence's nearest locative area.

    "... in the northern Hama countryside, targeting the key village of X": X lies in
    that area. A neighbourhood or district may lie in a town; a village needs a district,
    a region or a province (or a town read as its countryside). Spots that find none are
    dropped: there is nowhere to put them.
    """
    loose = {id(s.toponym): s for s in spots if s.anchor is None and not s.known}
    if not loose:
        return places
    # A region the text tied to a place ("the East Ghouta region of rural Damascus") is
    # an area too.
    plain = [p for p in places if id(p.toponym) not in loose
             and (p.anchor is None or p.toponym.feature == "admin2")]
    out = []
    used: set[int] = set()  # the areas spots took: they say where the spot is, no more
    for p in places:
        spot = loose.get(id(p.toponym))
        if spot is None:
            out.append(p)
            continue
        best = None
        town = None  # the nearest town the sentence puts something at, failing an area
        for q in plain:
            if not q.locative or q.level >= COUNTRY_LEVEL:
                continue
            gap = abs(q.toponym.start - p.toponym.start)
            area = q.level >= 1 or spot.inside_town or q.toponym.feature == "admin2" or bool(
                _AREA_AFTER.match(text[q.toponym.end:q.toponym.end + 30])
                or _AREA_BEFORE.search(text[max(0, q.toponym.start - 30):q.toponym.start]))
            if not area:
                if (q.toponym.feature == "city" and gap <= _NEAR_TOWN_GAP
                        and (town is None or gap < town[0])):
                    town = (gap, q)
                continue
            if gap <= 200 and (best is None or gap < best[0]):
                best = (gap, q)
        if (best is None and town is not None and p.locative and not spot.inside_town
                and spot.level <= 0 and not _LANDFORM_END.search(p.toponym.name)):
            # "stormed the village of X ... towards Y": X is near Y, how near unsaid; Y
            # stays a place of its own.
            q = town[1]
            t = _spot_toponym(p.toponym.start, p.toponym.end, p.toponym.name, q.toponym,
                              False)
            t = dataclasses.replace(t, uncertainty_km=max(t.uncertainty_km, _NEAR_TOWN_KM / 2))
            out.append(Place(t, p.locative, min(spot.level, q.level - 1), q.toponym))
            continue
        if best is None:
            continue
        anchor = best[1].toponym
        used.add(id(anchor))
        if best[1].anchor is not None:
            used.add(id(best[1].anchor))  # the place the area was tied to says no more
        district = spot.toponym.feature == "admin2"
        t = _spot_toponym(p.toponym.start, p.toponym.end, p.toponym.name, anchor, district)
        out.append(Place(t, p.locative, min(spot.level, best[1].level - 1), anchor))
    return [p for p in out if id(p.toponym) not in used]


def _in_org_name(text: str, t: Toponym) -> bool:
    """Tell whether a toponym sits in the capitalised name of an organisation.

    Examples
    --------
    >>> text = "The Syrian Arab Army and Jabhat Fateh Al-Sham fought near Aleppo."
    >>> spans = [(text.index(n), text.index(n) + len(n)) for n in ("Arab", "Al-Sham", "Aleppo")]
    >>> [_in_org_name(text, Toponym(a, b, text[a:b], 0, 0, None, "", "city", 1.0, False))
    ...  for a, b in spans]
    [True, True, False]
    """
    if not (_capitalised_before(text, t.start) or _capitalised_after(text, t.end)):
        return False  # most places stand among lower-case words: no name around them
    first = last = ""  # the words outside the toponym ("West Bank" is no bank)
    k = t.start
    for _ in range(4):  # the capitalised words before, up to four
        m = _WORD_BEFORE.search(text, max(0, k - 30), k)
        if m is None:
            break
        first, k = m.group(1), m.start(1)
    k = t.end
    for _ in range(4):
        m = _WORD_AFTER.match(text, k)
        if m is None:
            break
        last, k = m.group(1), m.end(1)
    # "the European Trade Union Confederation": the toponym ends the organisation's name.
    own = first != "" and _ORG_HEAD.match(t.name.split()[-1]) is not None
    return bool(own or _ORG_START.match(first) or _ORG_HEAD.match(last))


_OF_NAME_AFTER = re.compile(r" (?:of|de|du|del|della|di) (?:the |la |le |l')?[A-Z]")


def _head_of_longer_name(text: str, t: Toponym, divisions: set[int]) -> bool:
    """Tell whether a one-word toponym opens a longer "X of Y" name.

    "the Line of Control", "the Gulf of Aden": the toponym is a word of the name. "Kabul
    of Afghanistan" is a place and its country (``divisions``: where countries and
    provinces start).
    """
    if " " in t.name or not (m := _OF_NAME_AFTER.match(text, t.end)):
        return False
    return m.end() - 1 not in divisions


def _capitalised_before(text: str, start: int) -> bool:
    """Tell whether a capitalised word (or an article such as "Al-") ends at ``start - 1``."""
    if start < 2 or text[start - 1] not in " -":
        return False
    space = text.rfind(" ", max(0, start - 30), start - 1)
    word = text[space + 1:start - 1]
    return bool(word) and (word[0].isupper() or word[:3].lower() in ("al-", "el-"))


def _capitalised_after(text: str, end: int) -> bool:
    """Tell whether a capitalised word follows ``end`` after one space or hyphen."""
    return text[end:end + 1] in (" ", "-") and text[end + 1:end + 2].isupper()


_WORD_BEFORE = re.compile(r"(?<![\w’'-])(" + _CAPITAL_WORD.pattern + r")[ -]$")
_WORD_AFTER = re.compile(r"[ -](" + _CAPITAL_WORD.pattern + r")(?![\w’'-])")


def _chained(text: str, places: list[Place]) -> list[Place]:
    """Give the places of one chain ("Yaha district of Yala") the locative flag of any.

    A place the text says holds another ("Yala's Yaha district", "the Vedeno region of
    southern Chechnya") ranks coarser than it. Places in parentheses after a place
    ("Sinjil (Ramallah and al-Bireh governorate)", "Oicha (Beni territory, North Kivu)")
    say where that place lies: they rank coarser than it, whatever the gazetteer's
    feature.
    """
    if len(places) < 2:
        return places
    order = sorted(range(len(places)), key=lambda k: places[k].toponym.start)
    locative = [places[k].locative for k in order]
    levels = [places[k].level for k in order]
    links = []
    listed = []  # "in X and Y", "at X or Y": one list, one preposition
    anchor: int | None = None  # the level of the place a parenthesis follows
    for k, (a, b) in enumerate(zip(order, order[1:], strict=False)):
        gap = text[places[a].toponym.end:places[b].toponym.start]
        linked = len(gap) <= _MAX_GAP and _CHAIN_GAP.match(gap) is not None
        links.append(linked)
        listed.append(linked or (len(gap) <= 12 and _LIST_GAP.match(gap) is not None))
        if linked:
            # What holds a place is coarser than it, whatever the gazetteer says.
            holder = None
            if _HOLDER_FIRST.match(gap):
                holder = k
            elif _HOLDER_LARGER.match(gap):
                sizes = (places[a].toponym.uncertainty_km, places[b].toponym.uncertainty_km)
                holder = None if sizes[0] == sizes[1] else k if sizes[0] > sizes[1] else k + 1
            elif _NEAR_GAP.match(gap):
                # "the Huwwara checkpoint near Nablus": the second holds a finer first
                # ("a drone from Pakistan near Tarn Taran" holds no country).
                holder = k + 1 if levels[k] <= levels[k + 1] else None
            elif (gap.strip() in (",", "state,", "province,")
                  and places[b].toponym.geonameid is None
                  and places[b].toponym.feature == "region"
                  and places[b].toponym.name[:1].islower()
                  and places[b].toponym.country_code == places[a].toponym.country_code):
                holder = k + 1  # "Assam state, east India": the part of the country
            elif (_DIVISION_COMMA.match(gap)
                  and places[b].toponym.country_code == places[a].toponym.country_code):
                holder = k + 1  # "Kapho district, Pattani": the district lies in Pattani
            elif _HOLDER_SECOND.match(gap):
                first = places[a].toponym
                whole = first.feature == "country" or (first.feature == "region"
                                                       and first.geonameid is None)
                holder = k if whole and " of " in gap[:30] else k + 1
            if holder is not None:
                held = 2 * k + 1 - holder
                levels[holder] = max(levels[holder], levels[held] + 1)
        if _OPENS.match(gap):
            anchor = levels[k]
        elif anchor is not None and not _INSIDE.match(gap):
            anchor = None
        if anchor is not None:
            levels[k + 1] = max(levels[k + 1], anchor + 1)
    if not any(listed):
        return places
    # Spread along each run of linked places, both ways; a list takes its preposition
    # forward only ("in X and Y": Y too; "X and Y in Z" is read by the chain).
    for k, linked in enumerate(links):
        if (linked or listed[k]) and locative[k]:
            locative[k + 1] = True
    for k in range(len(links) - 1, -1, -1):
        if links[k] and locative[k + 1]:
            locative[k] = True
    new = {order[k]: (flag, level) for k, (flag, level) in enumerate(zip(locative, levels,
                                                                         strict=True))}
    return [p if new[k] == (p.locative, p.level) else Place(p.toponym, *new[k], p.anchor)
            for k, p in enumerate(places)]


def choose(places: list[Place], layer: str) -> list[Place]:
    """Pick the finest of the locative places, else of the others, one per point.

    Countries count only when locative, or for earthquakes.
    """
    usable = [p for p in places
              if p.level < COUNTRY_LEVEL or p.locative or layer == "earthquake"]
    if any(p.locative for p in usable):
        usable = [p for p in usable if p.locative]
    if not usable:
        return []
    finest = min(p.level for p in usable)
    seen: set[tuple[float, float]] = set()
    out = []
    for p in usable:
        point = (p.toponym.lat, p.toponym.lon)
        if p.level == finest and point not in seen:
            seen.add(point)
            out.append(p)
    return out
