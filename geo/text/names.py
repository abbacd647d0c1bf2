"""Name normalisation shared by the gazetteer index and the geoparser.

Both sides of a lookup must fold names the same way, so this is the single place that
decides what "the same name" means: case, accents, hyphens, apostrophes and dots are
folded, Arabic articles inside a name are dropped ("Deir ez-Zor" and "Deir Ezzor" are
one name), and a leading one (al-, ar-, el-, ...) can be dropped.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Apostrophes, ayn/hamza marks and backticks vanish ("Dar'a" -> "dara"); hyphens, dots
# and slashes become spaces ("Deir ez-Zor" -> "deir ez zor", "U.S." -> "u s").
_DROP = dict.fromkeys(map(ord, "'’‘`´ʿʾʼʻ\u02bf\u02be"), None)
_SPACE = dict.fromkeys(map(ord, "-‐‑‒–—./,()"), " ")
_WS = re.compile(r"\s+")
# Both in one table (no character is in both), and a scan for any of them.
_MARKS = _DROP | _SPACE
_MARK = re.compile("[" + re.escape("".join(map(chr, _MARKS))) + "]")
_ARTICLES = frozenset(
    ["al", "ar", "as", "ad", "an", "ash", "at", "az", "el", "es", "ez", "ed", "en", "et", "er"]
)


@lru_cache(maxsize=200_000)
def norm(name: str) -> str:
    """Fold ``name`` to its index key.

    Examples
    --------
    >>> norm("Deir ez-Zor")  # an article inside a name goes, see below
    'deir zor'
    >>> norm("Kahramanmaraş")
    'kahramanmaras'
    >>> norm("U.S.")
    'u s'
    """
    if name.isascii():
        stripped = name  # nothing to decompose, no accent, none of the letters below
    else:
        decomposed = unicodedata.normalize("NFKD", name)
        # Dotless i and a few letters NFKD leaves alone are folded by hand.
        stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
        stripped = stripped.replace("ı", "i").replace("ø", "o").replace("ß", "ss")
        stripped = stripped.replace("đ", "d").replace("ł", "l").replace("æ", "ae")
        stripped = stripped.replace("œ", "oe")
    # (Most names hold none of the marks: a scan for them costs less than a translation.)
    folded = (stripped.translate(_MARKS) if _MARK.search(stripped) else stripped).lower()
    words = folded.split()
    if len(words) > 2 or (len(words) == 2 and len(words[1]) >= 5):
        words = _without_inner_articles(words)
    return " ".join(words)


# An Arabic article assimilated to the word it opens: "Ezzor", "Essalam", "Ennahda".
_ASSIMILATED = re.compile(r"^[ae]([tdrzsnl])(?=\1\w{2})")


def _without_inner_articles(words: list[str]) -> list[str]:
    """Drop the Arabic articles inside a name, so that its spellings meet.

    "Deir ez-Zor", "Deir Ezzor" and "Deir el-Zor" all fold to "deir zor"; "Jisr
    al-Shughur" and "Jisr ash-Shughur" to "jisr shughur". The first word keeps its
    article (``strip_article`` deals with it), and so does a last word that is one.

    Examples
    --------
    >>> [norm(n) for n in ("Deir ez-Zor", "Deir Ezzor", "Ras al-Ain", "Ras al Ain")]
    ['deir zor', 'deir zor', 'ras ain', 'ras ain']
    >>> norm("Al-Bab"), norm("Port Said"), norm("New York")
    ('al bab', 'port said', 'new york')
    """
    out = [words[0]]
    for k, word in enumerate(words[1:], start=1):
        if word in _ARTICLES and k < len(words) - 1:
            continue
        # (Only a word that opens with "a" or "e" and a doubled letter can hold one.)
        out.append(_ASSIMILATED.sub("", word) if word[:1] in "ae" and word[1:2] == word[2:3]
                   else word)
    return out


def strip_article(key: str) -> str:
    """Drop a leading Arabic article from a normalised key, if one is there.

    Examples
    --------
    >>> strip_article("al qamishli")
    'qamishli'
    >>> strip_article("alexandria")
    'alexandria'
    """
    head, _, rest = key.partition(" ")
    if head in _ARTICLES and rest:
        return rest
    return key


def is_latin(name: str) -> bool:
    """Tell whether ``name`` is written in Latin script (the only one English text uses).

    Examples
    --------
    >>> is_latin("Jindayris"), is_latin("جنديرس")
    (True, False)
    """
    has_letter = False
    for c in name:
        if c.isalpha():
            has_letter = True
            if ord(c) > 0x24F and not unicodedata.combining(c) and c not in "ḨḩḑḐṢṣṬṭẒẓḤḥŢţẔẕ":
                if not 0x1E00 <= ord(c) <= 0x1EFF:
                    return False
    return has_letter


# Spellings of one sound in English, French and older transliterations of Arabic,
# Persian, Turkic and Slavic names ("Shaykh" / "Sheikh" / "Cheikh", "Qasr" / "Kasr",
# "Dzhokhar" / "Jokhar"), folded to one letter each; longest first.
_SOUNDS = (("tch", "x"), ("dzh", "j"), ("sch", "x"), ("sh", "x"), ("ch", "x"), ("zh", "j"),
           ("dj", "j"), ("kh", "k"), ("gh", "g"), ("dh", "d"), ("th", "t"), ("ph", "f"),
           ("ck", "k"), ("q", "k"), ("c", "k"), ("ou", "u"), ("w", "u"))
# Shorter sounds name too many places to tell one from another ("Homs" is "hams").
SOUND_MIN = 5
_SOUND = re.compile("|".join(a for a, _ in _SOUNDS))
_SOUND_OF = dict(_SOUNDS)
_VOWELS = re.compile(r"[aeiou]+")
_DOUBLE = re.compile(r"([^aeiou ])\1+")
_Y_VOWEL = re.compile(r"y(?![aeiou])")


def sound(key: str) -> str:
    """Fold a normalised name (``norm``) to how it sounds, for names spelt many ways.

    Digraphs for one sound fold to one letter, every run of vowels to ``a``, doubled
    letters to one, a final ``h`` after a vowel goes, Arabic articles and the spaces
    between words are dropped.
    Two spellings of a name meet ("Harbinefseh" and "Harbinafsah", "Sheikh Meskin" and
    "Shaykh Miskin"); names that differ in their consonants stay apart. Too loose to
    look names up with alone: ``Gazetteer.sounding`` asks for a country too.

    Examples
    --------
    >>> sound(norm("Sheikh Meskin")) == sound(norm("Shaykh Miskīn"))
    True
    >>> sound(norm("Kafr Nabuda")) == sound(norm("Kafr Nabūdah"))
    True
    >>> sound(norm("Noushera")) == sound(norm("Nowshera"))
    True
    >>> sound(norm("Homs")) == sound(norm("Hama"))
    False
    """
    words = []
    for word in key.split():
        if word in _ARTICLES:
            continue
        word = _SOUND.sub(lambda m: _SOUND_OF[m.group()], word)
        # "y" before a vowel is a consonant ("Yaha"), elsewhere a vowel ("Shaykh").
        word = _VOWELS.sub("a", _Y_VOWEL.sub("i", word) if "y" in word else word)
        word = _DOUBLE.sub(r"\1", word)
        if len(word) > 2 and word.endswith("ah"):
            word = word[:-1]
        words.append(word)
    return "".join(words)
