"""The ``geo`` command: one thin module per command group, calling into the package.

Subcommands import what they need when they run, so ``geo --help`` stays fast.
Exit status: 0 on success, 1 when something failed (a bad input line, a place not
found, a geocoder or build error), 2 for bad arguments or unreadable files.

No error ends in a traceback: bad arguments are one line from argparse or
:class:`geo.cli.args.CommandError`, and anything unexpected a command raises becomes
``geo: error: <one line>`` with status 1. ``GEO_DEBUG=1`` prints the traceback too.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import traceback
from collections.abc import Sequence

from geo.cli import events, geoparse, places, review, store
from geo.cli.args import CommandError, one_line
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
    commands = parser.add_subparsers(
        title="commands", metavar="COMMAND", dest="command", required=True)

    geoparse.add_parser(commands)
    places.add_parser(commands)
    events.add_parsers(commands)
    review.add_parsers(commands)
    store.add_parsers(commands)
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
    command = args_list[0] if args_list else ""
    try:
        # argparse drops option-like arguments meant for a delegate, so ``geo eval``
        # passes its arguments through untouched.
        if command == "eval":
            return cmd_eval(args_list[1:])
        if command == "serve":
            return cmd_serve(args_list[1:])
        args = build_parser().parse_args(args_list)
        command = args.command
        return int(args.run(args))
    except CommandError as err:
        _debug_traceback()
        print(f"geo {command}: error: {one_line(str(err))}", file=sys.stderr)
        return 2
    except GeoError as err:
        _debug_traceback()
        print(f"geo: error: {one_line(str(err))}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (``geo geoparse | head``); silence the flush at exit.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as err:
        # A bug or an unforeseen failure: one line a user can report, not a traceback
        # with the program's internals; GEO_DEBUG=1 shows where it happened.
        _debug_traceback()
        hint = "" if _debugging() else " (GEO_DEBUG=1 shows the traceback)"
        message = one_line(f"{type(err).__name__}: {err}" if str(err) else type(err).__name__)
        print(f"geo: error: {message}{hint}", file=sys.stderr)
        return 1


def _debugging() -> bool:
    return os.environ.get("GEO_DEBUG", "") not in ("", "0")


def _debug_traceback() -> None:
    """Print the exception being handled when ``GEO_DEBUG`` is set."""
    if _debugging():
        traceback.print_exc()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("conflict-map")
    except PackageNotFoundError:
        return "(not installed)"
