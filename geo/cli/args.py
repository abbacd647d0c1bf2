"""Argument types and run-time checks shared by the ``geo`` subcommands.

Every ``type=`` function here raises ``argparse.ArgumentTypeError`` with the bad value
in its message, so argparse prints ``geo CMD: error: argument --x: ...`` and exits 2
instead of showing a traceback. What can only be checked when the command runs (a
store that does not exist, a GeoPackage asked for on stdout) raises
:class:`CommandError`, which ``geo.cli.main`` prints as ``geo CMD: error: ...`` with
exit status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from geo.ingest import ALLOW_PRIVATE_ENV  # the package only: no network code
from geo.limits import MAX_INPUT_BYTES
from geo.model import EVENT_TYPES, BBox

# Names people write for countries that ISO 3166 (and so pycountry) spells otherwise,
# keyed by folded name (see _fold). Codes are ISO 3166-1 alpha-2, plus XK for Kosovo,
# which GeoNames, and so the gazetteer, uses.
COUNTRY_ALIASES = {
    "britain": "GB",
    "great britain": "GB",
    "uk": "GB",
    "u.k.": "GB",
    "us": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "turkey": "TR",
    "russia": "RU",
    "syria": "SY",
    "iran": "IR",
    "palestine": "PS",
    "palestinian territories": "PS",
    "kosovo": "XK",
    "xk": "XK",
    "ivory coast": "CI",
    "dr congo": "CD",
    "drc": "CD",
    "democratic republic of the congo": "CD",
    "congo-kinshasa": "CD",
    "republic of the congo": "CG",
    "congo-brazzaville": "CG",
    "macedonia": "MK",
    "burma": "MM",
    "brunei": "BN",
    "cape verde": "CV",
    "swaziland": "SZ",
    "vatican": "VA",
    "vatican city": "VA",
    "holy see": "VA",
    "micronesia": "FM",
    "east timor": "TL",
    "holland": "NL",
    "uae": "AE",
}


class CommandError(Exception):
    """A command cannot run as asked (a bad argument found only at run time): exit 2."""


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


def max_bytes_arg(value: str) -> int:
    """Read ``--max-bytes``: a positive integer no larger than ``MAX_INPUT_BYTES``.

    Examples
    --------
    >>> max_bytes_arg("5000")
    5000
    >>> max_bytes_arg("200000000")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: 200,000,000 bytes is over the hard limit of 50,000,000 bytes
    """
    number = positive_int(value)
    if number > MAX_INPUT_BYTES:
        raise argparse.ArgumentTypeError(
            f"{number:,} bytes is over the hard limit of {MAX_INPUT_BYTES:,} bytes"
        )
    return number


def date_arg(value: str) -> dt.date:
    """Read a ``YYYY-MM-DD`` argument, or fail as argparse expects.

    Examples
    --------
    >>> date_arg("2023-02-06")
    datetime.date(2023, 2, 6)
    >>> date_arg("2023-13-01")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: expected a date as YYYY-MM-DD, got '2023-13-01'
    """
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {value!r}") from None


def bbox_arg(value: str) -> BBox:
    """Read ``--bbox W,S,E,N`` in degrees (west > east crosses the antimeridian).

    Examples
    --------
    >>> bbox_arg("35,32,43,38")
    (35.0, 32.0, 43.0, 38.0)
    >>> bbox_arg("a,b")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: expected a bbox as W,S,E,N in degrees, got 'a,b'
    """
    # Imported here: the store package opens SQLite, which ``geo --help`` does not need.
    from geo.store import parse_bbox

    try:
        return parse_bbox(value)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def event_types_arg(value: str) -> tuple[str, ...]:
    """Read ``--types a,b``: event types (keys of ``geo.model.EVENT_TYPES``), in order.

    Examples
    --------
    >>> event_types_arg("strike, Protest")
    ('strike', 'protest')
    >>> event_types_arg("bogus")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    argparse.ArgumentTypeError: unknown event type 'bogus'; expected one of ['armed_clash', ...]
    """
    types = tuple(part.strip().lower() for part in value.split(",") if part.strip())
    if not types:
        raise argparse.ArgumentTypeError(f"expected event types separated by commas, got {value!r}")
    for name in types:
        if name not in EVENT_TYPES:
            raise argparse.ArgumentTypeError(
                f"unknown event type {name!r}; expected one of {sorted(EVENT_TYPES)}"
            )
    return tuple(dict.fromkeys(types))


def text_arg(value: str) -> str:
    """Read ``--text WORDS``: words to search for, not blank.

    >>> text_arg(" air base ")
    'air base'
    """
    text = value.strip()
    if not text:
        raise argparse.ArgumentTypeError(f"expected words to search for, got {value!r}")
    return text


def actor_arg(value: str) -> str:
    """Read ``--actor TEXT``: part of an actor's name, not blank.

    Examples
    --------
    >>> actor_arg("  Houthi ")
    'Houthi'
    >>> actor_arg(" ")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: expected part of an actor's name, got ' '
    """
    text = value.strip()
    if not text:
        raise argparse.ArgumentTypeError(f"expected part of an actor's name, got {value!r}")
    return text


def country_code(text: str) -> str:
    """Return the ISO 3166-1 alpha-2 code of a country name or code.

    Accepts alpha-2 and alpha-3 codes, numeric codes, ISO names (short, official and
    common, with or without accents) and the common short names in ``COUNTRY_ALIASES``,
    all case-insensitively.

    Raises
    ------
    ValueError
        For text that names no country; the message shows it.

    Examples
    --------
    >>> [country_code(t) for t in ("Syria", "sy", "Syrian Arab Republic", "SYR")]
    ['SY', 'SY', 'SY', 'SY']
    >>> country_code("Turkiye"), country_code("the Netherlands"), country_code("Kosovo")
    ('TR', 'NL', 'XK')
    >>> country_code("Narnia")
    Traceback (most recent call last):
    ValueError: unknown country 'Narnia'; expected a country name or an ISO 3166-1 code \
