"""Benchmark the dashboard in headless Chromium: first map, filter change, brush, weight.

    python benchmarks/dashboard.py [--sizes 1000,10000,100000] [--loads 2] [--json OUT]
    python benchmarks/dashboard.py --sizes 1000000 --first-map-only

For each size, a store of synthetic events (seeded: plausible places over the Middle
East and Europe, every event type, dates over 2023, one article per ten events, a
share of catalog quakes) is written to a temporary file, the app serves it on 127.0.0.1
(``python -m geo.webapp.serve``, as ``make run`` starts it), and Debian's chromium (through
Playwright) measures:

- **first map**: navigation start to the map drawn, in a fresh browser context. "Drawn"
  means the Leaflet map in the st_folium frame holds every marker of the page (clusters
  count the markers they stand for) and the browser has painted two frames since; the
  check runs in the frame on every animation frame (``tests/browser_utils.py``). The
  first load after the server starts (cold caches) is reported apart from the median of
  ``--loads`` further loads (warm: ``st.cache_data`` hit, but the map is rebuilt on
  every run, as app.py does).
- **filter change**: from the click choosing one type in the Event types filter to the
  new map (that type only) drawn; after each warm load, a type not chosen before on
  that server (strike, protest, ...), so every change asks the store anew. The median
  is reported; the phases are those of the first change (strike).
- **timeline brush**: after each filter change, a drag across 15-50 % of the Vega-Lite
  timeline (as the browser tests do it, resting 0.5 s before the release); from the
  pointer's release to the map drawn with the brushed dates: the map's frame records
  when its marker count changes (painted), and the count is checked against what the
  store gives for the dates the address then holds. The median is reported.
- **page weight**: bytes sent to the browser for one load: HTTP bodies as transferred
  (CDP ``Network.loadingFinished`` ``encodedDataLength``, st_folium's frame included)
  plus Streamlit's websocket messages, which carry the page itself (the map's HTML and
  script, the table, the widgets' options).

Where the time goes: the same calls app.py makes are timed in this process (the store's
summary and page data, ``build_map``, st_folium's rendering of the map into HTML and
script, the table; and the GeoJSON and CSV downloads, which run only on a click), and
in the browser run the websocket message that carries
the map is timed, which splits "server until the map is sent" from "browser from the
map message to the map drawn". Each load, filter change and brush also records the
script runs it caused (Streamlit's messages that open and close a run, and the seconds
between them), the long tasks (> 50 ms) on the page's main thread, which the map's
frame shares, when the timeline was drawn, and the CPU seconds spent until the map was
drawn: the app server's (from /proc) and the page's scripts, layout and style (CDP).
``--reuse`` keeps a store written before in ``--workdir``; ``--app-root DIR`` serves
another checkout's app (e.g. a baseline commit) measured by this script.
See benchmarks/README.md ("Dashboard").
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import json
import math
import os
import pickle
import random
import signal
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Runnable as a plain script from any folder; the browser helpers live with the tests.
for path in (ROOT, ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from browser_utils import (  # noqa: E402
    FOLIUM_FRAME,
    MAP_STATE_JS,
    AppServer,
    launch_chromium,
    map_frame,
    wait_drawn,
)
from geoparse import machine_info as geoparse_machine_info  # noqa: E402 (benchmarks/)

from geo.model import (  # noqa: E402
    EVENT_TYPES,
    Article,  # noqa: E402
    Event,
)
from geo.render.styles import layer_style  # noqa: E402

# Issue 12's targets at 100k events (first map < 4 s at 1M events).
TARGETS = {"first_map_s": 2.0, "filter_s": 0.5, "page_mb": 5.0, "timeline_s": 0.5}
FILTER_TYPE = "strike"  # the filter change profiled in this process
# One filter change per warm load, each to a type not chosen before on that server, so
# each pays the store's work (st.cache_data holds what was seen).
FILTER_TYPES = ("strike", "protest", "armed_clash", "earthquake", "diplomacy",
                "military_base")
EVENTS_PER_ARTICLE = 10

# (place, country, lat, lon, country centroid lat, lon): where synthetic events happen.
PLACES = [
    ("Aleppo", "SY", 36.20, 37.16, 35.0, 38.5), ("Idlib", "SY", 35.93, 36.63, 35.0, 38.5),
    ("Damascus", "SY", 33.51, 36.29, 35.0, 38.5), ("Raqqa", "SY", 35.95, 39.01, 35.0, 38.5),
    ("Gaza", "PS", 31.52, 34.45, 31.9, 35.2), ("Beirut", "LB", 33.89, 35.50, 33.85, 35.86),
    ("Baghdad", "IQ", 33.31, 44.37, 33.0, 44.0), ("Mosul", "IQ", 36.34, 43.13, 33.0, 44.0),
    ("Erbil", "IQ", 36.19, 44.01, 33.0, 44.0), ("Tehran", "IR", 35.69, 51.39, 32.0, 53.0),
    ("Isfahan", "IR", 32.65, 51.67, 32.0, 53.0), ("Sanaa", "YE", 15.37, 44.19, 15.5, 47.5),
    ("Aden", "YE", 12.79, 45.02, 15.5, 47.5), ("Ankara", "TR", 39.93, 32.86, 39.0, 35.0),
    ("Gaziantep", "TR", 37.07, 37.38, 39.0, 35.0), ("Antakya", "TR", 36.20, 36.16, 39.0, 35.0),
    ("Istanbul", "TR", 41.01, 28.98, 39.0, 35.0), ("Kharkiv", "UA", 49.99, 36.23, 49.0, 32.0),
    ("Kyiv", "UA", 50.45, 30.52, 49.0, 32.0), ("Odesa", "UA", 46.48, 30.72, 49.0, 32.0),
    ("Donetsk", "UA", 48.02, 37.80, 49.0, 32.0), ("Moscow", "RU", 55.75, 37.62, 61.5, 105.0),
    ("Belgorod", "RU", 50.60, 36.59, 61.5, 105.0), ("Tbilisi", "GE", 41.72, 44.79, 42.3, 43.4),
    ("Yerevan", "AM", 40.18, 44.51, 40.1, 45.0), ("Cairo", "EG", 30.04, 31.24, 26.8, 30.8),
    ("Tripoli", "LY", 32.89, 13.19, 26.3, 17.2), ("Khartoum", "SD", 15.50, 32.56, 12.9, 30.2),
    ("Riyadh", "SA", 24.71, 46.68, 23.9, 45.1), ("Amman", "JO", 31.95, 35.93, 30.6, 36.2),
    ("Brussels", "BE", 50.85, 4.35, 50.5, 4.5), ("Berlin", "DE", 52.52, 13.40, 51.2, 10.4),
    ("Paris", "FR", 48.86, 2.35, 46.2, 2.2), ("Warsaw", "PL", 52.23, 21.01, 51.9, 19.1),
]
TYPE_WEIGHTS = {"strike": 30, "armed_clash": 20, "diplomacy": 12, "protest": 15,
                "military_base": 5, "earthquake": 18}
SENTENCES = {
    "strike": "Drone strikes hit targets near {place} early on {day}, local officials said, "
              "adding that several buildings were damaged and rescue teams were at the scene.",
    "armed_clash": "Fighting broke out on the outskirts of {place} on {day} between government "
                   "forces and armed groups, according to residents reached by phone.",
    "diplomacy": "Foreign ministers met in {place} on {day} for talks on a ceasefire and the "
                 "return of displaced people, the host government said in a statement.",
    "protest": "Thousands of protesters rallied in central {place} on {day}, demanding higher "
               "wages and the release of detained activists, organisers said.",
    "military_base": "The army maintains a base near {place}, where about 400 troops are "
                     "stationed, a defence ministry spokesman confirmed on {day}.",
    "earthquake": "A strong earthquake shook {place} on {day}, damaging homes and cutting power "
                  "to several districts, the disaster agency said.",
}


def synthetic_events(n: int, seed: int = 2023) -> tuple[list[tuple[Article, list[Event]]],
                                                        list[Event]]:
    """Return ``n`` seeded synthetic events: (article, its events) pairs and catalog quakes."""
    rng = random.Random(seed)
    types = list(TYPE_WEIGHTS)
    weights = list(TYPE_WEIGHTS.values())
    start = dt.date(2023, 1, 1)
    article_events: list[tuple[Article, list[Event]]] = []
    quakes: list[Event] = []
    pending: list[Event] = []

    def flush(article_no: int) -> None:
        if not pending:
            return
        article_id = f"syn{article_no:06d}"
        first = pending[0]
        title = f"Report {article_no}: {first.event_type.replace('_', ' ')} near {first.place}"
        published = max(e.date for e in pending if e.date)
        article = Article(id=article_id, title=title, text=" ".join(e.evidence for e in pending),
                          published=published, url=f"https://news.example.org/{article_id}")
        article_events.append((article, [_with_article(e, article) for e in pending]))
        pending.clear()

    for i in range(n):
        event_type = rng.choices(types, weights)[0]
        place, cc, lat, lon, clat, clon = rng.choice(PLACES)
        day = start + dt.timedelta(days=rng.randrange(365))
        precision = rng.choices([1, 2, 3], [70, 20, 10])[0]
        if precision == 3:  # a country-wide report sits at the country's centroid
            lat, lon, place, uncertainty = clat, clon, cc, 300.0
        else:
            spread = 0.25 if precision == 1 else 0.6
            lat = round(min(89.0, max(-89.0, rng.gauss(lat, spread))), 5)
            lon = round(rng.gauss(lon, spread), 5)
            uncertainty = 5.0 if precision == 1 else 25.0
        evidence = SENTENCES[event_type].format(place=place, day=day.strftime("%-d %B"))
        catalog = event_type == "earthquake" and rng.random() < 0.5
        event = Event(
            event_id=f"e{i:07d}", event_type=event_type,
            acled_event_type=EVENT_TYPES[event_type][0],
            acled_sub_event_type=EVENT_TYPES[event_type][1],
            status=rng.choices(["occurred", "claimed", "planned", "denied"], [80, 12, 5, 3])[0],
            date=day, date_precision="day", place=place, lat=lat, lon=lon, geonameid=None,
            country_code=cc, admin1="", geo_precision=precision, uncertainty_km=uncertainty,
            evidence=evidence, evidence_start=0, evidence_end=len(evidence),
            article_id="usgs" if catalog else "", article_title="USGS earthquake catalog",
            source_url=None, published=day + dt.timedelta(days=1),
            confidence=round(rng.uniform(0.5, 1.0), 2),
            magnitude=round(rng.uniform(4.0, 7.5), 1) if catalog else None,
            depth_km=round(rng.uniform(5, 30), 1) if catalog else None,
            usgs_id=f"syn{i:08d}" if catalog else None,
        )
        if catalog:
            quakes.append(event)
        else:
            pending.append(event)
            if len(pending) == EVENTS_PER_ARTICLE:
                flush(len(article_events))
    flush(len(article_events))
    return article_events, quakes


def _with_article(event: Event, article: Article) -> Event:
    from dataclasses import replace

    return replace(event, article_id=article.id, article_title=article.title,
                   source_url=article.url)


def write_store(path: Path, n: int, seed: int = 2023) -> dict:
    """Write ``n`` synthetic events to a new SQLite store at ``path``; return timings."""
    from geo.store import open_store

    t0 = time.perf_counter()
    article_events, quakes = synthetic_events(n, seed)
    t1 = time.perf_counter()
    with open_store(path) as store:
        # Articles one by one (the store has no bulk call for them), then every event in
        # one transaction: add_article(article, events) per article takes ~4x as long.
        for article, _ in article_events:
            store.add_article(article, [])
        store.add_events([e for _, events in article_events for e in events] + quakes)
    t2 = time.perf_counter()
    return {"generate_s": t1 - t0, "insert_s": t2 - t1, "articles": len(article_events),
            "catalog_quakes": len(quakes)}


def prepare_store(path: Path, n: int, reuse: bool) -> dict:
    """Write the store of ``n`` events, or keep the one at ``path`` (``--reuse``)."""
    if reuse and path.exists():
        return {"reused": str(path)}
    path.unlink(missing_ok=True)
    return write_store(path, n)


# --- where the server's time goes -----------------------------------------------------

def profile_server(store_path: Path) -> dict:
    """Time, in this process, the calls app.py makes for the full and the filtered page.

    Mirrors app.py's main(): the sidebar's summary, the page's data from the store (count,
    map points merged per grid cell, timeline, newest rows), the map, st_folium's work on
    it, the table; and apart, the downloads, which are built only when clicked.

    Returns the seconds per step, the sizes of what is sent, and the number of markers
    each map has (what "drawn" waits for).
    """
    import io

    import pandas as pd
    import streamlit_folium as sf  # its private steps, to see which one costs what
    from map_utils import walk
    from streamlit.dataframe_util import convert_pandas_df_to_arrow_bytes

    from geo.export import write_csv, write_geojson
    from geo.model import EventQuery
    from geo.render.elements import EventMarkers
    from geo.render.maps import build_map_parts
    from geo.store import open_store
    from geo.webapp import data as dashboard

    def export(store, query: EventQuery, writer) -> str:
        out = io.StringIO()
        writer(store.query(query), out)
        return out.getvalue()

    out: dict = {}
    with open_store(store_path) as store:
        for label, types in (("all", None), ("filtered", [FILTER_TYPE])):
            steps: dict[str, float] = {}

            def timed(name: str, fn: Callable, steps: dict = steps):
                start = time.perf_counter()
                value = fn()
                steps[name] = time.perf_counter() - start
                return value

            # Happenings (the reports of one incident merged) are the page's default view.
            query = EventQuery(types=tuple(types or ()), happenings=True)
            if label == "all":  # the sidebar's options (cached per store version)
                timed("summary", store.summary)
            data = timed("page_data", lambda query=query: dashboard.page_data(store, query))
            # A warm run gets the page's data from st.cache_data instead, which hands out
            # a copy: unpickling it is what a cache hit costs.
            pickled = pickle.dumps(data)
            timed("cache_hit", lambda pickled=pickled: pickle.loads(pickled))
            parts = timed("build_map", lambda data=data: build_map_parts(
                data.points, weights=data.weights, sources=data.sources))
            # st_folium renders the base map (once: app.py passes render=False), cuts out
            # its script, hashes it, and renders the event layers and their control.
            timed("st_folium_render", lambda parts=parts: parts.base.render())

            def component_script(parts=parts) -> str:
                sf._get_html(parts.base), sf._get_header(parts.base)
                script = sf._get_map_string(parts.base)
                sf.generate_js_hash(script, "map")
                return script + "".join(
                    sf._get_feature_group_string(g, parts.base, i)
                    for i, g in enumerate(parts.layers)
                ) + sf._get_layer_control_string(parts.control, parts.base)

            script = timed("st_folium_script", component_script)
            table = timed("table", lambda data=data: convert_pandas_df_to_arrow_bytes(
                pd.DataFrame(dashboard.event_rows(data.latest))))
            geojson = timed("geojson", lambda query=query: export(store, query, write_geojson))
            csv = timed("csv", lambda query=query: export(store, query, write_csv))
            map_steps = ("build_map", "st_folium_render", "st_folium_script")
            out[label] = {
                "events": data.count,
                "map_points": len(data.points),
                "markers": sum(len(e.rows) for layer in parts.layers for e in walk(layer)
                               if isinstance(e, EventMarkers)),
                "steps_s": steps,
                # Until st_folium sends the map: a cold run asks the store, a warm one
                # copies the cached page data (the summary is cached too).
                "until_map_cold_s": sum(steps.get(k, 0.0)
                                        for k in ("summary", "page_data", *map_steps)),
                "until_map_warm_s": steps["cache_hit"] + sum(steps[k] for k in map_steps),
                "map_script_mb": len(script.encode()) / 1e6,
                "geojson_mb": len(geojson.encode()) / 1e6,
                "csv_mb": len(csv.encode()) / 1e6,
                "table_arrow_mb": len(table) / 1e6,
            }
    return out


# --- the browser ----------------------------------------------------------------------

def _kind(url: str) -> str:
    path = url.split("?", 1)[0]
    for marker, kind in (("/app/static/", "leaflet"), ("/component/", "st_folium frame"),
                         ("/static/", "streamlit frontend"), ("/media/", "downloads"),
                         ("/_stcore/", "streamlit api")):
        if marker in path:
            return kind
    return "other"


# In every frame: long tasks (main thread busy > 50 ms) as [start, ms] in window.__cmLong;
# in the page, when the Vega-Lite timeline's drawing first appears (window.__cmChartAt).
OBSERVE_JS = """(() => {
    window.__cmLong = [];
    try {
        new PerformanceObserver((list) => { for (const e of list.getEntries())
            window.__cmLong.push([performance.timeOrigin + e.startTime, e.duration]); })
            .observe({type: "longtask", buffered: true});
    } catch (err) {}
    if (window !== window.top) return;
    const seen = () => {
        if (window.__cmChartAt) return;
        const chart = document.querySelector('[data-testid="stVegaLiteChart"]');
        if (chart && chart.querySelector("canvas, svg.marks"))
            requestAnimationFrame(() => requestAnimationFrame(() => {
                window.__cmChartAt = window.__cmChartAt
                    || performance.timeOrigin + performance.now(); }));
    };
    new MutationObserver(seen).observe(document, {childList: true, subtree: true});
})();"""


SERVER_PID: list[int] = []  # the app server being measured (one at a time)


def server_cpu_s() -> float:
    """Return the CPU seconds (user + system) the app server has used, or 0."""
    if not SERVER_PID:
        return 0.0
    try:
        fields = Path(f"/proc/{SERVER_PID[-1]}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _run_mark(data: bytes) -> str | None:
    """Return "start" or "finish" for Streamlit's messages that open and close a run."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    try:
        kind = ForwardMsg.FromString(data).WhichOneof("type")
    except Exception:  # noqa: BLE001 (not a ForwardMsg: nothing to count)
        return None
    return {"new_session": "start", "script_finished": "finish"}.get(kind or "")


