"""Stable article ids: from the normalised URL when there is one, else from the text."""

from __future__ import annotations

import hashlib
import urllib.parse


def normalise_url(url: str) -> str:
    """Return `url` with scheme and host lowercased, no fragment, no ``utm_*`` parameters.

    Examples
    --------
    >>> normalise_url("HTTPS://News.Example.org/a/b?id=3&utm_source=rss#top")
    'https://news.example.org/a/b?id=3'
    """
    parts = urllib.parse.urlsplit(url.strip())
    query = [
        (key, value)
        for key, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        if not key.lower().startswith("utm_")
    ]
    return urllib.parse.urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/",
         urllib.parse.urlencode(query), "")
    )  # fmt: skip


def article_id(url: str | None, text: str) -> str:
    """Return a stable 16-hex-digit id: from the normalised URL, else the normalised text.

    Examples
    --------
    >>> article_id("https://ex.org/a?utm_medium=x", "") == article_id("https://EX.org/a#c", "")
    True
    >>> article_id(None, "Shelling  in\\nKharkiv") == article_id(None, "shelling in Kharkiv ")
    True
    """
    key = f"url:{normalise_url(url)}" if url else "text:" + " ".join(text.split()).casefold()
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
