"""Geocoders behind geopy's interface: the offline gazetteer, or an online service.

Every backend answers ``geocode(query, exactly_one=True)`` with a
``geopy.location.Location``. ``get_geocoder`` maps a name to a backend, as geopy's
``get_geocoder_for_service`` does. Online services are used through
``CachedGeocoder`` (rate limit + on-disk cache), and ``resolve`` falls back to the
offline answer when the service fails. Nothing here opens a connection unless an
online geocoder is asked for.
"""

from __future__ import annotations

import dataclasses
import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geopy.adapters import BaseSyncAdapter
from geopy.exc import GeocoderNotFound, GeocoderUnavailable, GeopyError
from geopy.geocoders import SERVICE_TO_GEOCODER, get_geocoder_for_service
from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder
from geopy.location import Location

from geo.errors import GeocoderError, InputError
from geo.places.gazetteer import Place, load_gazetteer
from geo.places.geocache import CachedGeocoder, default_cache_dir

__all__ = [
    "CachedGeocoder",
    "GazetteerGeocoder",
    "GeocodeResult",
    "GeocoderFallbackWarning",
    "default_cache_dir",
    "geocode_query",
    "geocoder_names",
    "get_geocoder",
    "resolve",
]

logger = logging.getLogger(__name__)

OFFLINE_NAMES = ("gazetteer", "offline")
OFFLINE_SOURCE = "gazetteer"
# geopy's default timeout is 1 s, which public services often exceed.
DEFAULT_TIMEOUT = 10.0


class GeocoderFallbackWarning(UserWarning):
    """An online geocoder failed and the offline answer was used instead."""


def geocoder_names() -> list[str]:
    """Return every name ``get_geocoder`` accepts."""
    return sorted({*OFFLINE_NAMES, *SERVICE_TO_GEOCODER})


class _NoNetworkAdapter(BaseSyncAdapter):
    """Adapter for the offline geocoder: any attempt at HTTP is a bug, so refuse it."""

    def __init__(self, *, proxies: Any = None, ssl_context: Any = None) -> None:
        super().__init__(proxies=proxies, ssl_context=ssl_context)

    def get_json(self, url: str, *, timeout: Any, headers: Any) -> Any:
        raise GeocoderUnavailable(f"offline geocoder refused a request to {url}")

    def get_text(self, url: str, *, timeout: Any, headers: Any) -> str:
        raise GeocoderUnavailable(f"offline geocoder refused a request to {url}")


class GazetteerGeocoder(Geocoder):
    """Geocode from the offline gazetteer with geopy's interface.

    Parameters
    ----------
    gazetteer
        Anything with ``lookup(name) -> list[Place]`` (most prominent first).
        Defaults to ``geo.places.gazetteer.load_gazetteer()``, loaded on first use.

    Notes
    -----
    ``"X, Y"`` and ``"X, Y, Z"`` look ``X`` up and keep the candidates that every
    qualifier matches: a country code (``"RU"``), an admin1 name or code
    (``"Idaho"``, ``"ID"``), or a name the gazetteer resolves to a country or admin1
    (``"Russia"``). A query that is itself a gazetteer name (``"Washington, D.C."``)
    is taken whole.
    """

    def __init__(self, gazetteer: Any = None) -> None:
        super().__init__(adapter_factory=_NoNetworkAdapter)
        self._gazetteer = gazetteer

    @property
    def gazetteer(self) -> Any:
        if self._gazetteer is None:
            self._gazetteer = load_gazetteer()
        return self._gazetteer

    def geocode(
        self, query: str, exactly_one: bool = True, timeout: Any = DEFAULT_SENTINEL
    ) -> Location | list[Location] | None:
        """Return the best place for ``query`` (all matches if not ``exactly_one``).

        ``timeout`` is accepted for interface compatibility and ignored. Like geopy's
        geocoders, return None (not an empty list) when nothing matches.
        """
        places = self._candidates(str(query))
        if not places:
            return None
        if exactly_one:
            return _to_location(places[0])
        return [_to_location(place) for place in places]

    def reverse(self, query: Any, *, exactly_one: bool = True, timeout: Any = None) -> Any:
        raise NotImplementedError(
            "the offline gazetteer geocoder cannot reverse-geocode; "
            "use an online geocoder such as 'nominatim' for reverse lookups"
        )

    def _candidates(self, query: str) -> list[Place]:
        query = " ".join(query.split())
        if not query:
            return []
        whole = self.gazetteer.lookup(query)
        parts = [part.strip() for part in query.split(",") if part.strip()]
        if whole or len(parts) < 2:
            return list(whole)
        candidates = list(self.gazetteer.lookup(parts[0]))
        for qualifier in parts[1:]:
            match = self._qualifier_matcher(qualifier)
            candidates = [place for place in candidates if match(place)]
        return candidates

    def _qualifier_matcher(self, qualifier: str) -> Callable[[Place], bool]:
        """Return a predicate telling whether a place lies in ``qualifier``."""
        key = qualifier.casefold()
        countries: set[str] = set()
        admin1s: set[tuple[str, str]] = set()
        # The gazetteer knows the aliases ("Syria", "Syrian Arab Republic", ...).
        for area in self.gazetteer.lookup(qualifier):
            if area.feature == "country":
                countries.add(area.country_code)
            elif area.feature == "admin1" and area.admin1:
                admin1s.add((area.country_code, area.admin1))

        def match(place: Place) -> bool:
            admin1_code = place.admin1.rpartition(".")[2]
            return (
                key == place.country_code.casefold()
                or key == place.admin1_name.casefold()
                or key == admin1_code.casefold()
                or place.country_code in countries
                or (place.country_code, place.admin1) in admin1s
            )

        return match