class Probe:
    """A fresh browser context on the app, counting what the browser receives.

    From CDP: HTTP bytes as transferred (``encodedDataLength``, headers included), and
    websocket messages, stamped by the browser on arrival, the ones that carry the map's
    script marked. CDP reports a message's payload after decompression; when the socket
    negotiated permessage-deflate (``server.enableWebsocketCompression``), the bytes on
    the wire are counted by deflating the payloads the way the extension does (one
    raw-deflate stream per connection, each message sync-flushed), which is what the
    server sends give or take a few bytes of framing.
    """

    def __init__(self, browser) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.context.add_init_script(OBSERVE_JS)
        self.page = self.context.new_page()
        self.runs: list[tuple[float, str]] = []  # (epoch ms, "start" or "finish") of runs
        self.http: dict[str, int] = {}
        self.ws: list[tuple[float, int, bool]] = []  # (epoch ms, wire bytes, carries map)
        self.ws_payload = 0  # bytes after decompression
        self._deflate: Any = None
        self._urls: dict[str, str] = {}
        self.last_byte = time.time() * 1000
        cdp = self.context.new_cdp_session(self.page)
        cdp.on("Network.requestWillBeSent", self._on_request)
        cdp.on("Network.loadingFinished", self._on_finished)
        cdp.on("Network.webSocketWillSendHandshakeRequest", self._on_ws_start)
        cdp.on("Network.webSocketHandshakeResponseReceived", self._on_handshake)
        cdp.on("Network.webSocketFrameReceived", self._on_frame)
        self.ws_extensions: str | None = None
        self._clock_ms = 0.0  # CDP monotonic timestamp -> ms since the epoch
        cdp.send("Network.enable")
        cdp.send("Performance.enable")
        self.cdp = cdp

    def cpu(self) -> tuple[float, float]:
        """Return the CPU seconds used so far: the app server's, the page's scripts'.

        The server's from /proc (user + system, the whole process); the browser's from
        CDP's metrics: script, layout and style recalculation, the work of the
        renderer's main thread, which the page and the map's frame share. Less swayed
        by other work on the machine than wall time.
        """
        metrics = {m["name"]: m["value"] for m in self.cdp.send("Performance.getMetrics")[
            "metrics"]}
        return server_cpu_s(), sum(float(metrics.get(k, 0.0)) for k in (
            "ScriptDuration", "LayoutDuration", "RecalcStyleDuration"))

    def cpu_since(self, start: tuple[float, float]) -> dict:
        server, browser = self.cpu()
        return {"server_cpu_s": round(server - start[0], 3),
                "browser_main_thread_s": round(browser - start[1], 3)}

    def _on_request(self, event: dict) -> None:
        self._urls[event["requestId"]] = event["request"]["url"]

    def _on_finished(self, event: dict) -> None:
        kind = _kind(self._urls.get(event["requestId"], ""))
        self.http[kind] = self.http.get(kind, 0) + int(event["encodedDataLength"])
        self.last_byte = time.time() * 1000

    def _on_handshake(self, event: dict) -> None:
        # Whether the websocket is compressed on the wire (permessage-deflate).
        headers = {k.lower(): v for k, v in event["response"].get("headers", {}).items()}
        self.ws_extensions = headers.get("sec-websocket-extensions", "")
        if "permessage-deflate" in self.ws_extensions:
            self._deflate = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)

    def _on_ws_start(self, event: dict) -> None:
        self._clock_ms = event["wallTime"] * 1000 - event["timestamp"] * 1000

    def _on_frame(self, event: dict) -> None:
        # Stamped by the browser as it received the message; a binary payload is base64.
        payload = event["response"]["payloadData"]
        data = base64.b64decode(payload) if event["response"]["opcode"] == 2 else payload.encode()
        wire = len(data)
        if self._deflate is not None:
            wire = len(self._deflate.compress(data) + self._deflate.flush(zlib.Z_SYNC_FLUSH)) - 4
        self.ws_payload += len(data)
        kind = _run_mark(data) if event["response"]["opcode"] == 2 else None
        if kind:
            self.runs.append((self._clock_ms + event["timestamp"] * 1000, kind))
        self.ws.append((self._clock_ms + event["timestamp"] * 1000, wire,
                        b"L.ShapeMarker" in data))
        self.last_byte = time.time() * 1000

    def reset(self) -> None:
        self.runs.clear()
        self.http.clear()
        self.ws.clear()
        self.ws_payload = 0

    def script_runs(self, after: float) -> list[float]:
        """Return the seconds each script run took (start to finish message) after ``after``."""
        out, started = [], None
        for at, kind in self.runs:
            if at < after:
                continue
            if kind == "start":
                started = at
            elif started is not None:
                out.append(round((at - started) / 1000, 3))
                started = None
        return out

    def main_thread(self, start: float, end: float) -> dict:
        """Long tasks (> 50 ms) of the page and of the map's frame between two instants."""
        out = {}
        frames = [("page", self.page)]
        handle = self.page.query_selector(FOLIUM_FRAME)
        if handle and handle.content_frame():
            frames.append(("map_frame", handle.content_frame()))
        for name, frame in frames:
            try:
                tasks = frame.evaluate("window.__cmLong || []")
            except Exception:  # noqa: BLE001 (a frame navigating away)
                continue
            inside = [(at, ms) for at, ms in tasks if start <= at <= end]
            out[f"{name}_long_tasks_s"] = round(sum(ms for _, ms in inside) / 1000, 3)
            out[f"{name}_long_tasks"] = len(inside)
        return out

    def chart_drawn_at(self) -> float | None:
        """When the Vega-Lite timeline first showed its drawing (ms since the epoch)."""
        return self.page.evaluate("window.__cmChartAt || null")

    def map_message_at(self, after: float) -> float | None:
        """Return when the first websocket message carrying a map arrived after ``after``."""
        return next((at for at, _, is_map in self.ws if is_map and at >= after), None)

    def settle(self, quiet_s: float = 2.0, timeout: float = 600.0) -> float:
        """Wait until nothing has arrived for ``quiet_s``; return when the last byte came."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.page.wait_for_timeout(200)  # lets Playwright deliver pending events
            if time.time() * 1000 - self.last_byte > quiet_s * 1000:
                break
        return self.last_byte

    def largest_messages_mb(self, count: int = 3) -> list[tuple[float, bool]]:
        """Return the sizes of the largest websocket messages, and if each is the map's."""
        return sorted(((n / 1e6, is_map) for _, n, is_map in self.ws), reverse=True)[:count]

    def received_mb(self) -> dict[str, float]:
        out = {kind: n / 1e6 for kind, n in sorted(self.http.items())}
        out["websocket"] = sum(n for _, n, _ in self.ws) / 1e6
        out["websocket_uncompressed"] = self.ws_payload / 1e6
        out["total"] = sum(self.http.values()) / 1e6 + out["websocket"]
        return out

    def close(self) -> None:
        self.context.close()


