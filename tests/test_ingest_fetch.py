"""Fetch safety: local and private addresses, redirects, the deadline, messages, read_url.

Every server here listens on 127.0.0.1 and is started by the test; nothing reaches the
internet (name lookups that must fail are made to fail by a patched resolver).
"""

from __future__ import annotations

import http.server
import re
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from geo.errors import InputError
from geo.ingest import guard
from geo.ingest.fetch import ALLOW_PRIVATE_ENV, fetch
from geo.ingest.guard import is_public_address, private_urls_allowed
from geo.ingest.read import read_inputs, read_url
from geo.model import Article, Failure

STORY = b"Aid convoy reaches Aleppo\n2024-02-02\n\nA convoy of trucks reached Aleppo."
REFUSED = (r"refused: .* is a local or private address; fetching those is off unless the "
           r"operator allows it \(GEO_ALLOW_PRIVATE_URLS=1")


class _Handler(http.server.BaseHTTPRequestHandler):
    """Routes: /story, /redirect?to=URL, /redirect-endless?to=URL, /drip-headers,
    /drip-body, /evil-reason. Each server counts the requests it gets."""

    requests: list[str]  # set per server class
    drip_s = 0.3

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        self.requests.append(self.path)
        path, _, query = self.path.partition("?")
        target = query.removeprefix("to=")
        try:
            if path == "/story":
                self._send(200, "text/plain; charset=utf-8", STORY)
            elif path == "/redirect":
                self.send_response(302)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif path == "/redirect-endless":  # a body announced huge, then nothing
                self.send_response(302)
                self.send_header("Location", target)
                self.send_header("Content-Length", str(10**9))
                self.end_headers()
                self.wfile.write(b"x" * 10)
                self.wfile.flush()
                time.sleep(3)
            elif path == "/drip-headers":
                for byte in b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n" * 40:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(self.drip_s)
            elif path == "/drip-body":
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                for byte in STORY * 10:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(self.drip_s)
            elif path == "/evil-reason":
                self.send_response(404, "Not <b>Found</b> at /srv/secret/path")
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._send(404, "text/plain", b"not found")
        except OSError:
            pass  # the client hung up: what a fetch at its deadline does

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class Server:
    def __init__(self) -> None:
        handler = type("Handler", (_Handler,), {"requests": []})
        self.requests: list[str] = handler.requests
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True  # dripping handlers must not hold up the close
        self.port = int(self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    started = Server()
    yield started
    started.close()


@pytest.fixture
def other_server() -> Iterator[Server]:
    started = Server()
    yield started
    started.close()


@pytest.fixture(autouse=True)
def _no_proxy_no_allowance(monkeypatch: pytest.MonkeyPatch) -> None:
    """Direct connections, and the operator's allowance off unless a test turns it on."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                 "ALL_PROXY", ALLOW_PRIVATE_ENV):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def no_connections(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Record every attempt to open a connection (and refuse it)."""
    attempts: list[object] = []

    def refuse(address: object, *args: object, **kwargs: object) -> None:
        attempts.append(address)
        raise AssertionError(f"connected to {address!r}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


# --- which addresses are public ------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "127.8.9.10", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254",
     "100.64.0.1", "0.0.0.0", "224.0.0.1", "239.255.255.250", "240.0.0.1",
     "255.255.255.255", "192.0.2.1", "::1", "::", "fe80::1", "fe80::1%eth0", "fc00::1",
     "fd12:3456::1", "fec0::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
     "64:ff9b::7f00:1", "2002:7f00:1::", "2001:db8::1"],
)
def test_non_public_addresses(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize(
    "address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8",
                "64:ff9b::808:808"],
)
def test_public_addresses(address: str) -> None:
    assert is_public_address(address)


@pytest.mark.parametrize(
    ("env", "param", "allowed"),
    [(None, None, False), ("1", None, True), ("true", None, True), ("0", None, False),
     ("", None, False), ("1", False, False), (None, True, True)],
)
def test_the_allowance(monkeypatch: pytest.MonkeyPatch, env: str | None, param: bool | None,
                       allowed: bool) -> None:
    if env is not None:
        monkeypatch.setenv(ALLOW_PRIVATE_ENV, env)
    assert private_urls_allowed(param) is allowed


