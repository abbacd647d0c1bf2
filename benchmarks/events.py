"""Event extraction benchmark: speed, where events are placed, and incident reports.

Usage:
    .venv/bin/python benchmarks/events.py EVAL_DIR [--limit N] [--json OUT]
                                          [--section speed,locations,incidents]

EVAL_DIR is the shared evaluation folder (``../shared/eval``; its README describes the
files). Every section runs in this one process, pinned to one core, with the gazetteer
loaded once; the run prints the machine and the date first. Scoring lives in
``benchmarks/event_scores.py`` (tested by ``tests/test_event_scores.py``).

speed
    Each document of the three geoparsing corpora (``lgl``, ``geovirus``, ``trnews``)
    becomes an Article (published 2020-01-01, as the corpora carry no dates we rely on);
    ``extract_events`` runs the whole per-article pipeline (geoparse, sentences,
    triggers, dates, places). The peer in the same run is ``geoparse`` alone, so the
    ratio shows what event extraction costs on top of it on this machine.

locations
    ``EVAL_DIR/event_location_dev.jsonl`` (Halterman 2019): every sentence alone is an
    Article (title "", published 2020-01-01). On the sentences with gold locations:
    "placed right" when some event's ``place`` names a gold location span (same name, or
    one contains the other on word boundaries, case-insensitive), "placed elsewhere"
    when there are events but none does, "no event" otherwise; overall and per
    ``source``. On all sentences: the share with an event; on those without a gold
    location it is a false-dot indicator (an event placed where the text gives none).
    Issue 10's targets: placed right >= 0.75, no event <= 0.10.

incidents
    ``tests/data/incidents/reports.jsonl`` (this repository; see its README): each
    report is an Article(id, title, text, published). Each gold incident (``gold``, and
    ``gold2`` when present) is paired one-to-one with the event of its layer nearest to
    the gold point, else the nearest event; the pair is scored on layer, ACLED type and
    sub-type, place within 50 km, date, actor1, actor2 (token overlap >= 0.5, None ==
    None agrees) and fatalities (exact, None == None). Events no incident took are
    "extra" (false dots). Overall, per style and per gold layer. Issue 10's targets (for
    held-out reports of this kind): an event >= 0.95, type right >= 0.85, place within
    50 km >= 0.85, date right >= 0.90.

``--limit N`` takes the first N documents of each corpus, the first N sentences of the
event-location file and the first N incident reports (a quick look; not for recording).
``--json OUT`` writes every number. The exit status is 0 (a measurement, not a gate)
unless an input is missing (2). An extractor exception on one input is counted, shown,
and scored as no event for that input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import statistics
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
# Runnable as a plain script from any folder; event_scores and geoparse sit beside it.
for _path in (ROOT, HERE):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import event_scores as sc  # noqa: E402 (benchmarks/)
from geoparse import machine_info  # noqa: E402 (benchmarks/)

from geo.events.extract import extract_events  # noqa: E402
from geo.model import Article  # noqa: E402
from geo.places.gazetteer import load_gazetteer  # noqa: E402
from geo.places.geoparse import geoparse  # noqa: E402

SECTIONS = ("speed", "locations", "incidents")
CORPORA = ("lgl.jsonl", "geovirus.jsonl", "trnews.jsonl")
LOCATIONS_FILE = "event_location_dev.jsonl"
INCIDENTS = ROOT / "tests" / "data" / "incidents" / "reports.jsonl"
PUBLISHED = dt.date(2020, 1, 1)  # for inputs that carry no date of their own

LOCATION_TARGETS = {sc.PLACED_RIGHT: (0.75, True), sc.NO_EVENT: (0.10, False)}
INCIDENT_TARGETS = {"has_event": (0.95, True), "layer_right": (0.85, True),
                    "sub_event_type_right": (0.85, True), "within_50km": (0.85, True),
                    "date_right": (0.90, True)}
INCIDENT_LABELS = {
    "has_event": "an event", "layer_right": "type right (layer)",
    "event_type_right": "ACLED event type exact", "sub_event_type_right":
    "ACLED sub-event type exact", "within_50km": "place within 50 km",
    "date_right": "date exact", "actor1_agrees": "actor1 agrees",
    "actor2_agrees": "actor2 agrees", "fatalities_right": "fatalities exact",
}
MAX_ERRORS_SHOWN = 5


def read_jsonl(path: Path, limit: int | None = None) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return rows[:limit] if limit else rows


class Extractor:
    """``extract_events`` with the shared gazetteer; an exception is kept, not raised."""

    def __init__(self, gaz: Any) -> None:
        self.gaz = gaz
        self.errors: list[str] = []

    def __call__(self, article: Article) -> list:
        try:
            return extract_events(article, gazetteer=self.gaz)
        except Exception as err:  # a measurement goes on, and reports it
            self.errors.append(f"{article.id}: {type(err).__name__}: {err}")
            if len(self.errors) <= MAX_ERRORS_SHOWN:
                traceback.print_exc()
            return []

    def drain(self) -> list[str]:
        errors, self.errors = self.errors, []
        return errors


def fmt(value: float | None, digits: int = 3) -> str:
    return "  -  " if value is None else f"{value:.{digits}f}"


def verdict(value: float | None, target: float, at_least: bool) -> str:
    met = sc.target_met(value, target, at_least)
    sign = ">=" if at_least else "<="
    return f"target {sign} {target:.2f}: " + {True: "met", False: "NOT met", None: "n/a"}[met]


# --- speed ------------------------------------------------------------------------------


def speed(eval_dir: Path, limit: int | None, gaz: Any, extract: Extractor) -> dict:
    docs: list[dict] = []
    per_corpus: Counter[str] = Counter()
    for name in CORPORA:
        rows = read_jsonl(eval_dir / name, limit)
        per_corpus[name] = len(rows)
        docs += rows
    articles = [Article(id=str(d["id"]), title=d.get("meta", {}).get("title", ""),
                        text=d["text"], published=PUBLISHED) for d in docs]
    extract(articles[0])  # warm-up
    types: Counter[str] = Counter()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for article in articles:
        types.update(sc.event_layer(e) or "?" for e in extract(article))
    events_s, events_cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    wall0 = time.perf_counter()
    for article in articles:
        geoparse(article.text, gaz)
    parse_s = time.perf_counter() - wall0
    n = len(articles)
    kb = sum(len(a.text.encode("utf-8")) for a in articles) / 1e3
    result = {
        "documents": dict(per_corpus), "articles": n, "kb": kb,
        "extract_events": {"wall_s": events_s, "cpu_s": events_cpu,
                           "articles_per_s": n / events_s, "kb_per_s": kb / events_s},
        "geoparse_alone": {"wall_s": parse_s, "articles_per_s": n / parse_s,
                           "kb_per_s": kb / parse_s},
        "ratio_extract_to_geoparse_time": events_s / parse_s,
        "events": sum(types.values()), "events_by_layer": dict(types.most_common()),
        "errors": extract.drain(),
    }
    print(f"articles: {n} ({kb:,.0f} KB; " +
          ", ".join(f"{k.removesuffix('.jsonl')} {v}" for k, v in per_corpus.items()) + ")")
    print(f"extract_events: {n / events_s:,.0f} articles/s ({kb / events_s:,.0f} KB/s)   "
          f"{result['events']} events: {result['events_by_layer']}")
    print(f"geoparse alone (peer): {n / parse_s:,.0f} articles/s")
    print(f"ratio extract/geoparse time: {events_s / parse_s:.2f}")
    return result


# --- locations --------------------------------------------------------------------------


def locations(eval_dir: Path, limit: int | None, extract: Extractor) -> dict:
    records = read_jsonl(eval_dir / LOCATIONS_FILE, limit)
    outcomes: list[tuple[str, str]] = []  # (source, outcome) of the located sentences
    loose_right = 0  # placed right under the README's plain-substring reading
    with_event: Counter[tuple[bool, str]] = Counter()  # (located, source) -> with event
    seen: Counter[tuple[bool, str]] = Counter()
    events_unlocated = 0
    for rec in records:
        article = Article(id=rec["id"], title="", text=rec["text"], published=PUBLISHED)
        events = extract(article)
        places = [getattr(e, "place", None) for e in events]
        gold = [loc["name"] for loc in rec.get("event_locations") or []]
        source = rec.get("source") or "?"
        located = bool(gold)
        seen[located, source] += 1
        with_event[located, source] += bool(events)
        if located:
            outcome = sc.location_outcome(places, gold)
            outcomes.append((source, outcome))
            loose_right += sc.location_outcome(places, gold, word_boundary=False) \
                == sc.PLACED_RIGHT
        else:
            events_unlocated += len(events)

    def event_share(located: bool | None, source: str | None = None) -> dict:
        keys = [k for k in seen if (located is None or k[0] == located)
                and (source is None or k[1] == source)]
        n = sum(seen[k] for k in keys)
        hit = sum(with_event[k] for k in keys)
        return {"n": n, "with_event": hit, "share_with_event": sc.share(hit, n)}

    overall = sc.tally_outcomes(o for _, o in outcomes)
    sources = [s for s, _ in Counter(s for (_, s) in seen.elements()).most_common()]
    by_source = {}
    for source in sources:
        by_source[source] = {
            "located": sc.tally_outcomes(o for s, o in outcomes if s == source),
            "all": event_share(None, source), "unlocated": event_share(False, source)}
    unlocated = event_share(False)
    result = {
        "sentences": len(records), "located_sentences": overall["n"],
        "located": overall,
        "placed_right_substring": sc.share(loose_right, overall["n"]),
        "targets": {k: {"target": t, "at_least": up,
                        "met": sc.target_met(overall["shares"][k], t, up)}
                    for k, (t, up) in LOCATION_TARGETS.items()},
        "all": event_share(None), "located_with_event": event_share(True),
        "unlocated": {**unlocated, "events": events_unlocated,
                      "events_per_sentence": sc.share(events_unlocated, unlocated["n"])},
        "by_source": by_source, "errors": extract.drain(),
    }
    sh = overall["shares"]
    print(f"sentences: {len(records)}, with a gold location: {overall['n']}")
    print(f"  placed right     {fmt(sh[sc.PLACED_RIGHT])}   "
          f"{verdict(sh[sc.PLACED_RIGHT], *LOCATION_TARGETS[sc.PLACED_RIGHT])}   "
          f"(plain-substring match: {fmt(result['placed_right_substring'])})")
    print(f"  placed elsewhere {fmt(sh[sc.PLACED_ELSEWHERE])}")
    print(f"  no event         {fmt(sh[sc.NO_EVENT])}   "
          f"{verdict(sh[sc.NO_EVENT], *LOCATION_TARGETS[sc.NO_EVENT])}")
    print(f"share of sentences with an event: all {fmt(result['all']['share_with_event'])} "
          f"(n {result['all']['n']}), with a gold location "
          f"{fmt(result['located_with_event']['share_with_event'])}")
    print(f"false-dot indicator, sentences WITHOUT a gold location ({unlocated['n']}): "
          f"{fmt(unlocated['share_with_event'])} have an event "
          f"({events_unlocated} events, {fmt(result['unlocated']['events_per_sentence'], 2)}"
          f" per sentence)")
    print(f"  {'source':<14}{'located':>8}{'right':>8}{'elsewh.':>8}{'no ev.':>8}"
          f"{'all n':>8}{'w/ ev.':>8}{'unloc. n':>9}{'false dot':>10}")
    for source, row in by_source.items():
        loc, s = row["located"], row["located"]["shares"]
        print(f"  {source:<14}{loc['n']:>8}{fmt(s[sc.PLACED_RIGHT]):>8}"
              f"{fmt(s[sc.PLACED_ELSEWHERE]):>8}{fmt(s[sc.NO_EVENT]):>8}"
              f"{row['all']['n']:>8}{fmt(row['all']['share_with_event']):>8}"
              f"{row['unlocated']['n']:>9}{fmt(row['unlocated']['share_with_event']):>10}")
    return result


# --- incidents --------------------------------------------------------------------------


def incidents(path: Path, limit: int | None, extract: Extractor) -> dict:
    reports = read_jsonl(path, limit)
    rows: list[dict[str, Any]] = []
    extras: list[int] = []
    n_events: list[int] = []
    for rep in reports:
        article = Article(id=rep["id"], title=rep.get("title") or "", text=rep["text"],
                          published=sc.as_date(rep.get("published")))
        events = extract(article)
        golds = [rep["gold"]] + ([rep["gold2"]] if rep.get("gold2") else [])
        picked = sc.match_incidents(events, golds)
        for which, (gold, index) in enumerate(zip(golds, picked, strict=True), start=1):
            row = sc.score_incident(None if index is None else events[index], gold)
            row.update(id=rep["id"], incident=which, style=rep.get("style"),
                       layer=gold.get("layer"),
                       sub_event_type=gold.get("acled_sub_event_type"))
            rows.append(row)
        n_events.append(len(events))
        extras.append(sc.extra_events(len(events), sum(i is not None for i in picked)))
    found = [r for r in rows if r["has_event"]]
    distances = [r["distance_km"] for r in found if r["distance_km"] is not None]
    overall = sc.summarise(rows)
    result = {
        "reports": len(reports), "incidents": len(rows),
        "overall": overall,
        "given_an_event": sc.summarise(found, sc.INCIDENT_FIELDS[1:]),
        "targets": {k: {"target": t, "at_least": up, "met": sc.target_met(overall[k], t, up)}
                    for k, (t, up) in INCIDENT_TARGETS.items()},
        "median_distance_km": statistics.median(distances) if distances else None,
        "events": sum(n_events),
        "events_per_report": sc.share(sum(n_events), len(reports)),
        "extra_events": sum(extras),
        "extra_events_per_report": sc.share(sum(extras), len(reports)),
        "reports_with_extra_events": sc.share(sum(1 for x in extras if x), len(reports)),
        "by_style": sc.summarise_by(rows, lambda r: r["style"]),
        "by_layer": sc.summarise_by(rows, lambda r: r["layer"]),
        "by_sub_event_type": sc.summarise_by(rows, lambda r: r["sub_event_type"]),
        "extra_events_by_style": {
            style: sc.share(sum(x for x, r in zip(extras, reports, strict=True)
                                if r.get("style") == style),
                            sum(1 for r in reports if r.get("style") == style))
            for style in dict.fromkeys(r.get("style") for r in reports)},
        "rows": rows, "errors": extract.drain(),
    }
    given = result["given_an_event"]
    print(f"reports: {len(reports)}, gold incidents: {len(rows)} "
          f"({len(rows) - len(reports)} second incidents)")
    print(f"  {'':<28}{'all':>7}{'given ev.':>10}")
    for field in sc.INCIDENT_FIELDS:
        target = INCIDENT_TARGETS.get(field)
        note = "   " + verdict(overall[field], *target) if target else ""
        print(f"  {INCIDENT_LABELS[field]:<28}{fmt(overall[field]):>7}"
              f"{fmt(given.get(field)) if field != 'has_event' else '':>10}{note}")
    print(f"  median distance of paired events: {fmt(result['median_distance_km'], 0)} km")
    print(f"events: {result['events']} ({fmt(result['events_per_report'], 2)} per report); "
          f"extra events (false dots): {result['extra_events']}, "
          f"{fmt(result['extra_events_per_report'], 2)} per report, "
          f"{fmt(result['reports_with_extra_events'], 2)} of reports have some")
    columns = ("has_event", "layer_right", "sub_event_type_right", "within_50km",
               "date_right", "actor1_agrees", "actor2_agrees", "fatalities_right")
    heads = ("event", "layer", "subtype", "<50km", "date", "actor1", "actor2", "fatal.")

    def table(title: str, groups: dict, extra: Callable[[str], str] | None = None) -> None:
        print(f"  {title:<28}{'n':>4}" + "".join(f"{h:>8}" for h in heads)
              + ("   extra/rep" if extra else ""))
        for key, summary in groups.items():
            print(f"  {str(key):<28}{summary['n']:>4}"
                  + "".join(f"{fmt(summary[c], 2):>8}" for c in columns)
                  + (f"{extra(key):>12}" if extra else ""))

    table("style", result["by_style"],
          lambda s: fmt(result["extra_events_by_style"].get(s), 2))
    table("gold layer", result["by_layer"])
    return result


# --- the run ----------------------------------------------------------------------------


def parse_sections(value: str) -> list[str]:
    chosen = [s.strip() for s in value.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown section(s) {unknown}; choose from {', '.join(SECTIONS)}")
    return [s for s in SECTIONS if s in chosen]


def _clean(value: Any) -> Any:
    """Return ``value`` with non-finite floats as None, so the JSON is strict."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("eval_dir", type=Path)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None, metavar="OUT")
    parser.add_argument("--section", type=parse_sections, default=list(SECTIONS),
                        help=f"comma-separated, of {','.join(SECTIONS)} (default: all)")
    args = parser.parse_args(argv)
    needed = {"speed": [args.eval_dir / n for n in CORPORA],
              "locations": [args.eval_dir / LOCATIONS_FILE], "incidents": [INCIDENTS]}
    missing = [p for s in args.section for p in needed[s] if not p.is_file()]
    if missing:
        for path in missing:
            print(f"{path}: missing", file=sys.stderr)
        return 2
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    machine = machine_info()
    print(f"{machine['date']}  {machine['platform']}  {machine['cpu']}  "
          f"{machine['python']}, 1 core  commit {machine['commit']}")
    start = time.perf_counter()
    gaz = load_gazetteer()
    gazetteer_s = time.perf_counter() - start
    print(f"gazetteer load: {gazetteer_s:.1f} s")
    extract = Extractor(gaz)
    out: dict[str, Any] = {"machine": machine, "eval_dir": str(args.eval_dir),
                           "limit": args.limit, "gazetteer_load_s": gazetteer_s,
                           "sections": {}}
    for name in args.section:
        print(f"\n== {name} ==")
        start = time.perf_counter()
        if name == "speed":
            result = speed(args.eval_dir, args.limit, gaz, extract)
        elif name == "locations":
            result = locations(args.eval_dir, args.limit, extract)
        else:
            result = incidents(INCIDENTS, args.limit, extract)
        result["runtime_s"] = time.perf_counter() - start
        if result["errors"]:
            print(f"EXTRACTOR ERRORS: {len(result['errors'])} inputs raised (scored as no "
                  f"event); first: {result['errors'][:MAX_ERRORS_SHOWN]}")
        print(f"[{name}: {result['runtime_s']:.1f} s]")
        out["sections"][name] = result
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(_clean(out), indent=1, default=str) + "\n",
                             encoding="utf-8")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
