"""One sentence -> the incidents it reports, each with its type, places and actors.

A sentence can report one incident in several words ("Shelling hit a bus in Donetsk,
killing 8") or several incidents ("a drone strike near Idlib as protesters rallied in
Tbilisi"). Each place the sentence gives goes to the trigger it belongs to: the nearest
trigger before it (places follow what happened there: "strike near Idlib", "rallied in
Tbilisi"), else the nearest after it ("In Nablus, a man was shot"). Triggers that got a
place start an incident; the others join the nearest incident, so the words of one
incident give one event. Incidents at the same place are one incident. The incident's
type is its most specific trigger's, refined by what else the sentence says (a protest
where stones were thrown is a riot; "killed" alone is an attack on civilians unless
those killed were fighters).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

from geo.events import triggers as tr
from geo.events.actors import ACTOR, NAMED, Actors, actor_spans, find_actors
from geo.events.triggers import Trigger, find_triggers
from geo.events.where import Place
from geo.text.sentences import lower_case_copy, lowered

# Victims or sides that make a killing a battle, not an attack on civilians.
_COMBATANTS = re.compile(
    r"\b(?:soldiers?|troops|militants?|fighters?|rebels?|insurgents?|jihadists?|guerrillas?|"
    r"bandits?|Maoists?|separatists?|extremists?|"
    r"militiamen|militias?|gunmen|terrorists?|security (?:forces|personnel)|"
    r"police(?:men| officers?)?|army|servicem[ae]n|commanders?|combatants?|members of)\b",
    re.IGNORECASE)
# State forces (a lower-case "army": "the Arakan Army" is a non-state group).
_AMBUSH = re.compile(r"ambush", re.IGNORECASE)
_UNARMED = re.compile(r"\b(?:civilians?|passengers?|travell?ers?|villagers?|worshippers?|"
                      r"students?|pupils?|farmers?|traders?|pilgrims?|children|women)\b",
                      re.IGNORECASE)
# Crowds that attack are rioters, not armed men.
_CROWD_ACTOR = re.compile(r"\b(?:supporters|protesters|protestors|demonstrators|rioters|crowds?|"
                          r"mobs?|youths|students|villagers|residents)$", re.IGNORECASE)
# What armed men hold: an attack on it is a battle ("attacked a checkpoint near X").
_ARMED_TARGET = re.compile(
    r"\s+(?:on\s+)?(?:an?|the|their|its|two|three|several)\s+(?:[\w-]+\s+){0,2}"
    r"(?:checkpoints?|outposts?|military\s+posts?|army\s+posts?|police\s+posts?|"
    r"barracks|garrisons?|military\s+bases?|army\s+bases?|(?:military|army)\s+positions?|"
    r"convoys?|patrols?)\b", re.IGNORECASE)
_STATE = re.compile(r"\b(?:army|[Gg]overnment|[Ss]tate|[Ss]ecurity|[Mm]ilitary|[Rr]egime|"
                    r"[Pp]olice|[Tt]roops|[Ss]oldiers|junta|Tatmadaw|Syrian Arab Army|"
                    r"[Ff]ederal|[Aa]rmed [Ff]orces|[Dd]efen[cs]e [Ff]orces|[Nn]ational [Aa]rmy)\b")
_AIR = re.compile(r"\b(?:aircraft|warplanes?|(?:fighter )?jets?|helicopters?|drones?|"
                  r"planes?|air force|glide bombs?|guided bombs?|barrel bombs?|bombers?)\b",
                  re.IGNORECASE)
_CROWD = re.compile(r"\b(?:crowds?|mobs?|residents|villagers|locals|angry|youths|settlers|"
                    r"hundreds|dozens|thousands)\b",
                    re.IGNORECASE)
_DEMONSTRATORS = re.compile(r"\b(?:supporters|protesters|protestors|demonstrators|rioters|"
                            r"students|youths|crowds?|mobs?)\b", re.IGNORECASE)
_POLICE = re.compile(r"\b(?:police|security forces|riot police|gendarmes)\b", re.IGNORECASE)
# What a protest is about is not what happened at it: "to protest the killing of a rider
# by police" is a peaceful protest.
_GRIEVANCE = re.compile(r"\b(?:to protest|protesting|in protest (?:at|against|over)|to denounce|"
                        r"denouncing|to condemn|condemning|to demand justice for|"
                        r"demanding justice for)\s+(?:against\s+)?[^,;.]{0,100}", re.IGNORECASE)
_KILLED = re.compile(r"\b(?:kill|killed|killing|dead|died|shot|shooting|live ammunition|"
                     r"fired on|opened fire)\b", re.IGNORECASE)


# A person seized or captured: an abduction, not territory taken.
_PERSON_AFTER = re.compile(
    r"\s+(?:(?:a|an|the|two|three|four|five|six|several|\d+)\s+)?(?:[\w-]+\s+){0,3}?"
    r"(?:members?|officials?|leaders?|journalists?|reporters?|activists?|workers?|m[ae]n|"
    r"wom[ae]n|child(?:ren)?|boys?|girls?|teachers?|students?|pupils?|priests?|"
    r"businessm[ae]n|villagers|civilians|residents|farmers|traders|passengers|tourists|"
    r"engineers|doctors|nurses|chiefs?|elders?)\b", re.IGNORECASE)
CONTEXT_CHARS = 250  # the words around an incident that tell its type and actors
# Deaths that are no conflict incident.
_NOT_VIOLENCE = re.compile(
    r"\b(?:crash(?:es|ed)?|accidents?|collisions?|overturned|drown(?:ed|ing)|overdoses?|"
    r"cancer|illness|disease|virus|flu|influenza|covid|outbreak|epidemic|heart attack|"
    r"natural causes|fires? (?:broke out|swept)|house fire|blaze|floods?|storms?|"
    r"hurricanes?|cyclones?|typhoons?|tornado(?:es)?|landslides?|heat ?wave|earthquakes?|quakes?|"
    r"(?:a|the|huge|massive|big|deadly|major)\s+fires? (?:at|in|engulfed|gutted|ripped)|"
    r"(?:factory|building|market|warehouse) fire|"
    r"plunged|plunging|gorge|ravine|stampedes?|collapsed?|electrocuted|lightning|"
    r"gas (?:explosion|leak|cylinder)|boiler|mudslides?|avalanches?|derailed|sank|capsized)\b",
    re.IGNORECASE)
# Weather and the earth, beside a generic word ("hit", "destroyed", "targeted").
_DISASTER = re.compile(r"\b(?:cyclones?|typhoons?|hurricanes?|(?<!to )(?<!will )storms?\b"
                       r"(?!\s+(?:the|a|an|into|through|across|their|its|(?-i:[A-Z])))|"
                       r"tornado(?:es)?|floods?|"
                       r"flooding|landslides?|mudslides?|earthquakes?|quakes?|tremors?|"
                       r"tsunamis?|wildfires?|bushfires?|drought|heat ?waves?|avalanches?|"
                       r"eruptions?|volcano)\b", re.IGNORECASE)
# A match and its score: sport, unless weapons or the dead are named too.
_SPORT = re.compile(r"\b(?:beat|beats|beaten|won|lost|defeated|drew|draw|victory|win)\b[^.;]{0,60}"
                    r"\b\d{1,2}-\d{1,2}\b|\b(?:scored|goals|Champions\s+League|Premier\s+League|"
                    r"World\s+Cup|striker|midfielder|goalkeeper|semi-?final|quarter-?final|"
                    r"grand\s+prix|innings|wickets?|downhill|singles|doubles|Test\s+match)\b")
# "demonstrated that point", "demonstrated their flair": showed, not protested.
_SHOWED = re.compile(r"demonstrat(?:ed|es|ing)\s+(?:that|their|his|her|its|the|a|an|how|what|"
                     r"why)\b")
# The words sport borrows from war: "struck twice", "captured the title", "demonstrated".
_FIGURATIVE = re.compile(r"(?i:stru|strik|captur|shot|shoot|demonstrat|beat|seiz|storm|"
                         r"attack|fir|battl|clash|fight|raid|bomb|blast|hit)")
_ARMED = re.compile(r"\b(?:bombs?|bombing|missiles?|rockets?|guns?|gunmen|gunfire|shells?|"
                    r"shelling|artillery|drones?|air\s?strikes?|grenades?|explosi\w+|troops|"
                    r"soldiers|militants?|rebels?|insurgents?|police|army|killed|dead|"
                    r"wounded|injured|hooligans?|fans\s+clashed|riot\w*|protest\w*|marched|"
                    r"rall(?:y|ied|ies)|demonstrators)\b", re.IGNORECASE)
# Whom a visit was to that makes it no diplomacy: "the president visited flood victims".
_VISITED_PEOPLE = re.compile(
    r"\s+(?:the\s+)?(?:[\w-]+\s+){0,2}(?:victims|survivors|wounded|injured|hospitals?|troops|"
    r"soldiers|site|scene|families|camps?|schools?|factory|factories|farmers|residents|"
    r"constituency|flood|quake|disaster)\b", re.IGNORECASE)
_OFFICIALS = re.compile(
    r"\b(?:ministers?|president|presidents|envoys?|delegations?|diplomats?|diplomatic|"
    r"foreign|prime minister|premier|king|emir|chancellor|ambassadors?|secretary of state|"
    r"leaders?|government|officials|talks|summit|counterparts?)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Incident:
    """One incident of a sentence: its type, its top trigger, where, who."""

    layer: str
    sub_type: str | None
    trigger: Trigger  # the most specific of its triggers (offsets in the sentence)
    places: tuple[Place, ...]  # offsets in the article
    actors: Actors


# Senses of violent words that are no violence: "captured his first title", "a camera
# captured the moment", "shot back", "prices shot up", "shot to fame", "shot a film".
_IDIOM_AFTER = re.compile(
    r"^\s+(?:(?:his|her|their|its|the|a|an|three|two|four|five|several|many|\d+)\s+)?"
    r"(?:(?!and\b|or\b|of\b)[a-z-]+\s+){0,2}(?:[A-Z]{2,5}\s+"
    r"(?:and\s+[A-Z]{2,5}\s+)?)?(?:titles?|belts?|crowns?|championships?|wickets?|medals?|"
    r"gold|silver|bronze|trophy|trophies|cup|votes?|seats?|record|pole|points?|footage|"
    r"images?|pictures?|photos?|moment|mood|imagination|attention|audience|viewers|views?|"
    r"coverage|headlines|front pages|[A-Z][\w-]*(?:\s+[A-Z][\w-]*){0,3}\s+(?:Championships?|"
    r"Cup|Open|Trophy|Title|Masters|Classic|Grand Prix))\b|"
    # "captured Sweden's first All-England women's singles crown", "captured the eighth
    # stage", "captured Europe's heart": a prize or a feeling a few words on.
    r"^\s+(?:(?!(?:and|or|of|in|at|near|from|on|by|with|to)\b)[\w’'.-]+\s+){0,6}?"
    r"(?:titles?|belts?|crowns?|championships?|medals?|trophy|trophies|hearts?|"
    r"imagination|vibe|spirit|lead|stage|victory|hat-trick|governorship|nomination)\b|"
    # "seized 2 tonnes of cocaine": goods, not ground.
    r"^\s+(?:[\w.,-]+\s+){0,3}?(?:tonnes?|tons?|kilos?|kilograms?|kgs?|pounds?|grams?|"
    r"litres?|liters?|cocaine|heroin|narcotics|methamphetamines?|cannabis|marijuana|hashish|"
    r"opium|contraband|counterfeit)\b|"
    r"^\s+(?:back|up|to fame|to the top|on (?:film|camera|video|tape|a (?:blurred )?"
    r"(?:picture|photo|video))|an?\s+(?:\d+-)?(?:under|over)-par)\b")
_IDIOM_BEFORE = re.compile(r"\b(?:cameras?|photographers?|film(?:s|maker|makers)?|"
                           r"documentary|video|lens|photos?|telescopes?|satellites?|"
                           r"spacecraft|probe)\s+(?:[\w-]+\s+){0,3}$",
                           re.IGNORECASE)
_IDIOM_WORDS = re.compile(r"(?:captur|shot|shoot|seiz)", re.IGNORECASE)  # matched at a start


def _not_idioms(sentence: str, found: list[Trigger]) -> list[Trigger]:
    """Drop the triggers that are idioms where they stand ("captured the title"), and a
    patrol that is a thing, not troops patrolling ("ambushed an army patrol")."""
    return [t for t in found
            if not (_IDIOM_WORDS.match(sentence, t.start) and (
                _IDIOM_AFTER.match(sentence[t.end:t.end + 60])
                or _IDIOM_BEFORE.search(sentence[max(0, t.start - 40):t.start])))
            and not (t.layer == tr.BASE and _patrol_noun(sentence, t.start))
            and not _ALLEGED_BEFORE.search(sentence, max(0, t.start - 40), t.start)]


# What someone is accused of is no incident of the sentence: "two men suspected of
# kidnapping children", "jailed for rioting" (the arrest or the lynching is).
_ALLEGED_BEFORE = re.compile(
    r"\b(?:accused|suspected|charged|convicted|guilty|acquitted|jailed|sentenced|arrested|"
    r"detained|tried|indicted|wanted)\s+(?:of|with|for|over)\s+(?:[\w-]+\s+){0,2}$",
    re.IGNORECASE)


def _patrol_noun(sentence: str, at: int) -> bool:
    before = _PATROL_NOUN_BEFORE.search(sentence[max(0, at - 40):at])
    if before is None:
        return False
    # "a police patrol near Quetta" is a noun whatever follows; "the troops patrol near
    # X" is not.
    return before.group().split()[0].lower() in ("a", "an") or bool(
        _PATROL_NOUN.match(sentence, at))


# "a patrol", "an army patrol", "the Malian army's patrol": the noun, not the act.
_PATROL_NOUN = re.compile(r"patrols?\b(?!\s+(?:the|a|an|in|on|along|around|near|through|"
                          r"across|inside|outside|[A-Z])\b)")
_PATROL_NOUN_BEFORE = re.compile(
    r"\b(?:[Aa]n?|[Tt]he|its|their|[\w-]+['’]s)\s+(?:(?!(?:will|would|to|can|could|may|must|"
    r"shall|should|did|do|does|also|often|regularly)\b)[\w-]+\s+){0,2}$")


def sentence_triggers(sentence: str) -> list[Trigger]:
    """Return the triggers of ``sentence`` that can start or join an incident, in order.

    ``triggers.find_triggers`` with the armed verbs added, prepositions dropped and the
    quake's words read as the quake's. Extraction asks for them before it looks for the
    sentence's places: most sentences have none, and then no place is judged.
    """
    return _refine_quake(_not_idioms(sentence, _not_prepositions(sentence, _with_armed_verbs(
        sentence, find_triggers(sentence)))))


def may_start_incident(sentence: str, found: list[Trigger]) -> bool:
    """Tell whether any of a sentence's triggers (``sentence_triggers``) can head an
    incident: when none can, ``sentence_incidents`` finds none whatever the places, and
    extraction need not judge them (every incident's top trigger passes
    ``_starts_incident``)."""
    return any(_starts_incident(sentence, t) for t in found)


def without_grievance(text: str) -> str:
    """Blank what a protest is about ("to demand justice for a murdered activist"), at
    the same length, so that its dead are not the protest's."""
    return _GRIEVANCE.sub(lambda m: " " * (m.end() - m.start()), text)


