"""What a Dask worker does: read a partition of a batch, extract its articles' events,
and, with a PostGIS store, write them.

Everything here runs in the worker's process. The gazetteer is loaded once per process
(``load_gazetteer`` keeps it) when the worker starts (:class:`GazetteerPlugin`), not in
its first task, and every task after uses that copy. A PostGIS store is opened once per
process too, on the first task that writes to it (:func:`worker_store`, a small pool
of connections), and closed when the worker stops (:class:`StorePlugin`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from distributed import Worker, WorkerPlugin

from geo.errors import WorkerError
from geo.events.extract import extract_events
from geo.ingest.read import Unit, drop_repeats, read_unit
from geo.limits import DEFAULT_MAX_BYTES
from geo.model import Article, Event, Failure
from geo.pipeline import BATCH_ARTICLES, IngestReport, failure_reason, store_articles
from geo.places.gazetteer import load_gazetteer
from geo.store.base import Store

# What became of one article on the worker: its events, or why extraction failed.
Outcome = list[Event] | str


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How the inputs are read, as the command line said (``geo ingest`` options)."""

    published: dt.date | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    allow_private: bool | None = None


class GazetteerPlugin(WorkerPlugin):
    """Load the gazetteer as a worker starts, so that its first task does not wait for it.

    Dask calls ``setup`` once in each worker, those running when the plugin is
    registered (``Client.register_plugin``) and those that join later. A worker on
    another machine builds its own index there if it has none (``geo gazetteer build``).
    """

    name = "geo-gazetteer"
    idempotent = True  # registered again (a second ingest on one cluster): nothing to do

    def setup(self, worker: Worker) -> None:
        load_gazetteer()


def read_and_extract(partition: Sequence[Unit | Failure], options: ReadOptions
                     ) -> list[tuple[Article | Failure, Outcome | None]]:
    """Read a partition's Units and extract each article's events, in order.

    Returns each article with its events (or the one-line reason extraction failed), and
    each Failure met while reading with ``None``. Nothing is raised for one bad input or
    article: as in ``geo.pipeline.store_articles``, it fails alone.
    """
    results: list[tuple[Article | Failure, Outcome | None]] = []
    for piece in partition:
        if isinstance(piece, Failure):
            results.append((piece, None))
            continue
        for item in read_unit(piece, published=options.published, max_bytes=options.max_bytes,
                              allow_private=options.allow_private):
            results.append((item, None) if isinstance(item, Failure) else (item, _events(item)))
    return results


def _events(article: Article) -> Outcome:
    try:
        return extract_events(article, gazetteer=load_gazetteer())
    except Exception as err:  # the last line of defence: the article fails, not the partition
        return failure_reason(err)


# --- workers that write (a PostGIS store) -------------------------------------------------

_STORES: dict[str, Store] = {}
STORE_POOL_SIZE = 2  # a worker writes with one connection at a time; one more to read


@dataclass(frozen=True, slots=True)
class Written:
    """What a partition written by its worker did: its report, and every message
    (``on_item``'s source and message) in its inputs' order."""

    report: IngestReport
    said: tuple[tuple[str, str], ...]


def worker_store(url: str) -> Store:
    """Return this process's store at ``url``, opened on first use and kept.

    Opened without migrating (``create=False``): the client opened it for writing
    first, so the schema is current.
    """
    store = _STORES.get(url)
    if store is None:
        from geo.store.postgis import PostGISStore

        store = _STORES[url] = PostGISStore(url, create=False, pool_size=STORE_POOL_SIZE)
    return store


class StorePlugin(WorkerPlugin):
    """Close the stores a worker opened (their connections) when it stops."""

    name = "geo-stores"
    idempotent = True

    def teardown(self, worker: Worker) -> None:
        while _STORES:
            _, store = _STORES.popitem()
            store.close()


def read_extract_store(partition: Sequence[Unit | Failure], options: ReadOptions, url: str,
                       batch_size: int = BATCH_ARTICLES) -> Written:
    """Read and extract a partition (``read_and_extract``), then store it here, in ``url``.

    Stored as the one-process ingest stores a batch (``geo.pipeline.store_articles``,
    repeats within the partition dropped first), in batches of ``batch_size`` articles,
    each one transaction: the checks for articles already stored, quake links to the
    stored catalogue and each article's failure are the same.
    """
    results = read_and_extract(partition, options)
    outcomes = {id(item): outcome for item, outcome in results}

    def extracted(article: Article) -> list[Event]:
        outcome = outcomes[id(article)]
        if isinstance(outcome, str) or outcome is None:
            raise WorkerError(outcome or "not extracted")
        return outcome

    said: list[tuple[str, str]] = []
    report = store_articles(drop_repeats(item for item, _ in results), worker_store(url),
                            extract=extracted, batch_size=batch_size,
                            on_item=lambda source, message: said.append((source, message)))
    return Written(report, tuple(said))
