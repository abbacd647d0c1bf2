"""Sentences and words with character offsets, aware of news abbreviations and captions.

Everything here runs in time linear in the text: extraction calls it on articles of
megabytes (the page takes 5 MB uploads).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

# A full stop after these is not the end of a sentence ("U.S. forces", "Feb. 6").
_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof gen col capt lt sgt maj adm sen rep gov st mt ft jr sr inc corp co
    ltd vs no jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n e.u d.c
    ala ariz ark calif colo conn del fla ga ill ind kan kans ky la md mass mich minn miss
    mo mont neb nev okla ore pa tenn tex vt va wash wis wyo
    """.split()
)
# Possessive runs, tried only where a run of stops starts: "[.!?]+" backtracking through
# a long run of full stops, from every one of them, took seconds for a few thousand.
# (That is ``(?<![.!?])[.!?]++[\"”’')\]]*+\s+|\n+``, led by the one class its matches
# start with, so that the scan skips every other character in C.)
_END = re.compile(r"[.!?\n](?:(?<=\n)\n*|(?<![.!?][.!?])[.!?]*+[\"”’')\]]*+\s+)")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of an article: ``text[start:end] == self.text``."""

    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Sentence]:
    """Split ``text`` into sentences; lines (headlines, captions, bylines) always end one.

    Examples
    --------
    >>> [s.text for s in split_sentences("U.S. forces left on Feb. 6. Talks resumed.")]
    ['U.S. forces left on Feb. 6.', 'Talks resumed.']
    """
    out: list[Sentence] = []
    start = 0
    for m in _END.finditer(text):
        cut = m.start()
        if "\n" not in m.group() and not _is_boundary(text, cut, m.end()):
            continue
        end = m.end() - (len(m.group()) - len(m.group().rstrip()))
        _add(out, text, start, end)
        start = m.end()
    _add(out, text, start, len(text))
    return out


def _is_boundary(text: str, dot: int, after: int) -> bool:
    if text[dot] != ".":
        return True
    word = text[max(0, dot - 6):dot].split()[-1:] or [""]
    token = word[0].lstrip("(\"“").lower()
    if token in _ABBREVIATIONS:
        # "in the U.S. The next day" still ends; "U.S. forces" does not.
        return after < len(text) and text[after].isupper() and token not in _TITLE_LIKE
    if len(token) == 1 and token.isalpha():
        return False  # an initial: "George W. Bush"
    return after >= len(text) or not text[after].islower()


_TITLE_LIKE = frozenset(
    "mr mrs ms dr prof gen col capt lt sgt maj adm sen rep gov st mt ft jan feb mar apr "
    "jun jul aug sep sept oct nov dec no".split()
)


def _add(out: list[Sentence], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        out.append(Sentence(start, end, text[start:end]))


# --- words -------------------------------------------------------------------------

# "U.S." and "U.K." are tokens of their own; otherwise words with inner hyphens or
# apostrophes ("ez-Zor", "Dar'a") stay whole.
_TOKEN = re.compile(r"(?:[A-Z]\.){2,}|\w+(?:[-'’]\w+)*", re.UNICODE)
_POSSESSIVE = ("'s", "’s")


@lru_cache(maxsize=8)
def _token_pattern(abbreviations: tuple[str, ...]) -> re.Pattern[str]:
    # Known abbreviations with dots ("W.Va.", "Calif.") are single tokens.
    if not abbreviations:
        return _TOKEN
    known = "|".join(re.escape(a) for a in abbreviations)
    # The lookahead lets most places skip the list of abbreviations at one test.
    firsts = "".join(sorted({re.escape(a[0]) for a in abbreviations}))
    return re.compile(f"(?=[{firsts}])(?:{known})(?!\\w)|{_TOKEN.pattern}")


def tokens(text: str, abbreviations: tuple[str, ...] = ()) -> list[tuple[int, int]]:
    """Return word token offsets, with possessive endings cut off ("Syria's").

    Examples
    --------
    >>> text = "Syria's Moscow-hosted talks"
    >>> [text[a:b] for a, b in tokens(text)]
    ['Syria', 'Moscow', 'hosted', 'talks']
    """
    spans = [m.span() for m in _token_pattern(abbreviations).finditer(text)]
    # Only tokens with a hyphen or an apostrophe need a second look: find those
    # characters and the tokens holding them, rather than look into every token.
    starts = None
    marked: list[int] = []
    for m in _MARKS.finditer(text):
        if starts is None:
            starts = [start for start, _ in spans]
        k = bisect.bisect_right(starts, m.start()) - 1
        if k >= 0 and m.start() < spans[k][1] and (not marked or marked[-1] != k):
            marked.append(k)
    if not marked:
        return spans
    out: list[tuple[int, int]] = []
    done = 0
    for k in marked:
        out += spans[done:k]
        done = k + 1
        start, end = spans[k]
        if text.endswith(_POSSESSIVE, start, end) and end - start > 2:
            end -= 2
        # "Moscow-hosted", "U.S.-backed": a name with a lower-case word hyphenated on
        # is the name and that word.
        cut = text.rfind("-", start, end)
        if cut > start and text[start].isupper() and text[cut + 1:end].islower():
            out.append((start, cut))
            start = cut + 1
        out.append((start, end))
    out += spans[done:]
    return out


# The characters that ``tokens`` may cut a token at: possessive apostrophes, hyphens.
_MARKS = re.compile("[-'’]")


# The only characters outside ASCII that a case-insensitive pattern matches to an ASCII
# letter (İ ı ſ K); "İ" is also the only character that lower-cases to two.
_FOLDS_TO_ASCII = re.compile("[\u0130\u0131\u017f\u212a]")


def lowered(text: str) -> str | None:
    """Return ``text`` lower-cased for case-sensitive patterns of lower-case ASCII words.

    Such a pattern finds in the result exactly the matches, at the same offsets, that it
    finds in ``text`` with IGNORECASE, and several times faster. None when ``text`` has
    one of the four characters for which that does not hold (İ ı ſ K): use IGNORECASE.

    Examples
    --------
    >>> lowered("Quakes struck Türkiye"), lowered("Istanbul, İstanbul")
    ('quakes struck türkiye', None)
    """
    if text.isascii():  # (answered from the string's header, in constant time)
        return text.lower()
    return None if _FOLDS_TO_ASCII.search(text) else text.lower()


# An upper-case ASCII letter that is no escape's letter (``\S``, ``\W``, ``\B``, ...) nor
# that of a named group (``(?P<name>...)``, ``(?P=name)``).
_UPPER_LITERAL = re.compile(r"\\.|\(\?P[<=]|([A-Z])", re.DOTALL)


def lower_case_copy(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """Return a case-insensitive ``pattern`` of lower-case words compiled case-sensitively.

    On ``lowered(text)`` the copy finds the matches ``pattern`` finds in ``text``, at the
    same offsets, and several times faster. None when ``pattern`` is not case-insensitive
    or names an upper-case letter (which the lower-cased text does not hold): use it as
    it is.

    Examples
    --------
    >>> copy = lower_case_copy(re.compile(r"\\bnear\\s+$", re.IGNORECASE))
    >>> copy.search(lowered("Fighting NEAR ")).start()
    9
    >>> lower_case_copy(re.compile(r"\\bAir\\s+Base", re.IGNORECASE)) is None
    True
    """
    if not pattern.flags & re.IGNORECASE or any(
            m.group(1) for m in _UPPER_LITERAL.finditer(pattern.pattern)):
        return None
    return re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE)


def words_back(text: str, pos: int, words: int) -> int:
    """Return where the ``words``-th word before ``pos`` starts (a word cut by ``pos`` counts).

    Words here are runs between whitespace and hyphens, so a phrase of at most ``words``
    words before a point at or after ``pos`` ("in the mid-" before "March") starts at or
    after the offset returned.

    Examples
    --------
    >>> text = "Talks began in the mid-March talks"
    >>> [text[words_back(text, 23, n):23] for n in (0, 1, 3, 9)]
    ['', 'mid-', 'in the mid-', 'Talks began in the mid-']
    """
    if words <= 0:
        return pos
    # The words in a window before ``pos``, found in C; the first may be cut by the
    # window's start, so it counts only when the window starts the text.
    lo = max(0, pos - 24 * words - 16)
    starts = [m.start() for m in _PIECE.finditer(text, lo, pos)]
    if len(starts) > words or (lo == 0 and len(starts) == words):
        return starts[-words]
    if lo == 0:
        return 0  # fewer words than asked: the text's start
    for _ in range(words):  # long words: one character at a time
        while pos and (text[pos - 1].isspace() or text[pos - 1] == "-"):
            pos -= 1
        while pos and not (text[pos - 1].isspace() or text[pos - 1] == "-"):
            pos -= 1
    return pos


# A word of ``words_back``: a run of characters that are neither whitespace (as
# ``str.isspace`` tells, which ``\s`` follows) nor hyphens.
_PIECE = re.compile(r"[^\s-]+")


class Words:
    """A sentence and, found at the first look far back, the offsets of its words.

    For the words before an offset: splitting all the text before each of many offsets
    made a long sentence with many dates quadratic.

    Examples
    --------
    >>> words = Words("Talks  will resume on Monday")
    >>> words.before(22, 2), words.before(9, 8), words.before(0, 8)
    ('resume on', 'Talks wi', '')
    """

    __slots__ = ("_ends", "_starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] | None = None
        self._ends: list[int] = []

    def before(self, pos: int, n: int) -> str:
        """Return ``" ".join(self.text[:pos].split()[-n:])``."""
        # Mostly the last 200 characters hold the words wanted: when they hold more
        # than ``n`` words, the first of which may be cut, the last ``n`` are whole.
        near = max(0, pos - 200)
        words = self.text[near:pos].split()
        if near == 0 or len(words) > n:
            return " ".join(words[-n:])
        if self._starts is None:
            spans = [m.span() for m in _NON_SPACE.finditer(self.text)]
            self._starts = [start for start, _ in spans]
            self._ends = [end for _, end in spans]
        last = bisect.bisect_left(self._starts, pos)  # words that start before pos
        first = max(0, last - n)
        return " ".join(self.text[self._starts[k]:min(self._ends[k], pos)]
                        for k in range(first, last))


# ``str.split`` and ``\s`` agree on what is whitespace (both ask ``str.isspace``).
_NON_SPACE = re.compile(r"\S+")


# --- the words a pattern can start with ----------------------------------------------
# A pattern that starts with a word boundary is tried at every word of a text, and one
# of many words (actor heads, trigger phrases) tries them all there; looking a text's
# words up in a set is done in C. ``first_runs`` gives the set, read off the pattern.

# Runs of ASCII letters: the words ``first_runs`` speaks of.
LETTERS = re.compile("[A-Za-z]+")


def first_runs(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Return the runs of ASCII letters that the matches of ``pattern`` can start with.

    A match that starts with a letter at a word boundary starts a run of the text's
    letters (``LETTERS``), and takes all of it when the pattern ends the run with a
    non-letter or a word boundary: a text none of whose runs is in the set holds no
    match. The set is read off the pattern as Python's own parser sees it. None when
    the pattern is not of that shape (it can start or end inside a run, or goes on with
    a class of letters), or has flags that change what a letter matches: such a pattern
    must be tried on every text.

    Examples
    --------
    >>> sorted(first_runs(re.compile(r"\\b(?:air ?strikes?|(?:CS|tear)[- ]gas)\\b")))
    ['CS', 'air', 'airstrike', 'airstrikes', 'tear']
    >>> first_runs(re.compile(r"\\b(?:bases?)")) is None  # "basement" starts a match
    True
    >>> first_runs(re.compile(r"(?:bases?)\\b")) is None  # so does "airbase"
    True
    """
    if pattern.flags & re.IGNORECASE:
        return None
    states = _runs(_parser.parse(pattern.pattern, pattern.flags), {("", False, False)})
    if states is None or any(not ended for _, _, ended in states):
        return None
    return frozenset(run for run, _, _ in states)


