"""Toponym recognition: find the spans of a text that name places.

Dictionary matching against the gazetteer is the main extractor (no NER model that
knows Syrian and Turkish places is installable here). Capitalised word runs are matched
longest-first; a few rules then drop what is not a place: common words at the start of
a sentence, person names, streets and organisations named after places.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import compress

from geo.places.gazetteer import Gazetteer
from geo.text.names import norm
from geo.text.sentences import tokens

_MAX_WORDS = 6

# Words that name some village in GeoNames but, capitalised in English news, are almost
# always something else: sentence starters, calendar words, titles, generic nouns.
COMMON = frozenset(
    """
    a about after again against all along also although among an and another any are as
    at back be because been before being both but by can could day did do does down during
    each even every few for from further had has have he her here his how however i if in
    into is it its just last late less many may more most much my near never new next no
    nor not now of off on once one only or other our out over own per same she should
    since so some still such than that the their them then there these they this those
    through thus to too under until up upon very was we were what when where which while
    who whom why will with within without would yet you your like unlike meanwhile
    besides despite amid across beyond inside outside
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday
    friday saturday sunday today tomorrow yesterday tonight morning evening night week
    mr mrs ms dr sen rep gov gen col capt lt sgt st prof rev president minister governor
    mayor sheriff police officer officers chief judge senator secretary king queen prince
    general commander director spokesman spokeswoman deputy pope
    attorney county court city state states center centre office department university
    college school hospital church street road avenue river lake park north south east
    west northern southern eastern western central national international federal public
    people government army news times post press union party council committee health
    service services company group forces force air sea home house world island republic
    democratic republican independent social free best good great little big old young
    black white red green blue gold golden silver royal grand long high low middle lower
    upper first second third star sun moon hope liberty victory unity peace freedom
    paradise eden energy justice power security central commerce industry trade early
    police fire rescue man woman men women boy girl child children family friends friend
    love life god lord christ jesus saint holy mount mountain valley bay beach harbor
    harbour port fort camp station bridge hill hills spring springs falls field fields
    wood woods forest rock stone iron mill mills garden gardens grove union village town
    """.split()
)

# A capitalised word before a match that makes it a person's name ("President Assad").
TITLES = frozenset(
    """
    mr mrs ms miss dr sen senator rep representative gov governor gen general col colonel
    capt captain lt lieutenant sgt sergeant maj major cpl corporal adm admiral president
    minister secretary mayor sheriff judge justice officer chief king queen prince princess
    pope rev reverend father sister brother saint coach prof professor deputy spokesman
    spokeswoman lawyer attorney commissioner superintendent councilman councilwoman
    detective trooper agent sir lady lord dame
    """.split()
)

# A capitalised word after a match that makes the whole a street or a person.
STREET_WORDS = frozenset(
    "road rd street st avenue ave boulevard blvd drive dr lane ln way court ct place pl "
    "highway hwy parkway pkwy circle terrace trail pike".split()
)

# Words that turn a place into a named division of it ("Kahramanmaras province").
ADMIN_SUFFIX = {
    "province": "admin1", "governorate": "admin1", "state": "admin1", "oblast": "admin1",
    "region": "admin1", "prefecture": "admin1", "county": "admin2", "parish": "admin2",
    "district": "admin2", "city": "city", "lga": "admin2", "local": "admin2",
    "municipality": "admin2", "tehsil": "admin2", "woreda": "admin2", "upazila": "admin2",
}

# Capitalised words before a place that do not make it a person's name.
PLACE_PREFIXES = frozenset(
    "downtown greater metro suburban rural coastal neighboring neighbouring northeast "
    "northwest southeast southwest northeastern northwestern southeastern southwestern "
    "upstate western eastern northern southern central war-torn".split()
)

# Capitalised words after a place that make an organisation still naming that place.
ORG_WORDS = frozenset(
    "sheriff's police fire mayor department public high community district highway town "
    "president governor county city state university college hospital council board "
    "schools school sun times post herald tribune journal gazette chronicle courier "
    "examiner observer democrat republican register daily news star telegraph".split()
)

# After a demonym these words still describe the country ("Turkish Foreign Minister").
_DEMONYM_OK = frozenset(
    "foreign defense defence prime interior deputy army navy military government "
    "officials troops forces authorities president minister leader ambassador embassy "
    "border capital people".split()
)

PREPOSITIONS = frozenset(
    "in at near from to into outside across toward towards around throughout via of "
    "between inside within".split()
)


@dataclass(frozen=True, slots=True)
class Span:
    """A candidate toponym span, before resolution."""

    start: int
    end: int
    key: str  # normalised name used for lookup
    demonym: bool = False
    feature_hint: str = ""  # "admin1"/"admin2"/"city" when a suffix says so
    cue: bool = False  # a preposition or "X, Y" pattern points at a place
    sentence_start: bool = False
    headline: bool = False  # on a line in Title Case, where every word is capitalised


def _sentence_start(text: str, pos: int) -> bool:
    i = pos - 1
    while i >= 0 and text[i] in " \t\"'“‘(":
        i -= 1
    return i < 0 or text[i] in ".!?\n:;—–-•|"


_TITLE_DOT = frozenset(("St", "Ste", "Mt", "Ft"))
_POSSESSIVE = ("'s", "’s")
_POSSESSIVE_NAME = re.compile(r"(?<=\w)['’]s (?=\w)")
_SAINT = frozenset(("St", "Ste", "Saint"))
_DEDICATED_TO = re.compile(
    r"\b(?:[Cc]hurch|[Cc]athedral|[Cc]hapel|[Bb]asilica|[Mm]onastery|[Cc]onvent|[Aa]bbey|"
    r"[Pp]arish|[Ss]chool|[Cc]ollege|[Hh]ospital)(?:es|s)?\s+of\s+(?:the\s+)?"
    r"(?:(?:St\.?|Saint)\s+[A-Z][\w'’-]*\s+and\s+)?$")
_ARTICLE_FIRST = re.compile(r"\b(?:al|el|an|ar|as|ash|at|az|ad|ed|es|et|en|er)-[A-Z]")


def _tokens_at(toks: list[tuple[int, int]], offsets: Iterable[int]) -> list[int]:
    """Return the indices of the tokens that start at the given offsets (in order)."""
    out = []
    for at in offsets:
        k = bisect.bisect_left(toks, (at,))
        if k < len(toks) and toks[k][0] == at:
            out.append(k)
    return out


def find_spans(text: str, gaz: Gazetteer) -> list[Span]:
    """Return candidate toponym spans of ``text`` in order, longest match first."""
    toks = tokens(text, tuple(gaz.abbreviations))
    words = [text[a:b] for a, b in toks]
    # Names and surnames start with a capital: the few tokens that do are picked once,
    # with names behind an Arabic article in lower case ("in al-Bab").
    uppers = [k for k, w in enumerate(words) if w[0].isupper()]
    if "-" in text:
        # (Found by one scan of the text, not a second test of every word.)
        uppers = sorted(uppers + _tokens_at(toks, (m.start() for m in
                                                   _ARTICLE_FIRST.finditer(text))))
    placeish = gaz.well_known_names
    people = _people(text, toks, words, gaz, placeish, uppers)
    spans: list[Span] = []
    lines: dict[tuple[int, int], bool] = {}  # headline or not, per line
    n = len(toks)
    # What ``_longest_match`` asks of each token up to six times, answered once: does it
    # have a capital letter, and is only space or hyphens between it and the one before?
    # (``islower`` answers most words at C speed; it implies no upper-case letter.)
    capital = [not w.islower() and any(map(str.isupper, w)) for w in words]
    # (Mostly one space is between two words: that test costs less than ``strip``.)
    gaps = (text[e:s] for (_, e), (s, _) in zip(toks, toks[1:], strict=False))
    joined = [False] * (n > 0) + [gap == " " or not gap.strip(" -") for gap in gaps]
    # "St. Gallen", "Mt. Kenya": a short title's dot joins it to the name it opens.
    for k in compress(range(1, n), map(_TITLE_DOT.__contains__, words[:-1])):
        if text[toks[k - 1][1]:toks[k][0]] == ". ":
            joined[k] = True
    # "Cox's Bazar": a possessive inside a name (tried whole; "Syria's Idlib" is two).
    for k in _tokens_at(toks, (m.end() for m in _POSSESSIVE_NAME.finditer(text))):
        if k and capital[k]:
            joined[k] = True
    names = gaz.names_as_written  # surface -> names a place, for ``_longest_match``
    i = 0  # the first token not yet part of a span
    for i_upper in uppers:
        if i_upper < i:
            continue
        i = i_upper
        s, e = toks[i]
        match = _longest_match(text, toks, i, gaz, capital, joined, names)
        if match is not None and match[0] == i + 1 and norm(text[s:e]) in people:
            i += 1
            continue
        if match is not None and match[0] == i + 1 and _demonym_first(text[s:e], gaz):
            match = None  # "a Malian army convoy": not a hamlet of China called Malian
        if match is None:
            demonym = gaz.demonym(text[s:e]) if e - s > 3 else None
            if demonym is not None and not _demonym_in_name(text, toks, i, gaz):
                spans.append(Span(s, e, norm(text[s:e]), demonym=True,
                                  sentence_start=_sentence_start(text, s)))
            i += 1
            continue
        j, end = match
        span = _judge(text, toks, i, j, end, gaz, lines, placeish)
        if span is not None:
            spans.append(span)
        i = j
    return spans


# The most answers about names that a gazetteer's memos keep (``find_spans``): a
# stream of made-up words cannot fill memory.
_REMEMBERED = 200_000


def _placeish(word: str, gaz: Gazetteer, seen: dict[str, bool] | None = None) -> bool:
    """Tell whether a capitalised word names a well-known place (not "Adam", Oman).

    ``seen`` remembers the answers: a long text asks about the same words again and
    again, and a common name can have dozens of gazetteer entries to build.
    """
    if seen is not None:
        known = seen.get(word)
        if known is None:
            known = _placeish(word, gaz)
            if len(seen) < _REMEMBERED:
                seen[word] = known
        return known
    for place in gaz.lookup_key(norm(word), 5):
        if place.feature in ("continent", "country", "region", "admin1", "site"):
            return True
        if place.feature == "city" and place.population >= 100_000:
            return True
    return False


_SPEECH = frozenset("said says told added wrote asked explained noted according".split())
# Words that put the next name in a place: "officials in Ramadi said".
_PLACE_BEFORE = frozenset("in at near from outside".split())


def _people(text: str, toks: list[tuple[int, int]], words: list[str], gaz: Gazetteer,
            placeish: dict[str, bool] | None = None,
            uppers: list[int] | None = None) -> frozenset[str]:
    """Return surnames of the article: the last word of "First Last" runs and speakers.

    Later bare mentions ("Jones said") are then not taken for places. ``words[k]`` is
    the text of ``toks[k]``; ``uppers``, when given, the indices of the words that start
    with a capital.
    """
    people = set()
    # Only a word in Title case can be a surname: pick those in one pass first.
    if uppers is None:
        uppers = [k for k, w in enumerate(words) if w[0].isupper()]
    titled = [k for k in uppers if k and words[k][1:].islower()]
    for k in titled:
        ps, pe = toks[k - 1]
        s, e = toks[k]
        if text[pe:s] != " ":
            continue  # both a first name and a title stand one space before
        word = words[k]
        prev = words[k - 1]
        if (prev[0].isupper() and prev[1:].islower()
                and prev.lower() not in COMMON and prev.lower() not in PLACE_PREFIXES
                and not _placeish(prev, gaz, placeish) and not _names_place(text[ps:e], gaz)
                and not _placeish(word, gaz, placeish)):
            people.add(norm(word))
        elif prev.lower().rstrip(".") in TITLES:
            people.add(norm(word))
    # The speech verbs' indices, found in C: ``map`` tests every word.
    for k in compress(range(len(words)), map(_SPEECH.__contains__, words)):
        if not k:
            continue
        s, e = toks[k - 1]
        ns, ne = toks[k]
        if text[e:ns] == " " and text[s].isupper():
            if k > 1 and words[k - 2] in _PLACE_BEFORE:
                continue  # "a police source in Ramadi said": the place of the speaker
            key = norm(text[s:e])
            places = gaz.lookup_key(key, 1)
            if places and places[0].feature == "city":
                people.add(key)
    return frozenset(people)


def _longest_match(text: str, toks: list[tuple[int, int]], i: int, gaz: Gazetteer,
                   capital: list[bool], joined: list[bool], names: dict[str, bool] | None = None):
    """Return ``(next token index, end offset)`` of the longest gazetteer name at ``i``.

    Names run over tokens joined by spaces or hyphens (``joined``), and end in a token
    with a capital letter (``capital``). ``names`` remembers, per surface form, whether
    it names a place: texts try the same forms again and again (``find_spans`` passes
    the gazetteer's memo, ``Gazetteer.names_as_written``).
    """
    if names is None:
        names = {}
    s = toks[i][0]
    best = None
    last = min(len(toks), i + _MAX_WORDS)
    for j in range(i + 1, last + 1):
        if j - 1 > i and not joined[j - 1]:
            break
        if not capital[j - 1]:
            continue
        e = toks[j - 1][1]
        surface = text[s:e]
        known = names.get(surface)
        if known is None:
            known = gaz.has_key(norm(surface))
            if len(names) < _REMEMBERED:
                names[surface] = known
        if known:
            best = (j, e)
    return best


def _names_place(surface: str, gaz: Gazetteer) -> bool:
    """Tell whether a name as written names a place (remembered per gazetteer)."""
    known = gaz.names_as_written.get(surface)
    if known is None:
        known = gaz.has_key(norm(surface))
        if len(gaz.names_as_written) < _REMEMBERED:
            gaz.names_as_written[surface] = known
    return known


def _inside_name(text: str, toks: list[tuple[int, int]], i: int, j: int, gaz: Gazetteer,
                 placeish: dict[str, bool] | None = None) -> bool:
    """Tell whether tokens ``i:j`` sit inside a longer capitalised name (person, street).

    "Chiquita Raquel Henry", "Vladimir Putin" and "Dublin Road" are not places;
    "Alexandria Police" still mentions Alexandria, as the news corpora annotate it.
    """
    if i > 0:
        ps, pe = toks[i - 1]
        prev = text[ps:pe]
        gap = text[pe:toks[i][0]]
        if gap.strip() == "" and "\n" not in gap and prev[0].isupper():
            lower = prev.lower().rstrip(".")
            if lower in TITLES:
                return True
            if (lower not in COMMON and lower not in PLACE_PREFIXES
                    and not _placeish(prev, gaz, placeish)):
                # "Adam Morrow" opening a line is a name; "Like Moscow, ..." is not.
                name = text[toks[i][0]:toks[j - 1][1]]
                if not (_sentence_start(text, ps) and _placeish(name, gaz, placeish)):
                    return True
    if j < len(toks):
        ns, ne = toks[j]
        nxt = text[ns:ne]
        gap = text[toks[j - 1][1]:ns]
        if gap.strip() == "" and "\n" not in gap and nxt[0].isupper():
            lower = nxt.lower().rstrip(".")
            if lower in STREET_WORDS:
                return True
            if (lower not in COMMON and lower not in ADMIN_SUFFIX and lower not in ORG_WORDS
                    and not _names_place(nxt, gaz) and not _facility_after(text, toks, j)):
                return True
    return False


def _facility_after(text: str, toks: list[tuple[int, int]], j: int) -> bool:
    """Tell whether the capitalised words from token ``j`` name a facility of the place
    before them: "Deir Ezzor Military Airport", "Kabul International Airport" (one or
    two words, the last a facility noun) are at that place."""
    for k in range(j, min(j + 2, len(toks))):
        s, e = toks[k]
        if k > j and (text[toks[k - 1][1]:s] != " " or not text[s].isupper()):
            return False
        if text[s:e].lower() in _SITE_WORDS:
            return True
    return False


# The facilities that news names after the place they are at (a mosque, a square or a
# stadium is as often named after a person: "Badr Mosque", "Olympic Stadium").
_SITE_WORDS = frozenset({"airport", "airbase", "base", "dam", "barracks", "refinery",
                         "crossing", "checkpoint", "prison", "harbour", "harbor"})


def _demonym_first(word: str, gaz: Gazetteer) -> bool:
    """Tell whether a people's adjective that is also a place's name is read as the
    adjective: when no place of that name is a division or a town of 100,000."""
    if len(word) <= 3 or gaz.demonym(word) is None:
        return False
    return not any(p.feature in ("country", "admin1", "region", "continent")
                   or p.population >= 100_000 for p in gaz.lookup_key(norm(word)))


def _demonym_in_name(text: str, toks, i: int, gaz: Gazetteer) -> bool:
    """Tell whether a demonym starts or sits in an organisation's name.

    "Syrian Observatory for Human Rights" is one organisation, not Syria; "Turkish
    Foreign Minister" still refers to Turkey.
    """
    if i + 1 < len(toks):
        ns, ne = toks[i + 1]
        gap = text[toks[i][1]:ns]
        nxt = text[ns:ne]
        if gap.strip() == "" and "\n" not in gap and nxt[0].isupper():
            if nxt.lower() not in _DEMONYM_OK and not _names_place(nxt, gaz):
                return True
    if i > 0:
        ps, pe = toks[i - 1]
        prev = text[ps:pe]
        gap = text[pe:toks[i][0]]
        if gap.strip() == "" and "\n" not in gap and prev[0].isupper():
            lower = prev.lower()
            if lower in TITLES or (lower not in COMMON and not _names_place(prev, gaz)):
                return True
    return False


def _title_case_line(text: str, pos: int, seen: dict[tuple[int, int], bool] | None = None,
                     ) -> bool:
    """Tell whether the line around ``pos`` is a headline in Title Case.

    ``seen`` remembers the answer per line for the other names on it.

    Examples
    --------
    >>> _title_case_line("Quakes Kill Tens of Thousands in Turkey\\nTalks in Moscow.", 34)
    True
    """
    start = text.rfind("\n", max(0, pos - 300), pos) + 1
    end = text.find("\n", pos, pos + 300)
    if start == 0 and pos > 300 or end < 0 and len(text) - pos > 300:
        return False  # a line this long is a paragraph, not a headline
    line = (start, end if end >= 0 else len(text))
    if seen is not None and line in seen:
        return seen[line]
    # The first letters of the words of over three characters (``\S`` and ``str.split``
    # agree on whitespace), counted in C rather than word by word in Python.
    firsts = _LONG_WORD_FIRST.findall(text, line[0], line[1])
    title = len(firsts) >= 4 and sum(map(str.isupper, firsts)) >= 0.8 * len(firsts)
    if seen is not None:
        seen[line] = title
    return title


# The first character of each run of four or more non-space characters.
_LONG_WORD_FIRST = re.compile(r"(\S)\S{3,}")


def _shouted(text: str, toks, i: int) -> bool:
    """Tell whether the words around token ``i`` are in capitals too (a headline)."""
    near = [text[a:b] for a, b in toks[max(0, i - 2):i + 3]]
    return sum(w.isupper() and len(w) > 1 for w in near) >= 3


# Facility nouns that some gazetteer entry also names ("Airport", "Dam"): after another
# capitalised word they end a site's name and are no place of their own.
_FACILITY_WORDS = frozenset({
    "airport", "airbase", "dam", "bridge", "square", "base", "hospital", "prison",
    "stadium", "station", "harbour", "harbor", "port", "crossing", "checkpoint", "mosque",
    "church", "market", "university", "barracks", "refinery", "highway", "road", "street",
})


def _judge(text: str, toks, i: int, j: int, end: int, gaz: Gazetteer,
           lines: dict[tuple[int, int], bool], placeish: dict[str, bool]) -> Span | None:
    s = toks[i][0]
    surface = text[s:end]
    key = norm(surface)
    start_of_sentence = _sentence_start(text, s)
    if j - i == 1:
        lower = key
        if lower in COMMON:
            return None
        if lower in _FACILITY_WORDS and i > 0 and text[toks[i - 1][1]:s] == " " \
                and text[toks[i - 1][0]].isupper():
            return None  # "Kabul Airport", "the Mosul Dam": a word of a name, no town
        if surface.isupper() and len(surface) > 4 and _shouted(text, toks, i):
            return None  # a word of a headline in capitals, not a name
    if _inside_name(text, toks, i, j, gaz, placeish):
        return None
    if text[s:toks[i][1]] in _SAINT:
        if text[end:end + 2] in _POSSESSIVE:
            return None  # "St. Peter's Square", "St. Mary's hospital": a saint's building
        if _DEDICATED_TO.search(text, max(0, s - 60), s):
            return None  # "the church of St. Peter and St. Paul"
    hint = ""
    if j < len(toks):
        ns, ne = toks[j]
        nxt = text[ns:ne].lower()
        if nxt in ADMIN_SUFFIX and text[end:ns].strip() == "":
            hint = ADMIN_SUFFIX[nxt]
    cue = False
    if i > 0:
        ps, pe = toks[i - 1]
        if text[ps:pe].lower() in PREPOSITIONS and text[pe:s].strip() == "":
            cue = True
    after = text[end:end + 3]
    if after.startswith(", ") and j < len(toks) and text[toks[j][0]].isupper():
        cue = True
    if i > 0 and text[toks[i - 1][1]:s].strip() == ",":
        cue = True
    return Span(s, end, key, feature_hint=hint, cue=cue, sentence_start=start_of_sentence,
                headline=_title_case_line(text, s, lines))

