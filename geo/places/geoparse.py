"""Geoparser: find toponym spans in text and resolve each to one gazetteer place.

Resolution weighs, for every candidate place of a span: its prominence (feature and
population), the countries and first-level divisions the rest of the article mentions,
its distance to the article's other places, and explicit narrowing ("Moscow, Idaho",
"Kahramanmaras province"). One name keeps one sense throughout an article.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache

from geo.errors import InputError
from geo.geodesy import EARTH_RADIUS_KM, KM_PER_DEGREE, haversine_km
from geo.limits import MAX_TEXT_CHARS
from geo.model import Toponym
from geo.places.gazetteer import Gazetteer, Place, load_gazetteer
from geo.places.spans import Span, find_spans
from geo.text.sentences import tokens

_FEATURE_BASE = {
    "continent": 6.0, "country": 6.0, "region": 5.0, "site": 5.0, "admin1": 2.0,
    "admin2": -1.0, "city": 0.0,
}
CAPITAL_BONUS = 4.0  # a bare "Paris" is the capital unless the article insists otherwise
_DIVISION_WORDS = ("county", "parish", "district", "province", "governorate", "borough")

# Direction words before a country or division make a region phrase ("eastern Syria").
# Values are (north, east) components.
_DIRECTIONS = {
    "north": (1, 0), "northern": (1, 0), "south": (-1, 0), "southern": (-1, 0),
    "east": (0, 1), "eastern": (0, 1), "west": (0, -1), "western": (0, -1),
    "northeast": (1, 1), "northeastern": (1, 1), "north-east": (1, 1), "north-eastern": (1, 1),
    "northwest": (1, -1), "northwestern": (1, -1), "north-west": (1, -1),
    "north-western": (1, -1), "southeast": (-1, 1), "southeastern": (-1, 1),
    "south-east": (-1, 1), "south-eastern": (-1, 1), "southwest": (-1, -1),
    "southwestern": (-1, -1), "south-west": (-1, -1), "south-western": (-1, -1),
    "central": (0, 0),
}
_DIRECTION_WORDS = tuple(_DIRECTIONS)


def geoparse(text: str, gazetteer: Gazetteer | None = None) -> list[Toponym]:
    """Return the toponyms of ``text`` in order of appearance.

    Examples
    --------
    >>> [t.name for t in geoparse("Talks were held in Sochi, Russia.")]
    ['Sochi', 'Russia']
    """
    if not isinstance(text, str):
        raise InputError(f"geoparse expects text (str), got {type(text).__name__}")
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(f"text of {len(text):,} characters is over the {MAX_TEXT_CHARS:,} limit")
    gaz = gazetteer or load_gazetteer()
    spans = find_spans(text, gaz)
    if not spans:
        return []
    # A name's candidates are looked up once per article (mentions share the list).
    looked_up: dict[tuple[str, bool], list[Place]] = {}
    candidates = []
    for span in spans:
        cands = looked_up.get((span.key, span.demonym))
        if cands is None:
            cands = looked_up[span.key, span.demonym] = _candidates(span, gaz)
        candidates.append(cands)
    narrowing = _narrowing(text, spans, candidates)
    groups = _mention_groups(spans, candidates, narrowing)
    priors = _priors(spans, candidates, groups, gaz)
    chosen = [c[0] if c else None for c in candidates]
    context = _Context.from_choices(spans, chosen)
    for _ in range(2):
        previous = chosen
        chosen = _choose(spans, candidates, narrowing, groups, priors, context, gaz)
        if _same_choices(previous, chosen):
            # The same choices make the same context, which makes the same choices
            # again: a second pass would change nothing.
            break
        context = _Context.from_choices(spans, chosen)
    out = []
    for span, place in zip(spans, chosen, strict=True):
        if place is None or not _keep(text, span, place, context):
            continue
        out.append(_region(text, span, place, gaz) or _toponym(text, span, place))
    return out


def _same_choices(a: list[Place | None], b: list[Place | None]) -> bool:
    """Tell whether two lists of choices hold the very same objects, in the same order."""
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def _candidates(span: Span, gaz: Gazetteer) -> list[Place]:
    if span.demonym:
        place = gaz.demonym(span.key)
        return [place] if place else []
    return gaz.lookup_key(span.key, 40)


def _narrowing(text: str, spans: list[Span], candidates: list[list[Place]]) -> dict[int, set]:
    """Map span index -> admin1 codes / country codes that narrow it ("X, Y", "X in Y")."""
    out: dict[int, set] = defaultdict(set)
    for k in range(len(spans) - 1):
        between = text[spans[k].end:spans[k + 1].start]
        if between not in (", ", " in ", ",", " , "):
            continue
        for place in candidates[k + 1][:5]:
            if place.feature in ("country", "region") and place.country_code:
                out[k].add(place.country_code)
            elif place.feature == "admin1":
                out[k].add(place.admin1)
    return out


@dataclass(frozen=True, slots=True)
class _Context:
    """What the article's current choices say, per name so a name cannot vote for itself.

    The sums are kept beside the counters: ``share`` runs once per candidate place, and
    summing every name's mentions there made geoparsing quadratic in distinct names.
    """

    countries: dict[str, Counter]  # country code -> mentions by name key
    total: Counter  # mentions by name key
    admin1s: dict[str, set]  # admin1 code -> name keys that mention it
    anchors: _Anchors  # one point per name, for "is another place near this one"
    mentions: int  # sum(total.values())
    country_mentions: dict[str, int]  # country code -> sum(countries[code].values())

    @classmethod
    def from_choices(cls, spans: list[Span], chosen: list[Place | None]) -> _Context:
        # A long article names the same few thousand places again and again: its
        # mentions are counted per name and place first (in C), then added up per name.
        keys = [span.key for span in spans]
        pairs = Counter(zip(keys, map(id, chosen), strict=True))
        places = {id(place): place for place in chosen}
        named: list[tuple[str, Place, int]] = [
            (key, place, n) for (key, ident), n in pairs.items()
            if (place := places[ident]) is not None]
        if len({key for key, _, _ in named}) < len(named):
            # A name with two places: which is the name's anchor depends on the order
            # of its mentions (the last wins), so they are taken one by one.
            named = [(key, place, 1) for key, place in zip(keys, chosen, strict=True)
                     if place is not None]
        countries: dict[str, Counter] = defaultdict(Counter)
        total: Counter = Counter()
        admin1s: dict[str, set] = defaultdict(set)
        anchors: dict[str, tuple[float, float]] = {}
        for key, place, n in named:
            total[key] += n
            if place.country_code:
                countries[place.country_code][key] += n
            if place.feature == "admin1":
                admin1s[place.admin1].add(key)
            elif place.feature in ("city", "admin2", "site"):
                anchors[key] = (place.lat, place.lon)
                # "Rapides Parish" places its state; a bare "Morrow" does not.
                if place.feature == "admin2" and key.endswith(_DIVISION_WORDS):
                    admin1s[place.admin1].add(key)
        return cls(dict(countries), total, dict(admin1s), _Anchors(anchors),
                   sum(total.values()),
                   {code: sum(by_key.values()) for code, by_key in countries.items()})

    def share(self, country_code: str, key: str) -> float:
        """Return the share of the other names' mentions that fall in a country."""
        others = self.mentions - self.total[key]
        by_key = self.countries.get(country_code)
        if not others or not by_key:
            return 0.0
        return (self.country_mentions[country_code] - by_key[key]) / others

    def has_admin1(self, code: str, key: str) -> bool:
        keys = self.admin1s.get(code)
        # Whether a name other than ``key`` mentions it, without copying the set.
        return keys is not None and (len(keys) > 1 or (len(keys) == 1 and key not in keys))


