"""The network guard of every fetch: which addresses may be reached, and for how long.

A URL may come from anyone who can reach the page, so:

- the host is resolved, and loopback, private, link-local, multicast, reserved and
  unspecified addresses (IPv4 and IPv6, IPv4 inside IPv6 too) are refused before
  connecting, on the first request and on every redirect, unless the operator allows
  them (:data:`ALLOW_PRIVATE_ENV`, or ``allow_private=True``);
- the address actually connected to is checked again before anything is sent, so a
  name that resolves differently the second time (DNS rebinding) gains nothing;
- one deadline covers a whole fetch: a watchdog shuts the sockets down when it passes,
  so a server that sends one byte every few seconds cannot hold a fetch open;
- only http and https are spoken: the opener has no file:, ftp: or data: handler.
"""

from __future__ import annotations

import functools
import http.client
import ipaddress
import os
import socket
import ssl
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from typing import IO, Any

from geo.errors import InputError
from geo.ingest import ALLOW_PRIVATE_ENV

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class PrivateAddressError(InputError):
    """A URL's host is (or resolves to) a local or private address and those are not allowed."""


class CouldNotConnect(OSError):
    """Resolving or connecting failed; which of them, and why, is not told to the user."""


def private_urls_allowed(allow_private: bool | None = None) -> bool:
    """Return whether fetches may reach local and private addresses.

    `allow_private` decides when given; ``None`` means the operator's setting, the
    environment variable ``GEO_ALLOW_PRIVATE_URLS`` (``1``, ``true``, ``yes`` or ``on``).

    Examples
    --------
    >>> private_urls_allowed(True), private_urls_allowed(False)
    (True, False)
    """
    if allow_private is not None:
        return bool(allow_private)
    return os.environ.get(ALLOW_PRIVATE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def is_public_address(address: str) -> bool:
    """Return whether an IP address is a public unicast address a fetch may connect to.

    Loopback, private, shared (CGNAT), link-local, site-local, multicast, reserved and
    unspecified addresses are not. IPv4 carried inside IPv6 (mapped ``::ffff:a.b.c.d``,
    NAT64, 6to4, Teredo) is judged by the IPv4 address it carries.

    Examples
    --------
    >>> [is_public_address(a) for a in ("93.184.215.14", "2606:4700:4700::1111")]
    [True, True]
    >>> [is_public_address(a) for a in ("127.0.0.1", "10.1.2.3", "169.254.169.254",
    ...                                 "0.0.0.0", "::1", "fe80::1%eth0", "::ffff:127.0.0.1")]
    [False, False, False, False, False, False, False]
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone id is not an address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return is_public_address(str(ip.ipv4_mapped))
        if ip in _NAT64:  # DNS64 gives these for IPv4-only sites on IPv6-only networks
            return is_public_address(str(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)))
        carried = ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if carried is not None and not is_public_address(str(carried)):
            return False
        if ip.is_site_local:
            return False
    # Python 3.11 counts multicast as global, so every property is asked.
    return ip.is_global and not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
        or ip.is_reserved or ip.is_unspecified
    )  # fmt: skip


def check_public(host: str, addresses: Iterable[str]) -> None:
    """Raise PrivateAddressError unless every address `host` stands for is public.

    One private address is enough to refuse: a name that resolves to both could be
    connected to either.
    """
    if not all(is_public_address(address) for address in addresses):
        raise PrivateAddressError(
            f"{host} is a local or private address; fetching those is off unless the "
            f"operator allows it ({ALLOW_PRIVATE_ENV}=1, or geo ingest --allow-private-urls)"
        )


def _resolve(host: str, port: int) -> list[str]:
    """Return the addresses `host` resolves to (a literal address resolves to itself)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as err:
        raise CouldNotConnect(f"cannot resolve {host!r}") from err
    return [str(info[4][0]) for info in found]


class Deadline:
    """One overall deadline for a fetch: a watchdog shuts its sockets down when it passes.

    A per-read timeout cannot stop a server that sends a byte just before each read
    would time out; shutting the socket down from another thread ends the read at once.
    """

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._end = clock() + seconds
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def remaining(self) -> float:
        """Seconds left; raise TimeoutError when none are."""
        left = self._end - self._clock()
        if self.expired or left <= 0:
            self.expired = True
            raise TimeoutError("deadline passed")
        return left

    def watch(self, sock: socket.socket) -> None:
        """Shut `sock` down when the deadline passes (at once if it has)."""
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired
        if expired:
            _shutdown(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    # The plain socket method, so that a TLS socket is cut at the TCP level and its TLS
    # state is not touched from this thread.
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except (OSError, ValueError):
        pass  # already closed


class _GuardedConnection(http.client.HTTPConnection):
    """An HTTP connection that checks the address it reached and obeys a deadline."""

    def __init__(self, *args: Any, deadline: Deadline, check_peer: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline = deadline
        self._check_peer = check_peer
        # http.client opens its socket through this attribute, also under HTTPS's
        # connect() and before any tunnel or TLS handshake: checking the peer here means
        # nothing at all is sent to an address that is refused.
        self._create_connection = self._connect_checked

    def connect(self) -> None:
        super().connect()
        if self.sock is not None:  # the TLS socket, when HTTPS wrapped the plain one
            self._deadline.watch(self.sock)

    def _connect_checked(
        self, address: tuple[str, int], timeout: Any = None, source_address: Any = None
    ) -> socket.socket:
        try:
            per_read = self.timeout if isinstance(self.timeout, int | float) else None
            left = self._deadline.remaining()
            limit = left if per_read is None else min(per_read, left)
            sock = socket.create_connection(address, limit, source_address)
        except OSError as err:
            raise CouldNotConnect(str(err)) from err
        self._deadline.watch(sock)
        sock.settimeout(per_read)  # from now on, the per-read timeout
        if self._check_peer:
            try:
                check_public(self.host, [str(sock.getpeername()[0])])
            except BaseException:
                sock.close()
                raise
        return sock


class _GuardedHTTPSConnection(_GuardedConnection, http.client.HTTPSConnection):
    """The HTTPS form of :class:`_GuardedConnection` (the peer is checked before TLS)."""


class _GuardedHandler(urllib.request.HTTPHandler, urllib.request.HTTPSHandler):
    """Open http(s) requests through guarded connections, checking the host on each hop.

    urllib calls ``http_open``/``https_open`` for the first request and for every
    redirect, so each hop's host is resolved and checked here.
    """

    def __init__(self, deadline: Deadline, allow_private: bool) -> None:
        urllib.request.HTTPHandler.__init__(self)
        urllib.request.HTTPSHandler.__init__(self)
        self._tls: ssl.SSLContext | None = None  # None: http.client's default, verifying
        self._deadline = deadline
        self._allow_private = allow_private

    def _guard(self, req: urllib.request.Request) -> bool:
        """Check the request's host; return whether to check the peer of its connection."""
        self._deadline.remaining()
        if self._allow_private:
            return False
        parts = urllib.parse.urlsplit(req.full_url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        # Through a proxy the socket's peer is the proxy; the target is still checked.
        proxied = req.has_proxy() or getattr(req, "_tunnel_host", None) is not None
        try:
            addresses = _resolve(host, port)
        except CouldNotConnect:
            if proxied:
                return False  # the proxy resolves names this machine cannot
            raise
        check_public(host, addresses)
        return not proxied

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        check_peer = self._guard(req)
        factory = functools.partial(
            _GuardedConnection, deadline=self._deadline, check_peer=check_peer
        )
        return self.do_open(factory, req)

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        check_peer = self._guard(req)
        factory = functools.partial(
            _GuardedHTTPSConnection, deadline=self._deadline, check_peer=check_peer
        )
        return self.do_open(factory, req, context=self._tls)


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
        follow = super().redirect_request(req, fp, code, msg, headers, newurl)
        if follow is not None:
            # urllib reads a redirect's body to its end before following it; closing it
            # first means a huge or endless body costs nothing.
            fp.close()
        return follow


def safe_opener(deadline: Deadline, allow_private: bool) -> urllib.request.OpenerDirector:
    """Return an opener that speaks http(s) only (no file:, ftp: or data: handlers),
    checks every hop's address unless `allow_private`, and obeys `deadline`."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),  # the usual proxy variables
        urllib.request.UnknownHandler(),
        _GuardedHandler(deadline, allow_private),
        urllib.request.HTTPDefaultErrorHandler(),
        _HTTPOnlyRedirects(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener
