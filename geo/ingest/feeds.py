"""RSS and Atom feeds: each entry an article (read with feedparser)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from geo.errors import InputError
from geo.ingest.html import html_to_text
from geo.ingest.ids import article_id
from geo.ingest.parse import describe
from geo.ingest.published import to_date
from geo.model import Article, Failure


def _entry_get(entry: Any, key: str) -> Any:
    # `entry.get("updated")` would fall back to "published" (with a DeprecationWarning).
    return entry[key] if key in entry else None


def _entry_date(entry: Any, key: str) -> dt.date | None:
    """The entry's date as written (so the publisher's local day), else feedparser's UTC."""
    raw = _entry_get(entry, key)
    when = to_date(raw) if isinstance(raw, str) and raw.strip() else None
    parsed = _entry_get(entry, f"{key}_parsed")
    if when is None and parsed:
        try:
            when = dt.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
        except (TypeError, ValueError, OverflowError):  # year 0 has no date
            return None
    return when


def parse_feed(
    raw: bytes, source: str, published: dt.date | None = None
) -> list[Article | Failure]:
    """Read an RSS or Atom feed with feedparser: each entry is an article.

    The text is the entry's content, else its summary, with HTML removed; an entry with
    neither is its title alone, and one without a title either is skipped. An entry with
    only an update date (common in Atom) is dated by it; a date that is no date (year 0)
    is left out. A valid feed with no entries gives an empty list. An entry that cannot
    be read is a :class:`Failure` named ``source#entry-N``; the others are still read.

    Raises
    ------
    InputError
        The document is not a feed, or is too malformed for feedparser to find an entry.
    """
    import feedparser  # no stubs; lazy: heavy to import

    # A file object, never bytes or str: feedparser would take those for a path or URL.
    feed = feedparser.parse(io.BytesIO(raw))
    if not feed.entries:
        if feed.bozo:
            raise InputError(f"{source}: malformed feed ({feed.get('bozo_exception')})")
        if not feed.version:
            raise InputError(f"{source}: not an RSS or Atom feed")
    articles: list[Article | Failure] = []
    for number, entry in enumerate(feed.entries, start=1):
        name = f"{source}#entry-{number}"
        try:
            article = _entry_article(entry, name, published)
        except Exception as err:  # the last line of defence: the entry fails, not the feed
            articles.append(Failure(name, describe(err)))
            continue
        if article is not None:
            articles.append(article)
    return articles


def _entry_article(entry: Any, name: str, published: dt.date | None) -> Article | None:
    """Return one feed entry as an article, or None for an entry with no words at all."""
    contents = _entry_get(entry, "content") or []
    body = contents[0] if contents else _entry_get(entry, "summary_detail")
    value = (body or {}).get("value", "") or ""
    is_html = "html" in ((body or {}).get("type", "") or "text/html")
    text = (html_to_text(value) if is_html else value).strip()
    title = html_to_text(_entry_get(entry, "title") or "")
    if not (text or title):
        return None
    link = _entry_get(entry, "link") or None
    updated = _entry_date(entry, "updated")
    return Article(
        id=article_id(link, text or title),
        title=title or text.splitlines()[0],
        text=text or title,
        published=published or _entry_date(entry, "published") or updated,
        url=link,
        updated=updated,
        source=name,
    )
