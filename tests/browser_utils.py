"""Helpers for driving the dashboard in a real browser: the app, a port, Chromium, the map.

Used by ``tests/test_browser.py`` and ``benchmarks/dashboard.py``. The browser is Debian's
``chromium`` driven by Playwright's Python package through ``executable_path``
(``playwright install`` downloads its own browser, which cannot work offline).

The map lives in the st_folium component's iframe. Markers are drawn on one canvas
(``prefer_canvas``), so there are no marker elements in the DOM to count; instead
``MAP_STATE_JS`` finds the ``L.Map`` in the frame's window and asks Leaflet what it has
on the map: every event marker is an ``L.ShapeMarker`` (``geo/maps.py``), and
clustered layers hold theirs in an ``L.MarkerClusterGroup``. The layer names come from
the object folium feeds the layer control with.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO_ROOT / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
LOCAL_SCHEMES = frozenset({"data", "blob", "about"})
FOLIUM_FRAME = "iframe[title='streamlit_folium.st_folium']"

# Finds the Leaflet map in the st_folium frame, and folium's {base_layers, overlays}
# object that feeds the layer control (both are globals there); null before Leaflet runs.
_FIND_MAP_JS = """
const cmFind = () => {
    const L = window.L;
    if (!L || !L.Map || !L.ShapeMarker) { return null; }
    let map = null, overlays = null;
    for (const key of Object.keys(window)) {
        let value;
        try { value = window[key]; } catch (err) { continue; }
        if (!map && value instanceof L.Map) { map = value; }
        if (!overlays && value && typeof value === "object" && value.overlays
            && value.base_layers) { overlays = value.overlays; }
    }
    return map ? {L, map, overlays: overlays || {}} : null;
};
"""

# What Leaflet has on the map, or null: ``markers`` is the number of event markers drawn
# now, summed over the overlays that are on (a clustered layer counts the markers its
# clusters stand for), ``layers`` the same per overlay of the layer control (0 when
# unchecked), ``width``/``height`` the map's size, and ``view``/``animating`` its zoom
# and centre and whether a zoom animation runs. Cheap enough to call on every frame:
# a clustered layer reports its count without listing its markers.
MAP_STATE_JS = "() => {" + _FIND_MAP_JS + """
    const found = cmFind();
    if (!found) { return null; }
    const {L, map, overlays} = found;
    const Cluster = L.MarkerClusterGroup;
    const count = (layer) => {
        if (layer instanceof L.ShapeMarker) { return 1; }
        if (Cluster && layer instanceof Cluster) {
            return layer._topClusterLevel ? layer._topClusterLevel.getChildCount()
                                          : layer.getLayers().length;
        }
        let n = 0;
        if (layer.eachLayer) { layer.eachLayer((child) => { n += count(child); }); }
        return n;
    };
    let markers = 0;
    const layers = {};
    for (const [name, layer] of Object.entries(overlays)) {
        layers[name] = map.hasLayer(layer) ? count(layer) : 0;
        markers += layers[name];
    }
    const box = map.getContainer().getBoundingClientRect();
    const center = map.getCenter();
    return {markers, layers, width: box.width, height: box.height,
            view: [map.getZoom(), center.lat, center.lng], animating: !!map._animatingZoom};
}
"""

# Resolves, in the map's frame, once ``MAP_STATE_JS`` reports ``expected`` markers and
# the browser has painted twice since (Leaflet draws the canvas on an animation frame),
# to the time then in ms since the epoch (comparable across frames); or to null after
# ``timeoutMs`` (a timer, in case animation frames stop, e.g. in a replaced document).
# The check runs on every animation frame, so it adds no polling delay.
WAIT_DRAWN_JS = "([expected, timeoutMs]) => {" + """
    const state = """ + MAP_STATE_JS + """;
    return new Promise((resolve) => {
        let done = false;
        const finish = (value) => { if (!done) { done = true; resolve(value); } };
        setTimeout(() => finish(null), timeoutMs);
        const tick = () => {
            if (done) { return; }
            const now = state();
            if (now && now.markers === expected) {
                requestAnimationFrame(() => requestAnimationFrame(
                    () => finish(performance.timeOrigin + performance.now())));
            } else {
                requestAnimationFrame(tick);
            }
        };
        tick();
    });
}
"""

# Where the event markers of one overlay are, in the frame's viewport (CSS pixels), with
# the text of their popups: ``[{x, y, popup}]``.
MARKER_POINTS_JS = "(name) => {" + _FIND_MAP_JS + """
    const {L, map, overlays} = cmFind();
    const box = map.getContainer().getBoundingClientRect();
    const out = [];
    const visit = (layer) => {
        if (layer instanceof L.ShapeMarker) {
            const point = map.latLngToContainerPoint(layer.getLatLng());
            const popup = layer.getPopup();
            out.push({x: box.left + point.x, y: box.top + point.y,
                      popup: popup ? String(popup.getContent()) : ""});
        } else if (layer.eachLayer) {
            layer.eachLayer(visit);
        }
    };
    visit(overlays[name]);
    return out;
}
"""


def require_chromium() -> Path:
    """Return Debian's chromium binary, or raise with what to do when it is missing."""
    if not CHROMIUM.is_file():
        raise FileNotFoundError(
            f"{CHROMIUM} not found; run make test: it installs Debian's chromium")
    return CHROMIUM


def launch_chromium(playwright, **kwargs):
    """Launch headless Debian chromium through Playwright, with no background traffic."""
    return playwright.chromium.launch(executable_path=str(require_chromium()),
                                      args=CHROMIUM_ARGS, **kwargs)


