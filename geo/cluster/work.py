"""What a Dask worker does: read a partition of a batch and extract its articles' events.

Everything here runs in the worker's process. The gazetteer is loaded once per process
(``load_gazetteer`` keeps it) when the worker starts (:class:`GazetteerPlugin`), not in
its first task, and every task after uses that copy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from distributed import Worker, WorkerPlugin

from geo.events.extract import extract_events
from geo.ingest.read import Unit, read_unit
from geo.limits import DEFAULT_MAX_BYTES
from geo.model import Article, Event, Failure
from geo.pipeline import failure_reason
from geo.places.gazetteer import load_gazetteer

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
