"""``geo gazetteer build|path`` and ``geo geocode``: the offline gazetteer and geocoding."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Any

from geo.errors import GeocoderError


def add_parser(commands: Any) -> None:
    """Add ``gazetteer`` and ``geocode`` to the ``geo`` parser's subcommands."""
    gazetteer = commands.add_parser("gazetteer", help="build or locate the offline gazetteer")
    actions = gazetteer.add_subparsers(title="actions", metavar="ACTION", required=True)
    p = actions.add_parser("build", help="build the name index from the packaged GeoNames data")
    p.add_argument(
        "--dump",
        dest="dumps",
        type=Path,
        action="extend",
        nargs="+",
        default=[],
        metavar="FILE",
        help="extra GeoNames dump file(s) to include",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="PATH",
        help="where to write the index (default: `geo gazetteer path`)",
    )
    p.set_defaults(run=cmd_gazetteer_build)
    p = actions.add_parser("path", help="print where the index lives by default")
    p.set_defaults(run=cmd_gazetteer_path)

    p = commands.add_parser("geocode", help="geocode one place name")
    p.add_argument("query", nargs="+", metavar="QUERY")
    p.add_argument("--geocoder", metavar="NAME", help="geocoding service (default: offline)")
    p.add_argument("--user-agent", metavar="UA", help="User-Agent for online services")
    p.add_argument("--domain", metavar="D", help="service host, e.g. 127.0.0.1:8080")
    p.add_argument("--scheme", metavar="S", choices=["http", "https"], help="http or https")
    p.set_defaults(run=cmd_geocode)


def cmd_gazetteer_build(args: argparse.Namespace) -> int:
    """Build the gazetteer index and report where it went."""
    from geo.places import gazetteer

    for dump in args.dumps:
        if not dump.is_file():
            print(f"geo gazetteer build: no such dump file: {str(dump)!r}", file=sys.stderr)
            return 2
    path = gazetteer.build_gazetteer(args.out, tuple(args.dumps))
    print(f"{path}  {_format_size(path.stat().st_size)}")
    return 0


def cmd_gazetteer_path(args: argparse.Namespace) -> int:
    """Print where the gazetteer index lives by default."""
    from geo.places import gazetteer

    print(gazetteer.default_path())
    return 0


def _format_size(size: float) -> str:
    for unit in ("bytes", "KB", "MB"):
        if size < 1000:
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"


def cmd_geocode(args: argparse.Namespace) -> int:
    """Geocode one query and print ``lat, lon  address``."""
    from geo.places import geocoders

    options = {
        key: value
        for key, value in [
            ("geocoder", args.geocoder),
            ("user_agent", args.user_agent),
            ("domain", args.domain),
            ("scheme", args.scheme),
        ]
        if value is not None
    }
    query = " ".join(args.query)
    try:
        # An online service that fails falls back to the offline answer with a warning;
        # show it as one plain line rather than in Python's file-and-line format.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            location = geocoders.geocode_query(query, **options)
    except GeocoderError as err:
        print(f"geo geocode: {err}", file=sys.stderr)
        return 1
    except ValueError as err:  # An unknown geocoder name or a bad option.
        print(f"geo geocode: {err}", file=sys.stderr)
        return 2
    for warning in caught:
        print(f"geo geocode: warning: {warning.message}", file=sys.stderr)
    if location is None:
        print("not found")
        return 1
    print(f"{location.latitude:.5f}, {location.longitude:.5f}  {location.address}")
    return 0