# When, in the map's frame, the frame started loading and Leaflet was requested
# (ms since the epoch): st_folium adds Leaflet's script tag once it has the map's args.
FRAME_TIMES_JS = """() => {
    const leaflet = performance.getEntriesByType("resource")
        .find((entry) => entry.name.endsWith("/leaflet.js"));
    return {created: performance.timing.navigationStart,
            leaflet: leaflet ? performance.timeOrigin + leaflet.startTime : null};
}"""


def browser_phases(page, map_at: float | None, drawn: float) -> dict:
    """Split "map message to drawn" at the frame's start and Leaflet's request.

    A frame that st_folium kept from before the message (a filter change swaps only the
    layers) has no such phases: all of it is "to drawn".
    """
    frame = page.query_selector(FOLIUM_FRAME).content_frame()
    times = frame.evaluate(FRAME_TIMES_JS)
    created, leaflet = times["created"], times["leaflet"]
    if map_at and created < map_at:
        return {"message_to_frame_s": 0.0, "frame_to_leaflet_s": 0.0,
                "leaflet_to_drawn_s": (drawn - map_at) / 1000, "frame_kept": True}
    return {
        "message_to_frame_s": (created - map_at) / 1000 if map_at else None,
        "frame_to_leaflet_s": (leaflet - created) / 1000 if leaflet else None,
        "leaflet_to_drawn_s": (drawn - leaflet) / 1000 if leaflet else None,
        "frame_kept": False,
    }


