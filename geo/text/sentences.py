"""Sentence splitting with character offsets, aware of news abbreviations and captions."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A full stop after these is not the end of a sentence ("U.S. forces", "Feb. 6").
_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof gen col capt lt sgt maj adm sen rep gov st mt ft jr sr inc corp co
    ltd vs no jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n e.u d.c
    ala ariz ark calif colo conn del fla ga ill ind kan kans ky la md mass mich minn miss
    mo mont neb nev okla ore pa tenn tex vt va wash wis wyo
    """.split()
)
_END = re.compile(r"[.!?]+[\"”’')\]]*\s+|\n+")


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
