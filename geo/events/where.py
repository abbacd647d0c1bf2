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
gazetteer found the town). Countries count only when locative, or for earthquakes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from geo.model import Toponym

LEVEL = {"city": 0, "site": 0, "admin2": 1, "region": 1, "admin1": 2, "country": 3,
         "continent": 4}
COUNTRY_LEVEL = 3


@dataclass(frozen=True, slots=True)
class Place:
    """A toponym that can place an event, with how the sentence ties it to the event."""

    toponym: Toponym
    locative: bool  # after "in/at/near ...", or the object of "captured", "shelled", ...
    level: int  # 0 town or site, 1 district or region, 2 province, 3 country, 4 continent


_AREA_NOUN = (r"(?:city|town|village|hamlet|district|province|governorate|region|area|"
              r"countryside|outskirts|suburbs?|neighbou?rhoods?|camp|sector|vicinity|capital|"
              r"port|island|county|municipality|settlements?|villages|towns|cities|enclave|"
              r"strip|valley|border town|centre|center|heart|parts?|streets?|edge|coast|"
              r"coastline|waters|shores?|gates|borders?|environs|banks?|areas|state|"
              r"department|territory|raion|oblast|commune)")
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
    r"will|(?:has|had)(?!\s+been\b)|(?:is|was)(?!\s+(?:\w+ly\s+)?(?:being\s+)?"
    r"\w+(?:ed|en|wn)\b))\b|\s+(?:officials?|forces|troops|military|government|president|"
    r"defen[cs]e|base|bases|strikes?|drones?|authorities|army|navy|embassy|envoy|counterpart|"
    r"representatives?|ministers?|soldiers|fighters|jets?|warplanes?|aircraft)\b)",
    re.IGNORECASE,
)
_ADJECTIVAL_AFTER = re.compile(
    r"^(?:-backed|-based|-led|-made)?\s+(?:military\s+|air\s+|naval\s+)?(?:base|bases|"
    r"forces|troops|strikes?|drones?|jets?|warplanes?|officials?|soldiers|embassy)\b",
    re.IGNORECASE,
)
_ACTOR_BEFORE = re.compile(r"\b(?:by|with|accused|accusing|against|urged|told)\s+(?:the\s+)?$",
                           re.IGNORECASE)
# "a man from Hebron", "fighters from Idlib": where people come from.
_ORIGIN_BEFORE = re.compile(
    r"\b(?:people|[a-z]*m[ae]n|fighters|militants|troops|soldiers|natives?|residents?|"
    r"citizens?|nationals?|refugees|migrants|[a-z]{3,}(?:ers?|ors?|ists?|ians?|ants?|ents?))"
    r"\s+(?:originally\s+)?from\s+(?:the\s+)?$", re.IGNORECASE)
# Where the news was told, not where it happened: "officials in Port Sudan said", "the
# army said in a statement from Bogota", "told reporters in Kabul".
_TOLD_BEFORE = re.compile(
    r"\b(?:said|says|told\s+(?:\w+\s+){0,2}|statement|speaking|reported|announced)\s+"
    r"(?:(?:on\s+\w+|late|earlier)\s+)?(?:in|from)\s+(?:(?:a|an|the)\s+)?(?:[\w-]+\s+){0,3}"
    r"(?:in|from)?\s*$", re.IGNORECASE)
_SOURCE_BEFORE = re.compile(
    r"\b(?:officials?|sources?|spokes(?:man|woman|person)|witnesses|monitor|correspondents?|"
    r"diplomats?|analysts?|ministry|leaders|journalists)\s+(?:in|from)\s+(?:the\s+)?$",
    re.IGNORECASE)
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
    r"\b(?:in|at|near|outside|across|throughout|inside|into|on|around|over|off|along|"
    r"within|beyond|near the border with|close to)\s+(?:the\s+(?:town|city|village|province|"
    r"region|area)\s+of\s+)?" + _ADJECTIVES + "$", re.IGNORECASE)
# "the Kurdish city of Afrin", "the northern countryside of Aleppo", "off the coast of
# Somalia": the place of an area noun is where things happen.
_OF_PLACE_BEFORE = re.compile(r"(?:\b" + _AREA_NOUN + r"|\bthe\s+" + _DIRECTION + r")\s+of\s+"
                              r"(?:the\s+)?$", re.IGNORECASE)
# "captured Kupres", "shelled the town of X", "stormed rebel-held Y": what the violence
# was done to.
_OBJECT_BEFORE = re.compile(
    r"\b(?:(?:re)?captur|seiz|shell|bomb|storm|patroll?|attack|raid|invad|overr[au]n|besieg|"
    r"pound|retak|retook|took|liberat|ambush|occup|overtook|overtak|assault|enter)\w*\s+"
    r"(?:the\s+)?(?:(?:strategic|key|northern|southern|eastern|western|central|rebel-held|"
    r"[a-z]+-(?:held|controlled))\s+){0,2}$", re.IGNORECASE)
_LOCATIVE_OR_OBJECT = re.compile(f"(?:{_LOCATIVE_BEFORE.pattern})|(?:{_OBJECT_BEFORE.pattern})",
                                 re.IGNORECASE)