def disaster_article(title: str, text: str) -> bool:
    """Tell whether an article is about weather or the earth ("Storm batters coast"): its
    title or its opening names one. Its homes "destroyed" are the storm's."""
    return bool((_may_name_disaster(title) and _DISASTER.search(title))
                or (_may_name_disaster(text[:400]) and _DISASTER.search(text, 0, 400)))


# A lower-cased piece of every match of _DISASTER.
_DISASTER_WORDS = ("cyclone", "typhoon", "hurricane", "storm", "tornado", "flood", "slide",
                   "quake", "tremor", "tsunami", "fire", "drought", "heat", "avalanche",
                   "eruption", "volcano")


def _may_name_disaster(text: str) -> bool:
    """Tell whether ``text`` may hold a match of _DISASTER (most texts have none of its
    words; a lower-cased copy tells, except for the few characters lowered() declines)."""
    low = lowered(text)
    return low is None or any(map(low.__contains__, _DISASTER_WORDS))


def sentence_incidents(sentence: str, offset: int, places: list[Place],
                       found: list[Trigger] | None = None,
                       disaster: bool = False) -> list[Incident]:
    """Return the incidents of ``sentence`` (which starts at ``offset`` in the article).

    ``places`` are the sentence's usable places (``geo.events.where``); incidents
    without a place are dropped. ``found``: the sentence's ``sentence_triggers``, when
    the caller has them.
    """
    if not places:
        return []
    if found is None:
        found = sentence_triggers(sentence)
    if not found:
        return []
    # A base is a standing fact beside whatever happened there ("a U.S. base in
    # northeastern Syria was attacked by a drone": a base, and a strike): its own group.
    bases = [t for t in found if t.layer == tr.BASE]
    others = [t for t in found if t.layer != tr.BASE]
    if len(others) > 1 and any(t.layer == tr.PROTEST for t in others):
        # "demonstrated in Kisumu to demand justice for a murdered activist": what the
        # protest is about happened elsewhere, before; it neither heads nor types it.
        about = [m.span() for m in _GRIEVANCE.finditer(sentence)]
        if about:
            others = [t for t in others if t.layer == tr.PROTEST
                      or not any(a <= t.start < b for a, b in about)]
    incidents = [*_incidents(sentence, offset, others, places),
                 *_incidents(sentence, offset, bases, places)]
    if disaster and incidents and not _ARMED.search(sentence):
        # "Thousands of homes were destroyed", in a report on a cyclone.
        # "... were among those that suffered casualties", in a report on a quake.
        incidents = [i for i in incidents
                     if not (i.sub_type == tr.LOOTING and i.trigger.rank < 50)
                     and not i.trigger.casualty]
    return incidents