# The distances that earn a candidate a bonus in ``_score``: another name's place
# within 300 km, else within 1,000 km.
_NEAR_KM = (300.0, 1000.0)


class _Anchors:
    """The article's town-level places, one per name, indexed for "any other within D km".

    ``_score`` asks it for every town candidate of every name; comparing each with all
    the other names' places made geoparsing quadratic in the names an article has.
    Points are 3D unit vectors in a grid of cubes, one grid per distance, whose edge is
    a little over the chord of that distance: every point within it lies in the query's
    cube or one of the 26 around it, so each point is filed under those 27 cubes and a
    query reads one (up to ``_FEW_POINTS`` points, there is no grid: a query reads them
    all). Chords decide clear cases; near the limit ``haversine_km`` decides, so the
    answers are exactly those of measuring every pair with it.

    Examples
    --------
    >>> anchors = _Anchors({"damascus": (33.51, 36.29), "aleppo": (36.20, 37.16)})
    >>> anchors.nearest_within(33.89, 35.50, "beirut")  # Damascus is ~85 km away
    300.0
    >>> anchors.nearest_within(36.20, 37.16, "aleppo")  # Damascus is ~310 km away
    1000.0
    >>> anchors.nearest_within(48.86, 2.35, "paris") is None
    True
    """

    __slots__ = ("_answers", "_grids", "_points")

    def __init__(self, points: dict[str, tuple[float, float]]) -> None:
        self._points = points
        # A name is scored once per group of its mentions (``_mention_groups``): the
        # groups of one name ask about the same places again.
        self._answers: dict[tuple[float, float, str], float | None] = {}
        # Built at the first query: the last context of an article is never asked.
        # (Or, for a few points, the list of them all instead of a grid.)
        self._grids: list[tuple[float, float, float, dict[tuple[int, int, int], list] | list]] = []

    def __bool__(self) -> bool:
        return bool(self._points)

    def _build(self) -> None:
        entries = [(key, lat, lon, *_unit(lat, lon)) for key, (lat, lon) in self._points.items()]
        for km in _NEAR_KM:
            chord = 2 * math.sin(km / EARTH_RADIUS_KM / 2)
            edge = chord * 1.01  # the margin keeps points at the limit in the 27 cubes
            if len(entries) <= _FEW_POINTS:
                # A few points are all read at every query: filing them costs more.
                self._grids.append((edge, (chord * (1 - 1e-9)) ** 2,
                                    (chord * (1 + 1e-9)) ** 2, entries))
                continue
            cubes: dict[tuple[int, int, int], list] = defaultdict(list)
            for entry in entries:
                _, _, _, x, y, z = entry
                cubes[math.floor(x / edge), math.floor(y / edge), math.floor(z / edge)].append(
                    entry)
            # A cube's own points come first: the nearest are likeliest to answer.
            grid: dict[tuple[int, int, int], list] = defaultdict(
                list, {cube: list(inside) for cube, inside in cubes.items()})
            for (cx, cy, cz), inside_cube in cubes.items():
                for dx, dy, dz in _AROUND:
                    grid[cx + dx, cy + dy, cz + dz].extend(inside_cube)
            # Squared chords a little inside and outside the limit: between them float
            # rounding could tip the answer, so the haversine decides there.
            self._grids.append((edge, (chord * (1 - 1e-9)) ** 2, (chord * (1 + 1e-9)) ** 2,
                                dict(grid)))

    def nearest_within(self, lat: float, lon: float, key: str) -> float | None:
        """Return the smallest of ``_NEAR_KM`` within which another name's place lies."""
        query = (lat, lon, key)
        if query in self._answers:
            return self._answers[query]
        answer = self._answers[query] = self._nearest_within(lat, lon, key)
        return answer

    def _nearest_within(self, lat: float, lon: float, key: str) -> float | None:
        if not self._grids:
            self._build()
        x, y, z = _unit(lat, lon)
        for km, (edge, inside, outside, grid) in zip(_NEAR_KM, self._grids, strict=True):
            near = grid if isinstance(grid, list) else grid.get(
                (math.floor(x / edge), math.floor(y / edge), math.floor(z / edge)), ())
            for other, olat, olon, ox, oy, oz in near:
                d2 = (x - ox) ** 2 + (y - oy) ** 2 + (z - oz) ** 2
                if d2 > outside or other == key:
                    continue
                if d2 < inside or haversine_km(lat, lon, olat, olon) < km:
                    return km
        return None