# --- refused before connecting ------------------------------------------------------------------

LOOPBACK_FORMS = ["127.0.0.1", "localhost", "[::1]", "0.0.0.0", "2130706433", "0x7f.1",
                  "127.1", "017700000001", "[::ffff:127.0.0.1]", "LocalHost"]


@pytest.mark.parametrize("host", LOOPBACK_FORMS)
def test_local_forms_are_refused_before_connecting(server: Server, no_connections: list,
                                                   host: str) -> None:
    url = server.url("/story", host)
    with pytest.raises(InputError, match=f"^{re.escape(url)}: {REFUSED}"):
        fetch(url)
    assert no_connections == [] and server.requests == []


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "0x7f.1"])
def test_env_allows_and_the_parameter_overrides(server: Server, monkeypatch: pytest.MonkeyPatch,
                                                host: str) -> None:
    url = server.url("/story", host)
    assert fetch(url, allow_private=True)[0] == STORY
    monkeypatch.setenv(ALLOW_PRIVATE_ENV, "1")
    assert fetch(url)[0] == STORY
    with pytest.raises(InputError, match=REFUSED):
        fetch(url, allow_private=False)
    assert len(server.requests) == 2


def test_a_refused_address_is_a_failure_and_the_batch_goes_on(server: Server) -> None:
    local = server.url("/story")
    results = list(read_inputs([local, server.url("/story", "localhost")]))
    assert all(isinstance(r, Failure) and "local or private address" in r.reason
               for r in results) and len(results) == 2
    assert server.requests == []
    (article,) = read_inputs([local], allow_private=True)
    assert isinstance(article, Article) and article.title == "Aid convoy reaches Aleppo"