def _incidents(sentence: str, offset: int, found: list[Trigger],
               places: list[Place]) -> list[Incident]:
    if not found:
        return []
    # Triggers do not overlap and come in order: binary searches keep one long
    # sentence with many places and triggers linear.
    # A word that never starts an incident ("died", "death") owns no place: "was shot
    # to death in Y" happened in Y.
    strong = [k for k, t in enumerate(found) if t.rank > tr.WEAK_RANK] or list(range(len(found)))
    starts = [found[k].start for k in strong]
    ends = [found[k].end for k in strong]
    owners: dict[int, list[Place]] = {}
    clauses = len(strong) > 1 and len(places) > 1 and _CLAUSE_BREAK.search(sentence) is not None
    for place in places:
        a, b = place.toponym.start - offset, place.toponym.end - offset
        owner = strong[_owner(starts, ends, a, b)]
        if clauses:
            # A place belongs to a trigger of its own clause when it has one ("..., while
            # in Abuja police dispersed a march": Abuja's is "dispersed").
            lo, hi = _clause(sentence, a, b)
            if not lo <= found[owner].start < hi:
                mine = [k for k in strong if lo <= found[k].start < hi]
                if mine:
                    owner = min(mine, key=lambda k: abs(found[k].start - a))
        owners.setdefault(owner, []).append(place)
    # Triggers with places head incidents; the others join the nearest head (the
    # earlier one on a tie).
    heads = sorted(owners)
    groups: dict[int, list[Trigger]] = {h: [] for h in heads}
    if len(heads) == 1:
        groups[heads[0]] = list(found)  # one head (most sentences): it takes them all
    for index, trigger in enumerate(found) if len(heads) > 1 else ():
        k = bisect.bisect_left(heads, index)
        groups[min(heads[max(0, k - 1):k + 1],
                   key=lambda h: (abs(h - index), h > index))].append(trigger)
    incidents = []
    for head in heads:
        members = groups[head]
        # A visit or a meeting beside violence is no diplomacy: "shot ... in the home of
        # the youth's host family" is a shooting.
        top = max(members, key=lambda t: (t.layer != tr.DIPLOMACY or t.rank >= _TALKS_RANK,
                                          t.rank, -t.start))
        if not _starts_incident(sentence, top):
            continue
        # What decides the type and the actors is said near the incident: a window
        # around its top trigger (also what keeps a very long sentence linear).
        lo, hi = _clause(sentence, top.start, top.end) if len(heads) > 1 else (0, len(sentence))
        base = max(lo, top.start - CONTEXT_CHARS)
        context = sentence[base:min(hi, top.end + CONTEXT_CHARS)]
        if base == 0 and len(context) == len(sentence):
            local, near_members = top, list(members)  # the window is the whole sentence
        else:
            local = Trigger(top.start - base, top.end - base, top.layer, top.sub_type, top.rank)
            near_members = [Trigger(t.start - base, t.end - base, t.layer, t.sub_type, t.rank)
                            for t in members if base <= t.start < base + len(context)]
        layer, sub_type = _refine(context, local, near_members or [local])
        # Who did it to whom is told at the incident's first word ("Azerbaijani troops
        # opened fire on Armenian troops ..., sparking an exchange of fire").
        if layer == tr.PROTEST:
            context = without_grievance(context)  # who it is about is no side of it
        actors = _actors(context, near_members or [local])
        layer, sub_type = _by_victims(context, layer, sub_type, local, actors)
        actors = _protest_order(layer, sub_type, actors)
        if _BODIES.search(context, local.start, local.end):
            actors = Actors(None, actors.actor2)  # who found the bodies did not kill
        actors = Actors(named_group(actors.actor1), named_group(actors.actor2))
        places_of = _own_acts(sentence, offset, members, owners[head])
        incidents.append(Incident(layer, sub_type, top, tuple(places_of), actors))
    return incidents


