"""Reading articles: files, folders, JSON lines, HTML pages, RSS/Atom feeds and URLs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Article:
    """One news article as the pipeline sees it."""

    id: str  # stable: from the URL when there is one, else from the normalised text
    title: str
    text: str
    published: dt.date | None
    url: str | None = None
    updated: dt.date | None = None
    source: str = ""  # where it was read from: a path, a URL, "feed URL#entry", ...
