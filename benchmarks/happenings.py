"""Benchmark happenings: grouping N reports, and adding one article to a store of N.

    python benchmarks/happenings.py [--size 100000] [--seed 1] [--json OUT]

Synthetic reports (seeded): incidents of every layer at plausible places over the
Middle East, Ukraine and the Sahel over 2023, each told by 1 to 6 articles whose
places (a town's geocode a few km off, sometimes only the province) and dates (a day
off, or the publication day) differ as outlets' do; some undated. Measured, one core:

- **group**: ``geo.happenings.group.group`` over all N reports (target < 60 s at 100k);
  as a peer in the same run, the naive rule (every pair of reports compared) on a
  sample, extrapolated quadratically to N, so the ratio shows what the indexing buys.
- **store**: the N reports bulk-written to a SQLite store and grouped there
  (``SQLiteStore.regroup``), then one new article (5 reports near existing ones) added
  with ``add_article``, which regroups only its neighbourhood (target < 1 s at 100k);
  the peer is adding the same article to an empty store.

Results and the machine go to stdout (and ``--json``); see benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from geo.happenings.group import compatible, group  # noqa: E402
from geo.model import EVENT_TYPES, Article, Event  # noqa: E402
from geo.store import SQLiteStore  # noqa: E402

# (lat, lon, country) of towns where incidents are reported, and their province radius.
TOWNS = [
    (36.20, 37.16, "SY"), (35.93, 36.63, "SY"), (35.34, 40.14, "SY"), (34.73, 36.71, "SY"),
    (36.39, 36.69, "SY"), (37.05, 41.22, "SY"), (35.95, 39.01, "SY"), (33.51, 36.29, "SY"),
    (36.34, 43.13, "IQ"), (33.34, 44.40, "IQ"), (34.60, 43.68, "IQ"), (48.00, 37.80, "UA"),
    (49.99, 36.23, "UA"), (46.64, 32.61, "UA"), (47.84, 35.14, "UA"), (48.59, 38.00, "UA"),
    (12.37, -1.52, "BF"), (13.51, 2.11, "NE"), (14.45, -4.20, "ML"), (11.85, 13.16, "NG"),
    (31.50, 34.47, "PS"), (32.22, 35.25, "PS"), (15.35, 44.21, "YE"), (14.80, 42.95, "YE"),
]
LAYERS = [k for k in EVENT_TYPES if k != "earthquake"]
YEAR = dt.date(2023, 1, 1)


def reports(n: int, seed: int) -> list[Event]:
    """Return ``n`` synthetic reports of incidents, several articles per incident."""
    rng = random.Random(seed)
    out: list[Event] = []
    incident = 0
    while len(out) < n:
        incident += 1
        lat0, lon0, cc = rng.choice(TOWNS)
        lat0 += rng.uniform(-0.6, 0.6)
        lon0 += rng.uniform(-0.6, 0.6)
        day = YEAR + dt.timedelta(days=rng.randrange(365))
        layer = rng.choice(LAYERS)
        acled, sub = EVENT_TYPES[layer]
        for k in range(min(rng.choice([1, 1, 2, 2, 3, 4, 6]), n - len(out))):
            coarse = rng.random() < 0.15
            precision = rng.choices(["day", "published", "month", "year"], [70, 20, 7, 3])[0]
            when: dt.date | None = day + dt.timedelta(days=rng.choice([0, 0, 0, 1]))
            if rng.random() < 0.03:
                when = None
            jitter = 0.5 if coarse else 0.03
            out.append(Event(
                event_id=f"{incident:07d}{k}", event_type=layer, acled_event_type=acled,
                acled_sub_event_type=sub, status="occurred", date=when,
                date_precision=precision, place=f"town {incident}",
                lat=lat0 + rng.uniform(-jitter, jitter), lon=lon0 + rng.uniform(-jitter, jitter),
                geonameid=None, country_code=cc, admin1="", geo_precision=3 if coarse else 1,
                uncertainty_km=120.0 if coarse else rng.choice([3.0, 8.0, 15.0]),
                evidence="Something happened there.", evidence_start=0, evidence_end=26,
                article_id=f"art{incident}-{k}", article_title=f"Report {incident}/{k}",
                source_url=f"https://outlet{k}.example/{incident}", published=day,
                confidence=0.8, actor1=rng.choice([None, None, "militants", "army"]),
            ))
    return out


def naive_seconds(sample: list[Event]) -> float:
    """Time comparing every pair of the sample with the rule (the peer)."""
    start = time.perf_counter()
    for i, a in enumerate(sample):
        for b in sample[i + 1:]:
            compatible(a, b)
    return time.perf_counter() - start


def bench(size: int, seed: int) -> dict:
    events = reports(size, seed)
    start = time.perf_counter()
    groups = group(events)
    group_s = time.perf_counter() - start
    sample = events[: min(size, 3000)]
    naive_s = naive_seconds(sample) * (size / len(sample)) ** 2

    new = [dataclasses.replace(e, event_id=f"new{i}", article_id="new-article",
                               source_url="https://new.example/1")
           for i, e in enumerate(random.Random(seed + 1).sample(events, 5))]
    article = Article(id="new-article", title="New", text="A new article.",
                      published=YEAR, url="https://new.example/1")
    with tempfile.TemporaryDirectory() as tmp:
        with SQLiteStore(Path(tmp) / "empty.sqlite") as store:
            start = time.perf_counter()
            store.add_article(article, new)
            empty_add_s = time.perf_counter() - start
        with SQLiteStore(Path(tmp) / "big.sqlite") as store:
            start = time.perf_counter()
            store.bulk_load(events)
            load_s = time.perf_counter() - start
            start = time.perf_counter()
            stored_groups = store.regroup()
            regroup_s = time.perf_counter() - start
            start = time.perf_counter()
            store.add_article(article, new)
            add_s = time.perf_counter() - start
            joined = sum(1 for e in store.get_events([e.event_id for e in new])
                         if e.happening_id and not e.happening_id.startswith("h-new"))
    sizes = [len(g) for g in groups]
    return {
        "size": size, "happenings": len(groups), "stored_happenings": stored_groups,
        "mean_reports_per_happening": round(statistics.mean(sizes), 2),
        "group_s": round(group_s, 2), "naive_pairs_s_extrapolated": round(naive_s, 1),
        "naive_over_group": round(naive_s / group_s, 1),
        "bulk_load_s": round(load_s, 2), "store_regroup_s": round(regroup_s, 2),
        "add_article_s": round(add_s, 3), "add_article_empty_store_s": round(empty_add_s, 3),
        "add_over_empty": round(add_s / empty_add_s, 1), "new_reports_joining": joined,
    }


def machine() -> dict:
    return {"date": dt.date.today().isoformat(), "python": platform.python_version(),
            "cpus": os.cpu_count(), "machine": platform.machine(),
            "system": platform.platform()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    result = {"machine": machine(), **bench(args.size, args.seed)}
    for key, value in result.items():
        print(f"{key}: {value}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