def is_local(url: str) -> bool:
    """Tell whether a request URL stays on this machine (or needs no network at all).

    Examples
    --------
    >>> is_local("http://127.0.0.1:8501/app/static/leaflet/leaflet.js")
    True
    >>> is_local("data:image/png;base64,AAAA"), is_local("https://unpkg.com/leaflet.js")
    (True, False)
    """
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    return parts.scheme in ("http", "https", "ws", "wss") and parts.hostname in LOCAL_HOSTS


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class AppServer:
    """The app (``python -m geo.webapp.serve``, i.e. ``streamlit run app.py``) on 127.0.0.1 on a
    free port, with ``GEO_STORE`` set.

    Use it as a context manager: it waits for ``/_stcore/health`` on entry and stops the
    server (its own process group) on exit. The server's output goes to ``log_path``.
    """

    def __init__(self, store: Path | str, log_path: Path, *, port: int | None = None,
                 env: Mapping[str, str] | None = None, startup_timeout: float = 60.0,
                 root: Path | None = None) -> None:
        self.store = str(store)
        self.root = Path(root or REPO_ROOT)  # the checkout whose app.py and geo/ it runs
        self.log_path = Path(log_path)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.extra_env = dict(env or {})
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        # As `make run` starts it: `streamlit run app.py` with the page's modules preloaded.
        return [sys.executable, "-m", "geo.webapp", "app.py", "--server.headless", "true",
                "--server.port", str(self.port), "--server.address", "127.0.0.1",
                "--browser.gatherUsageStats", "false"]

    def start(self) -> AppServer:
        env = dict(os.environ)  # GEO_CACHE_DIR and the like pass through
        env.update(GEO_STORE=self.store, PYTHONUNBUFFERED="1", **self.extra_env)
        if self.root != REPO_ROOT:  # another checkout's package, not this one's
            env["PYTHONPATH"] = str(self.root)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            # A session of its own, so stop() ends streamlit and anything it started.
            self.process = subprocess.Popen(self.command(), cwd=self.root, env=env,
                                            stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            self.wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def wait_healthy(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.process.returncode}:\n"
                                   + self.log_text())
            try:
                with urllib.request.urlopen(self.url + "_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise TimeoutError(f"streamlit not healthy after {self.startup_timeout:.0f} s:\n"
                           + self.log_text())

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def map_frame(page, timeout: float = 30.0):
    """Return the st_folium frame once Leaflet and its map exist in it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        handle = page.query_selector(FOLIUM_FRAME)
        frame = handle.content_frame() if handle else None
        if frame is not None:
            with contextlib.suppress(Exception):  # the frame may be navigating
                if frame.evaluate(MAP_STATE_JS) is not None:
                    return frame
        time.sleep(0.05)
    raise TimeoutError(f"no Leaflet map in {FOLIUM_FRAME} after {timeout:.0f} s")


def map_state(page) -> dict | None:
    """Return ``MAP_STATE_JS`` evaluated in the map's frame, or None if not there yet."""
    handle = page.query_selector(FOLIUM_FRAME)
    frame = handle.content_frame() if handle else None
    if frame is None:
        return None
    try:
        return frame.evaluate(MAP_STATE_JS)
    except Exception:  # the frame is being replaced or navigating
        return None


def wait_for_map(page, predicate, timeout: float = 30.0, interval: float = 0.02) -> dict:
    """Poll the map's state until ``predicate(state)`` holds; return that state."""
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        state = map_state(page)
        if state is not None and predicate(state):
            return state
        time.sleep(interval)
    raise TimeoutError(f"map never reached the expected state in {timeout:.0f} s; last: {state}")


def marker_points(page, layer_name: str) -> list[dict]:
    """Return the markers of an overlay as ``{x, y, popup}`` in page coordinates."""
    frame_box = page.locator(FOLIUM_FRAME).bounding_box()
    frame = map_frame(page)
    return [{**m, "x": frame_box["x"] + m["x"], "y": frame_box["y"] + m["y"]}
            for m in frame.evaluate(MARKER_POINTS_JS, layer_name)]


def wait_for_settled_map(page, timeout: float = 10.0, quiet: float = 0.25) -> dict:
    """Wait until the map's view holds still for ``quiet`` seconds; return its state.

    st_folium fits the map to its bounds just after it draws it, and a click on a canvas
    marker during that zoom misses it.
    """
    deadline = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        state = map_state(page)
        view = state and not state["animating"] and state["view"]
        if not view or view != last:
            last, since = view, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return state
        time.sleep(0.03)
    raise TimeoutError(f"the map kept moving for {timeout:.0f} s")


def wait_drawn(page, expected: int, timeout: float = 60.0) -> float:
    """Return when (ms since the epoch) the map showed ``expected`` markers, painted.

    Follows the st_folium frame as it is replaced: the component gets a new iframe
    whenever the map's script changes, e.g. after a filter change.
    """
    from playwright.sync_api import Error as PlaywrightError

    deadline = time.monotonic() + timeout
    error = None
    while (remaining := deadline - time.monotonic()) > 0:
        handle = page.query_selector(FOLIUM_FRAME)
        frame = handle.content_frame() if handle else None
        if frame is None or frame.is_detached():
            time.sleep(0.01)
            continue
        try:
            # Short rounds, so a frame replaced without notice is found again.
            drawn = frame.evaluate(WAIT_DRAWN_JS, [expected, min(remaining, 3.0) * 1000])
        except PlaywrightError as err:  # the frame navigated or was replaced meanwhile
            error = err
            continue
        if drawn is not None:
            return float(drawn)
    state = map_state(page)
    raise TimeoutError(f"the map did not show {expected} markers in {timeout:.0f} s; "
                       f"it shows {state and state['markers']} (last error: {error})")