def measure_load(browser, url: str, markers: int, timeout: float) -> tuple[dict, Probe]:
    """Load the page in a fresh context and time it until the map is drawn."""
    probe = Probe(browser)
    page = probe.page
    cpu = probe.cpu()
    page.goto(url, wait_until="commit", timeout=timeout * 1000)
    origin = page.evaluate("performance.timeOrigin")  # navigation start, ms since epoch
    drawn = wait_drawn(page, markers, timeout)
    cpu_drawn = probe.cpu_since(cpu)
    map_at = probe.map_message_at(origin)
    # The server's first message comes once the page's JavaScript runs and the session
    # starts: before it, the browser loads Streamlit's frontend.
    first_at = probe.ws[0][0] if probe.ws else None
    done = probe.settle()
    heap = page.evaluate("performance.memory ? performance.memory.usedJSHeapSize : null")
    chart_at = probe.chart_drawn_at()
    result = {
        "cpu_until_drawn": cpu_drawn, "cpu_until_complete": probe.cpu_since(cpu),
        "script_runs_s": probe.script_runs(origin),
        "timeline_drawn_s": (chart_at - origin) / 1000 if chart_at else None,
        **({f"after_map_{k}": v for k, v in probe.main_thread(map_at, drawn).items()}
           if map_at else {}),
        "first_map_s": (drawn - origin) / 1000,
        "frontend_boot_s": (first_at - origin) / 1000 if first_at else None,
        "script_until_map_s": (map_at - first_at) / 1000 if map_at and first_at else None,
        "server_until_map_s": (map_at - origin) / 1000 if map_at else None,
        "browser_after_map_s": (drawn - map_at) / 1000 if map_at else None,
        "page_complete_s": (done - origin) / 1000,
        **browser_phases(page, map_at, drawn),
        "received_mb": probe.received_mb(),
        "largest_messages_mb": probe.largest_messages_mb(),
        "websocket_extensions": probe.ws_extensions,
        "page_js_heap_mb": heap / 1e6 if heap else None,
    }
    return result, probe


