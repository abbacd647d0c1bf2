"""Article identity: stable ids from the normalised URL or text, and text fingerprints.

An article's id comes from its URL when it has one, else from its normalised text, so
reading it again gives the same id. URL variants that name the same page give the same
id (:func:`normalise_url`). The same text reached by different URLs, or read as a file
and by its URL, has the same :func:`text_fingerprint`, which the store keeps unique.
"""

from __future__ import annotations

import hashlib
import re
import urllib.parse

# Query parameters that track a click or a campaign and never choose the page: dropped
# by name, whatever their case. Also any name starting with "utm_" or "ref_".
TRACKING_PARAMS = frozenset(
    "ref fbclid gclid gclsrc dclid gbraid wbraid msclkid yclid twclid ttclid li_fat_id "
    "igshid igsh mc_cid mc_eid _ga _gl _hsenc _hsmi mkt_tok oly_anon_id oly_enc_id "
    "vero_id vero_conv wickedid rb_clickid s_cid ncid cmpid ocid".split()
)
_TRACKING_PREFIXES = ("utm_", "ref_")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# A text shorter than this (after normalising) does not identify an article: headlines,
# one-line briefs and placeholders are shared by different articles, so they get no
# fingerprint and are never merged by text.
MIN_FINGERPRINT_CHARS = 200


def normalise_url(url: str) -> str:
    """Return the form of `url` that all its variants share, for the article id.

    `courlan <https://github.com/adbar/courlan>`_ (trafilatura's URL library) normalises
    the scheme, host and path: lower case, punycode decoded, percent-encoding made
    uniform, ``//`` runs collapsed, leading ``/..`` removed. Then these rules:

    - the fragment, the user name and password, and the scheme's default port go;
    - tracking parameters go: ``utm_*``, ``ref``, ``ref_*`` and the click ids in
      ``TRACKING_PARAMS`` (``fbclid``, ``gclid``...); every other parameter is kept,
      with blank values, sorted by name so their order does not matter;
    - a trailing slash goes (the root path stays ``/``).

    Examples
    --------
    >>> normalise_url("HTTPS://News.Example.org:443//a/b/?id=3&utm_source=rss&ref=tw#top")
    'https://news.example.org/a/b?id=3'
    >>> normalise_url("http://example.org?b=2&a=1&fbclid=x")
    'http://example.org/?a=1&b=2'
    """
    import courlan  # lazy: only when an article has a URL

    try:
        parts = urllib.parse.urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.strip()  # not a URL urllib can read: the text as given is all we have
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    try:
        base = courlan.normalize_url(
            urllib.parse.urlunsplit((scheme, netloc, parts.path, "", "")), trailing_slash=False
        )
        normal = urllib.parse.urlsplit(base)
        netloc, path = normal.netloc, normal.path
    except (ValueError, AttributeError):
        path = re.sub(r"/{2,}", "/", parts.path)
    path = re.sub(r"%[0-9a-f]{2}", lambda m: m.group(0).upper(), path)
    path = path.rstrip("/") or "/"
    query = sorted(
        (key, value)
        for key, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        if not _is_tracking(key)
    )
    return urllib.parse.urlunsplit((scheme, netloc, path, urllib.parse.urlencode(query), ""))


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name in TRACKING_PARAMS or name.startswith(_TRACKING_PREFIXES)


def normalise_text(text: str) -> str:
    """Return `text` with whitespace runs as one space, trimmed and case-folded.

    Examples
    --------
    >>> normalise_text("  Shelling  in\\nKHARKIV. ")
    'shelling in kharkiv.'
    """
    return " ".join(text.split()).casefold()


def text_fingerprint(text: str) -> str | None:
    """Return a hash of the normalised text, or None for a text too short to identify
    an article (under ``MIN_FINGERPRINT_CHARS`` characters once normalised).

    Examples
    --------
    >>> long = "Shelling in Kharkiv. " * 20
    >>> text_fingerprint(long) == text_fingerprint(long.upper() + "\\n")
    True
    >>> text_fingerprint("Explosion reported.") is None
    True
    """
    normal = normalise_text(text)
    if len(normal) < MIN_FINGERPRINT_CHARS:
        return None
    return hashlib.sha256(normal.encode("utf-8", "surrogatepass")).hexdigest()


def article_id(url: str | None, text: str) -> str:
    """Return a stable 16-hex-digit id: from the normalised URL, else the normalised text.

    Examples
    --------
    >>> article_id("https://ex.org/a?utm_medium=x", "") == article_id("https://EX.org/a/#c", "")
    True
    >>> article_id(None, "Shelling  in\\nKharkiv") == article_id(None, "shelling in Kharkiv ")
    True
    """
    key = f"url:{normalise_url(url)}" if url else "text:" + normalise_text(text)
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]
