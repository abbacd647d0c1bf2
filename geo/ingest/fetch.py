"""Downloading an input from an http(s) URL, and telling what kind of document it is.

Downloads use ``urllib``, so fetching needs no dependency beyond the standard library.
Every problem is an :class:`~geo.errors.InputError` whose message starts with the URL.
"""

from __future__ import annotations

import http.client
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import IO, Any

from geo.errors import InputError
from geo.ingest.files import too_large
from geo.limits import DEFAULT_MAX_BYTES

USER_AGENT = "conflict-map/0.1 (news ingest)"
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
                raise InputError(too_large(url, f"{int(length):,} bytes", max_bytes))
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
            raise InputError(too_large(url, f"more than {max_bytes:,} bytes", max_bytes))
        chunks.append(chunk)
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
