"""The client's side of a Dask ingest: partitions out, results back in order, one store.

:func:`ingest_on_cluster` plans the batch (``geo.ingest.read.plan_inputs``), sends it to
the workers a few partitions ahead of what is stored (so a batch of any size takes
bounded memory), and takes the results back in the batch's order.

With a SQLite store the client writes, with ``geo.pipeline.store_articles``, the
one-process ingest's own loop (batches of articles, each one transaction): what a
partition's articles are, which repeats are dropped, what is already stored, how quakes
are linked and what each failure says are the same as without Dask; only the
extraction ran elsewhere. A SQLite file is written by one process.

With a PostGIS store the workers write: each runs that same loop on its own partitions
(``geo.cluster.work.read_extract_store``) through its own connection pool, so the
writes, the larger part of an article's cost after extraction, spread over the
cluster too; the client only passes on their messages and adds up their reports.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

from geo.cluster.work import (
    GazetteerPlugin,
    Outcome,
    ReadOptions,
    StorePlugin,
    read_and_extract,
    read_extract_store,
)
from geo.errors import GeoError, WorkerError
from geo.ingest.guard import private_urls_allowed
from geo.ingest.parse import describe
from geo.ingest.read import Unit, drop_repeats, plan_inputs
from geo.limits import DEFAULT_MAX_BYTES
from geo.model import Article, Event, Failure
from geo.pipeline import IngestReport, store_articles
from geo.places.gazetteer import build_gazetteer, default_path
from geo.store.base import Store

if TYPE_CHECKING:
    from distributed import Client, Future

# Articles (files, URLs, JSON lines) per task: enough work (~1 s) that Dask's overhead
# per task (a few ms) does not count, few enough that two workers share a small batch.
PARTITION_SIZE = 32
# Larger files end a partition sooner: a task's inputs travel in its message.
PARTITION_BYTES = 2_000_000

Partition = list[Unit | Failure]
T = TypeVar("T")


def partitions(plan: Iterable[Unit | Failure], size: int = PARTITION_SIZE,
               max_bytes: int = PARTITION_BYTES) -> Iterator[Partition]:
    """Group a plan's Units (and the Failures among them) into partitions, in order.

    A partition ends at `size` Units, or once its data reaches `max_bytes`; a piece of
    a JSON lines file (already `size` lines) is a partition of its own.

    Examples
    --------
    >>> urls = [Unit(f"https://example.org/{n}", "url") for n in range(5)]
    >>> [len(p) for p in partitions(urls, size=2)]
    [2, 2, 1]
    """
    current: Partition = []
    units = weight = 0
    for piece in plan:
        current.append(piece)
        if isinstance(piece, Unit):
            units += 1
            weight += len(piece.data)
            if units >= size or weight >= max_bytes or piece.kind == "lines":
                yield current
                current, units, weight = [], 0, 0
    if current:
        yield current


def ingest_on_cluster(
    inputs: Iterable[str],
    store: Store,
    client: Client,
    *,
    published: dt.date | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allow_private: bool | None = None,
    on_item: Callable[[str, str], None] | None = None,
    partition_size: int = PARTITION_SIZE,
    workers_write: bool = True,
) -> IngestReport:
    """Ingest ``inputs`` as ``geo.pipeline.ingest`` does, extracting on `client`'s workers.

    The same arguments mean the same as there. A partition whose task fails as a whole
    (a worker killed, say) fails each of its inputs, named, and the batch goes on.

    A SQLite store is written by this process (the client), in the batch's order: the
    report, the store's contents and every ``on_item`` message are those of the
    one-process ingest. A PostGIS store is written by the workers themselves, each
    partition by the worker that extracted it (``geo.cluster.work.read_extract_store``;
    ``workers_write=False`` keeps the writes here): the store then holds the same
    articles, reports and happenings, and the messages come in the batch's order, but
    repeats are judged per partition (see the README, "Ingest on a Dask cluster").
    """
    # Decided here, where the command ran: a worker's environment is not the operator's.
    options = ReadOptions(published=published, max_bytes=max_bytes,
                          allow_private=private_urls_allowed(allow_private))
    plan = plan_inputs(inputs, max_bytes=max_bytes, read_files=True,
                       lines_per_unit=partition_size)
    url = shared_store_url(store) if workers_write else None
    if url is not None:
        return _written_on_workers(client, partitions(plan, partition_size), options, url,
                                   on_item)
    results = _in_order(client, partitions(plan, partition_size), options)
    # store_articles takes each article from drop_repeats as soon as it is let through,
    # so the one waiting here is the one it asks the events of.
    waiting: dict[int, Outcome] = {}

    def articles() -> Iterator[Article | Failure]:
        for item, outcome in results:
            waiting.clear()
            if isinstance(item, Article) and outcome is not None:
                waiting[id(item)] = outcome
            yield item

    def extracted(article: Article) -> list[Event]:
        outcome = waiting[id(article)]
        if isinstance(outcome, str):
            raise WorkerError(outcome)  # store_articles says "not stored: <outcome>"
        return outcome

    return store_articles(drop_repeats(articles()), store, on_item=on_item, extract=extracted)


def _in_order(client: Client, parts: Iterator[Partition], options: ReadOptions
              ) -> Iterator[tuple[Article | Failure, Outcome | None]]:
    """Run the partitions on the workers, a few ahead, and yield their results in order."""
    for part, done in _tasks(client, parts, read_and_extract, options):
        if isinstance(done, BaseException):  # the task as a whole: each input fails, named
            yield from ((_lost(piece, done), None) for piece in part)
        else:
            yield from done


def _tasks(client: Client, parts: Iterator[Partition], task: Callable[..., T], *args: object
           ) -> Iterator[tuple[Partition, T | BaseException]]:
    """Run ``task(partition, *args)`` on the workers, a few partitions ahead, and yield
    each partition with its result (or the exception its task died of), in order."""
    ahead = max(2, 2 * sum(client.nthreads().values()))
    pending: deque[tuple[Partition, Future]] = deque()

    def submit() -> bool:
        part = next(parts, None)
        if part is None:
            return False
        pending.append((part, client.submit(task, part, *args, pure=False)))
        return True

    while len(pending) < ahead and submit():
        pass
    while pending:
        part, future = pending.popleft()
        done: T | BaseException
        try:
            done = future.result()
        except Exception as err:
            done = err
        finally:
            future.release()
        submit()
        yield part, done


def shared_store_url(store: Store) -> str | None:
    """Return the URL workers can open the store by (a PostGIS store), else None."""
    from geo.store.common import SQLStore

    url = getattr(store, "url", None)
    if isinstance(store, SQLStore) and isinstance(url, str) and "://" in url:
        return url
    return None


def _written_on_workers(client: Client, parts: Iterator[Partition], options: ReadOptions,
                        url: str, on_item: Callable[[str, str], None] | None
                        ) -> IngestReport:
    """Have the workers read, extract and store the partitions; gather their reports.

    Each partition's messages are passed on in the batch's order, as its results come.
    A task that dies fails each of its inputs by name; batches it committed before
    stay stored (ingesting again says "already stored" for them).
    """
    note = on_item or (lambda source, message: None)
    client.register_plugin(StorePlugin())
    stored = already = events = 0
    failures: list[Failure] = []
    warnings: list[str] = []
    for part, done in _tasks(client, parts, read_extract_store, options, url):
        if isinstance(done, BaseException):
            for piece in part:
                failure = _lost(piece, done)
                failures.append(failure)
                note(failure.source, f"failed: {failure.reason}")
            continue
        for source, message in done.said:
            note(source, message)
        stored += done.report.stored
        already += done.report.already_stored
        events += done.report.events
        failures += done.report.failures
        warnings += done.report.warnings
    return IngestReport(stored, already, events, tuple(failures), tuple(warnings))


def _lost(piece: Unit | Failure, err: BaseException) -> Failure:
    if isinstance(piece, Failure):
        return piece
    name = piece.source
    if isinstance(piece.data, str):  # lines of a JSON lines file
        last = piece.first_line + piece.data.count("\n")
        name = f"{name}:{piece.first_line}-{last}"
    reason = " ".join(str(err).split()) if isinstance(err, GeoError) else describe(err)
    return Failure(name, f"not read: the Dask task failed ({reason})")


@contextmanager
def dask_client(scheduler: str | None = None, *, workers: int | None = None,
                timeout: float = 30.0) -> Iterator[Client]:
    """Connect to the Dask scheduler at `scheduler`, or start a local cluster, for a batch.

    The local cluster has `workers` processes (default: one per CPU) of one thread each,
    listens on 127.0.0.1 only, has no dashboard, and is shut down on leaving. Each worker
    loads the gazetteer as it starts (:class:`~geo.cluster.work.GazetteerPlugin`).

    Raises
    ------
    OSError
        When the scheduler cannot be reached within `timeout` seconds.
    """
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler, timeout=timeout) as client:
            client.register_plugin(GazetteerPlugin())
            yield client
        return
    if not default_path().exists():
        # Built once here, rather than by every worker at once as it starts.
        build_gazetteer()
    count = workers or os.cpu_count() or 1
    with (
        # No dashboard, and the scheduler's HTTP routes (health, metrics) on a free port
        # of 127.0.0.1 rather than 8787, which another cluster may hold.
        LocalCluster(n_workers=count, threads_per_worker=1, processes=True,
                     host="127.0.0.1", dashboard_address="127.0.0.1:0",
                     scheduler_kwargs={"dashboard": False},
                     # What failed is in the report; Dask's own lines (a heartbeat
                     # cut short as the cluster stops on a busy machine) are noise.
                     silence_logs=logging.CRITICAL) as cluster,
        Client(cluster) as client,
    ):
        client.register_plugin(GazetteerPlugin())
        yield client
