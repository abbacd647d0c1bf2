"""Scaling out (issue 13): the PostGIS write path alone, and how long writers hold its lock.

Usage:
    .venv/bin/python benchmarks/write_lock.py [--articles N] [--writers 1 2] [--json OUT]

Generates N news briefs (default 5,000; ``benchmarks/scale.py``'s templates) and
extracts them once, in this process, before any clock starts. Then for each number of
writers, on a fresh database of a throwaway cluster (``tests/pg_cluster.py``, fsync
off), that many processes write the articles as a Dask worker does
(``geo.pipeline.store_articles``, batches of 100, each one transaction), each its own
partitions of 1,024 articles, taken in turn. Every write transaction is timed around
the store's advisory write lock: how long it waited for the lock, and how long it held
it (from taking it to the commit). Reported per run: wall time, the writers' CPU, the
database server's CPU (its processes), and the lock's wait and hold per writer; every
store is checked to hold the same numbers of articles, reports and happenings.

The writes are the part of an ingest that one lock serialises; with extraction done
beforehand, this measures them without it (``scale.py`` measures whole ingests).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PARTITION = 1024  # articles per partition, as a Dask partition of JSON lines holds


def extracted(count: int) -> list[tuple[Any, list[Any]]]:
    """Return `count` briefs read and extracted: (article, events)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    import scale

    from geo.ingest.read import read_inputs
    from geo.pipeline import article_events
    from geo.places.gazetteer import load_gazetteer

    with tempfile.TemporaryDirectory() as folder:
        inputs = scale.write_inputs(Path(folder), count, 4)
        gazetteer = load_gazetteer()
        return [(item, article_events(item, gazetteer)) for item in read_inputs(inputs)]


def timed_transactions(lock: dict[str, float]) -> None:
    """Make PostGISStore's write transactions add their lock wait and hold to ``lock``."""
    from geo.store import postgis
    from geo.store.pgsql import WRITE_LOCK, PgConnection

    @contextmanager
    def transaction(self: postgis.PostGISStore) -> Iterator[PgConnection]:
        with self._pool.connection() as conn:
            asked = time.perf_counter()
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
                taken = time.perf_counter()
                try:
                    wrapped = PgConnection(conn, prepare=False)
                except TypeError:  # the code before branch dask13c, for comparison
                    wrapped = PgConnection(conn)
                yield wrapped
            lock["wait_s"] += taken - asked
            lock["hold_s"] += time.perf_counter() - taken
            conn.execute("SELECT nextval('store_revision')")

    postgis.PostGISStore._transaction = transaction  # type: ignore[method-assign]


def writer(url: str, parts: list[list[tuple[Any, list[Any]]]], results: Any,
           done: Any) -> None:
    """Write these partitions as a Dask worker does; put what it took on ``results``."""
    import psutil

    from geo.cluster.work import worker_store
    from geo.pipeline import store_articles

    lock = {"wait_s": 0.0, "hold_s": 0.0}
    timed_transactions(lock)
    store = worker_store(url)
    process = psutil.Process()
    before, started = process.cpu_times(), time.perf_counter()
    for part in parts:
        events = {id(article): found for article, found in part}
        store_articles([article for article, _ in part], store,
                       extract=lambda article, events=events: events[id(article)])
    after = process.cpu_times()
    results.put({"cpu_s": after.user - before.user + after.system - before.system,
                 "wall_s": time.perf_counter() - started, **lock})
    done.wait()  # the server's CPU is read while this writer's connections live
    store.close()


def server_cpu(cluster: Any) -> float:
    """CPU seconds of the cluster's processes (``scale.cluster_cpu``)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    import scale

    return scale.cluster_cpu(cluster)


def run(cluster: Any, name: str, data: list[tuple[Any, list[Any]]],
        writers: int) -> dict[str, Any]:
    import psycopg

    from geo.store import open_store

    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = cluster.url(name)
    open_store(url).close()  # migrated before the clock starts
    parts = [data[i:i + PARTITION] for i in range(0, len(data), PARTITION)]
    context = mp.get_context("fork")
    results, done = context.Queue(), context.Event()
    processes = [context.Process(target=writer, args=(url, parts[i::writers], results, done))
                 for i in range(writers)]
    server, started = server_cpu(cluster), time.perf_counter()
    for process in processes:
        process.start()
    each = [results.get() for _ in processes]
    wall = time.perf_counter() - started
    server = server_cpu(cluster) - server
    done.set()
    for process in processes:
        process.join()
    with psycopg.connect(url) as conn:
        found = [conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
                 for table in ("articles", "events", "happenings")]
    return {"writers": writers, "wall_s": wall, "server_cpu_s": server,
            "writers_cpu_s": [r["cpu_s"] for r in each],
            "lock_wait_s": [r["wait_s"] for r in each],
            "lock_hold_s": [r["hold_s"] for r in each],
            "counts": found, "load": os.getloadavg()[0]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5_000)
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--json", type=Path, help="write every number here")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "tests"))
    from pg_cluster import find_bindir, start_cluster

    bindir, why = find_bindir()
    if bindir is None:
        raise SystemExit(why)
    data = extracted(args.articles)
    print(f"{args.articles:,} briefs extracted; load {os.getloadavg()[0]:.1f}", flush=True)
    cluster = start_cluster(bindir)
    out = []
    try:
        for number, writers in enumerate(args.writers):
            result = run(cluster, f"lock_{os.getpid()}_{number}", data, writers)
            out.append(result)
            print(f"{writers} writer(s): wall {result['wall_s']:6.1f} s, writers' CPU "
                  f"{sum(result['writers_cpu_s']):5.1f} s, server CPU "
                  f"{result['server_cpu_s']:5.1f} s, lock waited "
                  f"{' + '.join(f'{s:.1f}' for s in result['lock_wait_s'])} s, held "
                  f"{' + '.join(f'{s:.1f}' for s in result['lock_hold_s'])} s "
                  f"(load {result['load']:.1f}; {result['counts']})", flush=True)
    finally:
        cluster.stop()
    if len({tuple(r["counts"]) for r in out}) > 1:
        raise SystemExit("the stores differ")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