# Verbs of what else people did in a sentence about an incident: where they did it is not
# where the incident was ("The UN in Geneva condemned the attack in Khartoum", "refugees
# who fled fighting in Sudan arrived in Chad", "were taken to a hospital in Peshawar").
_OTHER_ACT = re.compile(
    r"\b(?:condemn(?:ed|s)?|denounc(?:ed|es)|deplor(?:ed|es)|said|says|told|urged|"
    r"called (?:for|on)|"
    r"arrived|arrives|fled|returned|travell?ed|met|meets|visited|taken|flown|evacuated|"
    r"sentenced|convicted|tried|spoke|speaking|rallied in solidarity|mourn(?:ed|s)|"
    r"buried|treated|hospitali[sz]ed|rose|fell|gathered for|held a conference|told their)\b")
# A place right after the incident's word ("fighting in Sudan", "an attack on a hospital
# in Khartoum", "the blast in Khyber district"): the incident's own.
_ATTACHED = re.compile(
    r"(?:\s+(?!(?:and|but|while|after|before|when|as|who|which)\b)[a-z\d][\w'’-]*){0,5}?\s+"
    r"(?:in|at|near|outside|inside|on)\s+(?:the\s+)?(?:[a-z][\w'’-]*\s+){0,3}")


def _own_acts(sentence: str, offset: int, members: list[Trigger],
              places: list[Place]) -> list[Place]:
    """Drop an incident's places that another act of the sentence holds, when a place
    is the incident's own (right after one of its words)."""
    if len(places) < 2:
        return places
    spans = [(p.toponym.start - offset, p.toponym.end - offset) for p in places]
    attached = [any(0 <= a - t.end <= 60 and _ATTACHED.fullmatch(sentence, t.end, a)
                    for t in members) for a, _ in spans]
    if not any(attached) or all(attached):
        return places
    out = []
    for place, (a, b), own in zip(places, spans, attached, strict=True):
        if not own:
            # The other act's verb stands between, or just before a place that comes
            # first ("Prices rose in Chicago after Russian strikes on Odesa").
            gaps = [sentence[max(0, a - 25):t.start] if b <= t.start else sentence[t.end:a]
                    for t in members]
            if all(_OTHER_ACT.search(gap) for gap in gaps):
                continue
        out.append(place)
    return out


