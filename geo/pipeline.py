"""The whole pipeline for a batch: read articles, extract events, link quakes, store.

Functions take the store and the gazetteer as arguments; reading and writing happen in
``geo.ingest.read`` and ``geo.store.sqlite``, so this module only decides the order of things and
what a batch reports.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from geo.errors import GeoError
from geo.events.extract import extract_events
from geo.events.quakes import LINK_DAYS_PUBLISHED, link_quakes
from geo.ingest.ids import article_id, normalise_text, text_fingerprint
from geo.ingest.parse import describe
from geo.ingest.read import read_inputs
from geo.limits import DEFAULT_MAX_BYTES
from geo.model import CATALOG_ARTICLE_ID, Article, Event, EventQuery, Failure
from geo.places.gazetteer import Gazetteer, load_gazetteer
from geo.store.base import Store
from geo.text.dates import shift

ALREADY_STORED = "already stored"
# Articles written in one transaction (``Store.add_articles``): the happenings around
# them are regrouped once, and a commit is paid per batch rather than per article.
BATCH_ARTICLES = 100
BATCH_WAIT_S = 2.0  # an article waits no longer than this for its batch to fill


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
    """Read ``inputs`` and store each new article with its events, in batches.

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
                   undated_hint: str = "use --published",
                   batch_size: int = BATCH_ARTICLES) -> IngestReport:
    """Store articles already read (an upload, a paste) as ``ingest`` does.

    Each article is its own unit of failure: whatever goes wrong while extracting or
    storing it (any exception) is a Failure naming it, with a one-line reason, and the
    batch goes on; articles stored before it stay stored. An article already stored
    (same id, or the same text under another id) is counted as such; one whose explicit
    id is stored with different text is a Failure, not silently dropped.

    Articles are written ``batch_size`` at a time, each batch in one transaction
    (``Store.add_articles``): the store ends as writing them one by one in this order
    leaves it, a crash loses at most the batch being written (never half of one), and
    ``on_item`` hears of an article, in the inputs' order, once its batch is committed.

    Parameters
    ----------
    extract
        Called instead of ``extract_events(article, gazetteer=...)`` when given (the
        page runs extraction in a worker process); ``gazetteer`` is then not loaded.
    undated_hint
        How the reader can give an undated article its date, in the warning (the CLI's
        flag by default; the page says how to write the date in an upload).
    batch_size
        Articles per write transaction (1: one transaction per article).
    """
    gazetteers: list[Gazetteer] = [gazetteer] if gazetteer is not None else []

    def default_extract(article: Article) -> list[Event]:
        if not gazetteers:  # loaded once, and only when an article needs it
            gazetteers.append(load_gazetteer())
        return extract_events(article, gazetteer=gazetteers[0])

    find_events = extract or default_extract
    tally = _Tally(on_item or (lambda source, message: None))
    batch = _Batch(store, tally, batch_size)

    for item in items:
        if isinstance(item, Failure):
            batch.then(tally.fail, item.source, item.reason)
            continue
        try:
            if batch.holds(item):  # a repeat of an article waiting: judged once it is stored
                batch.flush()
            copy = _stored_copy(store, item)
            if copy is not None:
                kind, message = copy
                if kind == "conflict":
                    batch.then(tally.fail, item.source, message)
                else:
                    batch.then(tally.already, item.source, message, kind == "changed")
                continue
            if item.published is None:
                message = f"{item.source}: no publication date found; events without a " \
                          f"date in their sentence are left undated ({undated_hint})"
                batch.then(tally.warn, item.source, message)
            draft = find_events(item)
            events = link_quakes(draft, catalog_near(store, draft)) if draft else draft
        except Exception as err:  # the last line of defence: the article fails, not the batch
            batch.then(tally.fail, item.source, f"not stored: {failure_reason(err)}")
            continue
        batch.add(item, events)
    batch.flush()
    return tally.report()


