"""Event extraction speed over the evaluation corpora, with geoparsing alone as the peer.

Usage: .venv/bin/python benchmarks/events.py ../shared/eval [--limit N]

Each corpus document becomes an Article (published 2020-01-01, as the corpora carry no
dates we rely on); ``extract_events`` runs the whole per-article pipeline (geoparse,
sentences, triggers, dates, places). The peer in the same run is ``geoparse`` alone, so
the ratio shows what event extraction costs on top of it on this machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from collections import Counter
from pathlib import Path

from geo.events.extract import extract_events
from geo.model import Article
from geo.places.gazetteer import load_gazetteer
from geo.places.geoparse import geoparse

CORPORA = ("lgl.jsonl", "geovirus.jsonl", "trnews.jsonl")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("eval_dir", type=Path)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    gaz = load_gazetteer()
    docs = []
    for name in CORPORA:
        path = args.eval_dir / name
        if not path.exists():
            print(f"{path}: missing", file=sys.stderr)
            return 2
        with path.open(encoding="utf-8") as fh:
            lines = [json.loads(line) for line in fh if line.strip()]
        docs += lines[: args.limit] if args.limit else lines
    articles = [Article(id=str(d["id"]), title=d.get("meta", {}).get("title", ""),
                        text=d["text"], published=dt.date(2020, 1, 1)) for d in docs]
    extract_events(articles[0], gazetteer=gaz)  # warm-up
    start = time.perf_counter()
    types: Counter[str] = Counter()
    for article in articles:
        types.update(e.event_type for e in extract_events(article, gazetteer=gaz))
    events_s = time.perf_counter() - start
    start = time.perf_counter()
    for article in articles:
        geoparse(article.text, gaz)
    parse_s = time.perf_counter() - start
    n = len(articles)
    print(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC  {platform.platform()}  "
          f"{platform.python_implementation()} {platform.python_version()}, 1 core")
    print(f"articles: {n} ({sum(len(a.text) for a in articles) / 1e3:,.0f} KB)")
    print(f"extract_events: {n / events_s:,.0f} articles/s   ({sum(types.values())} events: "
          f"{dict(types.most_common())})")
    print(f"geoparse alone (peer): {n / parse_s:,.0f} articles/s")
    print(f"ratio extract/geoparse time: {events_s / parse_s:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