# Where one incident's clause ends and another's begins: "Youths marched in Lagos, while
# in Abuja police dispersed a march": the tear gas is Abuja's.
_CLAUSE_BREAK = re.compile(r";\s+|,?\s+(?:while|whereas)\s+|,\s+and\s+(?=(?:in|at)\s+[A-Z])")


def _clause(sentence: str, start: int, end: int) -> tuple[int, int]:
    """Return the span of the clause of ``sentence`` that holds ``start:end``."""
    lo, hi = 0, len(sentence)
    for m in _CLAUSE_BREAK.finditer(sentence):
        if m.end() <= start:
            lo = m.end()
        elif m.start() >= end:
            hi = m.start()
            break
    return lo, hi


_BODIES = re.compile(r"bod(?:y|ies)|corpses?", re.IGNORECASE)


def _actors(context: str, members: list[Trigger]) -> Actors:
    """Return who did it and to whom, read at the incident's first word that is no actor.

    A trigger that names people ("Gunmen killed ...", "Protesters burned tyres") is where
    the actor is, not the action. The text is read with the words that hide actors from
    ``find_actors`` cleared (``_for_actors``); the actors come back as written.
    """
    clear = _for_actors(context)
    spans = actor_spans(clear)
    acts = [(t.start, t.end) for t in members
            if not any(s <= t.start and t.end <= e for s, e, _ in spans)]
    if not acts:
        # Only people words ("A mob burned ..."): the action follows the first of them.
        first = min(members, key=lambda t: t.start)
        end = next(e for s, e, _ in spans if s <= first.start and first.end <= e)
        acts = [(end, end)]
    start, end = min(acts)
    found = find_actors(clear, start, end)
    if clear is not context:
        found = Actors(_as_written(context, clear, found.actor1),
                       _as_written(context, clear, found.actor2))
    return found


# "eight people", "at least 26 persons": people the text does not name as any group.
_ANYONE = re.compile(r"^(?:[\w,-]+\s+){0,3}(?:people|persons|others)$", re.IGNORECASE)


def named_group(actor: str | None) -> str | None:
    """Return ``actor`` unless it names no group ("eight people"): None then.

    Examples
    --------
    >>> named_group("at least 26 people"), named_group("26 civilians")
    (None, '26 civilians')
    """
    return None if actor is None or _ANYONE.match(actor) else actor


