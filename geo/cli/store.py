"""``geo store migrate`` and ``geo store copy``: set up a store, move one into another."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from geo.cli.args import CommandError
from geo.cli.events import open_event_store

STORE_FORMS = "a path, sqlite:///PATH or postgresql://USER@HOST[:PORT]/DB"


def cmd_migrate(args: argparse.Namespace) -> int:
    """Create the store's schema, or bring it up to date; say which version it is at."""
    from geo.store import is_postgres_url, postgres_url

    if args.store and is_postgres_url(args.store):
        import psycopg

        from geo.store.pgsql import SchemaError, migrate
        from geo.store.postgis import redact

        url = postgres_url(args.store)
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
                applied = migrate(conn)
        except (psycopg.Error, SchemaError) as err:
            raise CommandError(f"cannot migrate event store {redact(url)!r}: {err}") from err
        done = f"applied {', '.join(map(str, applied))}" if applied else "already current"
        print(f"geo store migrate: {redact(url)}: {done}", file=sys.stderr)
    with open_event_store(args.store, create=True) as store:
        version = store.schema_version()  # type: ignore[attr-defined]
        print(f"geo store migrate: {store!r} is at schema version {version}", file=sys.stderr)
    return 0


def cmd_copy(args: argparse.Namespace) -> int:
    """Copy everything one store holds into another (created when missing)."""
    from geo.store.copy import copy_store

    if args.source == args.target:
        raise CommandError("the source and the target are the same store")
    with open_event_store(args.source, create=False) as source, \
            open_event_store(args.target, create=True) as target:
        counts = copy_store(source, target)
        events = target.count()
    copied = ", ".join(f"{n} {name}" for name, n in counts.items())
    print(f"geo store copy: {copied}; the target holds {events} report(s)", file=sys.stderr)
    return 0


def add_parsers(commands: Any) -> None:
    """Add ``geo store ...`` to the ``geo`` parser's subparsers."""
    store = commands.add_parser("store", help="set up an event store, or copy one to another")
    actions = store.add_subparsers(dest="action", metavar="ACTION", required=True)

    p = actions.add_parser("migrate", help="create the store's schema or bring it up to date")
    p.add_argument("store", nargs="?", metavar="STORE",
                   help=f"{STORE_FORMS} (default: $GEO_STORE, else the default store)")
    p.set_defaults(run=cmd_migrate)

    p = actions.add_parser("copy", help="copy every article, event and review of a store "
                                        "into another (SQLite <-> PostGIS)")
    p.add_argument("source", metavar="SRC", help=STORE_FORMS)
    p.add_argument("target", metavar="DST", help=f"{STORE_FORMS}; created when missing")
    p.set_defaults(run=cmd_copy)