_FEW_POINTS = 24  # up to this many points, a query reads them all (no grid)
_AROUND = [(dx, dy, dz) for dx in (-1, 0, 1) for dy in (-1, 0, 1) for dz in (-1, 0, 1)
           if dx or dy or dz]


@lru_cache(maxsize=1 << 16)
def _unit(lat: float, lon: float) -> tuple[float, float, float]:
    """Return the 3D unit vector of a ``lat, lon`` point (the same places are asked often)."""
    phi, lam = math.radians(lat), math.radians(lon)
    return math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)


def _prior(place: Place, span: Span, capital: bool) -> float:
    """Return the part of ``_score`` that the article's other names do not change."""
    score = _FEATURE_BASE[place.feature] + math.log10(place.population + 1)
    if capital:
        score += CAPITAL_BONUS
    if place.feature == "admin2" and not span.key.endswith(_DIVISION_WORDS):
        score -= 3.0  # a bare "Richmond" is the town before the county
    return score


def _priors(spans: list[Span], candidates: list[list[Place]], groups: list[list[int]],
            gaz: Gazetteer) -> list[list[float]]:
    """Return ``_prior`` per group of mentions and candidate, for every pass of ``_choose``."""
    return [[_prior(place, spans[k], gaz.is_capital(place)) for place in candidates[k]]
            for k, _ in groups]


