"""Downloading an input from an http(s) URL, safely, and telling what kind of document it is.

Downloads use ``urllib``, so fetching needs no dependency beyond the standard library.
Every fetch goes through ``geo.ingest.guard``: local and private addresses are refused
unless the operator allows them (``GEO_ALLOW_PRIVATE_URLS=1``), on every redirect too;
one deadline covers the whole fetch; the body is read against a size cap. Messages name
the URL but never tell a port's state or a server path apart: a refused, reset or
timed-out connection and an unknown host all read "could not connect".

Every problem is an :class:`~geo.errors.InputError` whose message starts with the URL.
"""

from __future__ import annotations

import http
import http.client
import re
import ssl
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from geo.errors import InputError
from geo.ingest.files import too_large
from geo.ingest.guard import (
    ALLOW_PRIVATE_ENV,
    Deadline,
    PrivateAddressError,
    private_urls_allowed,
    safe_opener,
)
from geo.limits import DEFAULT_MAX_BYTES

__all__ = [
    "ALLOW_PRIVATE_ENV",
    "PrivateAddressError",
    "USER_AGENT",
    "content_charset",
    "fetch",
    "is_url",
    "response_kind",
]

USER_AGENT = "conflict-map/0.1 (news ingest)"
DEFAULT_TIMEOUT_S = 15.0  # for connecting and for each read
DEFAULT_DEADLINE_S = 60.0  # for the whole fetch, redirects included
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
_COULD_NOT_CONNECT = "could not connect"


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
    timeout: float = DEFAULT_TIMEOUT_S,
    deadline: float = DEFAULT_DEADLINE_S,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allow_private: bool | None = None,
) -> tuple[bytes, str]:
    """Download `url` and return its body and its ``Content-Type`` header ("" if none).

    Parameters
    ----------
    url : str
        An ``http://`` or ``https://`` URL.
    timeout : float
        Seconds to wait for a connection and for each read.
    deadline : float
        Seconds the whole fetch may take, redirects, headers and body included.
    max_bytes : int
        The largest body accepted; the cap is enforced while reading, so a huge or endless
        response costs at most this much memory.
    allow_private : bool, optional
        Whether loopback, private, link-local and other non-public addresses may be
        fetched; ``None`` (the default) means the operator's setting, the environment
        variable ``GEO_ALLOW_PRIVATE_URLS=1``.

    Raises
    ------
    InputError
        Unsupported scheme, a local or private address not allowed, a host that cannot
        be reached, a timeout, an HTTP error status, or a body larger than `max_bytes`;
        the message starts with the URL.
    """
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as err:
        raise InputError(f"{url}: not a valid URL") from err
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InputError(f"{url}: unsupported URL scheme {scheme!r}; expected http or https")
    if not parts.hostname:
        raise InputError(f"{url}: no host in the URL")
    allowed = private_urls_allowed(allow_private)
    with Deadline(deadline) as watchdog:
        try:
            request = urllib.request.Request(
                url, headers={"User-Agent": USER_AGENT, "Accept": _ACCEPT}
            )
            with safe_opener(watchdog, allowed).open(request, timeout=timeout) as response:
                length = response.headers.get("Content-Length", "")
                if length.isdigit() and int(length) > max_bytes:
                    raise InputError(too_large(url, f"{int(length):,} bytes", max_bytes))
                body = _read_capped(response, url, max_bytes, watchdog)
                return body, response.headers.get("Content-Type", "")
        except InputError as err:
            if str(err).startswith(f"{url}: "):
                raise
            raise InputError(f"{url}: refused: {err}") from err
        # One choke point turns urllib's many failures into an InputError naming the URL.
        except Exception as err:
            raise InputError(f"{url}: {_reason(err, watchdog, timeout)}") from err


def _reason(err: Exception, watchdog: Deadline, timeout: float) -> str:
    """Say why a fetch failed, without telling refused, closed and unknown apart."""
    if watchdog.expired:
        return f"timed out after {watchdog.seconds:g} s (the deadline for one fetch)"
    if isinstance(err, urllib.error.HTTPError):
        err.close()
        # The standard phrase, not the server's own: that is text an attacker chooses.
        try:
            return f"HTTP error {err.code} {http.HTTPStatus(err.code).phrase}"
        except ValueError:
            return f"HTTP error {err.code}"
    cause: BaseException | str = err.reason if isinstance(err, urllib.error.URLError) else err
    if isinstance(cause, str):  # urllib's own "no host given", "unknown url type"
        return "not a valid http(s) URL"
    if isinstance(cause, ssl.SSLCertVerificationError):
        return f"{_COULD_NOT_CONNECT} securely (the server's certificate is not valid)"
    if isinstance(cause, TimeoutError):
        return f"timed out after {timeout:g} s"
    # Refused, reset, closed, unknown host, TLS failure: all the same to the user, so a
    # message never tells which ports are open or which names exist.
    if isinstance(cause, OSError):
        return _COULD_NOT_CONNECT
    if isinstance(cause, http.client.HTTPException):
        return "the server sent a malformed response"
    if isinstance(cause, ValueError):
        return "not a valid http(s) URL"
    return f"fetch failed ({type(cause).__name__})"


def _read_capped(response: Any, url: str, max_bytes: int, watchdog: Deadline) -> bytes:
    """Read the body in chunks, failing as soon as it passes `max_bytes`.

    ``read1`` returns what one read of the socket gives, so the deadline is checked
    between small reads instead of after a 64 KB read a slow server takes minutes over.
    """
    read = getattr(response, "read1", response.read)
    chunks: list[bytes] = []
    size = 0
    while chunk := read(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise InputError(too_large(url, f"more than {max_bytes:,} bytes", max_bytes))
        chunks.append(chunk)
        watchdog.remaining()
    if watchdog.expired:  # the watchdog's shutdown reads as the end of the body
        raise TimeoutError("deadline passed")
    return b"".join(chunks)


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
