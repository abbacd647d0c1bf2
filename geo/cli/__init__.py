"""The ``geo`` command: one thin module per command group, calling into the package.

Subcommands import what they need when they run, so ``geo --help`` stays fast.
Exit status: 0 on success, 1 when something failed (a bad input line, a place not
found, a geocoder or build error), 2 for bad arguments or unreadable files.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence

from geo.cli import events, geoparse, places
from geo.errors import GeoError


def cmd_eval(argv: list[str]) -> int:
    """Hand the arguments to the evaluation harness, which parses them itself."""
    from geo import evaluate

    return evaluate.main(argv)


def cmd_serve(argv: list[str]) -> int:
    """Start the dashboard; the arguments go to ``streamlit run`` untouched."""
    from geo.webapp import serve

    return serve.main(argv)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="geo", description="News articles in, places and events on a map out."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    geoparse.add_parser(commands)
    places.add_parser(commands)
    events.add_parsers(commands)
    commands.add_parser(
        "serve", add_help=False,
        help="start the dashboard (geo serve [SCRIPT.py] [streamlit options])")

    # Never parsed here: main() hands everything after "eval" to geo.evaluate.
    commands.add_parser(
        "eval", add_help=False, help="score the geoparser on a corpus (geo eval --help for options)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``geo`` command with ``argv`` (default: the process arguments)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        # argparse drops option-like arguments meant for a delegate, so ``geo eval``
        # passes its arguments through untouched.
        if args_list[:1] == ["eval"]:
            return cmd_eval(args_list[1:])
        if args_list[:1] == ["serve"]:
            return cmd_serve(args_list[1:])
        args = build_parser().parse_args(args_list)
        return int(args.run(args))
    except GeoError as err:
        print(f"geo: error: {err}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (``geo geoparse | head``); silence the flush at exit.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        return 130


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("conflict-map")
    except PackageNotFoundError:
        return "(not installed)"
