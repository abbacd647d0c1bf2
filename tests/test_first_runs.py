"""``first_runs``: the words a pattern's matches can start with, and the look-ups built on it.

Triggers and actors try a pattern only on texts that hold one of those words, so a set
that missed a word would silently drop matches: the sets are checked against the
patterns on generated text.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.events import actors, triggers
from geo.text.sentences import LETTERS, first_runs

HEADS = re.compile(rf"\b(?:{actors._HEADS})\b")
# Every pattern a look-up guards, with the pattern its set was read from.
GUARDED = [(pattern, pattern) for pattern, _ in triggers.PHRASES] + [
    (triggers._NOT_INCIDENT, triggers._NOT_INCIDENT),
    (actors.NAMED, actors.NAMED),
    (actors.ACTOR, HEADS),  # an actor phrase holds a head word
]


def test_runs_of_a_simple_pattern():
    pattern = re.compile(r"\b(?:air ?strikes?|(?:CS|tear)[- ]gas|M23)\b")
    assert first_runs(pattern) == {"air", "airstrike", "airstrikes", "CS", "tear", "M"}


@pytest.mark.parametrize("source, flags", [
    (r"\b(?:bases?)", 0),  # may end inside a run: "basement"
    (r"(?:bases?)\b", 0),  # may start inside a run: "airbase"
    (r"\b[a-z]+ed\b", 0),  # a class of letters
    (r"\b(?:a|b)(?:c)*\b", 0),  # letters repeated without bound
    (r"\b\d+ killed\b", 0),  # starts with a digit
    (r"\bkilled\b", re.IGNORECASE),  # "Killed" too
    (r"\b(?i:killed)\b", 0),
])
def test_no_set_where_a_match_can_start_elsewhere(source, flags):
    assert first_runs(re.compile(source, flags)) is None


def test_every_guarded_pattern_has_a_set():
    # None would be safe but slow: every sentence would be tried again.
    assert all(first_runs(source) is not None for _, source in GUARDED)


def _vocabulary() -> list[str]:
    words = {run for _, source in GUARDED for run in first_runs(source) or ()}
    words |= {"the", "a", "of", "to", "was", "were", "by", "and", "in", "Kabul", "Idlib",
              "Three", "police", "officers", "personnel", "down", "over", "fire", "death",
              "control", "with", "bomb", "bombs", "gas", "strike", "deal", "rally",
              "up", "on", "into", "custody", "set", "ablaze", "emergency"}
    return sorted(words)


WORDS = _vocabulary()
GLUE = [" ", " ", " ", "-", ", ", ". ", "'", "’", "", "(", "é", "3", "_"]
texts = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(GLUE)), max_size=12).map(
    lambda parts: "".join(word + glue for word, glue in parts))
cases = st.one_of(texts, texts.map(str.lower), texts.map(str.upper), texts.map(str.title))


@settings(max_examples=800, deadline=None)
@given(text=cases)
def test_a_text_without_the_words_has_no_match(text):
    runs = set(LETTERS.findall(text))
    for pattern, source in GUARDED:
        if pattern.search(text):
            assert not first_runs(source).isdisjoint(runs), (pattern.pattern[:60], text)


def _unguarded(func, text):
    """Return ``func(text)`` with every pattern tried on every text, as before the sets."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(triggers, "_PHRASE_RUNS", [None] * len(triggers.PHRASES))
        mp.setattr(triggers, "_PHRASES_BY_RUN", None)
        mp.setattr(triggers, "_NOT_INCIDENT_RUNS", None)
        mp.setattr(actors, "_PATTERN_RUNS", ((actors.NAMED, None), (actors.ACTOR, None)))
        return func(text)


@settings(max_examples=300, deadline=None)
@given(text=cases)
def test_triggers_and_actors_are_those_of_every_pattern_tried(text):
    assert triggers.find_triggers(text) == _unguarded(triggers.find_triggers, text)
    spans = actors.actor_spans.__wrapped__
    assert spans(text) == _unguarded(spans, text)


@pytest.mark.parametrize("sentence, deaths", [
    ("Five people were KILLED in Kabul.", 5),
    ("Ten soldiers were killed near the Kelvin-sign town \u212aabul.", 10),
    ("İstanbul: two protesters died.", 2),
    ("Talks went on in Geneva.", None),
])
def test_fatalities_in_any_case(sentence, deaths):
    assert actors.fatalities(sentence) == deaths
