"""The dashboard page (``app.py``) driven by Streamlit's AppTest, on a small temporary store.

What the map receives is read from the st_folium component's arguments, not rebuilt:
``geo.render.maps`` writes each event layer's markers as one JSON array (``var rows = [...]``)
right after ``var group = <feature group>``, and the layer control maps layer names to
those groups. ``map_layers`` parses both and counts the events in each marker's popup (one
``cm-pop`` block per event, as several events at one point share a marker);
``test_map_counts_match_geo_maps`` pins that parser to ``geo.render.maps.layer_counts``.

The downloads are built on click (a callable Streamlit runs when the button is pressed);
the test catches each callable where Streamlit registers it, by the id the button
carries, and runs it as Streamlit would, so it reads what a user would get.
"""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import json
import re
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from factories import make_event
from map_utils import layer_counts
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from geo.model import EVENT_TYPES, Article, Event, EventQuery
from geo.render.maps import build_map
from geo.render.styles import layer_style
from geo.store import open_store

REPO = Path(__file__).resolve().parent.parent
D = dt.date
XSS_TITLE = "<script>alert(1)</script> Clashes"
XSS_EVIDENCE = "Fighting in Syria <img src=x onerror=alert(1)> went on."
PASTE = "Protest in Paris\n2024-05-10\n\nThousands joined a protest in Paris on May 9."


def event(event_id, event_type, place, lat, lon, country, date, article="usgs", **kw) -> Event:
    return make_event(**{
        "event_id": event_id, "event_type": event_type, "place": place, "lat": lat,
        "lon": lon, "country_code": country, "date": date, "published": date,
        "acled_event_type": EVENT_TYPES[event_type][0], "acled_sub_event_type": None,
        "evidence": f"Something happened in {place}.", "article_id": article,
        "article_title": article.upper(), "source_url": f"https://news.example/{article}",
        **kw})


ARTICLES = {
    "a1": [event("s1", "strike", "Raqqa", 35.95, 39.01, "SY", D(2023, 3, 10), "a1",
                 actor1="US forces", actor2="ISIS militants", fatalities=2),
           event("s2", "strike", "Deir ez-Zor", 35.33, 40.14, "SY", D(2023, 3, 12), "a1",
                 status="claimed", actor1="Unidentified Armed Group", fatalities=0)],
    "a2": [event("d1", "diplomacy", "Ankara", 39.92, 32.85, "TR", D(2023, 3, 15), "a2",
                 status="planned"),
           event("p1", "protest", "Hatay", 36.4, 36.35, "TR", D(2023, 3, 20), "a2",
                 geo_precision=2, uncertainty_km=60.0, actor1="protesters",
                 actor2="Police Forces of Turkey")],
    "a3": [event("c1", "armed_clash", "Syria", 35.0, 38.0, "SY", D(2023, 3, 25), "a3",
                 geo_precision=3, uncertainty_km=215.0, evidence=XSS_EVIDENCE,
                 article_title=XSS_TITLE)],
}
QUAKES = [event("q1", "earthquake", "Nurdagi", 37.17, 37.03, "TR", D(2023, 2, 6),
                magnitude=7.8, depth_km=10.0, usgs_id="us6000jllz"),
          event("q2", "earthquake", "Antakya", 36.2, 36.16, "TR", D(2023, 2, 20),
                magnitude=6.3, depth_km=16.0, usgs_id="us6000jqxc")]
ALL = {e.event_id: e for e in [*QUAKES, *(e for evs in ARTICLES.values() for e in evs)]}


def fill_page_store(url: str) -> None:
    store = open_store(url)
    for article_id, events in ARTICLES.items():
        title = events[0].article_title
        store.add_article(Article(article_id, title, "text", events[0].date,
                                  url=events[0].source_url), events)
    store.add_events(QUAKES)
    store.close()


