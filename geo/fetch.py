"""Getting an input's bytes and text: files, folders and http(s) URLs, checks and decoding.

The I/O half of ingest, and the byte- and markup-level helpers that know nothing of
articles: ``geo.ingest`` parses what this module reads. Downloads use ``urllib``, so
fetching needs no dependency beyond the standard library. Every problem is an
:class:`~geo.errors.InputError` whose message starts with the input's name.
"""

from __future__ import annotations

import http.client
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Collection
from html.parser import HTMLParser
from pathlib import Path
from typing import IO, Any

from geo.errors import InputError

USER_AGENT = "conflict-map/0.1 (news ingest)"
DEFAULT_MAX_BYTES = 10_000_000
_ACCEPT = (
    "text/html, application/xhtml+xml, application/rss+xml, application/atom+xml, "
    "application/xml;q=0.9, application/json;q=0.9, text/plain;q=0.8, */*;q=0.5"
)
_CHUNK = 64 * 1024
_FEED_TYPES = {
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
}


class _HTTPOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only to http(s): a page must not send us to ftp:// or file://."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        if urllib.parse.urlsplit(newurl).scheme not in ("http", "https"):
            return None  # urllib then raises the 3xx as an HTTPError
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def is_url(text: str) -> bool:
    """Return whether `text` looks like a URL with a scheme (any scheme).

    Examples
    --------
    >>> is_url("https://example.org/a"), is_url("notes/a.txt"), is_url("ftp://x/y")
    (True, False, True)
    """
    return re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*://", text) is not None


def fetch(
    url: str,
    *,
    timeout: float = 15.0,
    max_bytes: int = DEFAULT_MAX_BYTES,
    opener: urllib.request.OpenerDirector | None = None,
) -> tuple[bytes, str]:
    """Download `url` and return its body and its ``Content-Type`` header ("" if none).

    Parameters
    ----------
    url : str
        An ``http://`` or ``https://`` URL.
    timeout : float
        Seconds to wait for the connection and for each read.
    max_bytes : int
        The largest body accepted; the cap is enforced while reading, so a huge or endless
        response costs at most this much memory.
    opener : urllib.request.OpenerDirector, optional
        What opens the request; by default one that honours the usual proxy variables and
        follows redirects to http(s) only. Tests pass their own.

    Raises
    ------
    InputError
        Unsupported scheme, unreachable host, timeout, HTTP error status, or a body larger
        than `max_bytes`; the message starts with the URL.
    """
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise InputError(f"{url}: unsupported URL scheme {scheme!r}; expected http or https")
    if opener is None:
        opener = urllib.request.build_opener(_HTTPOnlyRedirects)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": _ACCEPT})
    try:
        with opener.open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > max_bytes:
                raise InputError(_too_large(url, f"{int(length):,} bytes", max_bytes))
            body = _read_capped(response, url, max_bytes)
            return body, response.headers.get("Content-Type", "")
    except InputError:
        raise
    # One choke point turns urllib's many failures into an InputError naming the URL.
    except urllib.error.HTTPError as err:
        raise InputError(f"{url}: HTTP error {err.code} {err.reason}") from err
    except urllib.error.URLError as err:
        if isinstance(err.reason, TimeoutError):
            raise InputError(f"{url}: timed out after {timeout:g} s") from err
        raise InputError(f"{url}: unreachable ({err.reason})") from err
    except TimeoutError as err:
        raise InputError(f"{url}: timed out after {timeout:g} s") from err
    except (http.client.HTTPException, OSError, ValueError) as err:
        raise InputError(f"{url}: fetch failed ({type(err).__name__}: {err})") from err


def _read_capped(response: Any, url: str, max_bytes: int) -> bytes:
    """Read the body in chunks, failing as soon as it passes `max_bytes`."""
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise InputError(_too_large(url, f"more than {max_bytes:,} bytes", max_bytes))
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(source: str, size: str, max_bytes: int) -> str:
    return f"{source}: too large ({size}; the cap is {max_bytes:,} bytes)"


def response_kind(content_type: str, body: bytes) -> str:
    """Decide how to parse a fetched body: ``"feed"``, ``"json"``, ``"text"`` or ``"html"``.

    The media type decides when it is specific; otherwise (``text/html``, a missing or
    generic type) the first bytes are sniffed, since many servers send feeds as
    ``text/html`` or ``application/octet-stream``.

    Examples
    --------
    >>> response_kind("application/rss+xml; charset=utf-8", b"")
    'feed'
    >>> response_kind("text/html", b"<?xml version='1.0'?><feed xmlns='...'>")
    'feed'
    >>> response_kind("text/html; charset=utf-8", b"<!doctype html><html>")
    'html'
    """
    media = content_type.split(";", 1)[0].strip().lower()
    if media in _FEED_TYPES:
        return "feed"
    if media == "application/json" or media.endswith("+json"):
        return "json"
    if media == "text/plain":
        return "text"
    head = body[:2048].lower()
    if b"<html" not in head and any(tag in head for tag in (b"<rss", b"<feed", b"<rdf:rdf")):
        return "feed"
    return "html"


def content_charset(content_type: str) -> str | None:
    """Return the ``charset`` parameter of a ``Content-Type`` header, if any.

    Examples
    --------
    >>> content_charset('text/html; charset="ISO-8859-1"'), content_charset("text/html")
    ('iso-8859-1', None)
    """
    match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.IGNORECASE)
    return match.group(1).lower() if match else None


def read_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Return the bytes of the file at `path`, refusing one larger than `max_bytes` unread."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(_too_large(str(path), f"{size:,} bytes", max_bytes))
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
        raise InputError(_too_large(source, f"{len(data):,} bytes", max_bytes))
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


class _PageScanner(HTMLParser):
    """Collect the visible text and the ``<meta>`` values of an HTML page or fragment."""

    _BLOCKS = frozenset(
        "address article aside blockquote br dd div dl dt figcaption footer h1 h2 h3 h4 h5 "
        "h6 header hr li main nav ol p pre section table td th tr ul".split()
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.meta: dict[str, str] = {}
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._hidden += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")
        elif tag == "meta":
            values = dict(attrs)
            key = values.get("property") or values.get("name") or values.get("itemprop")
            if key and values.get("content"):
                self.meta.setdefault(key.lower(), values["content"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template"):
            self._hidden = max(0, self._hidden - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)

    def text(self) -> str:
        lines = (" ".join(line.split()) for line in "".join(self.parts).splitlines())
        return "\n".join(line for line in lines if line)


def _scan(html: str) -> _PageScanner:
    scanner = _PageScanner()
    scanner.feed(html)
    scanner.close()
    return scanner


def html_to_text(fragment: str) -> str:
    """Return the visible text of an HTML fragment, one line per block.

    Examples
    --------
    >>> html_to_text("<p>Strikes on <b>Kharkiv</b> &amp; Izium</p><p>Second</p>")
    'Strikes on Kharkiv & Izium\\nSecond'
    """
    return _scan(fragment).text()


def html_meta(html: str) -> dict[str, str]:
    """Return a page's ``<meta>`` values by lowercased property, name or itemprop.

    Examples
    --------
    >>> html_meta('<meta content="2023-03-30" property="article:modified_time">')
    {'article:modified_time': '2023-03-30'}
    """
    return _scan(html[:200_000]).meta  # the <head> comes first
