"""The page on a PostGIS store at scale (issue 13, part 4, the store half).

Loads N synthetic events (benchmarks/dashboard.py's generator: ten per article, types,
places and dates as there) into a PostGIS store, then times, in this process, what the
page asks the store for: the sidebar summary and ``page_data`` (count, map points merged
per grid cell in SQL, timeline per day, newest rows) for the first map, then for filter
changes (a type, a month, a country, a bounding box), plus building the map from them.
The browser's share (drawing ~2,000 markers) is measured by benchmarks/dashboard.py and
does not depend on the store. ``EXPLAIN ANALYZE`` plans show which indexes the queries use.

Each report is also its own happening here (the page's default view reads the
happenings table): grouping 1M synthetic reports in Python is not what is measured.

    python benchmarks/scale_store.py 1000000 3000000 --out benchmarks/results_store.json

Starts a throwaway cluster (tests/pg_cluster.py) unless ``--url`` names a database.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "tests", ROOT / "benchmarks"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import psycopg  # noqa: E402
from dashboard import synthetic_events  # noqa: E402
from pg_cluster import find_bindir, start_cluster  # noqa: E402

from geo.model import EventQuery  # noqa: E402
from geo.render.maps import build_map_parts  # noqa: E402
from geo.store import open_store  # noqa: E402
from geo.store.pgsql import migrate  # noqa: E402
from geo.store.postgis import PostGISStore  # noqa: E402
from geo.store.sql import EVENT_FIELDS, event_row  # noqa: E402
from geo.webapp.data import page_data  # noqa: E402

TARGETS = {"first_map_s": 3.0, "filter_s": 1.0}  # at 1M events (issue 13)
CHUNK = 100_000
# A server as one would set it up for this (the defaults are for a laptop).
SETTINGS = {"shared_buffers": "2GB", "work_mem": "64MB", "effective_cache_size": "8GB",
            "max_parallel_workers_per_gather": "2", "random_page_cost": "1.1"}
FILTERS = {
    "type": EventQuery(types=("strike",), happenings=True),
    "month": EventQuery(since="2023-06-01", until="2023-06-30", happenings=True),
    "country": EventQuery(countries=("IQ",), happenings=True),
    "bbox": EventQuery(bbox=(35.0, 33.0, 38.0, 37.0), happenings=True),
}


def load(url: str, n: int) -> dict[str, float]:
    """COPY ``n`` synthetic reports (and each as its own happening) into the store."""
    columns = ", ".join(EVENT_FIELDS)
    start = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        for k in range(0, n, CHUNK):
            articles, quakes = synthetic_events(min(CHUNK, n - k), seed=2023 + k)
            events = [e for _, found in articles for e in found] + quakes
            with conn.transaction(), conn.cursor() as cur:
                with cur.copy("COPY articles (id, title, url, published, source, text) "
                              "FROM STDIN") as copy:
                    for article, _ in articles:
                        copy.write_row((f"{k}-{article.id}", article.title, article.url,
                                        article.published, article.url or "", article.text))
                for name in ("events", "happenings"):
                    with cur.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
                        for event in events:
                            eid = f"{k}-{event.event_id}"
                            renamed = dataclasses.replace(
                                event, event_id=eid if name == "events" else f"h-{eid}",
                                article_id=(f"{k}-{event.article_id}"
                                            if event.article_id != "usgs" else "usgs"),
                                happening_id=f"h-{eid}")
                            copy.write_row(event_row(renamed))
        loaded = time.perf_counter()
        conn.execute("VACUUM ANALYZE")
    return {"load_s": loaded - start, "vacuum_analyze_s": time.perf_counter() - loaded}


def timed(fn: Any, repeat: int = 3) -> tuple[float, Any]:
    """Median wall seconds of ``repeat`` calls, and the last result."""
    times, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def page(url: str) -> dict[str, Any]:
    """Time the page's store calls: the first map (fresh connection), filter changes."""
    out: dict[str, Any] = {}
    cpu = time.process_time()
    start = time.perf_counter()
    with open_store(url) as store:
        assert isinstance(store, PostGISStore)
        opened = time.perf_counter()
        store.summary()
        summarised = time.perf_counter()
        data = page_data(store, EventQuery(happenings=True))
        build_map_parts(data.points, weights=data.weights, sources=data.sources)
        out["first_map"] = {"open_s": opened - start, "summary_s": summarised - opened,
                            "page_data_and_map_s": time.perf_counter() - summarised,
                            "total_s": time.perf_counter() - start,
                            "cpu_s_this_process": time.process_time() - cpu,
                            "events": data.count, "points": len(data.points)}
        for name, query in FILTERS.items():
            seconds, data = timed(lambda query=query: page_data(store, query))
            out[f"filter_{name}"] = {"s": seconds, "events": data.count,
                                     "points": len(data.points)}
    return out