# Words ``find_actors`` misreads, cleared at the same length so offsets hold:
# - a capitalised group word ("Police arrested", "the Afghan Air Force", "Gunmen kill"):
#   the actor phrases end in lower-case words;
# - "by" after what tells whose a target was ("a base held by Somali soldiers"): no agent;
# - who told the news (", a church official said.", "according to residents"): no actor.
# (``\b[A-Z][a-z]+\b``, led by the capital so that the scan looks for capitals alone.)
_GROUP_WORD = re.compile(r"[A-Z](?<!\w[A-Z])[a-z]+\b")
_HELD_BY = re.compile(r"\b(?:held|controlled|run|manned|occupied|owned|used|guarded|"
                      r"patrolled|belonging)\s+(by)\b")
# (The second branch is ``\baccording``, led by its letter so that the scan, on the
# lower-case copy, looks for commas and a's alone.)
_TOLD = re.compile(r",\s*[^,;]{0,80}?\b(?:said|says|say|told|reported|added|confirmed)\b[^;]*|"
                   r"a(?<!\wa)ccording\s+to\b[^,;]*", re.IGNORECASE)


_TOLD_LOW = lower_case_copy(_TOLD)
# A lower-cased piece of every match of _TOLD.
_TOLD_WORDS = ("said", "says", "say", "told", "reported", "added", "confirmed", "according")


def _for_actors(context: str) -> str:
    """Return ``context`` with what misleads ``find_actors`` cleared (same length).

    Examples
    --------
    >>> _for_actors("Police arrested 15 members, a lawyer said.")
    'police arrested 15 members                '
    """
    chars = None

    def put(start: int, text: str) -> None:
        nonlocal chars
        if chars is None:
            chars = list(context)
        chars[start:start + len(text)] = text

    # Most contexts hold no group word: their capitalised words are looked up first (a
    # cached lookup mapped in C), and offsets are found only where one is.
    if any(map(_group_word, _GROUP_WORD.findall(context))):
        for m in _GROUP_WORD.finditer(context):
            if _group_word(m.group()):
                put(m.start(), m.group().lower())
    # The other two need one of their words: most contexts have none (a lower-cased
    # copy tells, but for the few characters lowered() declines, where they run anyway).
    low = lowered(context)
    if "by" in context:
        for m in _HELD_BY.finditer(context):
            put(m.start(1), "  ")
    if low is None or any(map(low.__contains__, _TOLD_WORDS)):
        # (Case-sensitively in the lower-cased copy where there is one: same offsets.)
        told = (_TOLD.finditer(context) if low is None or _TOLD_LOW is None
                else _TOLD_LOW.finditer(low))
        for m in told:
            put(m.start(), " " * (m.end() - m.start()))
    return context if chars is None else "".join(chars)


@lru_cache(maxsize=8192)
def _group_word(word: str) -> bool:
    """Tell whether a capitalised word is a group word that ends actor phrases."""
    return ACTOR.fullmatch(word.lower()) is not None


def _as_written(context: str, clear: str, actor: str | None) -> str | None:
    """Return ``actor``, found in ``clear``, with its letters as ``context`` has them."""
    if actor is None:
        return None
    at = clear.find(actor)
    return actor if at < 0 else context[at:at + len(actor)]


# Demonstrators, whom ACLED names first for protests and riots (README: actors).
_PROTESTERS = re.compile(r"\b(?:protesters?|protestors?|demonstrators?|rioters?|marchers?|"
                         r"crowds?|mobs?|students?|teachers?|workers?|women|supporters?|"
                         r"activists?|youths?)\b", re.IGNORECASE)


def _protest_order(layer: str, sub_type: str | None, actors: Actors) -> Actors:
    """Put the demonstrators first in protests and riots, the force first when it used
    excessive force against them ("police dispersed protesters": protesters, police)."""
    if layer not in (tr.PROTEST, tr.RIOT) or not actors.actor1 or not actors.actor2:
        return actors
    first, second = (bool(_PROTESTERS.search(a)) for a in (actors.actor1, actors.actor2))
    if sub_type == tr.EXCESSIVE:
        swap = first and not second
    else:
        swap = second and not first
    return Actors(actors.actor2, actors.actor1) if swap else actors


# Verbs that report an incident only when armed men do them ("troops entered Azaz",
# "militants occupied the town", "Israeli jets pounded ..."), by lemma (simplemma):
# lemma -> (layer, sub-event type, rank, needs combatants in the sentence). Their ranks
# are low, so a more specific word of the same incident types it.
ARMED_VERBS: dict[str, tuple[str, str | None, int, bool]] = {
    "enter": (tr.CLASH, tr.ARMED_CLASH, 19, True),
    "occupy": (tr.CLASH, tr.OVERTAKES, 30, True),
    "invade": (tr.CLASH, tr.ARMED_CLASH, 30, True),
    "besiege": (tr.CLASH, tr.ARMED_CLASH, 30, True),
    "encircle": (tr.CLASH, tr.ARMED_CLASH, 30, True),
    "expel": (tr.STRATEGIC, tr.OTHER, 19, True),
    "pound": (tr.STRIKE, tr.SHELLING, 40, True),
    "slaughter": (tr.CIVILIANS, tr.ATTACK, 40, False),
    # "Militias burned villages": property destroyed by armed men (ACLED's looting/
    # property destruction); without them, "burned" is fires and fuel.
    "burn": (tr.STRATEGIC, tr.LOOTING, 45, True),
    "patrole": (tr.BASE, tr.OTHER, 23, False),  # "patroling", as simplemma reads it
}
_ARMED_VERB = re.compile(r"\b(?:enter|occup|invad|besieg|encircl|expel|pound|slaughter|"
                         r"patrol|burn)", re.IGNORECASE)
