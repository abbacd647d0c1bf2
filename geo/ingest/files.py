"""An input's bytes: reading files and folders, and checking and decoding bytes.

Every problem is an :class:`~geo.errors.InputError` whose message starts with the
input's name.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Collection
from pathlib import Path

from geo.errors import InputError
from geo.limits import DEFAULT_MAX_BYTES
from geo.model import Failure


def too_large(source: str, size: str, max_bytes: int) -> str:
    """Return the message for an input over the size cap."""
    return f"{source}: too large ({size}; the cap is {max_bytes:,} bytes)"


def read_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Return the bytes of the regular file at `path`, refusing one larger than `max_bytes`.

    A FIFO, socket or device is refused without being opened: opening a FIFO waits for a
    writer, and reading a device may never end. The file is opened non-blocking and
    checked again, so one swapped in after the first check is refused too.
    """
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{path}: not a regular file ({_file_type(info.st_mode)})")
        if info.st_size > max_bytes:
            raise InputError(too_large(str(path), f"{info.st_size:,} bytes", max_bytes))
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(fd, "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                raise InputError(f"{path}: not a regular file")
            # One byte more than the cap tells a file that grew since it was measured.
            data = file.read(max_bytes + 1)
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror or type(err).__name__})") from err
    if len(data) > max_bytes:
        raise InputError(too_large(str(path), f"more than {max_bytes:,} bytes", max_bytes))
    return data


def _file_type(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"),
                       (stat.S_ISBLK, "a device")):  # fmt: skip
        if test(mode):
            return name
    return "not a file"


def folder_files(folder: Path, suffixes: Collection[str]) -> list[Path | Failure]:
    """Return the files under `folder` with one of `suffixes`, sorted, skipping hidden ones.

    Symbolic links are never followed, to files or folders: a link could lead out of
    the folder (to ``/etc``, to a home directory). A link, FIFO, socket or device that
    would otherwise have been read is returned as a :class:`Failure` saying why it was
    skipped, and is never opened.
    """
    found: list[Path | Failure] = []
    pending = [folder]
    while pending:
        here = pending.pop()
        try:
            with os.scandir(here) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as err:
            found.append(Failure(str(here), f"cannot read the folder ({err.strerror})"))
            continue
        subfolders = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            wanted = path.suffix.lower() in suffixes
            if entry.is_symlink():
                if wanted or entry.is_dir():
                    found.append(Failure(str(path), "skipped: a symbolic link (folders are "
                                                    "read without following links)"))
            elif entry.is_dir(follow_symlinks=False):
                subfolders.append(path)
            elif wanted and entry.is_file(follow_symlinks=False):
                found.append(path)
            elif wanted:
                mode = entry.stat(follow_symlinks=False).st_mode
                found.append(Failure(str(path), f"skipped: not a regular file "
                                                f"({_file_type(mode)})"))
        # Files of a folder first, then its subfolders in order, as os.walk gives them.
        pending.extend(reversed(subfolders))
    return found


def check_bytes(data: bytes, source: str, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Raise InputError if `data` is empty, larger than `max_bytes`, or binary (a NUL byte
    anywhere).

    Examples
    --------
    >>> check_bytes(b"GIF89a\\x00\\x01", "a.txt")
    Traceback (most recent call last):
    geo.errors.InputError: a.txt: binary, not text (NUL byte at offset 6)
    """
    if not data.strip():
        raise InputError(f"{source}: empty")
    if len(data) > max_bytes:
        raise InputError(too_large(source, f"{len(data):,} bytes", max_bytes))
    nul = data.find(b"\x00")  # anywhere: text files have none, and find is linear
    if nul >= 0:
        raise InputError(f"{source}: binary, not text (NUL byte at offset {nul})")


def decode(data: bytes, source: str, encoding: str | None = None) -> str:
    """Decode UTF-8 (with or without a BOM), else the declared `encoding`, else fail.

    Text is never guessed at: a wrong guess would quietly garble names and offsets.

    Examples
    --------
    >>> decode("Aleppo".encode("utf-8-sig"), "a.txt")
    'Aleppo'
    >>> decode("Diyarbak\\u0131r, Rojava caf\\xe9".encode("cp1254"), "a.txt")
    Traceback (most recent call last):
    geo.errors.InputError: a.txt: not valid UTF-8 (byte 0xfd at offset 8); save it as UTF-8
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        if encoding:
            try:
                return data.decode(encoding)
            except (UnicodeDecodeError, LookupError):
                pass
        bad = f"byte 0x{data[err.start]:02x} at offset {err.start}"
        raise InputError(f"{source}: not valid UTF-8 ({bad}); save it as UTF-8") from err


def declared_encoding(html: bytes) -> str | None:
    """Return the charset an HTML page declares in a ``<meta>`` tag near its top, if any.

    Examples
    --------
    >>> declared_encoding(b'<head><meta charset="windows-1252"><title>')
    'windows-1252'
    """
    pattern = rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)"""
    match = re.search(pattern, html[:4096], re.IGNORECASE)
    return match.group(1).decode("ascii").lower() if match else None
