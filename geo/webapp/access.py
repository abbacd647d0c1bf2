"""Who may write through the page: off unless the operator says so, and a login off-host.

The page only reads unless the operator enables writes (adding articles now, editing
events later): ``GEO_ALLOW_WRITES=1`` in the environment, or ``allow_writes = true`` in
``.streamlit/secrets.toml``. When the server listens beyond this machine (Streamlit's
``server.address`` is not a loopback address), writing also needs a login: the password
in ``write_password`` (secrets) or ``GEO_WRITE_PASSWORD`` (environment), compared in
constant time. Served beyond this machine with writes on but no password set, the page
stays read-only and says why.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

WRITES_ENV = "GEO_ALLOW_WRITES"
PASSWORD_ENV = "GEO_WRITE_PASSWORD"
_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True, slots=True)
class WriteAccess:
    """What the page may do with writes, and what it tells the visitor."""

    allowed: bool  # the operator enabled writes at all
    needs_login: bool  # ... and this visitor must log in first
    reason: str  # why writing is off or gated, for the page ("" when it simply works)


def is_loopback(address: str | None) -> bool:
    """Tell whether a server address only accepts connections from this machine.

    Streamlit's default (no address) listens on every interface.

    Examples
    --------
    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("::1")
    (True, True, True)
    >>> is_loopback(""), is_loopback("0.0.0.0"), is_loopback("192.168.1.5")
    (False, False, False)
    """
    if not address:
        return False
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def _setting(env: Mapping[str, str], secrets: Mapping[str, Any], env_key: str,
             secret_key: str) -> Any:
    value = secrets.get(secret_key)
    return value if value not in (None, "") else env.get(env_key)


def write_access(env: Mapping[str, str], secrets: Mapping[str, Any],
                 server_address: str | None) -> WriteAccess:
    """Decide what writing the page offers, from the operator's settings.

    Examples
    --------
    >>> write_access({}, {}, "127.0.0.1").allowed
    False
    >>> write_access({"GEO_ALLOW_WRITES": "1"}, {}, "127.0.0.1")
    WriteAccess(allowed=True, needs_login=False, reason='')
    >>> write_access({"GEO_ALLOW_WRITES": "1"}, {}, "0.0.0.0").allowed
    False
    >>> write_access({"GEO_ALLOW_WRITES": "1", "GEO_WRITE_PASSWORD": "s3cret"}, {},
    ...              "0.0.0.0").needs_login
    True
    """
    enabled = str(_setting(env, secrets, WRITES_ENV, "allow_writes") or "").lower() in _TRUE
    if not enabled:
        return WriteAccess(False, False, "Adding articles is off: the operator enables it "
                                         "(see the README, Security).")
    if is_loopback(server_address):
        return WriteAccess(True, False, "")
    if not password(env, secrets):
        return WriteAccess(False, False, "Adding articles is off: this page is served "
                                         "beyond this machine and no write password is set.")
    return WriteAccess(True, True, "Log in to add articles.")


def password(env: Mapping[str, str], secrets: Mapping[str, Any]) -> str:
    """Return the write password the operator set ("" when none)."""
    return str(_setting(env, secrets, PASSWORD_ENV, "write_password") or "")


def check_password(given: str, expected: str) -> bool:
    """Compare a typed password with the expected one in constant time.

    Examples
    --------
    >>> check_password("s3cret", "s3cret"), check_password("s3cre", "s3cret")
    (True, False)
    >>> check_password("", "")
    False
    """
    if not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