def _score(place: Place, span: Span, narrow: set, ctx: _Context, prior: float) -> float:
    """Return ``place``'s score for ``span`` without the bonus for another name's place
    near it (``_with_near``, which ``_choose`` adds last, and only where it can matter)."""
    score = prior
    share = ctx.share(place.country_code, span.key) if place.country_code else 0.0
    if share:
        score += 2.0 + 4.0 * share
    if place.admin1 and ctx.has_admin1(place.admin1, span.key):
        score += 4.0
    if span.feature_hint and place.feature == span.feature_hint:
        score += 10.0
    if narrow and (place.country_code in narrow or place.admin1 in narrow):
        score += 25.0
    return score


# The features whose places earn a bonus when another name's place is near, and the
# largest such bonus (``_with_near``).
_NEAR_FEATURES = ("city", "site", "admin2")
_MOST_NEAR = 2.5


def _with_near(score: float, place: Place, span: Span, ctx: _Context) -> float:
    near = ctx.anchors.nearest_within(place.lat, place.lon, span.key)
    if near == _NEAR_KM[0]:
        score += 2.5
    elif near == _NEAR_KM[1]:
        score += 1.0
    return score


def _mention_groups(spans: list[Span], candidates: list[list[Place]],
                    narrowing: dict[int, set]) -> list[list[int]]:
    """Return ``[first mention, mentions]`` per group of mentions scored alike.

    Mentions that differ in nothing the score reads (name, suffix hint, narrowing) are
    scored once and counted. The groups hold for every pass of ``_choose``.
    """
    groups: dict[tuple, list[int]] = {}  # signature -> [first mention, mentions]
    for k, span in enumerate(spans):
        if candidates[k]:
            sig = (span.key, span.feature_hint, frozenset(narrowing.get(k, ())))
            groups.setdefault(sig, [k, 0])[1] += 1
    return list(groups.values())