def _to_location(place: Place) -> Location:
    address = ", ".join(p for p in (place.name, place.admin1_name, place.country_code) if p)
    return Location(address, (place.lat, place.lon), dataclasses.asdict(place))


def get_geocoder(name: str, **options: Any) -> Geocoder:
    """Return the geocoder called ``name``, built with ``options``.

    Parameters
    ----------
    name
        ``"gazetteer"`` (or ``"offline"``), or any geopy service name such as
        ``"nominatim"``, ``"photon"`` or ``"arcgis"``.
    **options
        Passed to the geocoder's constructor: ``gazetteer`` for the offline one;
        ``user_agent``, ``domain``, ``scheme``, ``timeout``, ``api_key``... for
        geopy's services (``timeout`` defaults to 10 s).

    Raises
    ------
    InputError
        (a ValueError) for an unknown name, a Nominatim without ``user_agent``, or
        options the service rejects.
    """
    key = name.strip().lower()
    if key in OFFLINE_NAMES:
        return GazetteerGeocoder(**options)
    try:
        cls = get_geocoder_for_service(key)
    except GeocoderNotFound as err:
        raise InputError(f"unknown geocoder {name!r}; expected one of {geocoder_names()}") from err
    if key == "nominatim" and not options.get("user_agent"):
        raise InputError(
            "the nominatim geocoder needs a user_agent naming your application "
            "(Nominatim's usage policy), e.g. user_agent='conflict-map/0.1 (you@example.org)'"
        )
    options.setdefault("timeout", DEFAULT_TIMEOUT)
    try:
        return cls(**options)
    except (GeopyError, TypeError, ValueError) as err:
        raise InputError(f"cannot configure geocoder {name!r}: {err}") from err


@dataclass(frozen=True, slots=True)
class GeocodeResult:
    """The answer to one query: where, who answered, and what failed on the way."""

    location: Location | None
    source: str  # "gazetteer" or the online service's name
    error: str | None = None  # the online failure the offline answer stands in for


# Online geocoders built from a name are kept per process so that the rate limit
# spans every call made with the same settings.
_ONLINE: dict[Any, CachedGeocoder] = {}


def _online_geocoder(name: str, wrapper: dict[str, Any], options: dict[str, Any]) -> CachedGeocoder:
    try:
        key: Any = (
            name.strip().lower(),
            tuple(sorted(wrapper.items())),
            frozenset(options.items()),
        )
        hash(key)
    except TypeError:
        key = None
    if key is not None and key in _ONLINE:
        return _ONLINE[key]
    online = CachedGeocoder(get_geocoder(name, **options), **wrapper)
    if key is not None:
        _ONLINE[key] = online
    return online


def resolve(
    query: str,
    geocoder: str | CachedGeocoder | Geocoder = "gazetteer",
    *,
    gazetteer: Any = None,
    cache_dir: Path | str | None = None,
    min_delay_seconds: float = 1.0,
    max_retries: int = 2,
    error_wait_seconds: float = 5.0,
    **options: Any,
) -> GeocodeResult:
    """Geocode ``query``, falling back to the gazetteer when an online service fails.

    Parameters
    ----------
    query
        Free text such as ``"Moscow, Idaho"``.
    geocoder
        A name for ``get_geocoder``, or a ready geocoder (a ``CachedGeocoder`` keeps
        its rate limit and cache across calls; a bare geopy geocoder gets a new one).
    gazetteer
        The offline gazetteer (default: ``load_gazetteer()``, loaded when needed).
    cache_dir, min_delay_seconds, max_retries, error_wait_seconds
        ``CachedGeocoder`` settings when ``geocoder`` is an online service's name.
    **options
        Constructor options for the named service (``user_agent``, ``domain``...).

    Returns
    -------
    GeocodeResult
        ``source`` names who answered; ``error`` is set when an online service
        failed and the offline answer was used (a ``GeocoderFallbackWarning`` is
        also emitted).
    """
    if not str(query).strip():
        raise InputError(f"empty geocoding query {query!r}")
    offline = GazetteerGeocoder(gazetteer)
    if isinstance(geocoder, str) and geocoder.strip().lower() in OFFLINE_NAMES:
        geocoder = offline
    if isinstance(geocoder, GazetteerGeocoder):
        return GeocodeResult(geocoder.geocode(query), OFFLINE_SOURCE)

    if isinstance(geocoder, str):
        wrapper = {
            "cache_dir": str(cache_dir or default_cache_dir()),
            "min_delay_seconds": min_delay_seconds,
            "max_retries": max_retries,
            "error_wait_seconds": error_wait_seconds,
        }
        online = _online_geocoder(geocoder, wrapper, options)
    elif isinstance(geocoder, CachedGeocoder):
        online = geocoder
    else:
        online = CachedGeocoder(
            geocoder,
            cache_dir=cache_dir,
            min_delay_seconds=min_delay_seconds,
            max_retries=max_retries,
            error_wait_seconds=error_wait_seconds,
        )
    try:
        return GeocodeResult(online.geocode(query), online.service)
    except GeocoderError as err:
        message = f"{err}; using the offline gazetteer instead"
        warnings.warn(message, GeocoderFallbackWarning, stacklevel=2)
        return GeocodeResult(offline.geocode(query), OFFLINE_SOURCE, str(err))


def geocode_query(
    query: str,
    geocoder: str | CachedGeocoder | Geocoder = "gazetteer",
    *,
    gazetteer: Any = None,
    **options: Any,
) -> Location | None:
    """Return the location of ``query``: what ``geo geocode`` prints.

    Same arguments as ``resolve``, which this wraps; when an online geocoder fails,
    the offline answer is returned and a ``GeocoderFallbackWarning`` names the error.
    """
    return resolve(query, geocoder, gazetteer=gazetteer, **options).location
