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

import re
from dataclasses import dataclass

from geo.events import triggers as tr
from geo.events.actors import Actors, find_actors
from geo.events.triggers import Trigger, find_triggers
from geo.model import Toponym

# Victims or sides that make a killing a battle, not an attack on civilians.
_COMBATANTS = re.compile(
    r"\b(?:soldiers?|troops|militants?|fighters?|rebels?|insurgents?|jihadists?|"
    r"militiamen|militias?|gunmen|terrorists?|security (?:forces|personnel)|"
    r"police(?:men| officers?)?|army|servicem[ae]n|commanders?|combatants?|members of)\b",
    re.IGNORECASE)
_STATE = re.compile(r"\b(?:army|government|state|security|military|regime|police|troops|"
                    r"soldiers|forces loyal to the government)\b", re.IGNORECASE)
_KILLED = re.compile(r"\b(?:kill|killed|killing|dead|died|shot|shooting|live ammunition|"
                     r"fired on|opened fire)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Incident:
    """One incident of a sentence: its type, its top trigger, where, who."""

    layer: str
    sub_type: str | None
    trigger: Trigger  # the most specific of its triggers (offsets in the sentence)
    places: tuple[tuple[Toponym, bool], ...]  # (place, locative), offsets in the article
    actors: Actors


def sentence_incidents(sentence: str, offset: int,
                       places: list[tuple[Toponym, bool]]) -> list[Incident]:
    """Return the incidents of ``sentence`` (which starts at ``offset`` in the article).

    ``places`` are the sentence's usable toponyms with whether each follows a locative
    preposition (``geo.events.extract``); incidents without a place are dropped.
    """
    found = _refine_quake(find_triggers(sentence))
    if not found or not places:
        return []
    # A base is a standing fact beside whatever happened there ("a U.S. base in
    # northeastern Syria was attacked by a drone": a base, and a strike): its own group.
    bases = [t for t in found if t.layer == tr.BASE]
    others = [t for t in found if t.layer != tr.BASE]
    return [*_incidents(sentence, offset, others, places),
            *_incidents(sentence, offset, bases, places)]


def _incidents(sentence: str, offset: int, found: list[Trigger],
               places: list[tuple[Toponym, bool]]) -> list[Incident]:
    if not found:
        return []
    owners: dict[int, list[tuple[Toponym, bool]]] = {}
    for toponym, locative in places:
        owner = _owner(found, toponym.start - offset, toponym.end - offset)
        owners.setdefault(owner, []).append((toponym, locative))
    # Triggers with places head incidents; the others join the nearest head.
    heads = sorted(owners)
    groups: dict[int, list[Trigger]] = {h: [] for h in heads}
    for index, trigger in enumerate(found):
        nearest = min(heads, key=lambda h: (abs(h - index), h > index))
        groups[nearest].append(trigger)
    incidents = []
    for head in heads:
        members = groups[head]
        top = max(members, key=lambda t: (t.rank, -t.start))
        layer, sub_type = _refine(sentence, top, members)
        actors = find_actors(sentence, top.start, top.end)
        layer, sub_type = _by_victims(sentence, layer, sub_type, top, actors)
        incidents.append(Incident(layer, sub_type, top, tuple(owners[head]), actors))
    return incidents


def _owner(found: list[Trigger], start: int, end: int) -> int:
    """Return the index of the trigger a place at ``start:end`` belongs to."""
    before = [i for i, t in enumerate(found) if t.end <= start]
    if before:
        return before[-1]
    after = [i for i, t in enumerate(found) if t.start >= end]
    return after[0] if after else 0


def _refine_quake(found: list[Trigger]) -> list[Trigger]:
    # "The quake struck southern Turkey": with a quake in the sentence, "struck" and
    # "strike" are not attacks, and the dead are the quake's.
    if any(t.layer == tr.QUAKE for t in found):
        return [t for t in found if t.layer == tr.QUAKE or t.rank > 40 and t.layer != tr.STRIKE]
    return found


def _refine(sentence: str, top: Trigger, members: list[Trigger]) -> tuple[str, str | None]:
    layers = {t.layer for t in members}
    subs = {t.sub_type for t in members}
    if tr.PROTEST in layers or top.layer == tr.PROTEST:
        if tr.RIOT in layers or tr.CLASH in layers or (tr.STRATEGIC in layers
                                                       and tr.LOOTING in subs):
            return tr.RIOT, tr.VIOLENT_DEMO
        if top.layer in (tr.PROTEST, tr.STRATEGIC, tr.CIVILIANS):
            if _KILLED.search(sentence):
                return tr.PROTEST, tr.EXCESSIVE
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
    """A killing or a generic attack: a battle when fighters were hit or fought."""
    if layer != tr.CIVILIANS or sub_type != tr.ATTACK or top.rank > 22:
        return layer, sub_type
    victims = actors.actor2 or ""
    if _COMBATANTS.search(victims) or (
            not victims and _COMBATANTS.search(sentence) and "civilian" not in sentence.lower()):
        return tr.CLASH, tr.ARMED_CLASH
    return layer, sub_type