def _choose(spans, candidates, narrowing, groups: list[list[int]], priors: list[list[float]],
            ctx: _Context, gaz: Gazetteer) -> list[Place | None]:
    # One sense per name per article: the scores of all mentions of a name add up.
    parts: dict[str, list[tuple[int, int, float, Place | None, Span]]] = defaultdict(list)
    near = bool(ctx.anchors)
    for (k, count), prior in zip(groups, priors, strict=True):
        span = spans[k]
        narrow = narrowing.get(k, set())
        of_name = parts[span.key]
        for place, base in zip(candidates[k], prior, strict=True):
            of_name.append((place.id, count, _score(place, span, narrow, ctx, base),
                            place if near and place.feature in _NEAR_FEATURES else None, span))
    best: dict[str, Place] = {}
    # A name's first mention with candidates opens the first of its groups.
    for k, _ in groups:
        span, cands = spans[k], candidates[k]
        if span.key in best:
            continue
        by_id = {p.id: p for p in cands}
        scores = _totals(parts[span.key], ctx)
        pick = by_id[max(scores, key=scores.__getitem__)]
        best[span.key] = _prefer_city(pick, cands, span, gaz)
    return [best.get(span.key) for span in spans]


def _totals(parts: list[tuple[int, int, float, Place | None, Span]],
            ctx: _Context) -> dict[int, float]:
    """Return each place's score summed over a name's groups, in the order first scored.

    ``parts`` are (place id, mentions, score without the bonus for a nearby place, the
    place when it can earn that bonus, the group's span) in the order of the groups.
    That bonus needs a search of the article's other places and can only add. So the
    places are summed in full from the highest sum that the largest bonus would give
    down, until that bound falls below the best full sum: the places left cannot win,
    and get their bound (below the best) instead of their own sum. The sums made are the
    very ones, in the same order, that scoring every place in full gives. (Rounding is
    monotone: adding a bonus never makes a sum smaller, nor larger than adding the
    largest bonus.)
    """
    low: dict[int, float] = {}
    for ident, count, score, _, _ in parts:
        low[ident] = low.get(ident, 0.0) + count * score
    if all(place is None for _, _, _, place, _ in parts):
        return low
    high: dict[int, float] = {}
    of_place: dict[int, list[tuple[int, float, Place | None, Span]]] = {}
    for ident, count, score, place, span in parts:
        high[ident] = high.get(ident, 0.0) + count * (score if place is None
                                                      else score + _MOST_NEAR)
        of_place.setdefault(ident, []).append((count, score, place, span))
    best = max(low.values())
    full: dict[int, float] = {}
    for ident in sorted(high, key=high.__getitem__, reverse=True):
        if high[ident] < best:
            break
        total = 0.0
        for count, score, place, span in of_place[ident]:
            total += count * (score if place is None else _with_near(score, place, span, ctx))
        full[ident] = total
        best = max(best, total)
    return {ident: full.get(ident, bound) for ident, bound in high.items()}


def _prefer_city(pick: Place, cands: list[Place], span: Span, gaz: Gazetteer) -> Place:
    """Prefer a capital or a big city to the division named after it ("Moscow", "Raqqa")."""
    if pick.feature != "admin1" or span.feature_hint == "admin1":
        return pick
    # A US state's bare name is the state ("New York", "Oklahoma"); elsewhere the bare
    # name of a province named after its seat is mostly the city ("Idlib", "Kherson"),
    # even where GeoNames' town population is out of date.
    share = 0.5 if pick.country_code == "US" else 0.1
    for place in cands:
        if place.feature == "city" and place.country_code == pick.country_code and (
            gaz.is_capital(place) or place.population >= share * pick.population
        ):
            return place
    return pick


# Where places are named in Arabic, with the article ("al-Bab"): the Arab League's
# members, Israel and the Palestinian territories, Western Sahara.
_ARABIC_NAMES = frozenset(
    "DZ BH KM DJ EG IQ JO KW LB LY MR MA OM PS QA SA SO SD SY TN AE YE IL EH".split())
# A capitalised word after a name continues it, unless it says what the place is.
_NAME_GOES_ON = re.compile(
    r"[ -](?!(?:Island|Islands|Sea|Bay|Lake|River|Dike|Dam|Mountains?|Hills?|Valley|Strait|"
    r"Gulf|Coast|Peninsula|District|County|Town|City|Village|Province|Region|Governorate|"
    r"Area|LGA|Local|State)\b)[A-Z\u2018\u2019'][\w\u2019'-]"
    r"|[ -](?:al|el|ad|an|ar|as|ash|at|az|bin|ibn|abu|de|del|di|du|la|le)[ -][A-Z\u2018\u2019']")