@pytest.fixture
def store_path(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "events.sqlite"
    fill_page_store(str(path))
    monkeypatch.setenv("GEO_STORE", str(path))
    # Caches outlive an AppTest run; each test starts from its own store.
    st.cache_data.clear()
    st.cache_resource.clear()
    return path


@pytest.fixture
def at(store_path) -> AppTest:
    return AppTest.from_file(str(REPO / "app.py"), default_timeout=60)


@pytest.fixture
def downloads(monkeypatch) -> dict[str, Callable]:
    """Return {deferred file id: the callable that builds the file when clicked}."""
    saved: dict[str, Callable] = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, *args, **kwargs):
        file_id = original(self, data_callable, *args, **kwargs)
        saved[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return saved


def map_args(at: AppTest) -> dict:
    """Return the arguments of the page's main map (not a preview's or review's map)."""
    (component,) = [c for c in at.get("component_instance")
                    if json.loads(c.proto.json_args).get("height") == 560]
    return json.loads(component.proto.json_args)


def map_layers(at: AppTest) -> dict[str, int]:
    """Return {layer name: events drawn} from the map script the component received."""
    # The event layers and their control travel apart from the base map (geo/render/maps.py).
    args = map_args(at)
    script = args["script"] + (args["feature_group"] or "") + (args["layer_control"] or "")
    overlays = re.search(r"overlays\s*:\s*\{(.*?)\}", script, re.S).group(1)
    names = {var: name for name, var in re.findall(r'"([^"]+)"\s*:\s*(\w+)', overlays)}
    counts: Counter = Counter()
    for group, style, rows in re.findall(
            r"var group = (\w+);\s*var style = (\{.*?\});\s*var rows = (.*?);\n", script):
        if "shape" in json.loads(style):  # marker rows; uncertainty circles have none
            counts[names[group]] += sum(r[5].count('<div class="cm-pop">')
                                        for r in json.loads(rows))
    return dict(counts)


def timeline_totals(at: AppTest) -> Counter:
    """The timeline chart's events per type label, read from the data sent with it."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    (chart,) = [e for e in at.main if getattr(e, "type", None) == "vega_lite_chart"]
    totals: Counter = Counter()
    # Streamlit sends one layer's rows as Arrow, and leaves several layers' inline.
    for layer in json.loads(chart.proto.spec).get("layer", []):
        for row in (layer.get("data") or {}).get("values", []):
            if "label" in row:
                totals[row["label"]] += row["count"]
    for arrow in [chart.proto.data, *(d.data for d in chart.proto.datasets)]:
        if arrow.data:
            frame = convert_arrow_bytes_to_pandas_df(arrow.data)
            if "label" in frame:
                for label, n in zip(frame["label"], frame["count"], strict=True):
                    totals[label] += int(n)
    return totals


def shown(at: AppTest) -> int:
    """Return the event count in the page's caption ("7 events · happenings: ...")."""
    (count,) = [c.value for c in at.caption if re.match(r"[\d,]+ events", c.value)]
    return int(count.split()[0].replace(",", ""))


def expected_layers(ids) -> dict[str, int]:
    return dict(Counter(layer_style(ALL[i].event_type).label for i in ids))


def test_map_counts_match_geo_maps(at, store_path):
    at.run()
    assert not at.exception
    assert shown(at) == len(ALL)
    assert map_layers(at) == expected_layers(ALL)
    assert map_layers(at) == layer_counts(build_map(open_store(store_path).query()))


def test_the_page_on_a_postgis_store(pg_databases, monkeypatch):
    """The same page, map, filters and table on the shared store (README, "Scaling out")."""
    url = pg_databases.create()
    try:
        fill_page_store(url)
        monkeypatch.setenv("GEO_STORE", url)
        st.cache_data.clear()
        st.cache_resource.clear()
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
        at.run()
        assert not at.exception
        assert shown(at) == len(ALL)
        assert map_layers(at) == expected_layers(ALL)
        at.multiselect(key="countries").set_value(["TR"]).run()
        assert not at.exception
        assert shown(at) == 4 and map_layers(at) == expected_layers({"q1", "q2", "d1", "p1"})
        at.text_input(key="actor").set_value("FORCES").run()
        assert shown(at) == 1  # p1: "Police Forces of Turkey"
    finally:
        pg_databases.release(url)


@pytest.mark.parametrize(("kind", "key", "value", "ids", "query"), [
    ("multiselect", "types", ["strike"], {"s1", "s2"}, {"types": "strike"}),
    ("multiselect", "countries", ["TR"], {"q1", "q2", "d1", "p1"}, {"countries": "TR"}),
    ("multiselect", "articles", ["a2"], {"d1", "p1"}, {"articles": "a2"}),
    ("multiselect", "statuses", ["planned", "claimed"], {"d1", "s2"},
     {"statuses": "planned,claimed"}),
    ("select_slider", "precision", 1, {"q1", "q2", "s1", "s2", "d1"}, {"max_precision": "1"}),
    ("select_slider", "precision", 2, set(ALL) - {"c1"}, {"max_precision": "2"}),
    ("date_input", "dates", (D(2023, 3, 1), D(2023, 3, 31)), {"s1", "s2", "d1", "p1", "c1"},
     {"since": "2023-03-01", "until": "2023-03-31"}),
    # actor1 or actor2, in any case: "US forces", "Police Forces of Turkey".
    ("text_input", "actor", "FORCES", {"s1", "p1"}, {"actor": "FORCES"}),
    ("text_input", "actor", "militants", {"s1"}, {"actor": "militants"}),
    # Words of the sentence, the place or the title, in any case.
    ("text_input", "text", "RAQQA", {"s1"}, {"text": "RAQQA"}),
    ("text_input", "text", "clashes", {"c1"}, {"text": "clashes"}),
])
def test_filter_drives_map_caption_link_and_downloads(at, downloads, kind, key, value, ids,
                                                      query):
    at.run()
    getattr(at, kind)(key=key).set_value(value).run()
    assert not at.exception
    assert shown(at) == len(ids)
    assert map_layers(at) == expected_layers(ids)
    assert at.query_params == query  # the shareable link
    # The timeline follows the other filters: its bars add up to the dated events shown;
    # a date range is shaded on it, over the whole span (so a drag can widen it).
    if kind == "date_input":
        assert sum(timeline_totals(at).values()) > len(ids)
    else:
        assert sum(timeline_totals(at).values()) == len(ids)

    # The files are built only when a button is clicked: the page carries no data.
    geojson_button, csv_button = at.get("download_button")
    assert not geojson_button.proto.url and not csv_button.proto.url
    collection = json.loads(downloads[geojson_button.proto.deferred_file_id]())
    # RFC 7946: a FeatureCollection of Point features in [lon, lat], no "crs" member.
    assert collection.keys() == {"type", "features"}
    assert collection["type"] == "FeatureCollection"
    # The page shows happenings; here each event is one of its own (h- and its id).
    assert {report_id(f["id"]) for f in collection["features"]} == ids
    for feature in collection["features"]:
        assert feature["properties"]["sources"] == 1
        e = ALL[report_id(feature["id"])]
        assert feature["type"] == "Feature"
        assert feature["geometry"] == {"type": "Point", "coordinates": [e.lon, e.lat]}
    csv_lines = downloads[csv_button.proto.deferred_file_id]().strip().splitlines()
    assert len(csv_lines) == 1 + len(ids)
    assert {"actor1", "actor2", "fatalities"} <= set(csv_lines[0].split(","))
    for feature in collection["features"]:
        e = ALL[report_id(feature["id"])]
        assert (feature["properties"]["actor1"], feature["properties"]["actor2"],
                feature["properties"]["fatalities"]) == (e.actor1, e.actor2, e.fatalities)


@pytest.mark.parametrize(("params", "types", "actor", "ids"), [
    ({"types": "strike,diplomacy", "precision": "1"}, ["strike", "diplomacy"], "",
     {"s1", "s2", "d1"}),
    ({"types": "nonsense", "since": "not-a-date", "precision": "9"}, [], "", set(ALL)),
    ({"actor": "Police"}, [], "Police", {"p1"}),
    ({"actor": "group", "types": "strike"}, ["strike"], "group", {"s2"}),
])
def test_link_presets_filters(at, params, types, actor, ids):
    at.query_params.update(params)
    at.run()
    assert not at.exception
    assert at.multiselect(key="types").value == types
    assert at.text_input(key="actor").value == actor
    assert map_layers(at) == expected_layers(ids)
    assert shown(at) == len(ids)


def test_type_filter_offers_every_layer_by_its_label(at):
    at.run()
    types = at.multiselect(key="types")
    assert types.options == [layer_style(t).label for t in EVENT_TYPES]
    assert {"Violence against civilians", "Bombs and IEDs", "Riots",
            "Other strategic developments"} <= set(types.options)
    types.set_value(["riot", "strike"]).run()  # values stay the layer keys
    assert at.query_params == {"types": "riot,strike"}
    assert map_layers(at) == {"Strikes": 2}


def test_new_layers_reach_the_map_legend_and_timeline(at, store_path):
    new = [event("v1", "violence_against_civilians", "Idlib", 35.93, 36.63, "SY",
                 D(2023, 3, 26), "a5", actor1="Militia", actor2="civilians", fatalities=4),
           event("x1", "explosion", "Afrin", 36.51, 36.87, "SY", D(2023, 3, 27), "a5",
                 acled_sub_event_type="Remote explosive/landmine/IED"),
           event("r1", "riot", "Izmir", 38.42, 27.14, "TR", D(2023, 3, 28), "a5"),
           event("g1", "strategic_development", "Azaz", 36.59, 37.05, "SY", D(2023, 3, 29),
                 "a5", acled_sub_event_type="Arrests")]
    with open_store(store_path) as store:
        store.add_article(Article("a5", "A5", "text", new[0].date, url=new[0].source_url), new)
    at.run()
    assert not at.exception
    labels = ("Violence against civilians", "Bombs and IEDs", "Riots",
              "Other strategic developments")
    layers = map_layers(at)
    assert {name: layers.get(name) for name in labels} == dict.fromkeys(labels, 1)
    script = map_args(at)["feature_group"]
    assert "Violence against civilians <span" in script  # the legend
    totals = timeline_totals(at)
    assert totals["Violence against civilians"] == 1 and totals["Riots"] == 1
    at.text_input(key="actor").set_value("civilians").run()
    assert shown(at) == 1 and map_layers(at) == {"Violence against civilians": 1}


def charts(at: AppTest) -> list:
    return [e for e in at.main if getattr(e, "type", None) == "vega_lite_chart"]


def test_a_run_that_changes_nothing_on_the_map_sends_the_same_map(at):
    at.run()
    assert not at.exception
    first = map_args(at)
    # The map writes its view and layers into the address as the user moves it; a run
    # that changes nothing on the map (opening the summary or the table, say) sends the
    # map as it was, which the browser leaves alone (a new view made it lay the layers
    # out again).
    at.query_params["view"] = "35.5,37.0,7"
    at.query_params["hide"] = "none"
    at.run()
    again = map_args(at)
    assert (again["feature_group"], again["layer_control"], again["script"]) == (
        first["feature_group"], first["layer_control"], first["script"])


def test_changed_widget_updates_the_link(at):
    at.query_params.update({"types": "strike,diplomacy", "precision": "1"})
    at.run()
    at.multiselect(key="types").set_value(["diplomacy"]).run()
    # A link made with the earlier key name reads, and is rewritten with today's.
    assert at.query_params == {"types": "diplomacy", "max_precision": "1"}
    assert map_layers(at) == {"Diplomacy": 1}


def open_table(at: AppTest) -> AppTest:
    """Open the lazy "Events table" expander, as a click on it does, and rerun."""
    at.session_state["show_table"] = True
    return at.run()


def test_table_is_sent_only_once_opened(at):
    at.run()
    assert not at.dataframe  # collapsed: no table, and no data grid for the browser
    (box,) = [e for e in at.expander if e.label.startswith("Events table")]
    open_table(at)
    assert not at.exception
    assert len(at.dataframe[0].value) == len(ALL)
    assert {report_id(i) for i in at.dataframe[0].value["event_id"]} == set(ALL)


def test_article_text_reaches_the_page_escaped(at):
    open_table(at)
    args = map_args(at)
    page = "".join(args[k] or "" for k in ("script", "header", "html", "feature_group",
                                             "layer_control"))
    for raw in ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>"):
        assert raw not in page
        assert raw.replace("<", "&lt;").replace(">", "&gt;") in page
    table = at.dataframe[0].value
    assert XSS_TITLE in set(table["article"])
    assert XSS_EVIDENCE in set(table["evidence"])


def test_selected_row_shows_its_details_as_text(at):
    open_table(at)
    row = list(at.dataframe[0].value["event_id"]).index("h-c1")
    at.session_state["table"] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    texts = [t.value for t in at.text]  # st.text: shown, never rendered
    assert texts[0].startswith("armed_clash · occurred · 2023-03-25")
    assert texts[1] == XSS_EVIDENCE
    assert texts[2] == f"Source: {XSS_TITLE}"
    assert at.get("link_button")[0].proto.url == "https://news.example/a3"


def test_table_and_details_show_actors_and_fatalities(at):
    open_table(at)
    table = at.dataframe[0].value
    assert {"actor1", "actor2", "fatalities"} <= set(table.columns)
    assert str(table["fatalities"].dtype) == "Int64"  # whole numbers, gaps for "not said"
    rows = {report_id(r.event_id): r for r in table.itertuples()}
    assert (rows["s1"].actor1, rows["s1"].actor2, rows["s1"].fatalities) == (
        "US forces", "ISIS militants", 2)
    assert rows["s2"].fatalities == 0 and pd.isna(rows["d1"].fatalities)
    at.session_state["table"] = {"selection": {"rows": [list(table["event_id"]).index("h-s1")],
                                               "columns": [], "cells": []}}
    at.run()
    texts = [t.value for t in at.text]
    assert texts[1] == "actor: US forces · against: ISIS militants · fatalities: 2"
    assert texts[2] == "Something happened in Raqqa."


def test_actor_text_reaches_the_page_escaped(at, store_path):
    nasty = event("n1", "strike", "Homs", 34.73, 36.71, "SY", D(2023, 3, 26), "usgs",
                  actor1=XSS_TITLE, actor2="<img src=x onerror=alert(1)>")
    with open_store(store_path) as store:
        store.add_events([nasty])
    open_table(at)
    args = map_args(at)
    page = "".join(args[k] or "" for k in ("script", "header", "html", "feature_group",
                                             "layer_control"))
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Clashes" in page
    assert XSS_TITLE in set(at.dataframe[0].value["actor1"])  # a table cell is text


def test_selection_left_behind_by_a_filter_is_ignored(at):
    open_table(at)
    at.session_state["table"] = {"selection": {"rows": [len(ALL) - 1], "columns": [],
                                               "cells": []}}
    at.run()
    at.multiselect(key="types").set_value(["strike"]).run()
    assert not at.exception
    assert shown(at) == 2


def server_address(address):
    """Set Streamlit's server.address for a test (AppTest runs no server of its own)."""
    from streamlit import config

    old = config.get_option("server.address")
    config.set_option("server.address", address)
    yield
    config.set_option("server.address", old)


@pytest.fixture
def writes(monkeypatch):
    """The operator's settings for these tests: the page served on 127.0.0.1 (as `make run`
    does), writes on, fetches from 127.0.0.1 allowed."""
    monkeypatch.setenv("GEO_ALLOW_WRITES", "1")
    monkeypatch.setenv("GEO_ALLOW_PRIVATE_URLS", "1")
    yield from server_address("127.0.0.1")


@pytest.fixture
def site(tmp_path, writes):
    """Serve an article at ``/paris.txt`` on 127.0.0.1; yield the base URL."""
    root = tmp_path / "site"
    root.mkdir()
    (root / "paris.txt").write_text(PASTE, encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def add(at: AppTest, site: str, paste: str = "", url: str = "", files=None) -> AppTest:
    """Fill the "Add articles" form (``url`` is a path on ``site``) and press its button."""
    at.text_area(key="paste").input(paste)
    at.text_input(key="url").input(site + url if url else "")
    if files:
        at.get("file_uploader")[0].set_value(files)
    at.button(key="add").click().run()
    # The page shows what it found first (a preview) and stores on confirmation.
    if any(b.key == "store" for b in at.button):
        at.button(key="store").click().run()
    return at


def store_article(store_path: Path, article_id: str, title: str, event: Event) -> None:
    """Store an article of one event, as another process ingesting it would."""
    with open_store(store_path) as store:
        store.add_article(Article(article_id, title, "text", event.date,
                                  url=event.source_url), [event])


def report_id(event_id: str) -> str:
    """Return the report id of a happening of one report (``h-`` and the report's id)."""
    return event_id.removeprefix("h-")


def messages(elements) -> list[str]:
    """Return the texts of error/warning elements as shown: the page escapes Markdown in
    what carries a visitor's input (geo.webapp.state.plain)."""
    return [re.sub(r"\\(.)", r"\1", e.value) for e in elements]


def stored_events(at: AppTest) -> int:
    """Return the events the upload's summary says were stored (green, or red when
    anything failed)."""
    (summary,) = [m.value for m in [*at.success, *at.error] if "stored with" in m.value]
    return int(re.search(r"stored with (\d+) event", summary).group(1))


BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
TOO_LARGE = "x" * 5_000_001


@pytest.mark.slow
@pytest.mark.parametrize("inputs", [
    {"paste": PASTE}, {"url": "/paris.txt"},
    {"files": [("paris.txt", PASTE.encode(), "text/plain")]},
])
def test_added_article_appears_on_the_map(at, site, inputs):
    at.run()
    before = map_layers(at)
    add(at, site, **inputs)
    assert not at.exception
    assert not at.error
    added = stored_events(at)
    assert added >= 1
    assert shown(at) == len(ALL) + added
    assert map_layers(at) == before | {"Protests": before["Protests"] + added}


@pytest.mark.slow
def test_chosen_dates_stay_after_an_upload(at, site):
    at.run()
    at.date_input(key="dates").set_value((D(2023, 3, 1), D(2023, 3, 31))).run()
    add(at, site, paste=PASTE)
    assert stored_events(at) >= 1
    assert shown(at) == 5  # the new events are from 2024
    assert at.query_params == {"since": "2023-03-01", "until": "2023-03-31"}


@pytest.mark.slow
@pytest.mark.parametrize(("inputs", "named"), [
    ({"paste": "GIF89a\x00\x01 not text"}, "pasted text: binary"),
    ({"paste": TOO_LARGE}, "pasted text: too large"),
    ({"files": [("photo.txt", BINARY, "text/plain")]}, "photo.txt: binary"),
    ({"files": [("big.txt", TOO_LARGE.encode(), "text/plain")]}, "big.txt: larger than"),
    ({"url": "/missing.txt"}, "/missing.txt: HTTP error 404"),
])
def test_bad_input_is_reported_and_loses_nothing(at, site, inputs, named):
    at.run()
    before = map_layers(at)
    add(at, site, **inputs)
    assert not at.exception
    assert any(named in e for e in messages(at.error))
    assert shown(at) == len(ALL)
    assert map_layers(at) == before


@pytest.mark.slow
def test_one_bad_file_does_not_stop_the_rest(at, site):
    at.run()
    add(at, site, paste=PASTE, files=[("photo.txt", BINARY, "text/plain")])
    assert not at.exception
    assert not at.success  # the summary is red: something failed
    assert "photo.txt: binary" in messages(at.error)[0]
    assert shown(at) == len(ALL) + stored_events(at)


def test_many_sources_are_searched_not_all_listed(at, monkeypatch):
    from geo.webapp import data as dashboard

    monkeypatch.setattr(dashboard, "SOURCE_OPTION_LIMIT", 1)
    at.query_params.update({"articles": "a3"})
    at.run()
    sources = at.multiselect(key="articles")
    # The chosen source and the newest other one (a2: 2023-03-20), not all four.
    assert sources.options == ["<script>alert(1)</script> Clashes", "A2"]
    assert sources.value == ["a3"] and shown(at) == 1
    at.text_input(key="source_search").set_value("usgs").run()
    assert not at.exception
    sources = at.multiselect(key="articles")
    assert sources.options == ["<script>alert(1)</script> Clashes", "USGS"]
    assert sources.value == ["a3"]  # a search keeps what is chosen
    sources.set_value(["a3", "usgs"]).run()
    assert shown(at) == 1 + len(QUAKES)
    assert at.query_params["articles"] == "a3,usgs"


def test_open_table_stays_open_when_a_filter_changes_the_count(at, monkeypatch):
    from geo.webapp import data as dashboard

    monkeypatch.setattr(dashboard, "TABLE_ROW_LIMIT", 2)  # more events than rows
    open_table(at)
    assert len(at.dataframe[0].value) == 2
    at.multiselect(key="types").set_value(["strike", "protest"]).run()
    assert not at.exception
    assert at.session_state["show_table"] and len(at.dataframe) == 1


def test_sources_with_one_title_stay_apart(at, store_path):
    twin = event("t1", "protest", "Izmir", 38.42, 27.14, "TR", D(2023, 3, 21), "a4",
                 article_title="A2")
    store_article(store_path, "a4", "A2", twin)
    at.run()
    at.multiselect(key="articles").set_value(["a4"]).run()
    assert not at.exception
    assert at.multiselect(key="articles").value == ["a4"]
    assert shown(at) == 1 and map_layers(at) == {"Protests": 1}


def test_writes_by_another_process_show_at_the_next_rerun(at, store_path):
    at.run()
    assert shown(at) == len(ALL)
    late = event("s3", "strike", "Mayadin", 35.02, 40.45, "SY", D(2023, 3, 26), "usgs")
    with open_store(store_path) as store:  # another connection, as `geo ingest` would be
        store.add_events([late])
    at.run()
    assert shown(at) == len(ALL) + 1
    assert map_layers(at)["Strikes"] == 3


def test_importing_the_page_outside_streamlit_runs_nothing(tmp_path, monkeypatch):
    # multiprocessing's spawned children re-import the parent's main script, which
    # AppTest sets to app.py: that used to run the page and create an empty store.
    import runpy

    store = tmp_path / "never.sqlite"
    monkeypatch.setenv("GEO_STORE", str(store))
    runpy.run_path(str(REPO / "app.py"), run_name="__mp_main__")
    assert not store.exists()


def test_a_date_pick_survives_a_store_that_grew_meanwhile(at, store_path):
    at.run()
    late = event("s4", "strike", "Mayadin", 35.02, 40.45, "SY", D(2023, 4, 2), "usgs")
    with open_store(store_path) as store:  # another process ingests while the page idles
        store.add_events([late])
    at.date_input(key="dates").set_value((D(2023, 3, 5), D(2023, 3, 12))).run()
    assert at.date_input(key="dates").value == (D(2023, 3, 5), D(2023, 3, 12))
    assert at.query_params == {"since": "2023-03-05", "until": "2023-03-12"}
    assert shown(at) == 2  # the strikes of 10 and 12 March


# --- the operator's consent for writes, and the URL box ---------------------------------


def test_writes_are_off_unless_the_operator_enables_them(at, monkeypatch):
    monkeypatch.delenv("GEO_ALLOW_WRITES", raising=False)
    at.run()
    assert not at.exception
    assert [b for b in at.button if b.key == "add"] == []
    assert any("Adding articles is off" in c.value for c in at.caption)


@pytest.fixture
def public_address():
    """Serve "beyond this machine", as Streamlit's server.address 0.0.0.0 does."""
    yield from server_address("0.0.0.0")


def test_beyond_localhost_writes_need_a_password(at, monkeypatch, public_address):
    monkeypatch.setenv("GEO_ALLOW_WRITES", "1")
    monkeypatch.delenv("GEO_WRITE_PASSWORD", raising=False)
    at.run()
    assert [b for b in at.button if b.key == "add"] == []
    assert any("no write password is set" in c.value for c in at.caption)

    monkeypatch.setenv("GEO_WRITE_PASSWORD", "correct horse")
    at.run()
    assert [b for b in at.button if b.key == "add"] == []
    at.text_input(key="write_password").input("wrong").run()
    at.button(key="login").click().run()
    assert any("Wrong password" in e.value for e in at.error)
    assert [b for b in at.button if b.key == "add"] == []
    at.text_input(key="write_password").input("correct horse").run()
    at.button(key="login").click().run()
    assert [b.key for b in at.button if b.key == "add"] == ["add"]


@pytest.mark.slow
@pytest.mark.parametrize("link", ["README.md", "/etc/passwd", "file:///etc/passwd",
                                  "ftp://example.org/a.txt", "data"])
def test_the_url_box_never_reads_server_paths(at, site, link):
    at.run()
    at.text_input(key="url").input(link)
    at.button(key="add").click().run()
    assert not at.exception
    assert any("only http(s) URLs" in e for e in messages(at.error)), messages(at.error)
    assert shown(at) == len(ALL)


@pytest.mark.slow
def test_the_url_box_refuses_local_addresses_unless_allowed(at, site, monkeypatch):
    monkeypatch.delenv("GEO_ALLOW_PRIVATE_URLS")
    at.run()
    add(at, site, url="/paris.txt")
    assert not at.exception
    assert any("local or private address" in e for e in messages(at.error))
    assert shown(at) == len(ALL)


# --- links that do not fit the store ------------------------------------------------------


@pytest.mark.parametrize(("params", "since", "until", "said"), [
    ({"since": "9999-12-31"}, D(2023, 3, 25), D(2023, 3, 25), "outside the stored events"),
    ({"since": "2044-01-01"}, D(2023, 3, 25), D(2023, 3, 25), "outside the stored events"),
    ({"until": "1990-01-01"}, D(2023, 2, 6), D(2023, 2, 6), "outside the stored events"),
    ({"since": "2023-03-20", "until": "2023-03-01"}, D(2023, 3, 1), D(2023, 3, 20),
     "reversed"),
])
def test_a_link_with_dates_beyond_the_store_is_fitted_and_said(at, params, since, until, said):
    at.query_params.update(params)
    at.run()
    assert not at.exception
    assert any(said in w for w in messages(at.warning)), messages(at.warning)
    assert tuple(at.date_input(key="dates").value) == (since, until)


def test_unknown_link_values_are_named(at):
    at.query_params.update({"types": "strike,bombing", "statuses": "maybe"})
    at.run()
    assert not at.exception
    (warning,) = messages(at.warning)
    assert "bombing" in warning and "maybe" in warning


# --- happenings, review and the preview (issue 11) ---------------------------------------


def select(at: AppTest, event_id: str) -> AppTest:
    """Open the table and select the row of ``event_id``, as a click on it does."""
    open_table(at)
    ids = list(at.dataframe[0].value["event_id"])
    at.session_state["table"] = {"selection": {"rows": [ids.index(event_id)], "columns": [],
                                               "cells": []}}
    return at.run()


def test_reports_of_one_strike_are_one_point_with_their_sources(at, store_path):
    again = event("s1b", "strike", "Raqqa", 35.951, 39.012, "SY", D(2023, 3, 10), "a5",
                  actor1="US forces")
    store_article(store_path, "a5", "A5", again)
    at.run()
    assert shown(at) == len(ALL)  # s1 and s1b are one happening
    script = map_args(at)["feature_group"]
    assert "2 reports" in script and "news.example/a5" in script and "news.example/a1" in script
    at.toggle(key="reports").set_value(True).run()
    assert shown(at) == len(ALL) + 1 and at.query_params == {"reports": "1"}


def test_a_correction_in_the_page_is_kept_and_audited(at, writes, store_path):
    select(at, "h-s1")
    assert [b for b in at.button if b.key == "review_confirm"]
    at.text_input(key="review_note").input("checked with the wire").run()
    (deaths,) = [t for t in at.text_input if t.label.startswith("Fatalities")]
    deaths.input("5")
    at.button[[b.proto.label for b in at.button].index("Save corrections")].click().run()
    assert not at.exception and not at.error
    assert any("Corrected" in s.value for s in at.success)
    with open_store(store_path) as store:
        (report,) = store.get_events(["s1"])
        assert (report.fatalities, report.review_status) == (5, "corrected")
        (record,) = store.audit(["s1"])
        assert (record.who, record.field, record.old, record.new, record.note) == (
            "page", "fatalities", "2", "5", "checked with the wire")
        # Re-ingesting the article's events and a re-extraction keep the correction.
        store.replace_events("a1", ARTICLES["a1"])
        assert store.get_events(["s1"])[0].fatalities == 5
    select(at, "h-s1")
    at.button(key="review_reject").click().run()
    assert shown(at) == len(ALL) - 1  # rejected: off the map


def test_review_needs_write_access(at, store_path, monkeypatch):
    monkeypatch.delenv("GEO_ALLOW_WRITES", raising=False)
    select(at, "h-s1")
    assert not [b for b in at.button if b.key.startswith("review_")]


@pytest.mark.slow
def test_an_upload_is_previewed_before_it_is_stored(at, site, store_path):
    at.run()
    at.text_area(key="paste").input(PASTE)
    at.button(key="add").click().run()
    assert not at.exception
    assert shown(at) == len(ALL)  # nothing stored yet
    assert any(h.value.startswith("Preview: 1 event") for h in at.subheader)
    maps = at.get("component_instance")
    assert len(maps) == 2  # the preview's map beside the page's
    at.button(key="store").click().run()
    assert shown(at) == len(ALL) + 1
    # The map zooms to what was added: Paris, not the whole store.
    view = map_args(at)["feature_group"]
    bounds = json.loads(re.search(r"cm\.bounds = (\[\[.*?\]\]);", view).group(1))
    assert bounds[0][0] > 47 and bounds[1][0] < 50
    # Discarding stores nothing.
    at.text_area(key="paste").input(PASTE.replace("Paris", "Lyon"))
    at.button(key="add").click().run()
    at.button(key="discard").click().run()
    assert shown(at) == len(ALL) + 1


def test_happenings_are_merged_and_split_in_the_page(at, writes, store_path):
    select(at, "h-s1")
    at.text_input(key="review_merge_with").input("h-s2").run()
    at.button(key="review_merge").click().run()
    assert not at.exception and any(s.value == "Merged." for s in at.success)
    assert shown(at) == len(ALL) - 1
    with open_store(store_path) as store:
        (merged,) = [h for h in store.query(EventQuery(happenings=True)) if h.sources > 1
                     or len(store.reports(h.event_id)) == 2]
        assert {r.event_id for r in store.reports(merged.event_id)} == {"s1", "s2"}
    select(at, merged.event_id)
    at.button(key="review_split").click().run()
    assert shown(at) == len(ALL)
    with open_store(store_path) as store:
        assert [a.field for a in store.audit(["s1"])] == ["group", "group"]


def test_the_page_speaks_to_a_reader(at, store_path):
    at.run()
    # Names a reader knows, with the code the link uses.
    assert at.multiselect(key="countries").options == ["Syria (SY)", "Türkiye (TR)"]
    (caption,) = [c.value for c in at.caption if re.match(r"[\d,]+ events", c.value)]
    assert str(store_path) not in caption and "sqlite" not in caption
    open_table(at)
    table = at.dataframe[0].value
    assert "None" not in set(table["actor1"]) and "" in set(table["actor1"])
    assert set(table["precision"]) <= {"town or site", "near a town, or a district",
                                       "province or country"}


def test_the_summary_counts_the_view_by_country_province_and_type(at):
    at.run()
    assert not at.dataframe  # collapsed: nothing sent
    at.session_state["show_summary"] = True
    at.multiselect(key="types").set_value(["strike"]).run()
    assert not at.exception
    countries, provinces, kinds = at.dataframe[:3]
    assert countries.value.to_dict("records") == [
        {"country": "Syria (SY)", "events": 2, "fatalities": 2}]
    assert kinds.value.to_dict("records") == [
        {"type": "Strikes", "events": 2, "fatalities": 2}]
    assert len(provinces.value) == 1


@pytest.mark.slow
def test_go_to_a_place_moves_the_map_there(at):
    at.run()
    at.text_input(key="goto").input("Raqqa").run()
    assert not at.exception
    assert at.selectbox(key="goto_pick").value == 0
    view = map_args(at)["feature_group"]
    (south, west), (north, east) = json.loads(
        re.search(r"cm\.bounds = (\[\[.*?\]\]);", view).group(1))
    assert south < 35.95 < north and west < 39.01 < east and north - south < 1
    assert shown(at) == len(ALL)  # a view, not a filter
    at.text_input(key="goto").input("Nowhereville Xyzzy").run()
    assert any("No such place" in c.value for c in at.caption)


def test_the_live_list_shows_the_newest_and_a_click_selects_on_the_map(at):
    at.run()
    labels = [b.label for b in at.button if b.key and b.key.startswith("live-")]
    assert len(labels) == len(ALL)
    assert labels[0].startswith("Armed clashes: Syria, 2023\\-03\\-25")  # newest first
    at.button(key="live-h-s1").click().run()
    assert not at.exception
    assert at.query_params["event"] == "h-s1"
    view = map_args(at)["feature_group"]
    (south, west), (north, east) = json.loads(
        re.search(r"cm\.bounds = (\[\[.*?\]\]);", view).group(1))
    assert south < 35.95 < north and west < 39.01 < east and north - south < 2
    # A link with the selection reproduces it.
    fresh = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    fresh.query_params["event"] = "h-s1"
    fresh.run()
    assert not fresh.warning
    assert [b.key for b in fresh.button if b.proto.type == "primary"] == ["live-h-s1"]


def test_a_link_with_an_unknown_or_huge_selection_is_harmless(at):
    at.query_params["event"] = "x" * 100_000
    at.run()
    assert not at.exception and "event" not in at.query_params
    at.query_params["event"] = "h-nope'; DROP TABLE events; --"
    at.run()
    assert not at.exception and shown(at) == len(ALL)
