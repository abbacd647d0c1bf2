"""The event subcommands of ``geo``: ingest, extract, export, quakes.

Each is a thin function over ``geo.pipeline``, ``geo.store.sqlite`` and ``geo.export``; heavy
modules are imported when the subcommand runs, so ``geo --help`` stays fast.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from geo.cli.args import (
    CommandError,
    actor_arg,
    allow_private_urls,
    bbox_arg,
    countries_arg,
    date_arg,
    describe_os_error,
    event_types_arg,
    max_bytes_arg,
    output_arg,
    positive_int,
    text_arg,
)
from geo.limits import DEFAULT_MAX_BYTES, MAX_INPUT_BYTES
from geo.model import EVENT_TYPES, REVIEW_STATUSES

if TYPE_CHECKING:
    from geo.pipeline import IngestReport
    from geo.store import Store


def open_event_store(store: str | None, *, create: bool) -> Store:
    """Open the store named by ``--store`` (else ``$GEO_STORE``, else the default).

    Raises
    ------
    CommandError
        When it cannot be opened: a bad URL, a folder, a file that is not a SQLite
        database, a path that cannot be written, or (``create=False``) no store there.
    """
    from geo.store import ENV_VAR, default_store_path, open_store

    try:
        return open_store(store, create=create)
    except ValueError as err:
        raise CommandError(str(err)) from err
    except OSError as err:
        message = describe_os_error(err)
        if "event store" not in message:
            # A system call's own words ("File exists: 'data'") do not say what was
            # being opened; name the store as the user gave it.
            name = store or os.environ.get(ENV_VAR) or str(default_store_path())
            message = f"cannot open event store {name!r}: {message}"
        raise CommandError(message) from err


def cmd_ingest(args: argparse.Namespace) -> int:
    """Store the events of articles from files, folders, URLs and feeds."""
    from tqdm import tqdm

    from geo.pipeline import ingest

    if args.engine != "dask" and (args.scheduler or args.workers):
        flag = "--scheduler" if args.scheduler else "--workers"
        raise CommandError(f"{flag} needs --engine dask")
    if args.scheduler and args.workers:
        raise CommandError("--workers is for the local cluster; a --scheduler has its own")
    if args.scheduler and _is_sqlite(args.store):
        raise CommandError("a SQLite store is written by one machine: use --engine dask "
                           "without --scheduler (a local cluster), or a PostGIS store")
    with (
        allow_private_urls(args.allow_private_urls),
        open_event_store(args.store, create=True) as store,
        _engine(args) as run,
        tqdm(desc="ingest", unit=" input", file=sys.stderr,
             disable=args.quiet or not sys.stderr.isatty()) as bar,
    ):

        def note(source: str, message: str) -> None:
            bar.update(1)
            if message.startswith(("failed", "warning")) or not args.quiet:
                tqdm.write(f"{source}: {message}", file=sys.stderr)

        report = (run or ingest)(args.inputs, store, published=args.published,
                                 max_bytes=args.max_bytes, on_item=note)
    print(f"geo ingest: {report.summary()}", file=sys.stderr)
    return 0 if report.ok else 1


@contextlib.contextmanager
def _engine(args: argparse.Namespace) -> Iterator[Callable[..., IngestReport] | None]:
    """Yield the ingest function of ``--engine dask`` on its cluster, or None (one process)."""
    if args.engine != "dask":
        yield None
        return
    try:
        from geo.cluster.engine import dask_client, ingest_on_cluster
    except ImportError as err:
        raise CommandError(f"--engine dask needs Dask ({err.name} is not installed): "
                           "pip install 'conflict-map[dask]'") from err
    where = f"the Dask scheduler at {args.scheduler!r}" if args.scheduler else "a local cluster"
    with contextlib.ExitStack() as stack:
        try:
            client = stack.enter_context(dask_client(args.scheduler, workers=args.workers))
        except OSError as err:  # TimeoutError included
            raise CommandError(f"cannot start or reach {where}: {describe_os_error(err)}"
                               ) from err
        yield functools.partial(ingest_on_cluster, client=client)


def _is_sqlite(store: str | None) -> bool:
    """Tell whether ``--store`` (else ``$GEO_STORE``, else the default) is a SQLite store.

    By its name, so that a refused command opens (and creates) nothing.
    """
    from geo.store import ENV_VAR

    name = store or os.environ.get(ENV_VAR) or ""
    scheme = name.split("://", 1)[0].lower() if "://" in name else ""
    return not scheme.startswith(("postgres", "postgis"))


def cmd_extract(args: argparse.Namespace) -> int:
    """Print one GeoJSON FeatureCollection of the inputs' events, storing nothing."""
    from geo.export import to_geojson
    from geo.ingest.read import read_inputs
    from geo.model import Failure
    from geo.pipeline import article_events

    events = []
    failed = 0
    with allow_private_urls(args.allow_private_urls):
        for item in read_inputs(args.inputs, published=args.published,
                                max_bytes=args.max_bytes):
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
    from geo.export import export, outlet
    from geo.model import EventQuery

    if args.format == "gpkg" and args.output == "-":
        raise CommandError("a GeoPackage cannot be written to stdout; give a file name with -o")
    if args.since and args.until and args.since > args.until:
        raise CommandError(f"--since {args.since} is after --until {args.until}; "
                           "no event can match")
    query = EventQuery(types=args.types or (), since=args.since, until=args.until,
                       countries=args.country or (), bbox=args.bbox, actor=args.actor or "",
                       text=args.text or "",
                       happenings=not args.reports, reviews=tuple(args.review or ()))
    # create=False: exporting from a store that is not there is a mistake (a typo, a
    # missing GEO_STORE), not a reason to make an empty store and write an empty file.
    with open_event_store(args.store, create=False) as store:
        events = store.query(query)
        outlets = None
        if query.happenings and args.format == "csv":
            outlets = {hid: [outlet(title, url) for _, title, url in found]
                       for hid, found in store.sources_of(
                           [e.event_id for e in events]).items()}
    export(events, args.format, args.output, outlets)
    what = "report(s)" if args.reports else "happening(s)"
    if args.output != "-":
        print(f"geo export: {len(events)} {what} written to {args.output}", file=sys.stderr)
    return 0


