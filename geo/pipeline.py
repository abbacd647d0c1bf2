"""The whole pipeline for a batch: read articles, extract events, link quakes, store.

Functions take the store and the gazetteer as arguments; reading and writing happen in
``geo.ingest.read`` and ``geo.store.sqlite``, so this module only decides the order of things and
what a batch reports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from geo.errors import GeoError
from geo.events.extract import extract_events
from geo.events.quakes import LINK_DAYS_PUBLISHED, link_quakes
from geo.ingest.ids import article_id, normalise_text
from geo.ingest.parse import describe
from geo.ingest.read import read_inputs
from geo.limits import DEFAULT_MAX_BYTES
from geo.model import CATALOG_ARTICLE_ID, Article, Event, EventQuery, Failure
from geo.places.gazetteer import Gazetteer, load_gazetteer
from geo.store.base import Store
from geo.text.dates import shift

ALREADY_STORED = "already stored"


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What one batch did: counts, and each failure and warning naming its input."""

    stored: int
    already_stored: int
    events: int
    failures: tuple[Failure, ...]
    warnings: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        parts = [f"{self.stored} article(s) stored with {self.events} event(s)"]
        if self.already_stored:
            parts.append(f"{self.already_stored} already stored")
        if self.warnings:
            parts.append(f"{len(self.warnings)} warning(s)")
        parts.append(f"{len(self.failures)} failed")
        return ", ".join(parts)


def article_events(article: Article, gazetteer: Gazetteer | None = None,
                   catalog: Sequence[Event] = ()) -> list[Event]:
    """Return an article's events, earthquakes linked to the catalog quakes they report."""
    events = extract_events(article, gazetteer=gazetteer or load_gazetteer())
    if catalog and any(e.event_type == "earthquake" for e in events):
        events = link_quakes(events, catalog)
    return events


def catalog_near(store: Store, events: Iterable[Event]) -> list[Event]:
    """Return the stored catalog quakes a week around the events' quake dates."""
    dates = [e.date for e in events if e.event_type == "earthquake" and e.date]
    return [e for e in _quakes_around(store, dates)
            if e.usgs_id and e.article_id == CATALOG_ARTICLE_ID]


def _quakes_around(store: Store, dates: list[dt.date]) -> list[Event]:
    """Return the stored earthquake events within a week of ``dates``' span."""
    if not dates:
        return []
    return store.query(EventQuery(types=("earthquake",),
                                  since=shift(min(dates), -LINK_DAYS_PUBLISHED),
                                  until=shift(max(dates), LINK_DAYS_PUBLISHED)))


def ingest(inputs: Iterable[str], store: Store, *, published: dt.date | None = None,
           max_bytes: int = DEFAULT_MAX_BYTES, gazetteer: Gazetteer | None = None,
           on_item: Callable[[str, str], None] | None = None,
           allow_private: bool | None = None) -> IngestReport:
    """Read ``inputs`` and store each new article with its events, one transaction each.

    ``on_item(source, message)`` is called for every failure, warning and stored article
    (the command line prints them). An article already in the store is left as it is.
    ``allow_private`` lets URLs reach local and private addresses (``None``: the
    operator's ``GEO_ALLOW_PRIVATE_URLS``; see ``geo.ingest.fetch.fetch``).
    """
    items = read_inputs(inputs, published=published, max_bytes=max_bytes,
                        allow_private=allow_private)
    return store_articles(items, store, gazetteer=gazetteer, on_item=on_item)


