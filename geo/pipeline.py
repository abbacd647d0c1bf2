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
from geo.events.quakes import link_quakes
from geo.ingest.read import read_inputs
from geo.limits import DEFAULT_MAX_BYTES
from geo.model import CATALOG_ARTICLE_ID, Article, Event, EventQuery, Failure
from geo.places.gazetteer import Gazetteer, load_gazetteer
from geo.store.base import Store


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
    """Return the stored catalog quakes within two days of the events' quake dates."""
    dates = [e.date for e in events if e.event_type == "earthquake" and e.date]
    return [e for e in _quakes_around(store, dates)
            if e.usgs_id and e.article_id == CATALOG_ARTICLE_ID]


def _quakes_around(store: Store, dates: list[dt.date]) -> list[Event]:
    """Return the stored earthquake events within two days of any of ``dates``' span."""
    if not dates:
        return []
    return store.query(EventQuery(types=("earthquake",),
                                  since=min(dates) - dt.timedelta(days=2),
                                  until=max(dates) + dt.timedelta(days=2)))


def ingest(inputs: Iterable[str], store: Store, *, published: dt.date | None = None,
           max_bytes: int = DEFAULT_MAX_BYTES, gazetteer: Gazetteer | None = None,
           on_item: Callable[[str, str], None] | None = None) -> IngestReport:
    """Read ``inputs`` and store each new article with its events, one transaction each.

    ``on_item(source, message)`` is called for every failure, warning and stored article
    (the command line prints them). An article already in the store is left as it is.
    """
    items = read_inputs(inputs, published=published, max_bytes=max_bytes)
    return store_articles(items, store, gazetteer=gazetteer, on_item=on_item)


def store_articles(items: Iterable[Article | Failure], store: Store, *,
                   gazetteer: Gazetteer | None = None,
                   on_item: Callable[[str, str], None] | None = None) -> IngestReport:
    """Store articles already read (an upload, a paste) as ``ingest`` does."""
    gaz = gazetteer or load_gazetteer()
    note = on_item or (lambda source, message: None)
    stored = already = n_events = 0
    failures: list[Failure] = []
    warnings: list[str] = []
    for item in items:
        if isinstance(item, Failure):
            failures.append(item)
            note(item.source, f"failed: {item.reason}")
            continue
        if store.has_article(item.id):
            already += 1
            note(item.source, "already stored")
            continue
        if item.published is None:
            message = f"{item.source}: no publication date found; events without a date in " \
                      "their sentence are left undated (use --published)"
            warnings.append(message)
            note(item.source, "warning: no publication date found")
        try:
            draft = extract_events(item, gazetteer=gaz)
            events = link_quakes(draft, catalog_near(store, draft)) if draft else draft
            added = store.add_article(item, events)
        except (GeoError, ValueError) as err:
            # The store rolled the article back; the batch goes on with the next one.
            failures.append(Failure(item.source, f"not stored: {err}"))
            note(item.source, f"failed: not stored: {err}")
            continue
        if added:
            stored += 1
            n_events += len(events)
            note(item.source, f"stored {len(events)} event(s)")
        else:
            already += 1
    return IngestReport(stored, already, n_events, tuple(failures), tuple(warnings))


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