def cmd_quakes(args: argparse.Namespace) -> int:
    """Import a USGS catalog (GeoJSON feed or ComCat CSV, file or URL) into the store."""
    from geo.errors import InputError
    from geo.events.usgs import read_usgs
    from geo.ingest.fetch import fetch
    from geo.pipeline import import_quakes

    errors: list[str] = []
    with allow_private_urls(args.allow_private_urls):
        try:
            catalog = read_usgs(args.source, errors=errors, max_bytes=args.max_bytes,
                                fetch=lambda url: fetch(url, max_bytes=args.max_bytes)[0])
        except InputError as err:
            # The whole input is unusable (missing, a folder, not UTF-8, unreachable...):
            # read_usgs's message names it and says why.
            raise CommandError(str(err)) from err
        except OSError as err:
            raise CommandError(f"cannot read {args.source!r}: {describe_os_error(err)}") from err
    for error in errors:
        # read_usgs names the source in its messages; add it only where it does not.
        prefix = "" if error.startswith(str(args.source)) else f"{args.source}: "
        print(f"{prefix}{error}", file=sys.stderr)
    with open_event_store(args.store, create=True) as store:
        written, linked = import_quakes(store, catalog)
    print(f"geo quakes: {len(catalog)} quake(s) read, {written} stored, "
          f"{linked} article event(s) linked, {len(errors)} bad row(s)", file=sys.stderr)
    return 1 if errors else 0


