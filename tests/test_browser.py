"""The dashboard in a real browser: map, layers, filters, download, offline, no XSS.

One Streamlit server (``streamlit run app.py`` on a free port of 127.0.0.1) serves a
store of hand-made events to headless Debian chromium, driven by Playwright. Every test
gets a fresh browser context that records each request and aborts any that would leave
the machine, and records every JavaScript dialog; each test ends by asserting that
neither happened.

The map is drawn on one canvas inside the st_folium iframe, so markers are counted by
asking Leaflet in that frame (``browser_utils.MAP_STATE_JS``), and "drawn" is checked
on the screenshot: the pixel at a strike marker's centre has the strike colour, and
loses it when the layer is switched off.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_utils import (
    ARTIFACTS,
    FOLIUM_FRAME,
    AppServer,
    is_local,
    launch_chromium,
    map_frame,
    marker_points,
    require_chromium,
    wait_for_map,
    wait_for_settled_map,
)
from factories import QUAKE_FIELDS, make_event
from playwright.sync_api import Browser, Dialog, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from geo.model import Article
from geo.render.styles import layer_style
from geo.store import open_store

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

SCRIPT_XSS = "<script>alert(1)</script>"
IMG_XSS = "<img src=x onerror=alert(1)>"
XSS_TITLE = f"{SCRIPT_XSS} Strikes on Gaza"
XSS_EVIDENCE = f"{IMG_XSS} Warplanes struck Gaza on Monday. {SCRIPT_XSS}"

XSS_ARTICLE = Article(id="a1", title=XSS_TITLE, text=XSS_EVIDENCE,
                      published=dt.date(2023, 3, 7), url="https://example.org/news/1")
OTHER_ARTICLE = Article(id="a2", title="Regional briefs", text="Briefs.",
                        published=dt.date(2023, 4, 2), url=None)
# Places far enough apart that no marker covers another at the fitted zoom.
ARTICLE_EVENTS = {
    "a1": [
        make_event(event_id="s1", lat=31.52, lon=34.45, place="Gaza", country_code="PS",
                   article_id="a1", article_title=XSS_TITLE, evidence=XSS_EVIDENCE,
                   evidence_end=len(XSS_EVIDENCE), source_url=XSS_ARTICLE.url),
        make_event(event_id="s2", lat=49.99, lon=36.23, place="Kharkiv", country_code="UA",
                   article_id="a1", article_title=XSS_TITLE, date=dt.date(2023, 3, 2)),
    ],
    "a2": [
        make_event(event_id="b1", event_type="military_base", lat=25.12, lon=51.31,
                   place="Al Udeid", country_code="QA", article_id="a2",
                   article_title=OTHER_ARTICLE.title),
        make_event(event_id="c1", event_type="armed_clash", lat=33.31, lon=44.37,
                   place="Baghdad", country_code="IQ", article_id="a2", status="claimed",
                   article_title=OTHER_ARTICLE.title),
        make_event(event_id="d1", event_type="diplomacy", lat=35.69, lon=51.39,
                   place="Tehran", country_code="IR", article_id="a2", status="planned",
                   article_title=OTHER_ARTICLE.title),
        make_event(event_id="p1", event_type="protest", lat=39.93, lon=32.86, place="Ankara",
                   article_id="a2", article_title=OTHER_ARTICLE.title),
    ],
}
QUAKE = make_event(**QUAKE_FIELDS)
EVENTS = [QUAKE, *ARTICLE_EVENTS["a1"], *ARTICLE_EVENTS["a2"]]
STRIKES = layer_style("strike").label


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    store_path = tmp_path_factory.mktemp("browser") / "events.sqlite"
    with open_store(store_path) as store:
        store.add_article(XSS_ARTICLE, ARTICLE_EVENTS["a1"])
        store.add_article(OTHER_ARTICLE, ARTICLE_EVENTS["a2"])
        store.add_events([QUAKE])
    with AppServer(store_path, ARTIFACTS / "dashboard-app.log") as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    try:
        require_chromium()
    except FileNotFoundError as err:
        pytest.fail(str(err), pytrace=False)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@dataclass
class Session:
    """A page on the dashboard, with what it asked the network for and any dialogs."""

    page: Page
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    # Streamlit's messages that open a script run ("new_session"), as they arrive.
    runs: list[float] = field(default_factory=list)

    def on_message(self, payload: str | bytes) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if isinstance(payload, bytes) and \
                ForwardMsg.FromString(payload).WhichOneof("type") == "new_session":
            self.runs.append(time.monotonic())

    def assert_clean(self) -> None:
        away = [url for url in self.requests if not is_local(url)]
        assert away == [], f"requests that left 127.0.0.1: {away}"
        assert self.dialogs == [], f"a script ran and opened dialogs: {self.dialogs}"
        # An <img src=x> that made it into the DOM would fetch /x from the app itself.
        assert not [u for u in self.requests if urlsplit(u).path.endswith("/x")]


@pytest.fixture
def session(app: AppServer, browser: Browser) -> Iterator[Session]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  accept_downloads=True)
    page = context.new_page()
    out = Session(page)
    # The context sees the requests of every frame, st_folium's iframe included.
    context.on("request", lambda request: out.requests.append(request.url))
    page.on("websocket", lambda socket: (out.requests.append(socket.url),
                                         socket.on("framereceived", out.on_message)))
    context.route("**/*", lambda route: route.continue_() if is_local(route.request.url)
                  else route.abort("blockedbyclient"))

    def on_dialog(dialog: Dialog) -> None:
        out.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(app.url)
    wait_for_map(page, lambda state: state["markers"] > 0)
    yield out
    context.close()


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def pixel(page: Page, point: dict) -> tuple[int, int, int]:
    from PIL import Image

    image = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    return image.getpixel((round(point["x"]), round(point["y"])))


def is_strike_red(rgb: tuple[int, int, int]) -> bool:
    # Strike fill #d7191c at 0.75 opacity over land or sea; quake orange has more green.
    red, green, blue = rgb
    return red > 170 and green < 110 and blue < 110


def expected_layers(events) -> dict[str, int]:
    counts = Counter(layer_style(e.event_type).label for e in events)
    return {**counts, "Density (all events)": 0}


def test_map_shows_every_event_offline(session: Session):
    page = session.page
    assert page.locator(FOLIUM_FRAME).is_visible()
    frame = map_frame(page)
    container = frame.locator(".leaflet-container")
    assert container.is_visible()
    box = container.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 300

    state = wait_for_map(page, lambda s: s["markers"] == len(EVENTS))
    assert state["layers"] == expected_layers(EVENTS)
    assert page.get_by_text(f"{len(EVENTS)} events · ").is_visible()
    # The offline outlines are the base layer; the online tile layers are only options.
    assert frame.locator(".leaflet-control-layers-base input:checked + span").inner_text(
    ).strip() == "Country outlines (offline)"
    assert frame.locator(".leaflet-tile").count() == 0

    strikes = marker_points(page, STRIKES)
    assert len(strikes) == 2
    assert wait_until(lambda: all(is_strike_red(pixel(page, p)) for p in strikes)), \
        [pixel(page, p) for p in strikes]

    # The timeline is drawn (Vega-Lite, from Streamlit's own files: nothing from away).
    box = timeline_plot(page)
    assert box["height"] > 100

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    session.assert_clean()


def test_unchecking_a_layer_removes_its_markers(session: Session):
    page = session.page
    frame = map_frame(page)
    strikes = marker_points(page, STRIKES)
    # The layer control is folded to an icon; pointing at it unfolds it.
    frame.locator(".leaflet-control-layers:not(.cm-legend)").hover()
    checkbox = frame.locator(".leaflet-control-layers-overlays label", has_text=STRIKES
                             ).locator("input")

    checkbox.uncheck()
    state = wait_for_map(page, lambda s: s["layers"][STRIKES] == 0)
    assert state["markers"] == len(EVENTS) - 2
    assert wait_until(lambda: not any(is_strike_red(pixel(page, p)) for p in strikes)), \
        [pixel(page, p) for p in strikes]

    checkbox.check()
    state = wait_for_map(page, lambda s: s["layers"][STRIKES] == 2)
    assert state["markers"] == len(EVENTS)
    assert wait_until(lambda: all(is_strike_red(pixel(page, p)) for p in strikes))
    session.assert_clean()


def test_type_filter_redraws_map_and_download_follows(session: Session):
    page = session.page
    types = page.get_by_test_id("stMultiSelect").filter(has_text="Event types")
    types.locator("input").click()
    page.get_by_role("option", name=STRIKES, exact=True).click()
    page.keyboard.press("Escape")

    state = wait_for_map(page, lambda s: s["markers"] == 2)
    assert state["layers"] == {STRIKES: 2, "Density (all events)": 0}
    assert page.get_by_text("2 events · ").is_visible()
    assert "types=strike" in page.url  # the filtered view is a shareable link

    with page.expect_download() as info:
        page.get_by_test_id("stDownloadButton").filter(has_text="Download GeoJSON").click()
    download = info.value
    assert download.suggested_filename == "events.geojson"
    collection = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    strikes = {e.event_id: e for e in EVENTS if e.event_type == "strike"}
    assert len(collection["features"]) == len(strikes) == state["markers"]
    for feature in collection["features"]:
        # The page shows happenings: here each is one report (h- and its id).
        event = strikes[feature["id"].removeprefix("h-")]
        assert feature["type"] == "Feature"
        assert feature["geometry"] == {"type": "Point", "coordinates": [event.lon, event.lat]}
        assert feature["properties"]["event_type"] == "strike"
    session.assert_clean()


def test_article_markup_shows_as_text_and_never_runs(session: Session):
    page = session.page
    frame = map_frame(page)
    wait_for_settled_map(page)
    [target] = [m for m in marker_points(page, STRIKES) if "onerror" in m["popup"]]
    page.mouse.click(target["x"], target["y"])  # a real click on the canvas marker

    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for(state="visible", timeout=10_000)
    text = popup.inner_text()
    assert SCRIPT_XSS in text
    assert IMG_XSS in text
    assert popup.locator("img, script, [onerror]").count() == 0
    # The source link is the article's own http(s) URL, opened without an opener.
    link = popup.locator("a")
    assert link.get_attribute("href") == XSS_ARTICLE.url
    assert "noopener" in link.get_attribute("rel")

    # The title also reaches the page as a choice of the Sources filter: as text too.
    sources = page.get_by_test_id("stMultiSelect").filter(has_text="Sources")
    sources.locator("input").click()
    assert page.get_by_role("option", name=XSS_TITLE).is_visible()
    page.keyboard.press("Escape")

    for doc in (page, frame):
        assert doc.locator("[onerror]").count() == 0
    session.assert_clean()


# --- review in the page (issue 11) -------------------------------------------------------


@pytest.fixture(scope="module")
def writable_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The app with writes on (as an operator enables them on 127.0.0.1), its own store."""
    store_path = tmp_path_factory.mktemp("review") / "events.sqlite"
    with open_store(store_path) as store:
        store.add_article(OTHER_ARTICLE, ARTICLE_EVENTS["a2"])
    with AppServer(store_path, ARTIFACTS / "review-app.log",
                   env={"GEO_ALLOW_WRITES": "1", "GEO_REVIEWER": "browser-analyst"}) as server:
        yield server