class _Tally:
    """What a batch reports, counted as its articles' fates are known, in input order."""

    def __init__(self, note: Callable[[str, str], None]) -> None:
        self.note = note
        self.stored = self.already_stored = self.events = 0
        self.failures: list[Failure] = []
        self.warnings: list[str] = []

    def fail(self, source: str, reason: str) -> None:
        self.failures.append(Failure(source, reason))
        self.note(source, f"failed: {reason}")

    def already(self, source: str, message: str, changed: bool = False) -> None:
        self.already_stored += 1
        if changed:
            self.warnings.append(f"{source}: {message}")
        self.note(source, message)

    def warn(self, source: str, message: str) -> None:
        self.warnings.append(message)
        self.note(source, "warning: no publication date found")

    def added(self, source: str, events: int) -> None:
        self.stored += 1
        self.events += events
        self.note(source, f"stored {events} event(s)")

    def report(self) -> IngestReport:
        return IngestReport(self.stored, self.already_stored, self.events,
                            tuple(self.failures), tuple(self.warnings))


class _Batch:
    """Articles extracted and waiting to be written together (``Store.add_articles``).

    What the batch reports after the first waiting article (failures, warnings,
    "already stored") waits with it, so the messages come in the inputs' order and an
    article is said to be stored only once its transaction has committed. The articles
    are written when they are ``size``, when one joins after the first has waited
    ``BATCH_WAIT_S`` (inputs read slowly: URLs), before an article that repeats one of
    them is judged, and at the end. A batch that cannot be written whole is written one by one, so a
    bad article fails alone.
    """

    def __init__(self, store: Store, tally: _Tally, size: int) -> None:
        self.store = store
        self.tally = tally
        self.size = max(1, size)
        self.articles: list[tuple[Article, list[Event]]] = []
        # What to report after the first n waiting articles: (n, action, its arguments).
        self.after: list[tuple[int, Callable[..., None], tuple[Any, ...]]] = []
        self.ids: set[str] = set()
        self.fingerprints: set[str] = set()
        self.since = 0.0

    def holds(self, article: Article) -> bool:
        """Tell whether a waiting article has this one's id or text."""
        if not self.articles:
            return False
        fingerprint = text_fingerprint(article.text)
        return article.id in self.ids or (fingerprint is not None
                                          and fingerprint in self.fingerprints)

    def then(self, action: Callable[..., None], *args: Any) -> None:
        """Report this now, or after the waiting articles when there are any."""
        if self.articles:
            self.after.append((len(self.articles), action, args))
        else:
            action(*args)

    def add(self, article: Article, events: list[Event]) -> None:
        if not self.articles:
            self.since = time.monotonic()
        self.articles.append((article, events))
        self.ids.add(article.id)
        fingerprint = text_fingerprint(article.text)
        if fingerprint is not None:
            self.fingerprints.add(fingerprint)
        if len(self.articles) >= self.size or time.monotonic() - self.since > BATCH_WAIT_S:
            self.flush()

    def flush(self) -> None:
        """Write the waiting articles, then report them and what waited with them."""
        if not self.articles:
            return
        articles, after = self.articles, self.after
        self.articles, self.after = [], []
        self.ids.clear()
        self.fingerprints.clear()
        fates = self._write(articles)
        done = 0
        for position, action, args in [*after, (len(articles), None, ())]:
            for (article, events), fate in zip(articles[done:position], fates[done:position],
                                               strict=True):
                if isinstance(fate, BaseException):
                    # The store rolled the article back; the batch went on.
                    self.tally.fail(article.source, f"not stored: {failure_reason(fate)}")
                elif fate:
                    self.tally.added(article.source, len(events))
                else:  # stored meanwhile by another writer
                    self.tally.already(article.source, ALREADY_STORED)
            done = position
            if action is not None:
                action(*args)

    def _write(self, articles: list[tuple[Article, list[Event]]]
               ) -> list[bool | BaseException]:
        """Return each article's fate: stored (True), already stored, or its error."""
        if len(articles) > 1:
            try:
                return list(self.store.add_articles(articles))
            except Exception:  # one by one then tells the bad article apart
                pass
        fates: list[bool | BaseException] = []
        for article, events in articles:
            try:
                fates.append(self.store.add_article(article, events))
            except Exception as err:  # the article fails, not the batch
                fates.append(err)
        return fates


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