def measure_filter(probe: Probe, event_type: str, markers: int, timeout: float) -> dict:
    """Choose ``event_type`` in the Event types filter; time it until the map is redrawn."""
    page = probe.page
    probe.reset()
    box = page.get_by_test_id("stMultiSelect").filter(has_text="Event types")
    box.locator("input").click()
    # The options show the layers' labels ("Strikes"), not the keys.
    option = page.get_by_role("option", name=layer_style(event_type).label, exact=True)
    option.wait_for()
    # The press as the browser saw it (event timeStamp), not when Playwright sent it.
    page.evaluate("""() => document.addEventListener("pointerdown", (e) => {
        window.__cmPressed = performance.timeOrigin + e.timeStamp; }, {capture: true})""")
    cpu = probe.cpu()
    option.click()
    drawn = wait_drawn(page, markers, timeout)
    cpu_drawn = probe.cpu_since(cpu)
    pressed = page.evaluate("window.__cmPressed")
    map_at = probe.map_message_at(pressed)
    phases = browser_phases(page, map_at, drawn)
    done = probe.settle()
    page.keyboard.press("Escape")
    return {
        "event_type": event_type,
        "filter_s": (drawn - pressed) / 1000,
        "cpu_until_drawn": cpu_drawn,
        "script_runs_s": probe.script_runs(pressed),
        **probe.main_thread(pressed, drawn),
        "server_until_map_s": (map_at - pressed) / 1000 if map_at else None,
        "browser_after_map_s": (drawn - map_at) / 1000 if map_at else None,
        "page_complete_s": (done - pressed) / 1000,
        **phases,
        "received_mb": probe.received_mb(),
    }


