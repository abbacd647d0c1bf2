"""The event subcommands of ``geo``: ingest, extract, export, quakes.

Each is a thin function over ``geo.pipeline``, ``geo.store.sqlite`` and ``geo.export``; heavy
modules are imported when the subcommand runs, so ``geo --help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from geo.cli.args import date_arg, positive_int
from geo.limits import DEFAULT_MAX_BYTES


def cmd_ingest(args: argparse.Namespace) -> int:
    """Store the events of articles from files, folders, URLs and feeds."""
    from tqdm import tqdm

    from geo.pipeline import ingest
    from geo.store import open_store

    with open_store(args.store) as store, tqdm(
        desc="ingest", unit=" input", file=sys.stderr,
        disable=args.quiet or not sys.stderr.isatty(),
    ) as bar:

        def note(source: str, message: str) -> None:
            bar.update(1)
            if message.startswith(("failed", "warning")) or not args.quiet:
                tqdm.write(f"{source}: {message}", file=sys.stderr)

        report = ingest(args.inputs, store, published=args.published,
                        max_bytes=args.max_bytes, on_item=note)
    print(f"geo ingest: {report.summary()}", file=sys.stderr)
    return 0 if report.ok else 1


def cmd_extract(args: argparse.Namespace) -> int:
    """Print one GeoJSON FeatureCollection of the inputs' events, storing nothing."""
    from geo.export import to_geojson
    from geo.ingest.read import read_inputs
    from geo.model import Failure
    from geo.pipeline import article_events

    events = []
    failed = 0
    for item in read_inputs(args.inputs, published=args.published, max_bytes=args.max_bytes):
        if isinstance(item, Failure):
            failed += 1
            print(f"{item.source}: failed: {item.reason}", file=sys.stderr)
            continue
        events.extend(article_events(item))
    json.dump(to_geojson(events), sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 1 if failed else 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write the stored events that pass the filters as GeoJSON, CSV or GeoPackage."""
    from geo.export import export
    from geo.model import EventQuery
    from geo.store import open_store, parse_bbox

    bbox = parse_bbox(args.bbox) if args.bbox else None
    types = tuple(t.strip() for t in args.types.split(",") if t.strip()) if args.types else ()
    query = EventQuery(types=types, since=args.since, until=args.until,
                       countries=(args.country,) if args.country else (), bbox=bbox)
    with open_store(args.store) as store:
        events = store.query(query)
    export(events, args.format, args.output)
    if args.output != "-":
        print(f"geo export: {len(events)} event(s) written to {args.output}", file=sys.stderr)
    return 0


def cmd_quakes(args: argparse.Namespace) -> int:
    """Import a USGS catalog (GeoJSON feed or ComCat CSV, file or URL) into the store."""
    from geo.events.quakes import read_usgs
    from geo.ingest.fetch import fetch
    from geo.pipeline import import_quakes
    from geo.store import open_store

    errors: list[str] = []
    catalog = read_usgs(args.source, fetch=lambda url: fetch(url)[0], errors=errors)
    for error in errors:
        print(f"{args.source}: {error}", file=sys.stderr)
    with open_store(args.store) as store:
        written, linked = import_quakes(store, catalog)
    print(f"geo quakes: {len(catalog)} quake(s) read, {written} stored, "
          f"{linked} article event(s) linked, {len(errors)} bad row(s)", file=sys.stderr)
    return 1 if errors else 0


def add_parsers(commands: Any) -> None:
    """Add the event subcommands to the ``geo`` parser's subparsers."""
    store_help = "store path or URL (default: $GEO_STORE, else data/events.sqlite)"

    p = commands.add_parser("ingest", help="store the events of articles (files, URLs, feeds)")
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="file, folder, JSON lines, feed or http(s) URL")
    p.add_argument("--store", metavar="URL", help=store_help)
    p.add_argument("--published", type=date_arg, metavar="DATE",
                   help="publication date for every article (YYYY-MM-DD)")
    p.add_argument("--max-bytes", type=positive_int, default=DEFAULT_MAX_BYTES, metavar="N",
                   help="largest input accepted, in bytes (default %(default)s)")
    p.add_argument("-q", "--quiet", action="store_true", help="only failures and the summary")
    p.set_defaults(run=cmd_ingest)

    p = commands.add_parser("extract", help="print the events of articles as GeoJSON")
    p.add_argument("inputs", nargs="+", metavar="INPUT")
    p.add_argument("--published", type=date_arg, metavar="DATE")
    p.add_argument("--max-bytes", type=positive_int, default=DEFAULT_MAX_BYTES, metavar="N")
    p.set_defaults(run=cmd_extract)

    p = commands.add_parser("export", help="write stored events as GeoJSON, CSV or GeoPackage")
    p.add_argument("--types", metavar="A,B", help="event types, comma-separated")
    p.add_argument("--since", type=date_arg, metavar="DATE")
    p.add_argument("--until", type=date_arg, metavar="DATE")
    p.add_argument("--country", metavar="CC", help="ISO 3166-1 alpha-2 code")
    p.add_argument("--bbox", metavar="W,S,E,N")
    p.add_argument("--format", choices=["geojson", "csv", "gpkg"], default="geojson")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="'-' for stdout")
    p.add_argument("--store", metavar="URL", help=store_help)
    p.set_defaults(run=cmd_export)

    p = commands.add_parser("quakes", help="import a USGS earthquake catalog into the store")
    p.add_argument("source", metavar="FILE|URL")
    p.add_argument("--store", metavar="URL", help=store_help)
    p.set_defaults(run=cmd_quakes)