def test_the_address_connected_to_is_checked_too(server: Server,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # The name resolves to a public address when checked, and to 127.0.0.1 when the
    # connection is made (DNS rebinding): the connection's own check refuses it.
    monkeypatch.setattr(guard, "_resolve", lambda host, port: ["93.184.215.14"])
    with pytest.raises(InputError, match=REFUSED):
        fetch(server.url("/story"))
    assert server.requests == []  # connected, but not one byte of a request was sent


def allow_only(monkeypatch: pytest.MonkeyPatch, allowed_host: str) -> None:
    """Let `allowed_host` pass the address check, as if it were a public site."""
    real: Callable = guard.check_public

    def check(host: str, addresses: object) -> None:
        if host != allowed_host:
            real(host, addresses)

    monkeypatch.setattr(guard, "check_public", check)


@pytest.mark.parametrize("target_host", ["127.0.0.1", "0x7f.1", "[::1]"])
def test_a_redirect_to_a_local_address_is_refused(server: Server, other_server: Server,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  target_host: str) -> None:
    allow_only(monkeypatch, "localhost")
    target = other_server.url("/story", target_host)  # another loopback port
    url = server.url(f"/redirect?to={target}", "localhost")
    with pytest.raises(InputError, match=f"{REFUSED}"):
        fetch(url)
    assert server.requests == [f"/redirect?to={target}"]
    assert other_server.requests == []


def test_a_redirect_between_allowed_hosts_is_followed(server: Server, other_server: Server,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    allow_only(monkeypatch, "localhost")
    target = other_server.url("/story", "localhost")
    assert fetch(server.url(f"/redirect?to={target}", "localhost"))[0] == STORY
    assert other_server.requests == ["/story"]


@pytest.mark.timeout(20)
def test_a_redirect_body_is_not_read(server: Server) -> None:
    # urllib reads a redirect's body before following it; this one never ends.
    target = server.url("/story")
    started = time.monotonic()
    body, _ = fetch(server.url(f"/redirect-endless?to={target}"), allow_private=True,
                    deadline=10)
    assert body == STORY and time.monotonic() - started < 2


# --- one deadline per fetch --------------------------------------------------------------------


@pytest.mark.timeout(20)  # without the deadline this would take minutes
@pytest.mark.parametrize("path", ["/drip-headers", "/drip-body"])
def test_a_dripping_server_is_cut_off_at_the_deadline(server: Server, path: str) -> None:
    # A byte every 0.3 s never trips the 5 s per-read timeout; the 1.5 s deadline ends it.
    started = time.monotonic()
    with pytest.raises(InputError, match=r"timed out after 1\.5 s \(the deadline for one fetch\)"):
        fetch(server.url(path), allow_private=True, timeout=5, deadline=1.5)
    assert time.monotonic() - started < 3


@pytest.mark.timeout(20)
def test_the_deadline_covers_the_redirects_too(server: Server) -> None:
    target = server.url("/drip-body")
    started = time.monotonic()
    with pytest.raises(InputError, match="the deadline for one fetch"):
        fetch(server.url(f"/redirect?to={target}"), allow_private=True, timeout=5, deadline=1.5)
    assert time.monotonic() - started < 3


# --- messages that tell nothing about the server's network ----------------------------------


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def resetting_port() -> Iterator[int]:
    """A port that accepts a connection and resets it at once."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    yield int(listener.getsockname()[1])
    listener.close()


@pytest.mark.parametrize("allow_private", [True, False])
def test_unreachable_hosts_all_read_the_same(closed_port: int, resetting_port: int,
                                             monkeypatch: pytest.MonkeyPatch,
                                             allow_private: bool) -> None:
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.create_connection

    def getaddrinfo(host: str, *args: object, **kwargs: object) -> object:
        if host.endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if host == "slow.test":
            return real_getaddrinfo("93.184.215.14", *args, **kwargs)
        return real_getaddrinfo(host, *args, **kwargs)

    def create_connection(address: tuple[str, int], *args: object, **kwargs: object) -> object:
        if address[0] in ("slow.test", "93.184.215.14"):
            raise TimeoutError("timed out")  # a connect timeout, without the network
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    if not allow_private:  # the closed and resetting ports pass as public hosts
        allow_only(monkeypatch, "127.0.0.1")
    urls = [f"http://127.0.0.1:{closed_port}/a", f"http://127.0.0.1:{resetting_port}/a",
            "http://no-such-host.invalid/a", "http://slow.test/a"]
    messages = []
    for url in urls:
        with pytest.raises(InputError) as caught:
            fetch(url, allow_private=allow_private or None)
        messages.append(str(caught.value).removeprefix(f"{url}: "))
    assert messages == ["could not connect"] * 4


def test_http_errors_use_the_standard_phrase(server: Server) -> None:
    url = server.url("/evil-reason")
    with pytest.raises(InputError) as caught:
        fetch(url, allow_private=True)
    assert str(caught.value) == f"{url}: HTTP error 404 Not Found"


# --- read_url: for the page's URL box ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["README.md", "/etc/passwd", ".", "data", "file:///etc/passwd", "file:/etc/passwd",
     "ftp://127.0.0.1/x.txt", "FILE:///etc/hostname", "http:///etc/passwd", "javascript:alert(1)",
     "data:text/plain,hello", "", "http://[::1", "//example.org/a"],
)
def test_read_url_accepts_only_http_urls(text: str, monkeypatch: pytest.MonkeyPatch,
                                         no_connections: list) -> None:
    import geo.ingest.read as read

    def no_files(*args: object, **kwargs: object) -> None:
        raise AssertionError("read_url touched the file system")

    monkeypatch.setattr(read, "read_file", no_files)
    monkeypatch.setattr(read, "folder_files", no_files)
    monkeypatch.setattr(Path, "stat", no_files)
    assert read_url(text) == [Failure(text, "only http(s) URLs are accepted")]
    assert no_connections == []


def test_read_url_reads_and_refuses(server: Server) -> None:
    url = server.url("/story")
    assert read_url(url) == [Failure(url, read_url(url)[0].reason)]
    assert "local or private address" in read_url(url)[0].reason  # type: ignore[union-attr]
    (article,) = read_url(url, allow_private=True)
    assert isinstance(article, Article) and article.url == url and article.source == url
    missing = server.url("/missing")
    assert read_url(missing, allow_private=True) == [Failure(missing, "HTTP error 404 Not Found")]


def test_read_url_turns_any_error_into_a_failure(server: Server,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import geo.ingest.read as read

    def explode(*args: object, **kwargs: object) -> None:
        raise OverflowError("date value out of range")

    monkeypatch.setattr(read, "parse_text", explode)
    url = server.url("/story")
    assert read_url(url, allow_private=True) == [
        Failure(url, "OverflowError: date value out of range")
    ]