def _keep(text: str, span: Span, place: Place, ctx: _Context) -> bool:
    """Drop weak matches: small towns with nothing in the article pointing at them."""
    if text[span.start].islower() and place.country_code not in _ARABIC_NAMES:
        return False  # "al-Qasa" in lower case is an Arabic name: not Bhutan's Qasa
    if place.feature != "city" and place.feature != "admin2":
        return True
    if place.population >= 100_000 or (place.feature == "admin2"
                                       and span.feature_hint == "admin2"):
        return True  # a big town, or a district the text calls one ("Agatu local council")
    if span.headline:
        return False
    if place.population == 0 and " " in span.key:
        return True  # GeoNames knows no population; a two-word exact name is specific
    if place.population >= 5_000 and not span.sentence_start:
        return True
    if place.population == 0 and _NAME_GOES_ON.match(text, span.end):
        return False  # "an attack on Khan Tuman": the head of a longer, unknown name
    # GeoNames lists a division's seat even without a population (0): a town, kept on
    # the same evidence as a small one.
    return (place.population >= 500 or place.population == 0) and bool(
        span.cue or ctx.has_admin1(place.admin1, span.key)
        or ctx.share(place.country_code, span.key) >= 0.3)


def _toponym(text: str, span: Span, place: Place) -> Toponym:
    return Toponym(
        start=span.start, end=span.end, name=text[span.start:span.end], lat=place.lat,
        lon=place.lon, geonameid=place.geonameid, country_code=place.country_code,
        feature=place.feature, uncertainty_km=place.uncertainty_km, demonym=span.demonym,
    )


def _region(text: str, span: Span, place: Place, gaz: Gazetteer) -> Toponym | None:
    """Turn "northeastern Syria" into an area: a point and a radius inside the place."""
    if span.demonym or place.feature not in ("country", "admin1") or span.start == 0:
        return None
    window = text[max(0, span.start - 20):span.start]
    if not window.rstrip().lower().endswith(_DIRECTION_WORDS):
        return None  # most names have no direction word before them: skip the tokens
    before = tokens(window)
    if not before:
        return None
    offset = max(0, span.start - 20)
    ws, we = before[-1][0] + offset, before[-1][1] + offset
    word = text[ws:we].lower()
    if word not in _DIRECTIONS or text[we:span.start].strip():
        return None
    north, east = _DIRECTIONS[word]
    box = gaz.bbox(place.country_code) if place.feature == "country" else None
    if box is None:
        deg = place.uncertainty_km / KM_PER_DEGREE
        box = (place.lat - deg, place.lon - deg, place.lat + deg, place.lon + deg)
    south, west, top, right = box
    lat = (south + top) / 2 + north * 0.3 * (top - south)
    lon = (west + right) / 2 + east * 0.3 * (right - west)
    height_km = (top - south) * KM_PER_DEGREE
    width_km = (right - west) * KM_PER_DEGREE * math.cos(math.radians(lat))
    radius = max(50.0, round(0.3 * min(height_km, width_km), 1))
    return Toponym(
        start=ws, end=span.end, name=text[ws:span.end], lat=round(lat, 4), lon=round(lon, 4),
        geonameid=None, country_code=place.country_code, feature="region",
        uncertainty_km=radius, demonym=False,
    )


def geoparse_baseline(text: str, gazetteer: Gazetteer | None = None) -> list[Toponym]:
    """Resolve the same spans as ``geoparse`` to their most populous candidate.

    The benchmark's peer: it shows what the context-based resolution adds.
    """
    gaz = gazetteer or load_gazetteer()
    out = []
    for span in find_spans(text, gaz):
        candidates = _candidates(span, gaz)
        if candidates:
            place = max(candidates, key=lambda p: p.population)
            out.append(_toponym(text, span, place))
    return out