# What a match may have read so far: its letters, whether it started at a word boundary,
# and whether their run has ended.
_States = set[tuple[str, bool, bool]]
_MAX_REPEATS = 8  # repeats of letters beyond this: no finite set worth having


def _runs(items: Any, states: _States) -> _States | None:
    """Follow ``states`` through the parsed ``items``; None where they cannot be told."""
    for op, av in items:
        if all(ended for _, _, ended in states):
            break  # the rest of the pattern reads no more of the first run
        if op is sre.LITERAL:
            next_states = _consume(states, chr(av))
        elif op is sre.IN and all(kind is sre.LITERAL for kind, _ in av):
            next_states = _union(_consume(states, chr(code)) for _, code in av)
        elif op is sre.AT and av is sre.AT_BOUNDARY:
            # Before any letter, the match's own boundary; after letters, the run's end.
            next_states = {(run, bounded or not run, ended or bool(run))
                           for run, bounded, ended in states}
        elif op is sre.BRANCH:
            next_states = _union(_runs(branch, states) for branch in av[1])
        elif op is sre.SUBPATTERN and not av[1] and not av[2]:  # (?:...) with no flags
            next_states = _runs(av[3], states)
        elif op is sre.MAX_REPEAT or op is sre.MIN_REPEAT:
            least, most, repeated = av
            next_states = _repeat(least, most, repeated, states)
        else:
            return None
        if next_states is None:
            return None
        states = next_states
    return states


def _union(alternatives: Any) -> _States | None:
    out: _States = set()
    for states in alternatives:
        if states is None:
            return None
        out |= states
    return out


def _consume(states: _States, char: str) -> _States | None:
    """Read one character; None when a match could start otherwise than a run does."""
    out: _States = set()
    for run, bounded, ended in states:
        if ended:
            out.add((run, bounded, ended))
        elif not bounded:
            return None  # no word boundary before the first letter: it can be mid-run
        elif char.isascii() and char.isalpha():
            out.add((run + char, bounded, False))
        elif run:
            out.add((run, bounded, True))
        else:
            return None  # a match that starts with something else than a letter
    return out


def _repeat(least: int, most: int, items: Any, states: _States) -> _States | None:
    out: _States = set() if least else set(states)
    for count in range(1, min(most, _MAX_REPEATS) + 1):
        next_states = _runs(items, states)
        if next_states is None:
            return None
        states = next_states
        done = all(ended for _, _, ended in states)
        if count >= least or done:
            out |= states
        if done:
            return out  # more repeats cannot change runs that have ended
    return None if most > _MAX_REPEATS else out