# An all-capital short name that is no country ("SAA", "SLA", "IS") is an organisation
# far more often than a place.
_ACRONYM = re.compile(r"^[A-Z]{2,5}$")
# "Konduz Province", "Sangcharak District": the word after the name says its level.
_DESIGNATOR_AFTER = re.compile(
    r"^\s+(?:(?P<town>city|town|village|camp|neighbou?rhood)|(?P<district>district|"
    r"county|local government area|lga|sub-?district|municipality|raion|territory|commune|"
    r"tehsil|upazila|woreda)|(?P<province>province|governorate|state|oblast|region|"
    r"prefecture|department))\b", re.IGNORECASE)
_DESIGNATOR_LEVEL = {"town": 0, "district": 1, "province": 2}
# What may stand between two toponyms the text ties into one chain: "Yaha district of
# Yala", "Yala's Yaha district", "Irbil, Iraq", "Tampere (Pirkanmaa region)".
_CHAIN_GAP = re.compile(
    r"^(?:(?:’s|'s)\s+(?:[a-z][\w-]*\s+){0,3}(?:of\s+)?|"
    r"(?:\s+(?i:" + _AREA_NOUN + r"))?\s*[,(]\s*(?:the\s+)?|"
    r"\s+(?i:" + _AREA_NOUN + r")\s+(?:of|in)\s+(?:the\s+)?(?:[a-z][\w-]*\s+){0,2}|"
    r"\s*,\s*(?:an?|the)\s+(?:[a-z][\w-]*\s+){0,2}(?:of|in|near)\s+(?:the\s+)?|"
    r"\s*,\s*(?:the\s+)?(?:[a-z][\w-]*\s+){0,2}(?:capital|city|town)\s+of\s+(?:the\s+)?)$")

_MAX_GAP = 60  # longer gaps are no chain (and are not matched: a sentence has many)
_OPENS = re.compile(r"^\s*\(\s*$")
_INSIDE = re.compile(r"^[^()]{0,40}$")


def candidate_places(text: str, toponyms: list[Toponym]) -> list[Place]:
    """Return the toponyms of one sentence that locate something, in their given order.

    Examples
    --------
    >>> text = "Gunmen from Hebron attacked a checkpoint in Yala's Yaha district."
    >>> t = [Toponym(a, b, text[a:b], 0.0, 0.0, None, "", f, 1.0, False)
    ...      for a, b, f in ((12, 18, "city"), (44, 48, "admin1"), (51, 55, "city"))]
    >>> [(p.toponym.name, p.locative) for p in candidate_places(text, t)]
    [('Yala', True), ('Yaha', True)]
    """
    out: list[Place] = []
    for t in toponyms:
        if t.demonym:
            continue
        before = text[max(0, t.start - 40):t.start]
        after = text[t.end:t.end + 60]
        if _ADJECTIVAL_AFTER.match(after):
            continue  # "a U.S. base", "US strikes": whose, not where
        if t.feature != "country" and _ACRONYM.match(t.name):
            continue
        # Cheap tests on the last words first: most toponyms follow none of these.
        tail = before[-7:]
        told = " in " in tail or "from " in tail or " the " in tail
        if told and (_TOLD_BEFORE.search(before) or (_SOURCE_BEFORE.search(before)
                                                     and _SPEAKER_AFTER.match(after))):
            continue
        locative = (_OF_PLACE_BEFORE.search(before) is not None if "of " in tail
                    else _LOCATIVE_OR_OBJECT.search(before) is not None)
        if not locative and (_ACTOR_AFTER.match(after) or _ACTOR_BEFORE.search(before)
                             or ("from " in tail and _ORIGIN_BEFORE.search(before))):
            continue
        if t.feature == "country" and _BETWEEN_BEFORE.search(before):
            continue  # "fighting between Armenia and Azerbaijan": the sides
        level = LEVEL.get(t.feature, COUNTRY_LEVEL)
        if level < COUNTRY_LEVEL and (m := _DESIGNATOR_AFTER.match(after)):
            level = _DESIGNATOR_LEVEL[m.lastgroup or "town"]
        out.append(Place(t, locative, level))
    return _chained(text, out)


def _chained(text: str, places: list[Place]) -> list[Place]:
    """Give the places of one chain ("Yaha district of Yala") the locative flag of any.

    Places in parentheses after a place ("Sinjil (Ramallah and al-Bireh governorate)",
    "Oicha (Beni territory, North Kivu)") say where that place lies: they rank coarser
    than it, whatever the gazetteer's feature.
    """
    if len(places) < 2:
        return places
    order = sorted(range(len(places)), key=lambda k: places[k].toponym.start)
    locative = [places[k].locative for k in order]
    levels = [places[k].level for k in order]
    links = []
    anchor: int | None = None  # the level of the place a parenthesis follows
    for k, (a, b) in enumerate(zip(order, order[1:], strict=False)):
        gap = text[places[a].toponym.end:places[b].toponym.start]
        links.append(len(gap) <= _MAX_GAP and _CHAIN_GAP.match(gap) is not None)
        if _OPENS.match(gap):
            anchor = levels[k]
        elif anchor is not None and not _INSIDE.match(gap):
            anchor = None
        if anchor is not None:
            levels[k + 1] = max(levels[k + 1], anchor + 1)
    if not any(links):
        return places
    # Spread along each run of linked places, both ways.
    for k, linked in enumerate(links):
        if linked and locative[k]:
            locative[k + 1] = True
    for k in range(len(links) - 1, -1, -1):
        if links[k] and locative[k + 1]:
            locative[k] = True
    new = {order[k]: (flag, level) for k, (flag, level) in enumerate(zip(locative, levels,
                                                                         strict=True))}
    return [p if new[k] == (p.locative, p.level) else Place(p.toponym, *new[k])
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