PLANS = {
    "count_bbox": "SELECT count(*) FROM happenings WHERE geom && "
                  "ST_MakeEnvelope(35, 33, 38, 37, 4326) AND lon BETWEEN 35 AND 38 "
                  "AND lat BETWEEN 33 AND 37 AND review_status != 'rejected'",
    "newest_rows_month": "SELECT event_id FROM happenings WHERE date >= '2023-06-01' "
                         "AND date <= '2023-06-30' AND review_status != 'rejected' "
                         "ORDER BY date DESC NULLS LAST, event_id LIMIT 1000",
    "newest_rows_all": "SELECT event_id FROM happenings WHERE review_status != 'rejected' "
                       "ORDER BY date DESC NULLS LAST, event_id LIMIT 1000",
    "count_type": "SELECT count(*) FROM happenings WHERE event_type = ANY('{strike}') "
                  "AND review_status != 'rejected'",
}


def plans(url: str) -> dict[str, list[str]]:
    """EXPLAIN ANALYZE of the page's queries (the map grid's as the store makes it)."""
    queries = {name: (sql, []) for name, sql in PLANS.items()}
    queries["grid_cells_all"] = PostGISStore.grid_sql(0.1, EventQuery(happenings=True))
    queries["grid_cells_type"] = PostGISStore.grid_sql(0.1, FILTERS["type"])
    with psycopg.connect(url) as conn:
        return {name: [row[0] for row in conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}",
                                                      params)]
                for name, (sql, params) in queries.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="+", type=int, help="events per run, e.g. 1000000")
    parser.add_argument("--url", help="an empty migrated database (default: a throwaway "
                        "cluster per size)")
    parser.add_argument("--out", type=Path, help="write the results here as JSON")
    parser.add_argument("--no-load", action="store_true",
                        help="time what --url already holds (SIZES says how many events)")
    parser.add_argument("--keep", action="store_true",
                        help="leave the throwaway cluster running (its URL is printed)")
    args = parser.parse_args(argv)
    results = []
    for n in args.sizes:
        cluster = None
        url = args.url
        if url is None:
            bindir, why = find_bindir()
            if bindir is None:
                parser.error(why)
            cluster = start_cluster(bindir, SETTINGS)
            url = cluster.url()
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                migrate(conn)
            run: dict[str, Any] = {"events": n, "load": None if args.no_load else load(url, n)}
            print(f"{n}: loaded {run['load']}", file=sys.stderr)
            run["page"] = page(url)
            run["plans"] = plans(url)
            with psycopg.connect(url) as conn:
                run["db_mb"] = conn.execute("SELECT pg_database_size(current_database())"
                                            ).fetchone()[0] / 1e6
            results.append(run)
            print(json.dumps({k: v for k, v in run.items() if k != "plans"}, indent=1),
                  file=sys.stderr)
        finally:
            if cluster is not None and not args.keep:
                cluster.stop()
            elif cluster is not None:
                print(f"cluster left running: {url} in {cluster.root}", file=sys.stderr)
    summary = {"results": results, "settings": SETTINGS, "targets_at_1m": TARGETS,
               "load_avg": os.getloadavg(), "when": time.strftime("%Y-%m-%d %H:%M UTC",
                                                                   time.gmtime())}
    if len(results) >= 2:
        # Linear in the events (scans and aggregates are), through the two largest runs.
        a, b = results[-2], results[-1]
        summary["extrapolated_10m_s"] = {
            key: a["page"][key]["total_s" if key == "first_map" else "s"]
            + (b["page"][key]["total_s" if key == "first_map" else "s"]
               - a["page"][key]["total_s" if key == "first_map" else "s"])
            * (10_000_000 - a["events"]) / (b["events"] - a["events"])
            for key in b["page"]}
    text = json.dumps(summary, indent=1, default=str)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