# In the map's frame: from now on, record every change of the number of markers drawn,
# stamped two animation frames later (painted), as [markers, ms since the epoch] in
# window.__cmChanges; returns the number drawn now.
WATCH_MARKERS_JS = "() => { const state = (" + MAP_STATE_JS + """);
    const first = state();
    let last = first ? first.markers : null;
    window.__cmChanges = [];
    const tick = () => {
        const now = state();
        const n = now ? now.markers : null;
        if (n !== last) {
            last = n;
            requestAnimationFrame(() => requestAnimationFrame(() => window.__cmChanges.push(
                [n, performance.timeOrigin + performance.now()])));
        }
        requestAnimationFrame(tick);
    };
    tick();
    return first ? first.markers : null;
}"""


def timeline_box(page, timeout: float = 30.0) -> dict:
    """Scroll the Vega-Lite timeline into view; return its drawing's box once still."""
    chart = page.get_by_test_id("stVegaLiteChart")
    chart.scroll_into_view_if_needed()
    drawing = chart.locator("canvas, svg").first
    drawing.wait_for(timeout=timeout * 1000)
    last, deadline = None, time.monotonic() + timeout
    while time.monotonic() < deadline:
        box = drawing.bounding_box()
        if box is not None and box == last and box["width"] > 300:
            return box
        last = box
        time.sleep(0.1)
    raise TimeoutError(f"the timeline did not hold still in {timeout:.0f} s: {last}")


def page_params(page) -> dict[str, str]:
    """The address's query, read in the page (Playwright's page.url misses changes)."""
    from urllib.parse import parse_qs, urlsplit

    href = page.evaluate("() => location.href")
    return {k: v[-1] for k, v in parse_qs(urlsplit(href).query).items()}


def measure_timeline(probe: Probe, store_path: Path, timeout: float) -> dict:
    """Brush the timeline's 15-50 % span; time the pointer's release to the map redrawn.

    The drag is the browser tests' (a rest of 0.5 s before the release, which Streamlit
    needs to read the brush). The map's frame records every change of its marker count
    as painted; the last one before the page settles is the map with the brushed dates,
    checked against the markers the store gives for the dates the address then holds.
    """
    from geo.webapp.state import parse_params

    page = probe.page
    probe.reset()
    frame = map_frame(page, timeout)
    before = frame.evaluate(WATCH_MARKERS_JS)
    box = timeline_box(page)
    page.evaluate("""() => document.addEventListener("pointerup", (e) => {
        window.__cmReleased = performance.timeOrigin + e.timeStamp; }, {capture: true})""")
    y = box["y"] + box["height"] * 0.4
    page.mouse.move(box["x"] + box["width"] * 0.15, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, y, steps=10)
    time.sleep(0.5)
    cpu = probe.cpu()
    page.mouse.up()
    deadline = time.monotonic() + timeout
    while not {"since", "until"} <= set(params := page_params(page)):
        if time.monotonic() > deadline:
            raise TimeoutError(f"brushing set no dates in {timeout:.0f} s: {params}")
        time.sleep(0.05)
    query = parse_params(params).query
    expected = markers_for(store_path, query)
    drawn_at = wait_drawn(page, expected, timeout)  # an upper bound if already drawn
    cpu_drawn = probe.cpu_since(cpu)
    done = probe.settle()
    released = page.evaluate("window.__cmReleased")
    changes = frame.evaluate("window.__cmChanges") if not frame.is_detached() else None
    hits = [at for n, at in (changes or []) if n == expected]
    drawn = hits[-1] if hits else drawn_at
    return {
        "since": str(query.since), "until": str(query.until),
        "markers_before": before, "markers": expected,
        "timeline_s": (drawn - released) / 1000,
        "cpu_until_drawn": cpu_drawn,
        "script_runs_s": probe.script_runs(released),
        **probe.main_thread(released, drawn),
        "watched": bool(hits),  # False: timed by wait_drawn after the dates were read
        "marker_changes": len(changes or []),
        "page_complete_s": (done - released) / 1000,
        "received_mb": probe.received_mb(),
    }


def markers_for(store_path: Path, query) -> int:
    """Return the markers the map draws for ``query``."""
    from map_utils import walk

    from geo.render.elements import EventMarkers
    from geo.render.maps import build_map_parts
    from geo.store import open_store
    from geo.store.grid import map_points

    with open_store(store_path) as store:
        points, weights = map_points(store, query)
    parts = build_map_parts(points, weights=weights)
    return sum(len(e.rows) for layer in parts.layers for e in walk(layer)
               if isinstance(e, EventMarkers))


def filter_markers(store_path: Path) -> dict[str, int]:
    """Return the markers the map draws for each of FILTER_TYPES alone."""
    from map_utils import walk

    from geo.model import EventQuery
    from geo.render.elements import EventMarkers
    from geo.render.maps import build_map_parts
    from geo.store import open_store
    from geo.store.grid import map_points

    out = {}
    with open_store(store_path) as store:
        for event_type in FILTER_TYPES:
            points, weights = map_points(store, EventQuery(types=(event_type,),
                                                           happenings=True))
            parts = build_map_parts(points, weights=weights)
            out[event_type] = sum(len(e.rows) for layer in parts.layers for e in walk(layer)
                                  if isinstance(e, EventMarkers))
    return out