def add_parsers(commands: Any) -> None:
    """Add the event subcommands to the ``geo`` parser's subparsers."""
    store_help = ("store path, sqlite:/// or postgresql:// URL (default: $GEO_STORE, else "
                  "events.sqlite in the user's data folder)")
    private_help = ("let URLs reach loopback and private addresses such as 127.0.0.1 "
                    "(for local testing; also GEO_ALLOW_PRIVATE_URLS=1)")
    max_bytes_help = (f"largest input accepted, in bytes (default %(default)s, "
                      f"at most {MAX_INPUT_BYTES})")

    p = commands.add_parser("ingest", help="store the events of articles (files, URLs, feeds)")
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="file, folder, JSON lines, feed or http(s) URL")
    p.add_argument("--store", metavar="URL", help=store_help)
    p.add_argument("--published", type=date_arg, metavar="DATE",
                   help="publication date for every article (YYYY-MM-DD)")
    p.add_argument("--max-bytes", type=max_bytes_arg, default=DEFAULT_MAX_BYTES, metavar="N",
                   help=max_bytes_help)
    p.add_argument("--allow-private-urls", action="store_true", help=private_help)
    p.add_argument("-q", "--quiet", action="store_true", help="only failures and the summary")
    p.add_argument("--engine", choices=["single", "dask"], default="single",
                   help="single: extract in this process (default); dask: on a Dask cluster, "
                        "local unless --scheduler is given (needs the [dask] extra)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="the Dask scheduler to use (tcp://HOST:8786) instead of a local "
                        "cluster; the store must then be PostGIS")
    p.add_argument("--workers", type=positive_int, metavar="N",
                   help="worker processes of the local Dask cluster (default: one per CPU)")
    p.set_defaults(run=cmd_ingest)

    p = commands.add_parser("extract", help="print the events of articles as GeoJSON")
    p.add_argument("inputs", nargs="+", metavar="INPUT")
    p.add_argument("--published", type=date_arg, metavar="DATE")
    p.add_argument("--max-bytes", type=max_bytes_arg, default=DEFAULT_MAX_BYTES, metavar="N",
                   help=max_bytes_help)
    p.add_argument("--allow-private-urls", action="store_true", help=private_help)
    p.set_defaults(run=cmd_extract)

    p = commands.add_parser("export", help="write stored events as GeoJSON, CSV or GeoPackage")
    p.add_argument("--types", type=event_types_arg, action="extend", metavar="A,B",
                   help=f"event types, comma-separated: {', '.join(EVENT_TYPES)}")
    p.add_argument("--since", type=date_arg, metavar="DATE")
    p.add_argument("--until", type=date_arg, metavar="DATE")
    p.add_argument("--country", type=countries_arg, action="extend", metavar="C,D",
                   help="countries, comma-separated: names or ISO codes (Syria, SY, SYR)")
    p.add_argument("--bbox", type=bbox_arg, metavar="W,S,E,N",
                   help="degrees; write --bbox=W,S,E,N when W is negative")
    p.add_argument("--actor", type=actor_arg, metavar="TEXT",
                   help="events whose actor1 or actor2 contains TEXT (any case)")
    p.add_argument("--text", type=text_arg, metavar="WORDS",
                   help="events whose sentence, place or article title contains WORDS")
    p.add_argument("--reports", action="store_true",
                   help="one row per article's report instead of per happening")
    p.add_argument("--review", action="append", choices=REVIEW_STATUSES, metavar="STATUS",
                   help="only these review statuses (repeatable; default: all but rejected): "
                   + ", ".join(REVIEW_STATUSES))
    p.add_argument("--format", choices=["geojson", "csv", "gpkg"], default="geojson")
    p.add_argument("-o", "--output", type=output_arg, required=True, metavar="FILE",
                   help="'-' for stdout (not for gpkg)")
    p.add_argument("--store", metavar="URL", help=store_help)
    p.set_defaults(run=cmd_export)

    p = commands.add_parser("quakes", help="import a USGS earthquake catalog into the store")
    p.add_argument("source", metavar="FILE|URL")
    p.add_argument("--store", metavar="URL", help=store_help)
    p.add_argument("--max-bytes", type=max_bytes_arg, default=DEFAULT_MAX_BYTES, metavar="N",
                   help=max_bytes_help)
    p.add_argument("--allow-private-urls", action="store_true", help=private_help)
    p.set_defaults(run=cmd_quakes)