_ARMED_VERB_LOW = lower_case_copy(_ARMED_VERB)
_ARMED_STEMS = ("enter", "occup", "invad", "besieg", "encircl", "expel", "pound", "slaughter",
                "patrol", "burn")  # one starts every match of _ARMED_VERB
_ARMED_WORD = re.compile(r"[A-Za-z]+")


def _with_armed_verbs(sentence: str, found: list[Trigger]) -> list[Trigger]:
    """Add the triggers of ``ARMED_VERBS`` that the sentence has, in order."""
    low = lowered(sentence)
    if low is not None and not any(map(low.__contains__, _ARMED_STEMS)):
        return found  # most sentences: none of the stems (a substring test costs less)
    if not (_ARMED_VERB.search(sentence) if low is None or _ARMED_VERB_LOW is None
            else _ARMED_VERB_LOW.search(low)):
        return found
    armed = _COMBATANTS.search(sentence) is not None or bool(NAMED.search(sentence))
    extra = []
    for m in _ARMED_WORD.finditer(sentence):
        entry = ARMED_VERBS.get(tr.lemma(m.group().lower())) if m.group()[0] in "eEoOiIbBpPsS" \
            else None
        if entry is None or (entry[3] and not armed):
            continue
        if any(t.start < m.end() and m.start() < t.end for t in found):
            continue
        extra.append(Trigger(m.start(), m.end(), *entry[:3]))
    return sorted([*found, *extra], key=lambda t: t.start) if extra else found


_TALKS_RANK = 30  # diplomacy words below it ("visit", "meet", "host") are weak
# A toll over months or years is no incident: "126,000 people have been killed in Syria
# since the uprising began", "... killed so far this year".
_TOLL = re.compile(
    r"\b(?:have|has)\s+(?:now\s+)?(?:been\s+)?(?:killed|died|lost their lives)\b[^.;]{0,80}?"
    r"\b(?:since\s+(?:the\s+)?(?:start|beginning|outbreak|onset|\d{4}|January|February|March|"
    r"April|May|June|July|August|September|October|November|December|last\s+year|it\s+began|"
    r"the\s+(?:conflict|war|uprising|insurgency|revolt))|so\s+far\s+this\s+year|to\s+date|"
    r"over\s+the\s+(?:past|last)\s+(?:\w+\s+)?(?:years|months|decades?))|"
    r"\b(?:an\s+estimated|more\s+than|over)\s+[\d,]{5,}\s+(?:people|civilians)\b",
    re.IGNORECASE)
# Trigger words that are prepositions where they stand: "according to" (lemma "accord").
_PREPOSITION = re.compile(r"according\b", re.IGNORECASE)  # "according to", "according an official"


def _not_prepositions(sentence: str, found: list[Trigger]) -> list[Trigger]:
    """Drop the triggers that are prepositions or adjectives where they stand
    ("according to", "the occupied West Bank", "Russian-held Crimea")."""
    if "ccording" in sentence:
        found = [t for t in found if not _PREPOSITION.match(sentence, t.start)]
    if "occupied" in sentence or "held " in sentence:
        found = [t for t in found if not _HELD_ADJECTIVE.match(sentence, t.start)
                 or not _HELD_BEFORE.search(sentence[max(0, t.start - 12):t.start])]
    return found


# "the occupied West Bank", "Israeli-occupied Golan": a state named, not an incident.
_HELD_ADJECTIVE = re.compile(r"(?:occupied|held)\s+(?:[a-z]+\s+)?[A-Z]")
_HELD_BEFORE = re.compile(r"(?:\bthe\s|-)$")


def _starts_incident(sentence: str, top: Trigger) -> bool:
    """Tell whether an incident's top trigger reports a violent or political incident.

    "Died" alone does not; a killing in an accident or of an illness does not; a visit
    or a meeting is diplomacy only between officials ("the foreign minister visited").
    """
    if top.rank <= tr.WEAK_RANK:
        return False
    window = sentence[max(0, top.start - CONTEXT_CHARS):top.end + CONTEXT_CHARS]
    # (Case-sensitively in the lower-cased window where there is one: the same answers.)
    low = lowered(window) if top.casualty or top.layer == tr.DIPLOMACY else None
    if top.casualty:
        not_violence = (_NOT_VIOLENCE.search(window) if low is None or _NOT_VIOLENCE_LOW is None
                        else _NOT_VIOLENCE_LOW.search(low))
        if not_violence or _TOLL.search(window):
            return False
    elif (top.rank < 50 and (top.layer == tr.STRIKE or top.sub_type == tr.LOOTING)
          and _DISASTER.search(window)):
        return False  # "Cyclone Remal hit the coast", "the storm destroyed homes"
    if (_FIGURATIVE.match(sentence, top.start)
            and (top.layer != tr.PROTEST or _SHOWED.match(sentence, top.start))
            and _SPORT.search(sentence) and not _ARMED.search(sentence)):
        return False  # "Real Madrid struck twice late to beat Bayern 2-1"
    if top.layer == tr.DIPLOMACY and top.rank < 30:
        if _VISITED_PEOPLE.match(sentence, top.end):
            return False
        return bool(_OFFICIALS.search(window) if low is None or _OFFICIALS_LOW is None
                    else _OFFICIALS_LOW.search(low))
    return True