def bench_first_map(browser, n: int, workdir: Path, loads: int, timeout: float,
                    log=print, *, reuse: bool = False, root: Path | None = None) -> dict:
    """Write a store of ``n`` events, serve it, and time the first map only (--first-map-only).

    No profile in this process (its downloads alone take minutes at 1M events), no
    filter change, no brush.
    """
    from geo.model import EventQuery

    store_path = workdir / f"events-{n}.sqlite"
    result: dict = {"events": n, "store": prepare_store(store_path, n, reuse)}
    log(f"{n:,} events: store {result['store']}")
    markers = markers_for(store_path, EventQuery(happenings=True))
    result["markers"] = markers
    with AppServer(store_path, workdir / f"app-{n}.log", startup_timeout=300,
                   root=root) as app:
        SERVER_PID.append(app.process.pid)
        log(f"{n:,} events: cold load")
        cold, probe = measure_load(browser, app.url, markers, timeout)
        probe.close()
        warm = []
        for i in range(loads):
            log(f"{n:,} events: warm load {i + 1} of {loads}")
            load, probe = measure_load(browser, app.url, markers, timeout)
            probe.close()
            warm.append(load)
    result.update(cold=cold, warm=warm,
                  first_map_s=statistics.median(w["first_map_s"] for w in warm),
                  page_mb=statistics.median(w["received_mb"]["total"] for w in warm))
    return result


def bench_size(browser, n: int, workdir: Path, loads: int, timeout: float,
               log=print, *, reuse: bool = False, root: Path | None = None) -> dict:
    """Write a store of ``n`` events, serve it, and measure loads and a filter change."""
    store_path = workdir / f"events-{n}.sqlite"
    result: dict = {"events": n, "store": prepare_store(store_path, n, reuse)}
    log(f"{n:,} events: store {result['store']}; profiling the server side")
    server = profile_server(store_path)
    result["server"] = server
    markers, filtered = server["all"]["markers"], server["filtered"]["markers"]
    result["markers"] = markers
    result["filtered"] = {"events": server["filtered"]["events"], "markers": filtered}
    per_type = filter_markers(store_path)
    with AppServer(store_path, workdir / f"app-{n}.log", startup_timeout=120,
                   root=root) as app:
        SERVER_PID.append(app.process.pid)
        log(f"{n:,} events: cold load")
        cold, probe = measure_load(browser, app.url, markers, timeout)
        probe.close()
        result["cold"] = cold
        warm, filters, brushes = [], [], []
        for i in range(loads):
            log(f"{n:,} events: warm load {i + 1} of {loads}, then a filter change "
                "and a brush on the timeline")
            load, probe = measure_load(browser, app.url, markers, timeout)
            event_type = FILTER_TYPES[i % len(FILTER_TYPES)]
            filters.append(measure_filter(probe, event_type, per_type[event_type], timeout))
            try:
                brushes.append(measure_timeline(probe, store_path, timeout))
            except Exception as err:  # noqa: BLE001 (Playwright's errors too: report it)
                log(f"{n:,} events: timeline brush failed: {err}")
                brushes.append({"error": str(err).splitlines()[0]})
            probe.close()
            warm.append(load)
        result["warm"] = warm
        result["filters"] = filters
        result["timelines"] = brushes
        timed = [b["timeline_s"] for b in brushes if "timeline_s" in b]
        result["timeline_s"] = statistics.median(timed) if timed else None
        # The profile in this process is of the strike filter: report that change's
        # phases, and the median over all changes.
        result["filter"] = filters[0]
        result["filter_s"] = statistics.median(f["filter_s"] for f in filters)
        result["first_map_s"] = statistics.median(w["first_map_s"] for w in warm)
        result["page_mb"] = statistics.median(w["received_mb"]["total"] for w in warm)
    return result


# --- report ---------------------------------------------------------------------------

def machine_info(browser_version: str | None) -> dict:
    """Return the geoparse benchmark's machine facts plus the browser stack's versions."""
    from importlib.metadata import version

    return {
        **geoparse_machine_info(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "chromium": browser_version,
        "streamlit": version("streamlit"),
        "streamlit_folium": version("streamlit-folium"),
        "folium": version("folium"),
        # Other work on a shared machine skews the times: the 1-minute load at the start.
        "load_average_start": round(os.getloadavg()[0], 2),
    }


def _num(value: float | None, fmt: str = ".2f") -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) \
        else format(value, fmt)


