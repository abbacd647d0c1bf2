"""Sentences and words with character offsets, aware of news abbreviations and captions.

Everything here runs in time linear in the text: extraction calls it on articles of
megabytes (the page takes 5 MB uploads).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

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
_END = re.compile(r"(?<![.!?])[.!?]++[\"”’')\]]*+\s+|\n+")


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
    return None if _FOLDS_TO_ASCII.search(text) else text.lower()


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
    for _ in range(words):
        while pos and (text[pos - 1].isspace() or text[pos - 1] == "-"):
            pos -= 1
        while pos and not (text[pos - 1].isspace() or text[pos - 1] == "-"):
            pos -= 1
    return pos


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
