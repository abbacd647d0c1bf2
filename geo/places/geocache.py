"""Online geocoders made polite and offline-friendly: a rate limit and an on-disk cache.

``CachedGeocoder`` wraps any geopy geocoder: geopy's ``RateLimiter`` spaces the calls
(the clock and sleep can be injected, so tests never wait), and a SQLite file under
``default_cache_dir()`` keeps every answer, so a query is sent once. ``geo.places.geocoders``
builds them by service name and falls back to the offline gazetteer.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import SERVICE_TO_GEOCODER
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from geo.errors import GeocoderError

logger = logging.getLogger(__name__)


def _service_name(geocoder: Geocoder) -> str:
    for name, cls in SERVICE_TO_GEOCODER.items():
        if type(geocoder) is cls:
            return name
    return type(geocoder).__name__.lower()


def default_cache_dir() -> Path:
    """Return ``$GEO_CACHE_DIR``, or ``~/.cache/conflict-map``."""
    env = os.environ.get("GEO_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "conflict-map"


class _PatchableRateLimiter(RateLimiter):
    """geopy's RateLimiter with an injected clock and sleep, so tests never wait."""

    def __init__(
        self,
        func: Callable[..., Any],
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(func, **kwargs)
        self._clock_func = clock
        self._sleep_func = sleep

    def _clock(self) -> float:
        return self._clock_func()

    def _sleep(self, seconds: float) -> None:
        self._sleep_func(seconds)


class _Cache:
    """SQLite store of geocoder answers keyed by (service, query, parameters).

    Each write is one transaction, so readers and concurrent processes see either the
    old answer or the new one, never a torn file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=30)
        conn.execute(
            "CREATE TABLE IF NOT EXISTS geocode_v1 ("
            " service TEXT NOT NULL, query TEXT NOT NULL, params TEXT NOT NULL,"
            " answer TEXT NOT NULL, created REAL NOT NULL,"
            " PRIMARY KEY (service, query, params))"
        )
        return conn

    def get(self, service: str, query: str, params: str) -> tuple[bool, Any]:
        with closing(self._connect()) as conn:
            row = conn.execute(
                "SELECT answer FROM geocode_v1 WHERE service = ? AND query = ? AND params = ?",
                (service, query, params),
            ).fetchone()
        return (False, None) if row is None else (True, json.loads(row[0]))

    def put(self, service: str, query: str, params: str, answer: Any) -> None:
        text = json.dumps(answer, default=str)
        with closing(self._connect()) as conn, conn:
            conn.execute(
                "INSERT OR REPLACE INTO geocode_v1 (service, query, params, answer, created)"
                " VALUES (?, ?, ?, ?, ?)",
                (service, query, params, text, time.time()),
            )


class CachedGeocoder:
    """Wrap an online geocoder: rate-limited calls, answers cached on disk.

    Parameters
    ----------
    geocoder
        A geopy geocoder, e.g. from ``get_geocoder("nominatim", user_agent=...)``.
    cache_dir
        Where ``geocode.sqlite`` lives; default ``default_cache_dir()``.
    min_delay_seconds
        Minimum interval between requests (Nominatim's policy: 1 per second).
    max_retries, error_wait_seconds
        Retries of failed requests and the wait between them (geopy's defaults).
    clock, sleep
        The rate limiter's time source and sleep; tests pass fakes.

    Keep one instance for a batch of queries: the rate limit spans its calls.
    ``geocode`` raises ``GeocoderError`` when the service fails; answers, including
    "not found", are cached, failures are not.
    """

    def __init__(
        self,
        geocoder: Geocoder,
        *,
        cache_dir: Path | str | None = None,
        min_delay_seconds: float = 1.0,
        max_retries: int = 2,
        error_wait_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Any] = time.sleep,
    ) -> None:
        self.geocoder = geocoder
        self.service = _service_name(geocoder)
        # The cache is per endpoint: a local Nominatim must not answer for the public one.
        domain = getattr(geocoder, "domain", "")
        self._namespace = f"{self.service}@{domain}" if domain else self.service
        self._cache = _Cache(Path(cache_dir or default_cache_dir()) / "geocode.sqlite")
        self._limited = _PatchableRateLimiter(
            geocoder.geocode,
            clock=clock,
            sleep=sleep,
            min_delay_seconds=min_delay_seconds,
            max_retries=max_retries,
            error_wait_seconds=max(error_wait_seconds, min_delay_seconds),
            swallow_exceptions=False,
        )

    def geocode(
        self, query: str, exactly_one: bool = True, **kwargs: Any
    ) -> Location | list[Location] | None:
        """Geocode ``query`` through the cache, then the rate-limited service."""
        query = " ".join(str(query).split())
        params = json.dumps({"exactly_one": exactly_one, **kwargs}, sort_keys=True, default=str)
        try:
            hit, answer = self._cache.get(self._namespace, query, params)
        except (sqlite3.Error, OSError, ValueError) as err:
            logger.warning("geocoder cache %s unreadable: %s", self._cache.path, err)
            hit = False
        if hit:
            return _decode(answer)
        try:
            result = self._limited(query, exactly_one=exactly_one, **kwargs)
        except GeopyError as err:
            raise GeocoderError(
                f"{self.service} failed for {query!r}: {type(err).__name__}: {err}"
            ) from err
        try:
            self._cache.put(self._namespace, query, params, _encode(result))
        except (sqlite3.Error, OSError) as err:
            logger.warning("geocoder cache %s not written: %s", self._cache.path, err)
        return result


def _encode(result: Any) -> Any:
    """Turn a geocoder answer (Location, list of them, or None) into JSON data."""
    if isinstance(result, list):
        return [_encode(item) for item in result]
    if result is None:
        return None
    point = [result.latitude, result.longitude, result.altitude]
    return {"address": result.address, "point": point, "raw": result.raw}


def _decode(answer: Any) -> Any:
    if isinstance(answer, list):
        return [_decode(item) for item in answer]
    if answer is None:
        return None
    return Location(answer["address"], tuple(answer["point"]), answer["raw"])