def report(results: list[dict], machine: dict) -> str:
    lines = [
        f"{machine['date']}  {machine['platform']}",
        f"{machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB; "
        f"{machine['python']}; Chromium {machine['chromium']}; streamlit "
        f"{machine['streamlit']}, streamlit-folium {machine['streamlit_folium']}, "
        f"folium {machine['folium']}; commit {machine['commit']}"
        + (f" (app served from {machine['app_root']})" if machine.get("app_root") else "")
        + "; 1-minute load average "
        f"{machine['load_average_start']} at the start, {machine['load_average_end']} at the end",
        "",
        "| events | markers | first map s (cold) | first map s | filter change s "
        "| timeline brush s | page MB | map script MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['events']:,} | failed: {r['error']} ||||||")
            continue
        if "server" not in r:  # --first-map-only
            lines.append(f"| {r['events']:,} | {r['markers']:,} | "
                         f"{_num(r['cold']['first_map_s'])} | {_num(r['first_map_s'])} "
                         f"| - | - | {_num(r['page_mb'], '.1f')} | - |")
            continue
        lines.append(
            f"| {r['events']:,} | {r['markers']:,} | {_num(r['cold']['first_map_s'])} "
            f"| {_num(r['first_map_s'])} | {_num(r['filter_s'])} "
            f"| {_num(r.get('timeline_s'))} | {_num(r['page_mb'], '.1f')} "
            f"| {_num(r['server']['all']['map_script_mb'], '.1f')} |")
    lines += ["", f"Targets: first map < {TARGETS['first_map_s']:g} s, filter change < "
              f"{TARGETS['filter_s']:g} s, timeline brush < {TARGETS['timeline_s']:g} s, "
              f"page < {TARGETS['page_mb']:g} MB.", "",
              "Where the time goes, in seconds (last warm load; the strike filter "
              "change). In the "
              "browser: until the map's websocket message arrives (a load splits that into "
              "Streamlit's frontend starting and the script running until st_folium), and "
              "from it to the map drawn. In this process: the same calls app.py makes.", "",
              "| events | until map message (boot + script) | map message to drawn "
              "(to frame + to Leaflet + to drawn) "
              "| summary, page data, cache hit, build_map, st_folium render, "
              "script+hash, table; downloads on click |",
              "|---|---|---|---|"]
    for r in results:
        if "error" in r or "server" not in r:
            continue
        warm = r["warm"][-1]
        for label, phase, steps in (("load", warm, r["server"]["all"]["steps_s"]),
                                    ("filter", r["filter"], r["server"]["filtered"]["steps_s"])):
            detail = ", ".join(_num(steps.get(k)) for k in (
                "summary", "page_data", "cache_hit", "build_map", "st_folium_render"))
            detail += ", " + _num(steps["st_folium_script"])
            detail += ", " + _num(steps["table"])
            detail += "; " + _num(steps["geojson"] + steps["csv"])
            until = _num(phase["server_until_map_s"])
            if "frontend_boot_s" in phase:
                until += (f" ({_num(phase['frontend_boot_s'])} + "
                          f"{_num(phase['script_until_map_s'])})")
            after = (f"{_num(phase['browser_after_map_s'])} "
                     f"({_num(phase['message_to_frame_s'])} + "
                     f"{_num(phase['frame_to_leaflet_s'])} + "
                     f"{_num(phase['leaflet_to_drawn_s'])})")
            lines.append(f"| {r['events']:,} {label} | {until} | {after} | {detail} |")
    lines += ["", "Bytes received per warm load (MB; the websocket carries the page: the map's "
              "script, the table as Arrow, the widgets' options):", ""]
    kinds = sorted({k for r in results if "error" not in r
                    for k in r["warm"][-1]["received_mb"] if k != "total"})
    lines.append("| events | " + " | ".join(kinds) + " | total |")
    lines.append("|---|" + "---|" * (len(kinds) + 1))
    for r in results:
        if "error" in r:
            continue
        mb = r["warm"][-1]["received_mb"]
        lines.append(f"| {r['events']:,} | " + " | ".join(_num(mb.get(k), ".2f") for k in kinds)
                     + f" | {_num(mb['total'], '.2f')} |")
    lines.append("")
    for r in results:
        if "error" not in r and "server" in r:
            server = r["server"]["all"]
            largest = ", ".join(f"{mb:.2f}" + (" (map)" if is_map else "")
                                for mb, is_map in r["warm"][-1]["largest_messages_mb"])
            lines.append(f"{r['events']:,} events: largest websocket messages {largest} MB; "
                         f"map script {server['map_script_mb']:.2f} MB, table as Arrow "
                         f"{server['table_arrow_mb']:.2f} MB, GeoJSON {server['geojson_mb']:.2f}"
                         f" MB and CSV {server['csv_mb']:.2f} MB before compression.")
    return "\n".join(lines)


@contextlib.contextmanager
def _workdir(keep: Path | None) -> Iterator[Path]:
    if keep:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="cm-dashboard-bench-") as tmp:
        yield Path(tmp)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000",
                        help="comma-separated numbers of events (default: %(default)s)")
    parser.add_argument("--loads", type=int, default=2,
                        help="warm page loads per size after the cold one (default: 2)")
    parser.add_argument("--timeout", type=float, default=900.0,
                        help="seconds to wait for one map to draw (default: 900)")
    parser.add_argument("--json", type=Path, help="write every number to this file")
    parser.add_argument("--first-map-only", action="store_true",
                        help="only the first map (cold and warm loads), e.g. at 1M events")
    parser.add_argument("--workdir", type=Path,
                        help="keep the stores and app logs here (default: a temporary folder)")
    parser.add_argument("--reuse", action="store_true",
                        help="use the store already in --workdir for a size, if there is one")
    parser.add_argument("--app-root", type=Path,
                        help="serve the app of this checkout (e.g. a baseline commit's), "
                             "measured by this script")
    args = parser.parse_args(argv)
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes must be comma-separated integers, got {args.sizes!r}")
    if not sizes or min(sizes) < 1 or args.loads < 1:
        parser.error("need at least one size >= 1 and --loads >= 1")

    from playwright.sync_api import sync_playwright

    # A plain kill ends the run through the context managers, which stop the app server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    results = []
    failed = False
    with _workdir(args.workdir) as workdir, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        machine = machine_info(browser.version)
        machine["app_root"] = str(args.app_root) if args.app_root else None
        for n in sizes:
            try:
                bench = bench_first_map if args.first_map_only else bench_size
                results.append(bench(browser, n, workdir, args.loads, args.timeout, log,
                                     reuse=args.reuse, root=args.app_root))
            except (TimeoutError, RuntimeError) as err:
                log(f"{n:,} events: failed: {err}")
                results.append({"events": n, "error": str(err).splitlines()[0]})
                failed = True
        browser.close()
    machine["load_average_end"] = round(os.getloadavg()[0], 2)
    print(report(results, machine))
    if args.json:
        args.json.write_text(json.dumps({"machine": machine, "targets": TARGETS,
                                         "results": results}, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
