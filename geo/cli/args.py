"""Argument types shared by the ``geo`` subcommands."""

from __future__ import annotations

import argparse
import datetime as dt


def positive_int(value: str) -> int:
    """Read a positive integer argument, or fail as argparse expects.

    Examples
    --------
    >>> positive_int("3")
    3
    """
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}")
    return number


def date_arg(value: str) -> dt.date:
    """Read a ``YYYY-MM-DD`` argument, or fail as argparse expects."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {value!r}") from None