def store_articles(items: Iterable[Article | Failure], store: Store, *,
                   gazetteer: Gazetteer | None = None,
                   on_item: Callable[[str, str], None] | None = None,
                   extract: Callable[[Article], list[Event]] | None = None,
                   undated_hint: str = "use --published") -> IngestReport:
    """Store articles already read (an upload, a paste) as ``ingest`` does.

    Each article is its own unit of failure: whatever goes wrong while extracting or
    storing it (any exception) is a Failure naming it, with a one-line reason, and the
    batch goes on; articles stored before it stay stored. An article already stored
    (same id, or the same text under another id) is counted as such; one whose explicit
    id is stored with different text is a Failure, not silently dropped.

    Parameters
    ----------
    extract
        Called instead of ``extract_events(article, gazetteer=...)`` when given (the
        page runs extraction in a worker process); ``gazetteer`` is then not loaded.
    undated_hint
        How the reader can give an undated article its date, in the warning (the CLI's
        flag by default; the page says how to write the date in an upload).
    """
    gazetteers: list[Gazetteer] = [gazetteer] if gazetteer is not None else []

    def default_extract(article: Article) -> list[Event]:
        if not gazetteers:  # loaded once, and only when an article needs it
            gazetteers.append(load_gazetteer())
        return extract_events(article, gazetteer=gazetteers[0])

    find_events = extract or default_extract
    note = on_item or (lambda source, message: None)
    stored = already = n_events = 0
    failures: list[Failure] = []
    warnings: list[str] = []

    def fail(source: str, reason: str) -> None:
        failures.append(Failure(source, reason))
        note(source, f"failed: {reason}")

    for item in items:
        if isinstance(item, Failure):
            failures.append(item)
            note(item.source, f"failed: {item.reason}")
            continue
        try:
            copy = _stored_copy(store, item)
            if copy is not None:
                kind, message = copy
                if kind == "conflict":
                    fail(item.source, message)
                    continue
                already += 1
                if kind == "changed":
                    warnings.append(f"{item.source}: {message}")
                note(item.source, message)
                continue
            if item.published is None:
                message = f"{item.source}: no publication date found; events without a " \
                          f"date in their sentence are left undated ({undated_hint})"
                warnings.append(message)
                note(item.source, "warning: no publication date found")
            draft = find_events(item)
            events = link_quakes(draft, catalog_near(store, draft)) if draft else draft
            added = store.add_article(item, events)
        # The store rolled the article back; the batch goes on with the next one.
        except Exception as err:  # the last line of defence: the article fails, not the batch
            fail(item.source, f"not stored: {failure_reason(err)}")
            continue
        if added:
            stored += 1
            n_events += len(events)
            note(item.source, f"stored {len(events)} event(s)")
        else:  # stored meanwhile by another writer
            already += 1
            note(item.source, ALREADY_STORED)
    return IngestReport(stored, already, n_events, tuple(failures), tuple(warnings))


def failure_reason(err: BaseException) -> str:
    """Say in one line why an article failed: an error of ours says it all in its message,
    another is named with its message (``geo.ingest.parse.describe``).

    Examples
    --------
    >>> failure_reason(ValueError("no\\n  good"))
    'ValueError: no good'
    """
    if isinstance(err, GeoError):
        return " ".join(str(err).split())
    return describe(err)


def _stored_copy(store: Store, article: Article) -> tuple[str, str] | None:
    """Tell whether the store has this article: None, or (kind, message).

    ``"same"``: the same id with the same text (whitespace and case aside), or the same
    text under another id (a file and its URL). ``"conflict"``: an explicit id (a JSON
    ``id``) stored with different text. ``"changed"``: an id made from the URL stored
    with different text, the same page read again after it changed; the stored version
    is kept.
    """
    stored = store.get_article(article.id)
    if stored is not None:
        if normalise_text(stored.text) == normalise_text(article.text):
            return "same", ALREADY_STORED
        if article.id != article_id(article.url, article.text):
            return "conflict", f"id {article.id!r} already stored with different text"
        return "changed", f"{ALREADY_STORED} from the same URL with different text; the " \
                          "stored version is kept"
    other = store.article_with_text(article.text)
    if other is not None:
        return "same", f"{ALREADY_STORED} (the same text as article {other!r})"
    return None


def import_quakes(store: Store, catalog: Sequence[Event]) -> tuple[int, int]:
    """Store catalog quakes and link the stored article quakes to them.

    Returns (catalog quakes written, article events newly linked).
    """
    written = store.add_events(catalog)
    reported = [e for e in _quakes_around(store, [q.date for q in catalog if q.date])
                if e.article_id != CATALOG_ARTICLE_ID and not e.related_quake]
    linked = [e for e in link_quakes(reported, catalog) if e.related_quake]
    if linked:
        store.add_events(linked)
    return written, len(linked)
