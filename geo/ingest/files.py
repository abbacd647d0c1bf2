"""An input's bytes: reading files and folders, and checking and decoding bytes.

Every problem is an :class:`~geo.errors.InputError` whose message starts with the
input's name.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection
from pathlib import Path

from geo.errors import InputError
from geo.limits import DEFAULT_MAX_BYTES


def too_large(source: str, size: str, max_bytes: int) -> str:
    """Return the message for an input over the size cap."""
    return f"{source}: too large ({size}; the cap is {max_bytes:,} bytes)"


def read_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Return the bytes of the file at `path`, refusing one larger than `max_bytes` unread."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(too_large(str(path), f"{size:,} bytes", max_bytes))
        return path.read_bytes()
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror or err})") from err


def folder_files(folder: Path, suffixes: Collection[str]) -> list[Path]:
    """Return the files under `folder` with one of `suffixes`, sorted, skipping hidden ones."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(name for name in dirs if not name.startswith("."))
        found += [
            Path(root, name)
            for name in sorted(files)
            if not name.startswith(".") and Path(name).suffix.lower() in suffixes
        ]
    return found


def check_bytes(data: bytes, source: str, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Raise InputError if `data` is empty, larger than `max_bytes`, or binary.

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
    nul = data.find(b"\x00", 0, 8192)
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