_NOT_VIOLENCE_LOW = lower_case_copy(_NOT_VIOLENCE)
_OFFICIALS_LOW = lower_case_copy(_OFFICIALS)


def _owner(starts: list[int], ends: list[int], start: int, end: int) -> int:
    """Return the index of the trigger a place at ``start:end`` belongs to: the nearest
    trigger that ends before it, else the first that starts after it."""
    before = bisect.bisect_right(ends, start) - 1
    if before >= 0:
        return before
    after = bisect.bisect_left(starts, end)
    return after if after < len(starts) else 0


def _refine_quake(found: list[Trigger]) -> list[Trigger]:
    # "The quake struck southern Turkey": with a quake in the sentence, "struck" and
    # "strike" are not attacks, and the dead are the quake's.
    if any(t.layer == tr.QUAKE for t in found):
        return [t for t in found if t.layer == tr.QUAKE or t.rank > 40 and t.layer != tr.STRIKE]
    return found


def _refine(sentence: str, top: Trigger, members: list[Trigger]) -> tuple[str, str | None]:
    layers = {t.layer for t in members}
    subs = {t.sub_type for t in members}
    if tr.DISRUPTED in subs:
        return tr.STRATEGIC, tr.DISRUPTED  # a bomb defused, a drone shot down: not used
    if tr.CHEMICAL in subs:
        return tr.EXPLOSION, tr.CHEMICAL  # "helicopters dropped a canister filled with chlorine"
    if top.sub_type == tr.IED and top.rank < 90 and _AIR.search(sentence):
        return tr.STRIKE, tr.AIR  # "aircraft bombed a monastery"
    if top.sub_type == tr.MOB and not _CROWD.search(sentence[:top.end]):
        return tr.CIVILIANS, tr.ATTACK  # beaten to death by someone, not by a crowd
    if top.sub_type == tr.OVERTAKES and _PERSON_AFTER.match(sentence, top.end):
        return tr.CIVILIANS, tr.ABDUCTION  # "gunmen seized a council member from his home"
    if top.sub_type == tr.LOOTING and tr.CIVILIANS in layers and _KILLED.search(sentence):
        top = next(t for t in members if t.layer == tr.CIVILIANS)  # an attack that burned
    if top.layer == tr.CLASH and top.sub_type == tr.ARMED_CLASH and tr.PROTEST not in layers \
            and _DEMONSTRATORS.search(sentence) and _POLICE.search(sentence):
        return tr.RIOT, tr.VIOLENT_DEMO  # "supporters battle police"
    if tr.PROTEST in layers or top.layer == tr.PROTEST:
        if top.layer in (tr.PROTEST, tr.STRATEGIC, tr.CIVILIANS) and _KILLED.search(
                _GRIEVANCE.sub(" ", sentence)) and tr.RIOT not in layers:
            return tr.PROTEST, tr.EXCESSIVE
        if tr.RIOT in layers or tr.CLASH in layers or (tr.STRATEGIC in layers
                                                       and tr.LOOTING in subs):
            return tr.RIOT, tr.VIOLENT_DEMO
        if top.layer in (tr.PROTEST, tr.STRATEGIC, tr.CIVILIANS):
            if tr.INTERVENTION in subs or tr.ARRESTS in subs:
                return tr.PROTEST, tr.INTERVENTION
            return tr.PROTEST, tr.PEACEFUL
    if top.sub_type == tr.OVERTAKES:
        actor = sentence[max(0, top.start - 60):top.start]
        if _STATE.search(actor):
            return tr.CLASH, tr.REGAINS
    return top.layer, top.sub_type


def _by_victims(sentence: str, layer: str, sub_type: str | None, top: Trigger,
                actors: Actors) -> tuple[str, str | None]:
    """A killing or a generic attack: a battle when fighters were hit or fought; an
    ambush of people who do not fight ("ambushed a bus, wounding six passengers") is an
    attack on civilians."""
    if layer == tr.CLASH and sub_type == tr.ARMED_CLASH and _AMBUSH.match(sentence, top.start) \
            and actors.actor2 and _UNARMED.search(actors.actor2) \
            and not _COMBATANTS.search(actors.actor2):
        return tr.CIVILIANS, tr.ATTACK
    if layer != tr.CIVILIANS or sub_type != tr.ATTACK or top.rank > 22:
        return layer, sub_type
    victims = actors.actor2 or ""
    # Who was hit: the victims found, else the words right after the trigger ("killed
    # five soldiers"), never the attackers ("gunmen killed ...").
    hit = victims or sentence[top.end:top.end + 60]
    if (_COMBATANTS.search(hit) or (victims and NAMED.fullmatch(victims))) \
            and "civilian" not in hit.lower():
        return tr.CLASH, tr.ARMED_CLASH  # "killed four ELN guerrillas": fighters
    if actors.actor1 and _CROWD_ACTOR.search(actors.actor1):
        return tr.RIOT, tr.VIOLENT_DEMO  # "supporters stormed the Congress", "villagers attacked"
    if (not victims or not _UNARMED.search(victims)) \
            and _ARMED_TARGET.match(sentence, top.end, top.end + 60):
        return tr.CLASH, tr.ARMED_CLASH  # "attacked a checkpoint", "raided an army post"
    return layer, sub_type
