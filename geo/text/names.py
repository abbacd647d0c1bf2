"""Name normalisation shared by the gazetteer index and the geoparser.

Both sides of a lookup must fold names the same way, so this is the single place that
decides what "the same name" means: case, accents, hyphens, apostrophes and dots are
folded, and a leading Arabic article (al-, ar-, el-, ...) can be dropped.
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
_ARTICLES = frozenset(
    ["al", "ar", "as", "ad", "an", "ash", "at", "az", "el", "es", "ez", "ed", "en", "et", "er"]
)


@lru_cache(maxsize=200_000)
def norm(name: str) -> str:
    """Fold ``name`` to its index key.

    Examples
    --------
    >>> norm("Deir ez-Zor")
    'deir ez zor'
    >>> norm("Kahramanmaraş")
    'kahramanmaras'
    >>> norm("U.S.")
    'u s'
    """
    decomposed = unicodedata.normalize("NFKD", name)
    # Dotless i and a few letters NFKD leaves alone are folded by hand.
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.replace("ı", "i").replace("ø", "o").replace("ß", "ss").replace("đ", "d")
    stripped = stripped.replace("ł", "l").replace("æ", "ae").replace("œ", "oe")
    folded = stripped.translate(_DROP).translate(_SPACE).lower()
    return _WS.sub(" ", folded).strip()


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
