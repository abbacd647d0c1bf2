"""Tests for geo.places.geocoders: a fake gazetteer, and a Nominatim-shaped server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from geopy.geocoders import Nominatim
from geopy.location import Location

from geo.errors import GeocoderError, InputError
from geo.places.gazetteer import Place
from geo.places.geocoders import (
    CachedGeocoder,
    GazetteerGeocoder,
    GeocodeResult,
    GeocoderFallbackWarning,
    default_cache_dir,
    geocode_query,
    geocoder_names,
    get_geocoder,
    resolve,
)

USER_AGENT = "conflict-map-tests/0.1"


def _place(id, name, lat, lon, cc, admin1="", admin1_name="", feature="city", pop=0):
    return Place(
        id=id,
        name=name,
        lat=lat,
        lon=lon,
        geonameid=1000 + id,
        country_code=cc,
        admin1=admin1,
        admin1_name=admin1_name,
        feature=feature,
        population=pop,
        uncertainty_km=5.0,
        source="geonames",
    )


MOSCOW_RU = _place(1, "Moscow", 55.75222, 37.61556, "RU", "RU.48", "Moscow", pop=10_381_222)
MOSCOW_ID = _place(2, "Moscow", 46.73239, -117.00017, "US", "US.ID", "Idaho", pop=25_435)
DAMASCUS_SY = _place(3, "Damascus", 33.5102, 36.29128, "SY", "SY.13", "Dimashq", pop=1_569_394)
DAMASCUS_MD = _place(4, "Damascus", 39.28844, -77.20387, "US", "US.MD", "Maryland", pop=15_257)
RUSSIA = _place(5, "Russia", 60.0, 100.0, "RU", feature="country", pop=140_702_000)
SYRIA = _place(6, "Syria", 35.0, 38.0, "SY", feature="country", pop=22_198_110)
USA = _place(7, "United States", 39.76, -98.5, "US", feature="country", pop=310_232_863)
MARYLAND = _place(8, "Maryland", 39.0, -76.75, "US", "US.MD", "Maryland", "admin1", 5_773_552)


class FakeGazetteer:
    """Exact-name index over a few places, most populous first, counting lookups."""

    def __init__(self, places=(MOSCOW_RU, MOSCOW_ID, DAMASCUS_SY, DAMASCUS_MD)):
        self.places = [*places, RUSSIA, SYRIA, USA, MARYLAND]
        self.aliases = {"russian federation": "russia", "syrian arab republic": "syria"}
        self.calls = []

    def lookup(self, name):
        self.calls.append(name)
        key = " ".join(name.split()).casefold()
        key = self.aliases.get(key, key)
        found = [p for p in self.places if p.name.casefold() == key]
        return sorted(found, key=lambda p: -p.population)


@pytest.fixture
def gazetteer():
    return FakeGazetteer()


@pytest.fixture
def offline(gazetteer):
    return GazetteerGeocoder(gazetteer)


# Offline geocoder


def test_offline_geocode_returns_most_prominent_location(offline):
    loc = offline.geocode("Moscow")
    assert isinstance(loc, Location)
    assert (loc.latitude, loc.longitude) == (MOSCOW_RU.lat, MOSCOW_RU.lon)
    assert loc.address == "Moscow, Moscow, RU"
    assert loc.raw["geonameid"] == MOSCOW_RU.geonameid
    assert loc.raw["country_code"] == "RU"
    assert loc.raw["feature"] == "city"
    assert loc.raw["uncertainty_km"] == 5.0
    assert loc.raw["source"] == "geonames"


def test_offline_geocode_unknown_name_is_none(offline):
    assert offline.geocode("Atlantis") is None
    assert offline.geocode("Atlantis", exactly_one=False) is None
    assert offline.geocode("   ") is None


def test_offline_geocode_list_keeps_prominence_order(offline):
    locs = offline.geocode("moscow", exactly_one=False)
    assert [loc.raw["country_code"] for loc in locs] == ["RU", "US"]
    assert all(isinstance(loc, Location) for loc in locs)


def test_address_skips_empty_parts():
    place = _place(9, "Al-Tanf", 33.5, 38.6, "SY", feature="site")
    loc = GazetteerGeocoder(FakeGazetteer([place])).geocode("Al-Tanf")
    assert loc.address == "Al-Tanf, SY"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Moscow, Idaho", MOSCOW_ID),
        ("Moscow, ID", MOSCOW_ID),
        ("Moscow, Idaho, US", MOSCOW_ID),
        ("Moscow, Idaho, United States", MOSCOW_ID),
        ("moscow ,  idaho", MOSCOW_ID),
        ("Moscow, Russia", MOSCOW_RU),
        ("Moscow, Russian Federation", MOSCOW_RU),
        ("Moscow, RU", MOSCOW_RU),
        ("Damascus, Maryland", DAMASCUS_MD),
        ("Damascus, MD", DAMASCUS_MD),
        ("Damascus, USA", None),  # not an alias the fake gazetteer knows
        ("Damascus, United States", DAMASCUS_MD),
        ("Damascus, Syria", DAMASCUS_SY),
        ("Damascus, Syrian Arab Republic", DAMASCUS_SY),
        ("Damascus, Idaho", None),
        ("Moscow, Syria", None),
        ("Moscow, Narnia", None),
    ],
)
def test_offline_qualifiers_narrow_candidates(offline, query, expected):
    loc = offline.geocode(query)
    if expected is None:
        assert loc is None
    else:
        assert loc.raw["id"] == expected.id


def test_query_that_is_itself_a_name_is_taken_whole():
    dc = _place(10, "Washington, D.C.", 38.895, -77.036, "US", "US.DC", "District of Columbia")
    loc = GazetteerGeocoder(FakeGazetteer([dc])).geocode("Washington, D.C.")
    assert loc.raw["id"] == dc.id


def test_offline_geocoder_loads_gazetteer_lazily(monkeypatch, gazetteer):
    loads = []

    def fake_load():
        loads.append(1)
        return gazetteer

    monkeypatch.setattr("geo.places.geocoders.load_gazetteer", fake_load)
    geocoder = GazetteerGeocoder()
    assert loads == []
    assert geocoder.geocode("Damascus").raw["country_code"] == "SY"
    assert geocoder.geocode("Damascus, Maryland").raw["country_code"] == "US"
    assert loads == [1]


def test_offline_geocoder_never_opens_a_socket(monkeypatch, offline):
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert offline.geocode("Moscow, Idaho").raw["admin1"] == "US.ID"
    assert geocode_query("Damascus", gazetteer=offline.gazetteer).raw["country_code"] == "SY"


def test_offline_reverse_is_not_implemented(offline):
    with pytest.raises(NotImplementedError, match="nominatim"):
        offline.reverse((55.75, 37.61))


def test_location_results_pickle(offline):
    import pickle

    result = resolve("Moscow", gazetteer=offline.gazetteer)
    assert pickle.loads(pickle.dumps(result)) == result


# Registry


@pytest.mark.parametrize("name", ["gazetteer", "offline", "Gazetteer"])
def test_get_geocoder_offline_names(name, gazetteer):
    geocoder = get_geocoder(name, gazetteer=gazetteer)
    assert isinstance(geocoder, GazetteerGeocoder)
    assert geocoder.geocode("Moscow, Idaho").raw["id"] == MOSCOW_ID.id


def test_get_geocoder_builds_geopy_services():
    nominatim = get_geocoder(
        "nominatim", user_agent=USER_AGENT, domain="127.0.0.1:1", scheme="http"
    )
    assert isinstance(nominatim, Nominatim)
    assert nominatim.headers["User-Agent"] == USER_AGENT
    assert nominatim.timeout == 10.0
    assert type(get_geocoder("photon")).__name__ == "Photon"
    assert type(get_geocoder("ArcGIS", timeout=3)).__name__ == "ArcGIS"


def test_unknown_geocoder_name_lists_valid_names():
    with pytest.raises(ValueError, match=r"unknown geocoder 'nomnatim'.*'gazetteer'.*'nominatim'"):
        get_geocoder("nomnatim")
    with pytest.raises(InputError, match="photon"):
        geocode_query("Moscow", "nomnatim")
    assert {"gazetteer", "offline", "nominatim", "photon", "arcgis"} <= set(geocoder_names())


@pytest.mark.parametrize("options", [{}, {"user_agent": ""}, {"user_agent": None}])
def test_nominatim_without_user_agent_is_refused(options):
    with pytest.raises(ValueError, match="user_agent"):
        get_geocoder("nominatim", **options)


def test_bad_service_options_are_input_errors():
    with pytest.raises(InputError, match="nominatim"):
        get_geocoder("nominatim", user_agent=USER_AGENT, no_such_option=1)
    with pytest.raises(InputError, match="scheme"):
        get_geocoder("photon", scheme="ftp")


# Online geocoders against a local Nominatim-shaped server


def _nominatim_result(name, lat, lon):
    return {
        "place_id": 1,
        "licence": "Data (c) OpenStreetMap contributors, ODbL 1.0.",
        "osm_type": "relation",
        "osm_id": 2555133,
        "lat": str(lat),
        "lon": str(lon),
        "category": "boundary",
        "type": "administrative",
        "place_rank": 8,
        "importance": 0.85,
        "addresstype": "city",
        "name": name.split(",")[0],
        "display_name": name,
        "boundingbox": [str(lat - 0.1), str(lat + 0.1), str(lon - 0.1), str(lon + 0.1)],
    }


ANSWERS = {
    "moscow": [_nominatim_result("Moscow, Central Federal District, Russia", 55.7505, 37.6175)],
    "moscow, idaho": [
        _nominatim_result("Moscow, Latah County, Idaho, United States", 46.73, -117.0)
    ],
}


class NominatimStub(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests = []  # (path, params, user agent)
        self.status = 200
        self.delay = 0.0

    @property
    def domain(self):
        return f"127.0.0.1:{self.server_address[1]}"

    def queries(self):
        return [params.get("q") for path, params, _ in self.requests if path == "/search"]


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urlsplit(self.path)
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.server.requests.append((url.path, params, self.headers.get("User-Agent")))
        if self.server.delay:
            time.sleep(self.server.delay)
        if self.server.status != 200:
            body = b'{"error": "internal"}'
            self.send_response(self.server.status)
        else:
            results = ANSWERS.get(params.get("q", "").casefold(), [])
            body = json.dumps(results[: int(params.get("limit", 50))]).encode()
            self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout tests)

    def log_message(self, format, *args):
        pass


@pytest.fixture
def server():
    stub = NominatimStub()
    thread = threading.Thread(target=stub.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield stub
    stub.shutdown()
    stub.server_close()
    thread.join(5)


@pytest.fixture
def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FakeClock:
    """Time that only moves when the rate limiter sleeps."""

    def __init__(self):
        self.now = 1000.0
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


def _cached(domain, tmp_path, clock, **kwargs):
    nominatim = get_geocoder("nominatim", user_agent=USER_AGENT, domain=domain, scheme="http")
    return CachedGeocoder(nominatim, cache_dir=tmp_path, clock=clock, sleep=clock.sleep, **kwargs)


def test_nominatim_against_local_server(server):
    nominatim = get_geocoder(
        "nominatim", user_agent=USER_AGENT, domain=server.domain, scheme="http"
    )
    loc = nominatim.geocode("Moscow")
    assert loc.address == "Moscow, Central Federal District, Russia"
    assert (loc.latitude, loc.longitude) == (55.7505, 37.6175)
    assert server.requests[0][0] == "/search"
    assert server.requests[0][2] == USER_AGENT
    assert nominatim.geocode("Atlantis") is None


def test_cache_hit_means_the_server_sees_the_query_once(server, tmp_path, clock):
    online = _cached(server.domain, tmp_path, clock)
    first = online.geocode("Moscow, Idaho")
    second = online.geocode("Moscow, Idaho")
    assert server.queries() == ["Moscow, Idaho"]
    assert (second.latitude, second.longitude) == (first.latitude, first.longitude)
    assert second.address == first.address
    assert second.raw == first.raw
    # A fresh wrapper (a new process) reads the same cache file.
    assert _cached(server.domain, tmp_path, FakeClock()).geocode("Moscow, Idaho") == first
    assert server.queries() == ["Moscow, Idaho"]
    assert (tmp_path / "geocode.sqlite").is_file()


def test_not_found_is_cached_too(server, tmp_path, clock):
    online = _cached(server.domain, tmp_path, clock)
    assert online.geocode("Atlantis") is None
    assert online.geocode("Atlantis") is None
    assert server.queries() == ["Atlantis"]


def test_cache_keys_include_parameters_and_endpoint(server, tmp_path, clock):
    online = _cached(server.domain, tmp_path, clock)
    one = online.geocode("Moscow")
    many = online.geocode("Moscow", exactly_one=False)
    assert isinstance(one, Location) and isinstance(many, list)
    assert online.geocode("Moscow", exactly_one=False) == many
    assert server.queries() == ["Moscow", "Moscow"]


def test_cache_stores_query_text_safely(server, tmp_path, clock):
    online = _cached(server.domain, tmp_path, clock)
    nasty = "x'); DROP TABLE geocode_v1; --"
    assert online.geocode(nasty) is None
    assert online.geocode(nasty) is None
    assert server.queries() == [nasty]


def test_rate_limiter_waits_without_sleeping(server, tmp_path, clock):
    online = _cached(server.domain, tmp_path, clock, min_delay_seconds=1.5)
    started = time.monotonic()
    online.geocode("Moscow")
    online.geocode("Moscow, Idaho")
    online.geocode("Moscow")  # cached: no request, no wait
    online.geocode("Atlantis")
    assert clock.slept == [1.5, 1.5]
    assert server.queries() == ["Moscow", "Moscow, Idaho", "Atlantis"]
    # Two real waits would take 3 s; the fake clock above already shows none happened.
    assert time.monotonic() - started < 2.9


def test_default_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path / "geo-cache"))
    assert default_cache_dir() == tmp_path / "geo-cache"
    monkeypatch.delenv("GEO_CACHE_DIR")
    assert default_cache_dir().parts[-2:] == (".cache", "conflict-map")


def test_cache_dir_from_environment(monkeypatch, server, tmp_path, clock):
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path / "env-cache"))
    nominatim = get_geocoder(
        "nominatim", user_agent=USER_AGENT, domain=server.domain, scheme="http"
    )
    CachedGeocoder(nominatim, clock=clock, sleep=clock.sleep).geocode("Moscow")
    assert (tmp_path / "env-cache" / "geocode.sqlite").is_file()


def test_service_error_becomes_geocoder_error_after_retries(server, tmp_path, clock):
    server.status = 500
    online = _cached(server.domain, tmp_path, clock, max_retries=2, error_wait_seconds=5.0)
    with pytest.raises(GeocoderError, match="nominatim failed for 'Moscow'") as info:
        online.geocode("Moscow")
    assert isinstance(info.value, RuntimeError)
    assert info.value.__cause__ is not None
    assert server.queries() == ["Moscow"] * 3
    assert clock.slept == [5.0, 5.0]
    # Failures are not cached: once the service is back, it is asked again.
    server.status = 200
    assert online.geocode("Moscow").address.startswith("Moscow")
    assert len(server.queries()) == 4


def test_server_error_falls_back_to_offline_answer(server, tmp_path, clock, gazetteer):
    server.status = 500
    online = _cached(server.domain, tmp_path, clock, max_retries=0)
    with pytest.warns(GeocoderFallbackWarning, match=r"nominatim failed for 'Moscow, Idaho'.*500"):
        result = resolve("Moscow, Idaho", online, gazetteer=gazetteer)
    assert isinstance(result, GeocodeResult)
    assert result.source == "gazetteer"
    assert result.location.raw["id"] == MOSCOW_ID.id
    assert "nominatim" in result.error and "500" in result.error
    assert clock.slept == []


def test_closed_port_falls_back_to_offline_answer(closed_port, tmp_path, gazetteer):
    options = dict(user_agent=USER_AGENT, domain=f"127.0.0.1:{closed_port}", scheme="http")
    with pytest.warns(GeocoderFallbackWarning, match="nominatim.*GeocoderUnavailable"):
        loc = geocode_query(
            "Damascus",
            "nominatim",
            gazetteer=gazetteer,
            cache_dir=tmp_path,
            max_retries=0,
            **options,
        )
    assert loc.raw["id"] == DAMASCUS_SY.id


def test_timeout_falls_back_to_offline_answer(server, tmp_path, clock, gazetteer):
    server.delay = 0.5
    nominatim = get_geocoder(
        "nominatim", user_agent=USER_AGENT, domain=server.domain, scheme="http", timeout=0.05
    )
    online = CachedGeocoder(
        nominatim, cache_dir=tmp_path, max_retries=0, clock=clock, sleep=clock.sleep
    )
    # geopy's requests adapter reports a read timeout as GeocoderUnavailable once
    # urllib3's own retries are spent, so match the message, not the class.
    with pytest.warns(GeocoderFallbackWarning, match="timed out"):
        result = resolve("Moscow", online, gazetteer=gazetteer)
    assert result.location.raw["id"] == MOSCOW_RU.id
    assert "timed out" in result.error


def test_resolve_online_success_reports_service(server, tmp_path, gazetteer):
    options = dict(user_agent=USER_AGENT, domain=server.domain, scheme="http")
    result = resolve("Moscow", "nominatim", gazetteer=gazetteer, cache_dir=tmp_path, **options)
    assert result.source == "nominatim"
    assert result.error is None
    assert result.location.address == "Moscow, Central Federal District, Russia"
    assert gazetteer.calls == []  # the offline index is not consulted on success
    # The named geocoder is reused, so its cache (and rate limit) spans calls.
    loc = geocode_query("Moscow", "nominatim", gazetteer=gazetteer, cache_dir=tmp_path, **options)
    assert loc == result.location
    assert server.queries() == ["Moscow"]


def test_resolve_offline_by_default(gazetteer):
    result = resolve("Moscow, Russia", gazetteer=gazetteer)
    assert result == GeocodeResult(result.location, "gazetteer", None)
    assert result.location.raw["id"] == MOSCOW_RU.id
    assert geocode_query("Atlantis", gazetteer=gazetteer) is None


def test_empty_query_is_an_input_error(gazetteer):
    with pytest.raises(InputError, match="empty"):
        resolve("  ", gazetteer=gazetteer)


def test_importing_geocoders_does_not_touch_the_network():
    import subprocess
    import sys

    code = (
        "import socket\n"
        "def refuse(*a, **k): raise SystemExit('network access at import')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "socket.getaddrinfo = refuse\n"
        "import geo.places.geocoders\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
