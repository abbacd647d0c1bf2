"""The event map: layers, legend, uncertainty, quake sizes, escaping, offline assets."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import html
import http.server
import json
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import folium
import pytest
from folium.elements import JSCSSMixin
from folium.plugins import MarkerCluster
from map_utils import layer_counts, walk

from geo.model import ACLED_SUB_EVENT_TYPES, EVENT_TYPES, Event
from geo.render.assets import (
    ASSETS,
    BASEMAP_PATH,
    STATIC_FILES,
    asset_urls,
    install_static_assets,
    load_basemap,
)
from geo.render.elements import (
    SHAPES,
    DensityCells,
    EventMarkers,
    Legend,
    OrderedLayerControl,
    UncertaintyCircles,
)
from geo.render.escape import safe_url, script_json
from geo.render.maps import build_map
from geo.render.popups import popup_html
from geo.render.styles import LAYER_STYLES, layer_style, quake_radius

SCRIPT_XSS = "<script>alert(1)</script>"
IMG_XSS = "<img src=x onerror=alert(1)>"
# Folium's Popup and Tooltip put text in a JavaScript template literal, where this runs.
TEMPLATE_XSS = "${alert(3)} `backtick`"


def ev(event_id: str, event_type: str, lat: float, lon: float, **fields) -> Event:
    base = dict(
        event_id=event_id, event_type=event_type, acled_event_type=None,
        acled_sub_event_type=None, status="occurred", date=dt.date(2023, 2, 6),
        date_precision="day", place="Afrin", lat=lat, lon=lon, geonameid=None,
        country_code="SY", admin1="Aleppo", geo_precision=1, uncertainty_km=5.0,
        evidence="Warplanes struck Afrin on Monday.", evidence_start=0, evidence_end=33,
        article_id="a1", article_title="Strikes in the north",
        source_url="https://example.org/news/1", published=dt.date(2023, 2, 7), confidence=0.8,
    )
    base.update(fields)
    return Event(**base)


EVENTS = [
    ev("q1", "earthquake", 37.17, 37.03, place="Nurdagi", usgs_id="us6000jllz",
       magnitude=7.8, depth_km=10.0),
    ev("q2", "earthquake", 38.02, 37.20, place="Elbistan", usgs_id="us6000jlqa", magnitude=6.7),
    ev("q3", "earthquake", 36.20, 36.16, place="Antakya", usgs_id="us7000jlqb", magnitude=4.4),
    ev("q4", "earthquake", 36.39, 36.69, place="Jinderis"),  # reported in an article
    ev("b1", "military_base", 35.41, 35.95, place="Hmeimim", admin1="Latakia"),
    ev("s1", "strike", 36.51, 36.87, article_title=SCRIPT_XSS, evidence=IMG_XSS + TEMPLATE_XSS),
    ev("s2", "strike", 35.0, 38.5, place="Syria", admin1="", geo_precision=3,
       uncertainty_km=300.0, source_url="javascript:alert(2)"),
    ev("c1", "armed_clash", 35.95, 39.01, place="Raqqa", status="claimed", geo_precision=2,
       uncertainty_km=25.0, admin1="Raqqa"),
    ev("d1", "diplomacy", 55.75, 37.62, place="Moscow", status="planned", country_code="RU",
       admin1="Moscow"),
    ev("p1", "protest", 39.93, 32.86, place="Ankara", country_code="TR", admin1="Ankara"),
    ev("x1", "cyber_<b>attack</b>", 33.51, 36.29, place="Damascus"),
]


@pytest.fixture(scope="module")
def m() -> folium.Map:
    return build_map(EVENTS)


@pytest.fixture(scope="module")
def page_html(m) -> str:
    return m.get_root().render()


def elements(m: folium.Map, kind: type) -> list:
    return [e for e in walk(m) if isinstance(e, kind)]


def event_layer(m: folium.Map, event_type: str) -> folium.FeatureGroup:
    (group,) = [c for c in m._children.values() if getattr(c, "event_type", None) == event_type]
    return group


# --- layers and legend ---------------------------------------------------------------

def test_one_layer_per_event_type_with_counts(m):
    assert layer_counts(m) == {
        "Earthquakes": 4, "Military bases": 1, "Strikes": 2, "Armed clashes": 1,
        "Diplomacy": 1, "Protests": 1, "Cyber <b>attack</b>": 1,
    }


def test_event_layers_are_overlays_in_a_layer_control(m, page_html):
    groups = [c for c in m._children.values() if getattr(c, "event_type", None)]
    assert all(g.overlay and g.control and g.show for g in groups)
    assert len(elements(m, folium.LayerControl)) == 1
    assert "L.control.layers" in page_html
    # Folium puts layer names into the control as they are: the unknown type's label
    # reaches the page only as a JSON string key, which the control shows as text.
    assert '"Cyber \\u003cb\\u003eattack\\u003c/b\\u003e"' in page_html


def test_each_type_has_its_own_colour_and_symbol(m):
    styles = {g.event_type: elements(g, EventMarkers)[0].style
              for g in m._children.values() if getattr(g, "event_type", None)}
    known = [s for t, s in styles.items() if not t.startswith("cyber")]
    assert len({s["color"] for s in known}) == len(known) == 6
    assert len({s["shape"] for s in known}) == 6


# One event of every layer: each one visible, in the legend's order.
EVERY_LAYER = [ev(f"e-{t}", t, 30.0 + i, 40.0 + i, acled_event_type=EVENT_TYPES[t][0],
                  acled_sub_event_type=EVENT_TYPES[t][1])
               for i, t in enumerate(EVENT_TYPES)]


def test_every_layer_has_a_style_of_its_own():
    assert list(LAYER_STYLES) == list(EVENT_TYPES) == list(ACLED_SUB_EVENT_TYPES)
    styles = list(LAYER_STYLES.values())
    assert len({s.color for s in styles}) == len({s.label for s in styles}) == len(styles)
    assert all(s.shape in SHAPES or s.shape == "circle" for s in styles)
    # A symbol is shared only within an ACLED family: the colour tells the layer apart.
    by_shape: dict[str, set] = {}
    for t, style in LAYER_STYLES.items():
        by_shape.setdefault(style.shape, set()).add(t)
    assert sorted(sorted(v) for v in by_shape.values() if len(v) > 1) == [
        ["armed_clash", "violence_against_civilians"], ["explosion", "strike"],
        ["military_base", "strategic_development"], ["protest", "riot"]]
    # Labels are words only (the timeline's legend and the tests read them back).
    assert all(re.fullmatch(r"[A-Za-z ]+", s.label) for s in styles)


def test_every_layer_is_drawn_listed_and_in_the_legend():
    m = build_map(EVERY_LAYER)
    labels = [layer_style(t).label for t in EVENT_TYPES]
    assert layer_counts(m) == dict.fromkeys(labels, 1)
    (legend,) = elements(m, Legend)
    assert [legend.html.index(f"{label} <span") for label in labels] == sorted(
        legend.html.index(f"{label} <span") for label in labels)  # the legend's order
    # The legend's first layers are drawn last (on top); the control lists the legend's order.
    drawn = [c.layer_name for c in m._children.values() if getattr(c, "event_type", None)]
    assert drawn == labels[::-1]
    (control,) = elements(m, OrderedLayerControl)
    m.get_root().render()
    assert list(control.overlays) == [*labels, "Density (all events)"]
    assert list(control.base_layers) == ["Country outlines (offline)", "OpenStreetMap (online)",
                                         "CartoDB Positron (online)"]


def test_outline_basemap_is_default_and_tiles_are_options(m):
    (outlines,) = elements(m, folium.GeoJson)
    assert not outlines.overlay and outlines.show
    tiles = elements(m, folium.TileLayer)
    assert {t.layer_name for t in tiles} == {"OpenStreetMap (online)",
                                            "CartoDB Positron (online)"}
    assert all(not t.overlay and not t.show and t.control for t in tiles)


def test_no_tile_layers_when_tiles_off():
    assert not elements(build_map(EVENTS, tiles=False), folium.TileLayer)


def test_legend_lists_layers_and_escapes_labels(m):
    (legend,) = elements(m, Legend)
    for label in ("Earthquakes", "Military bases", "Strikes", "Armed clashes", "Diplomacy",
                  "Protests", "location uncertainty", "catalog quakes"):
        assert label in legend.html
    assert "Cyber &lt;b&gt;attack&lt;/b&gt;" in legend.html
    assert "<b>attack" not in legend.html


def test_empty_map_renders():
    empty = build_map([])
    assert layer_counts(empty) == {}
    assert "no events to show" in elements(empty, Legend)[0].html
    assert "leaflet" in empty.get_root().render()


# --- uncertainty and sizes -----------------------------------------------------------

def test_region_level_events_get_uncertainty_circles_in_metres(m):
    strikes = elements(event_layer(m, "strike"), UncertaintyCircles)
    assert [c.rows for c in strikes] == [[[35.0, 38.5, 300_000]]]
    clashes = elements(event_layer(m, "armed_clash"), UncertaintyCircles)
    assert [c.rows for c in clashes] == [[[35.95, 39.01, 25_000]]]
    for event_type in ("earthquake", "military_base", "diplomacy", "protest"):
        assert not elements(event_layer(m, event_type), UncertaintyCircles)


def test_region_level_event_has_a_small_centre_marker(m):
    (markers,) = elements(event_layer(m, "strike"), EventMarkers)
    radius = {(row[0], row[1]): row[2] for row in markers.rows}
    assert radius[(35.0, 38.5)] < radius[(36.51, 36.87)]


def test_catalog_quakes_grow_with_magnitude(m):
    (markers,) = elements(event_layer(m, "earthquake"), EventMarkers)
    radius = {(row[0], row[1]): row[2] for row in markers.rows}
    m44, m67, m78 = radius[(36.20, 36.16)], radius[(38.02, 37.20)], radius[(37.17, 37.03)]
    assert m44 < m67 < m78


@pytest.mark.parametrize(("low", "high"), [(3.0, 4.5), (4.5, 6.0), (6.0, 7.8), (7.8, 9.1)])
def test_quake_radius_is_monotonic(low, high):
    assert quake_radius(low) < quake_radius(high)


def test_events_at_one_point_share_a_marker():
    same = [ev(f"s{i}", "strike", 35.0, 38.5, place="Syria") for i in range(30)]
    m = build_map(same)
    (markers,) = elements(m, EventMarkers)
    assert len(markers.rows) == 1 and markers.n_events == 30
    assert layer_counts(m) == {"Strikes": 30}
    assert "(+29 more here)" in markers.rows[0][4]
    assert "and 5 more events here" in markers.rows[0][5]


def test_planned_and_denied_events_are_hollow(m):
    (markers,) = elements(event_layer(m, "diplomacy"), EventMarkers)
    (planned,) = markers.rows
    (strikes,) = elements(event_layer(m, "strike"), EventMarkers)
    assert planned[3] < min(row[3] for row in strikes.rows)


# --- popups and escaping -------------------------------------------------------------

def test_popup_shows_the_fields():
    quake = popup_html(EVENTS[0])
    assert "Earthquakes" in quake and "2023-02-06" in quake and "Nurdagi" in quake
    assert "M 7.8" in quake and "us6000jllz" in quake
    strike = popup_html(EVENTS[6])
    assert "large region or country, within about 300 km (precision 3)" in strike
    clash = popup_html(EVENTS[7])
    assert "claimed" in clash and "Raqqa" in clash and "25 km" in clash
    base = popup_html(EVENTS[4])
    assert "Warplanes struck Afrin on Monday." in base
    assert ('<a href="https://example.org/news/1" target="_blank" '
            'rel="noopener noreferrer">Strikes in the north</a>') in base


@pytest.mark.parametrize(("precision", "text"), [
    ("day", "2023-02-06"), ("month", "2023-02 (month)"), ("year", "2023 (year)"),
    ("published", "2023-02-06 (date of the article)"),
])
def test_popup_shows_date_precision(precision, text):
    assert text in popup_html(dataclasses.replace(EVENTS[4], date_precision=precision))


def test_popup_escapes_article_text():
    popup = popup_html(EVENTS[5])
    assert "<script>alert" not in popup and "<img src=x" not in popup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in popup
    assert "&lt;img src=x onerror=alert(1)&gt;" in popup


@pytest.mark.parametrize(("fields", "shown", "left_out"), [
    ({"actor1": "Houthi forces", "actor2": "civilians", "fatalities": 12},
     ["<th>Actor</th><td>Houthi forces</td>", "<th>Against</th><td>civilians</td>",
      "<th>Fatalities</th><td>12</td>"], []),
    ({"actor1": "protesters", "fatalities": 0},
     ["<th>Actor</th><td>protesters</td>", "<th>Fatalities</th><td>none reported</td>"],
     ["Against"]),
    ({}, [], ["Actor", "Against", "Fatalities"]),  # not said: no row, not "0"
    ({"event_type": "diplomacy", "actor1": "Turkey", "actor2": "Syria"},
     ["<th>Actor</th><td>Turkey</td>", "<th>With</th><td>Syria</td>"], ["Against"]),
])
def test_popup_shows_actors_and_fatalities(fields, shown, left_out):
    popup = popup_html(dataclasses.replace(EVENTS[5], **fields))
    assert all(text in popup for text in shown)
    assert not any(text in popup for text in left_out)


@pytest.mark.parametrize("field", ["actor1", "actor2"])
def test_popup_escapes_actors(field):
    event = dataclasses.replace(EVENTS[4], **{field: SCRIPT_XSS + IMG_XSS})
    popup = popup_html(event)
    assert "<script>" not in popup and "<img src=x" not in popup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in popup
    page = build_map([event]).get_root().render()
    assert "<script>alert" not in page and "<img src=x" not in page


def test_rendered_map_has_no_raw_article_markup(page_html):
    assert "<script>alert" not in page_html
    assert "<img src=x" not in page_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page_html


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)", "JAVASCRIPT:x",
    "data:text/html,<script>alert(1)</script>", "vbscript:x", "//evil.example/a",
    "ftp://example.org/a", "/relative/path", "https:no-host", "", None,
])
def test_unsafe_source_urls_are_not_linked(url):
    assert safe_url(url) is None
    popup = popup_html(dataclasses.replace(EVENTS[4], source_url=url))
    assert "href" not in popup and "Strikes in the north" in popup


def test_link_with_quotes_stays_in_its_attribute():
    url = 'https://example.org/a?x="><script>alert(1)</script>'
    popup = popup_html(dataclasses.replace(EVENTS[4], source_url=url))
    assert "<script>" not in popup and 'href="https://example.org/a?x=&quot;&gt;' in popup


def test_tooltips_are_escaped():
    m = build_map([dataclasses.replace(EVENTS[5], place=IMG_XSS)])
    ((*_, tooltip, _popup),) = elements(m, EventMarkers)[0].rows
    assert tooltip == "Strikes: &lt;img src=x onerror=alert(1)&gt;, 2023-02-06"


def test_script_json_cannot_end_the_script_element():
    text = script_json(["</script><script>alert(1)</script>", "<!--", "\u2028"])
    assert "</" not in text and "<!--" not in text and "\u2028" not in text
    assert json.loads(text) == ["</script><script>alert(1)</script>", "<!--", "\u2028"]


JINJA = 'Rebels said {{ "zq" ~ "xj" }} {% if true %}qv{% endif %}{{ cycler }} {# note #}.'


@pytest.mark.parametrize("threshold", [2000, 1])  # plain and clustered layers
def test_article_text_never_runs_as_a_template(threshold):
    # folium compiles rendered scripts as Jinja templates when a whole page renders:
    # article text must come out as the text it was, on the page and in st_folium.
    import streamlit_folium

    event = dataclasses.replace(EVENTS[4], evidence=JINJA, article_title=JINJA,
                                place='{{ "kw" ~ "pj" }}', geo_precision=2,
                                uncertainty_km=30.0)
    m = build_map([event], cluster_threshold=threshold)
    for page in (m.get_root().render(), streamlit_folium._get_map_string(m)):
        assert "zqxj" not in page and "kwpj" not in page and "Cycler" not in page
        (popup,) = [row[5] for rows in re.findall(r"var rows = (\[\[.*?\]\]);", page)
                    for row in json.loads(rows) if len(row) == 6]  # the marker's row
        assert html.unescape(JINJA) in html.unescape(popup)
        assert "\\u007b{ &quot;kw&quot; ~ &quot;pj&quot; }}" in page  # the tooltip's place


def test_script_json_hides_jinja_openers():
    text = script_json(["{{ x }}", "{%", "{#", {"a": [{"b": "{"}]}])
    assert "{{" not in text and "{%" not in text and "{#" not in text
    assert json.loads(text) == ["{{ x }}", "{%", "{#", {"a": [{"b": "{"}]}]


# --- offline assets ------------------------------------------------------------------

SRC_HREF = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*[\"']([^\"']*)", re.I)


def assert_local(url: str) -> None:
    parts = urlsplit(url)
    assert not parts.scheme and not parts.netloc, url


@pytest.mark.parametrize("threshold", [2000, 1])
def test_every_script_and_stylesheet_is_local(threshold):
    html = build_map(EVENTS, cluster_threshold=threshold).get_root().render()
    urls = SRC_HREF.findall(html)
    assert any(u.endswith("leaflet/leaflet.js") for u in urls)
    if threshold == 1:
        assert any(u.endswith("leaflet.markercluster.js") for u in urls)
        assert sum(u.endswith(".css") for u in urls) == 3
    for url in urls:
        assert_local(url)
    assert "jquery" not in html.lower() and "bootstrap" not in html.lower()


def test_st_folium_collects_only_local_links():
    # st_folium loads the default_js / default_css of every JSCSSMixin in the map.
    m = build_map(EVENTS, cluster_threshold=1, asset_base_url="../../app/static")
    links = [url for e in walk(m) if isinstance(e, JSCSSMixin)
             for _, url in [*e.default_js, *e.default_css]]
    assert len(set(links)) == 5
    for url in links:
        assert url.startswith("../../app/static/")


def test_folium_class_defaults_are_left_alone():
    build_map(EVENTS, cluster_threshold=1)
    assert folium.Map.default_js[0][1].startswith("https://")
    assert MarkerCluster.default_js[0][1].startswith("https://")


def test_clustering_only_above_the_threshold():
    assert not elements(build_map(EVENTS), MarkerCluster)
    clustered = build_map(EVENTS, cluster_threshold=3)
    (cluster,) = elements(clustered, MarkerCluster)  # only the quakes (4 > 3)
    assert cluster._parent.event_type == "earthquake" and not cluster.control
    assert elements(cluster, EventMarkers)[0].n_events == 4


def test_density_view_is_off_at_start(m):
    (cells,) = elements(m, DensityCells)
    assert not cells._parent.show
    assert sum(int(row[4].split()[0]) for row in cells.rows) == len(EVENTS)


def test_asset_urls_name_every_asset():
    urls = asset_urls("app/static/")
    assert urls["leaflet"] == "app/static/leaflet/leaflet.js"
    assert set(urls) == set(ASSETS)


def test_install_static_assets(tmp_path):
    installed = install_static_assets(tmp_path / "static")
    assert len(installed) == len(STATIC_FILES)
    assert all(p.is_file() and p.stat().st_size > 0 for p in installed)
    for url in asset_urls("").values():
        assert (tmp_path / "static" / url).is_file()
    # The layer control's icon is where leaflet.css looks for it.
    assert "images/layers.png" in (tmp_path / "static/leaflet/leaflet.css").read_text()
    stamps = [p.stat().st_mtime_ns for p in installed]
    assert install_static_assets(tmp_path / "static") == installed
    assert [p.stat().st_mtime_ns for p in installed] == stamps


def test_install_replaces_a_changed_file(tmp_path):
    (js,) = [p for p in install_static_assets(tmp_path) if p.name == "leaflet.js"]
    js.write_text("broken")
    install_static_assets(tmp_path)
    assert js.read_text().startswith("/*") and len(js.read_text()) > 100_000


def test_basemap_is_small_and_covers_the_region():
    assert BASEMAP_PATH.stat().st_size < 2_000_000
    names = {f["properties"]["name"] for f in load_basemap()["features"]}
    assert len(names) > 170
    assert {"Syria", "Turkey", "Iraq", "Russia", "Hungary", "Serbia"} <= names


# --- in a browser --------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM.exists() or shutil.which("chromium")):
        pytest.fail("chromium not installed: run make test")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright not installed: run make test")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update"])
        yield browser
        browser.close()


@pytest.fixture
def site(tmp_path):
    """Serve ``tmp_path`` on 127.0.0.1, with the map's assets under ``app/static``."""
    install_static_assets(tmp_path / "app" / "static")

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def open_map(browser, site, m: folium.Map):
    folder, base = site
    (folder / "map.html").write_text(m.get_root().render(), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    outside, dialogs, errors = [], [], []

    def route(r):
        if urlsplit(r.request.url).hostname == "127.0.0.1":
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/map.html")
    page.wait_for_function("() => window.L && document.querySelector('.cm-legend')",
                           timeout=10_000)
    return page, outside, dialogs, errors


FIND_MAP = "Object.values(window).find(v => v instanceof L.Map)"


@pytest.mark.slow
def test_map_renders_offline_in_chromium(browser, site):
    page, outside, dialogs, errors = open_map(browser, site, build_map(EVENTS))
    found = page.evaluate(f"""() => {{
        const map = {FIND_MAP};
        let shapes = 0, circles = 0;
        map.eachLayer(l => {{ if (l instanceof L.ShapeMarker) shapes++;
                             else if (l instanceof L.Circle) circles++; }});
        return {{shapes, circles, canvas: document.querySelectorAll('canvas').length,
                 overlays: document.querySelectorAll(
                     '.leaflet-control-layers-overlays input').length,
                 outlines: document.querySelectorAll(
                     '.leaflet-control-layers-base input:checked').length}};
    }}""")
    markers = sum(len(e.rows) for e in elements(build_map(EVENTS), EventMarkers))
    # Two canvases: the outlines under the place labels, the events over them.
    assert found == {"shapes": markers, "circles": 2, "canvas": 2, "overlays": 8,
                     "outlines": 1}
    assert outside == [] and dialogs == [] and errors == []
    page.close()


@pytest.mark.slow
def test_popup_shows_article_markup_as_text_in_chromium(browser, site):
    page, _, dialogs, errors = open_map(browser, site, build_map(EVENTS))
    text = page.evaluate(f"""() => {{
        const map = {FIND_MAP};
        let hit = null;
        map.eachLayer(l => {{ if (l instanceof L.ShapeMarker &&
                                  l.getLatLng().lat === 36.51) hit = l; }});
        hit.openPopup();
        const popup = document.querySelector('.leaflet-popup-content');
        return {{text: popup.textContent, imgs: popup.querySelectorAll('img').length,
                 scripts: popup.querySelectorAll('script').length,
                 links: [...popup.querySelectorAll('a')].map(a => a.rel)}};
    }}""")
    assert "<script>alert(1)</script>" in text["text"]
    assert "<img src=x onerror=alert(1)>" in text["text"] and "${alert(3)}" in text["text"]
    assert text["imgs"] == 0 and text["scripts"] == 0
    assert text["links"] == ["noopener noreferrer"]
    page.wait_for_timeout(200)
    assert dialogs == [] and errors == []
    page.close()


@pytest.mark.slow
def test_clusters_render_in_chromium(browser, site):
    many = [ev(f"s{i}", "strike", 30 + i % 10, 35 + i // 10 * 0.01, place=f"P{i}")
            for i in range(300)]
    page, outside, _, errors = open_map(browser, site, build_map(many, cluster_threshold=100))
    page.wait_for_selector(".marker-cluster", timeout=10_000)
    assert page.locator(".marker-cluster").count() > 0
    assert outside == [] and errors == []
    page.close()


def test_merged_points_are_sized_and_counted_by_their_events():
    merged = ev("cell:strike:1:2", "strike", 36.0, 38.0, geo_precision=2,
                uncertainty_km=11.1)
    single = ev("s9", "strike", 30.0, 30.0, geo_precision=2, uncertainty_km=20.0)
    points = [merged, single]
    small = build_map(points, weights={merged.event_id: 2})
    big = build_map(points, weights={merged.event_id: 500})
    radius = {m: {(r[0], r[1]): r[2] for e in elements(m, EventMarkers) for r in e.rows}
              for m in (small, big)}
    assert radius[big][(36.0, 38.0)] > radius[small][(36.0, 38.0)] > radius[big][(30.0, 30.0)]
    assert layer_counts(big) == {"Strikes": 501}
    # The merged point's area is a grid cell, not a place: only the single event's circle.
    (circles,) = elements(big, UncertaintyCircles)
    assert [row[:2] for row in circles.rows] == [[30.0, 30.0]]
    legend = elements(big, Legend)[0].html
    assert "(501)" in legend and "nearby events merged" in legend
    (density,) = elements(big, DensityCells)
    assert "500 events: Strikes 500" in [row[4] for row in density.rows]