def test_a_correction_made_in_the_page_sticks(writable_app: AppServer, browser: Browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    context.route("**/*", lambda route: route.continue_() if is_local(route.request.url)
                  else route.abort("blockedbyclient"))
    page.goto(writable_app.url)
    wait_for_map(page, lambda state: state["markers"] > 0)
    page.get_by_text("Events table").click()
    grid = page.get_by_test_id("stDataFrame")
    grid.wait_for()
    # The rows are drawn on a canvas: click the first row's selection cell. The page may
    # still be laying out (the grid moves as the timeline and map settle): the click is
    # tried again at the grid's new place until the row's form opens.
    deaths = page.get_by_label("Fatalities (empty: not said)")
    for _ in range(3):
        box = grid.bounding_box()
        assert box is not None
        page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
        try:
            deaths.wait_for(timeout=8_000)
            break
        except PlaywrightTimeout:
            continue
    deaths.wait_for(timeout=15_000)
    deaths.fill("4")
    page.get_by_label("Note (kept in the audit trail)").fill("from the browser")
    page.get_by_label("Note (kept in the audit trail)").press("Enter")
    page.get_by_role("button", name="Save corrections").click()
    page.get_by_text("Corrected (1 change(s) recorded).").wait_for(timeout=15_000)
    context.close()

    with open_store(writable_app.store) as store:
        corrected = [e for e in store.query() if e.review_status == "corrected"]
        assert [(e.fatalities, e.article_id) for e in corrected] == [(4, "a2")]
        (record,) = store.audit()
        assert (record.who, record.field, record.new, record.note) == (
            "browser-analyst", "fatalities", "4", "from the browser")
        # Ingesting the article again, and a re-extraction of it, keep the correction.
        assert store.add_article(OTHER_ARTICLE, ARTICLE_EVENTS["a2"]) is False
        store.replace_events("a2", ARTICLE_EVENTS["a2"])
        again = store.get_events([corrected[0].event_id])[0]
        assert (again.fatalities, again.review_status) == (4, "corrected")


# --- the view: fitted, clear of the controls, a link; search, list, timeline ---------

CONTROL_BOXES_JS = """() => [...document.querySelectorAll('.leaflet-control')]
    .map(e => e.getBoundingClientRect()).filter(r => r.width > 0)
    .map(r => ({left: r.left, top: r.top, right: r.right, bottom: r.bottom}))"""


def link(page: Page) -> dict[str, str]:
    """The page's address's query string, decoded.

    Read in the page: Playwright's ``page.url`` misses some in-page address changes.
    """
    href = page.evaluate("() => location.href")
    return {k: v[-1] for k, v in parse_qs(urlsplit(href).query).items()}


def all_markers(page: Page) -> list[dict]:
    state = map_state_now(page)
    return [p for name, n in state["layers"].items() if n
            for p in marker_points(page, name)]


def map_state_now(page: Page) -> dict:
    return wait_for_map(page, lambda s: True)


def frame_offset(page: Page) -> dict:
    return page.locator(FOLIUM_FRAME).bounding_box()


def test_the_fitted_view_shows_every_event_clear_of_legend_and_controls(session: Session):
    page = session.page
    wait_for_map(page, lambda s: s["markers"] == len(EVENTS))
    wait_for_settled_map(page)
    frame, offset = map_frame(page), frame_offset(page)
    # The map fills the window's height below the title.
    assert offset["height"] > 1000 - 260 and offset["y"] + offset["height"] <= 1000 + 2
    container = frame.locator(".leaflet-container").bounding_box()
    controls = [{"left": b["left"] + offset["x"], "right": b["right"] + offset["x"],
                 "top": b["top"] + offset["y"], "bottom": b["bottom"] + offset["y"]}
                for b in frame.evaluate(CONTROL_BOXES_JS)]
    assert len(controls) >= 4  # zoom, fit, layers, legend (and scale, attribution)
    markers = all_markers(page)
    assert len(markers) == len(EVENTS)
    for m in markers:
        assert container["x"] < m["x"] < container["x"] + container["width"]
        assert container["y"] < m["y"] < container["y"] + container["height"]
        for c in controls:  # a marker's centre, and a few pixels round it
            inside = (c["left"] - 4 < m["x"] < c["right"] + 4
                      and c["top"] - 4 < m["y"] < c["bottom"] + 4)
            assert not inside, (m, c)
    # The legend folds away and comes back.
    toggle = frame.locator(".cm-legend-toggle")
    body = frame.locator(".cm-legend-body")
    assert body.is_visible()
    toggle.click()
    assert body.is_hidden()
    toggle.click()
    assert body.is_visible()
    session.assert_clean()


def test_a_link_reproduces_view_layers_base_and_selection(app: AppServer, browser: Browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.route("**/*", lambda route: route.continue_() if is_local(route.request.url)
               else route.abort("blockedbyclient"))
    page.goto(app.url.rstrip("/") + "/?view=35.5,40.25,6&hide=strike,density&event=h-c1")
    state = wait_for_map(page, lambda s: s["markers"] > 0)
    state = wait_for_settled_map(page)
    zoom, lat, lon = state["view"]
    assert zoom == 6 and abs(lat - 35.5) < 0.01 and abs(lon - 40.25) < 0.01
    assert state["layers"][STRIKES] == 0 and state["markers"] == len(EVENTS) - 2
    chosen = page.get_by_test_id("stBaseButton-primary")
    assert "Baghdad" in chosen.inner_text()
    # Moving the map and switching a layer back on write the view into the address.
    frame = map_frame(page)
    frame.locator(".leaflet-control-zoom-out").click()
    assert wait_until(lambda: link(page).get("view", "").endswith(",5")), link(page)
    frame.locator(".leaflet-control-layers:not(.cm-legend)").hover()
    frame.locator(".leaflet-control-layers-overlays label", has_text=STRIKES
                  ).locator("input").check()
    assert wait_until(lambda: "hide" not in link(page)), link(page)  # the default
    # That address opens the same view in a new page.
    copy = browser.new_page(viewport={"width": 1400, "height": 1000})
    copy.route("**/*", lambda route: route.continue_() if is_local(route.request.url)
               else route.abort("blockedbyclient"))
    copy.goto(page.evaluate("() => location.href"))
    wait_for_map(copy, lambda s: s["markers"] == len(EVENTS))
    again = wait_for_settled_map(copy)
    assert again["view"][0] == 5 and abs(again["view"][1] - 35.5) < 0.05
    page.close()
    copy.close()


def test_the_place_search_moves_the_map(session: Session):
    page = session.page
    wait_for_settled_map(page)
    box = page.get_by_label("Go to a place")
    box.fill("Baghdad")
    box.press("Enter")

    def near_baghdad(s: dict) -> bool:
        zoom, lat, lon = s["view"]
        # The view's centre leaves room for the legend on the right.
        return zoom >= 7 and abs(lat - 33.3) < 1 and abs(lon - 44.4) < 1

    wait_for_map(page, near_baghdad, timeout=60)
    session.assert_clean()


def test_the_list_and_the_map_select_each_other(session: Session):
    page = session.page
    wait_for_settled_map(page)
    # A click on a marker picks its event in the list.
    (clash,) = marker_points(page, layer_style("armed_clash").label)
    page.mouse.click(clash["x"], clash["y"])
    chosen = page.get_by_test_id("stBaseButton-primary")
    chosen.wait_for(timeout=15_000)
    assert "Baghdad" in chosen.inner_text()
    assert wait_until(lambda: link(page).get("event") == "h-c1")
    # A click in the list shows its event on the map.
    page.get_by_role("button", name="Strikes: Kharkiv").click()

    def at_kharkiv(s: dict) -> bool:
        zoom, lat, lon = s["view"]
        return zoom >= 7 and abs(lat - 49.99) < 1 and abs(lon - 36.23) < 1

    wait_for_map(page, at_kharkiv, timeout=30)
    assert wait_until(lambda: link(page).get("event") == "h-s2")
    session.assert_clean()


def timeline_plot(page: Page) -> dict:
    chart = page.get_by_test_id("stVegaLiteChart")
    chart.scroll_into_view_if_needed()
    drawing = chart.locator("canvas, svg").first
    drawing.wait_for()
    # The page may still be scrolling: wait for the box to hold still.
    boxes = [drawing.bounding_box()]

    def still() -> bool:
        boxes.append(drawing.bounding_box())
        return boxes[-1] is not None and boxes[-1] == boxes[-2]

    assert wait_until(still)
    box = boxes[-1]
    assert box and box["width"] > 300
    return box


# The timeline's drawing (Vega's canvas or SVG); a chart drawn again has a new one.
CHART_DRAWING_JS = ('document.querySelector(\'[data-testid="stVegaLiteChart"] canvas, '
                    '[data-testid="stVegaLiteChart"] svg\')')


def test_brushing_the_timeline_sets_the_dates(session: Session, app: AppServer):
    page = session.page
    wait_for_map(page, lambda s: s["markers"] == len(EVENTS))
    assert "since" not in link(page)
    box = timeline_plot(page)
    # Drag over the first part of the span: the quake of 6 February and s2 of 2 March.
    y = box["y"] + box["height"] * 0.4
    page.mouse.move(box["x"] + box["width"] * 0.15, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, y, steps=10)
    time.sleep(0.5)  # Streamlit reads a brush after the pointer rests a moment
    runs = len(session.runs)
    page.evaluate(CHART_DRAWING_JS + ".__cmKept = true")
    page.mouse.up()
    assert wait_until(lambda: {"since", "until"} <= set(link(page)), 20), link(page)
    wait_for_map(page, lambda s: 0 < s["markers"] < len(EVENTS), timeout=30)
    # One script run applies the brush (it used to take two: the run that read it, then
    # a rerun with the dates), and the date widget is not both defaulted and set.
    time.sleep(2)
    assert len(session.runs) - runs == 1, session.runs[runs:]
    # The chart was not drawn again (its spec is the same: the brush shows the dates,
    # no shade is added), so the brush stays on it.
    assert page.evaluate("!!" + CHART_DRAWING_JS + ".__cmKept")
    assert 'key "dates" was created with a default value' not in app.log_path.read_text()
    session.assert_clean()


def test_play_steps_the_map_through_the_dates(session: Session):
    page = session.page
    wait_for_map(page, lambda s: s["markers"] == len(EVENTS))
    timeline_plot(page)
    page.get_by_role("button", name="▶ Play").click()
    seen: list[str] = []

    def since() -> str:
        found = link(page).get("since", "")
        if found and (not seen or seen[-1] != found):
            seen.append(found)
        return found

    assert wait_until(lambda: bool(since()) and len(seen) >= 3, 40), seen
    assert seen == sorted(seen)  # forward in time, a step at a time
    page.get_by_role("button", name="■ Stop").click()
    session.assert_clean()