such as 'SY' or 'SYR'
    """
    import pycountry

    name = " ".join(text.split())
    folded = _fold(name)
    candidates = [folded, folded.removeprefix("the ")]
    for candidate in candidates:
        if candidate in COUNTRY_ALIASES:
            return COUNTRY_ALIASES[candidate]
    for candidate in [name, *candidates]:
        if not candidate:
            continue
        try:
            return str(pycountry.countries.lookup(candidate).alpha_2)
        except LookupError:
            pass
    folded_names = _folded_country_names()
    for candidate in candidates:
        if candidate in folded_names:
            return folded_names[candidate]
    raise ValueError(
        f"unknown country {text!r}; expected a country name or an ISO 3166-1 code "
        "such as 'SY' or 'SYR'"
    )


def countries_arg(value: str) -> tuple[str, ...]:
    """Read ``--country``: one or more country names or codes, comma-separated.

    ISO's official names can hold a comma ("Korea, Republic of"), so two neighbouring
    items that name a country together are read as one.

    Examples
    --------
    >>> countries_arg("Syria,tr, Iraq")
    ('SY', 'TR', 'IQ')
    >>> countries_arg("Korea, Republic of,Iran, Islamic Republic of")
    ('KR', 'IR')
    """
    parts = value.split(",")
    codes: list[str] = []
    i = 0
    while i < len(parts):
        if not parts[i].strip():
            i += 1
            continue
        # No country name holds more than one comma, so two items are the most to join.
        joined = ",".join(parts[i : i + 2])
        if i + 1 < len(parts) and parts[i + 1].strip() and (code := _lookup(joined)):
            codes.append(code)
            i += 2
            continue
        try:
            codes.append(country_code(parts[i]))
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from None
        i += 1
    if not codes:
        raise argparse.ArgumentTypeError(f"expected country names or codes, got {value!r}")
    return tuple(dict.fromkeys(codes))


def output_arg(value: str) -> str:
    """Read ``-o FILE``: ``-`` (stdout) or a file path whose folder exists and is writable.

    Checked before any work, so a typo in the folder does not cost a whole query.
    """
    if value == "-":
        return value
    if not value:
        raise argparse.ArgumentTypeError("expected a file name or '-' for stdout, got ''")
    path = Path(value)
    folder = path.parent
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{value!r} is a folder; expected a file name")
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"cannot write {value!r}: folder {str(folder)!r} "
                                         "does not exist")
    # The file is written beside its destination and moved into place (geo.files), so
    # the folder itself must be writable, not just the file.
    if not os.access(folder, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"cannot write {value!r}: folder {str(folder)!r} "
                                         "is not writable")
    return value


@contextlib.contextmanager
def allow_private_urls(enabled: bool) -> Iterator[None]:
    """Let fetches reach loopback and private addresses while the block runs, if enabled.

    Through the environment variable the fetcher reads, so every fetch in the command
    (articles, feeds, catalogs) sees it; the previous value comes back afterwards, so
    a command run in-process (tests) leaves nothing behind.
    """
    if not enabled:
        yield
        return
    previous = os.environ.get(ALLOW_PRIVATE_ENV)
    os.environ[ALLOW_PRIVATE_ENV] = "1"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(ALLOW_PRIVATE_ENV, None)
        else:
            os.environ[ALLOW_PRIVATE_ENV] = previous


def describe_os_error(err: OSError) -> str:
    """Return an OSError as one line: ``reason: file`` when it has both, else its text.

    Examples
    --------
    >>> describe_os_error(FileNotFoundError(2, "No such file or directory", "a.csv"))
    "No such file or directory: 'a.csv'"
    >>> describe_os_error(OSError("cannot open event store 'x': file is not a database"))
    "cannot open event store 'x': file is not a database"
    """
    if err.strerror and err.filename is not None:
        return f"{err.strerror}: {str(err.filename)!r}"
    return one_line(str(err) or type(err).__name__)


def one_line(text: str, limit: int = 300) -> str:
    """Return ``text`` on one line, shortened to ``limit`` characters.

    Examples
    --------
    >>> one_line("first\\n  second")
    'first second'
    """
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _lookup(text: str) -> str | None:
    try:
        return country_code(text)
    except ValueError:
        return None


def _fold(text: str) -> str:
    """Lower-case ``text`` and drop its accents ("Türkiye" -> "turkiye")."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_FOLDED_NAMES: dict[str, str] = {}


def _folded_country_names() -> dict[str, str]:
    """Map each ISO name, folded, to its alpha-2 code (built once)."""
    if not _FOLDED_NAMES:
        import pycountry

        for country in pycountry.countries:
            for field in ("name", "official_name", "common_name"):
                name = getattr(country, field, None)
                if name:
                    _FOLDED_NAMES[_fold(name)] = str(country.alpha_2)
    return _FOLDED_NAMES
