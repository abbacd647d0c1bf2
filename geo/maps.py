"""Maps: a folium map of events, one toggleable layer per event type, that works offline.

``build_map(events)`` returns a ``folium.Map`` with

- a local country-outline layer as the default base (``data/basemap``), and OpenStreetMap
  and CartoDB tiles as base options that load only when online;
- one overlay per event type present, each in its own colour and symbol (circle, square,
  star, cross, diamond, triangle), drawn on one canvas; catalog quakes are sized by
  magnitude; events placed only to a region (``geo_precision`` 2-3) get a light circle
  of ``uncertainty_km`` around a small centre marker instead of a false pin-point;
  planned and denied events are hollow;
- Leaflet.markercluster for a layer of more than ``cluster_threshold`` events, and a
  density overlay (off at start) for the heat-map view;
- a layer control and a legend.

Every text that comes from an article is HTML-escaped (``popup_html``) and reaches the
page as a JSON string, never as markup spliced into JavaScript: folium's own ``Popup``
and ``Tooltip`` put their text inside a JavaScript template literal, where ``${...}``
in an article would run, so they are not used here.

Events sharing a point within a layer (many reports placed at a country's centroid) are
one marker whose popup lists them, so none hides under another. A layer's markers are
one JSON array turned into markers by a short loop in the browser: folium's per-marker
elements cost about 1 ms and 1.3 kB each, which makes thousands of events slow.

Offline assets and Streamlit
----------------------------
folium's ``Map.default_js`` / ``default_css`` point at public CDNs (Leaflet, jQuery,
Bootstrap, awesome-markers). ``build_map`` replaces them on the map instance (and on
each MarkerCluster) with Leaflet's and markercluster's files under ``asset_base_url``,
which ``geo.assets.install_static_assets`` copies out of the XStatic packages. Nothing
here needs jQuery or Bootstrap: markers are canvas shapes, not icon images.

For the app: ``st_folium`` renders the map inside a component iframe, and that frame
loads the scripts and styles named by the map's elements' ``default_js`` /
``default_css``; with folium's stock CDN URLs and no internet, Leaflet never loads and
the frame stays at height 0 (no map at all). What worked here (checked in headless
Chromium against a running Streamlit 1.67 with streamlit-folium 0.27): call
``install_static_assets(Path("static"))`` at startup, set ``server.enableStaticServing =
true`` in ``.streamlit/config.toml``, and build the map with the default
``asset_base_url``. The component frame lives at
``/component/streamlit_folium.st_folium/index.html``, so a relative ``app/static``
resolves under ``/component/`` and fails; ``../../app/static`` (the default,
``ST_FOLIUM_ASSET_BASE_URL``) reaches ``/app/static``, also under a
``server.baseUrlPath``; ``/app/static`` works too, but not under a base path. Pass
``use_container_width=True`` (a fixed width wider than the column cuts the layer control
off) and ``returned_objects=[]``, or only what the page uses: each returned object
reruns the script on pan and zoom.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import folium
from branca.element import Element, MacroElement
from folium.plugins import MarkerCluster
from folium.template import Template

from geo.assets import asset_urls, load_basemap
from geo.events import EVENT_TYPES, Event

ST_FOLIUM_ASSET_BASE_URL = "../../app/static"
_JINJA_OPENERS = re.compile(r"\{(?=[{%#])")

CARTO_URL = "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png"
CARTO_ATTR = ('&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
              'contributors &copy; <a href="https://carto.com/attributions">CARTO</a>')
SEA_COLOR = "#dbe7ef"
OUTLINE_STYLE = {"color": "#8a8f94", "weight": 0.7, "fillColor": "#f6f4ef", "fillOpacity": 1.0}
UNCERTAINTY_STYLE = {"weight": 1, "opacity": 0.55, "fillOpacity": 0.07, "dashArray": "4 4",
                     "interactive": False}
FILLED, HOLLOW = 0.75, 0.12
BASE_RADIUS = 6.0
CENTRE_RADIUS = 3.5  # the centre marker of an event placed only to a region
MAX_POPUP_EVENTS = 25  # events listed in the popup of one point
EVIDENCE_CHARS = 600
DENSITY_CELL_DEG = 0.5
CLUSTERED_AREAS_MIN_ZOOM = 7  # a clustered layer shows uncertainty circles from this zoom

POPUP_CSS = (
    ".cm-pop{font:12px/1.35 sans-serif}"
    ".cm-pop table{margin:4px 0;border-collapse:collapse;font-size:12px}"
    ".cm-pop th{text-align:left;padding-right:6px;vertical-align:top;font-weight:600}"
    ".cm-pop blockquote{margin:4px 0;padding-left:6px;border-left:3px solid #999;color:#333}"
    ".leaflet-control-layers{font-size:13px}.cm-dim{color:#777}.cm-many{max-height:320px;overflow-y:auto}"
    ".cm-many .cm-pop+.cm-pop{border-top:1px solid #ccc;margin-top:6px;padding-top:6px}"
)

PRECISION_TEXT = {1: "named town or site", 2: "part of a region, or near a town",
                  3: "large region or country"}

# Unit outlines of the marker symbols (x right, y down), scaled by the marker's radius in
# the browser and drawn the same way in the legend. "circle" is Leaflet's own.
SHAPES: dict[str, list[tuple[float, float]]] = {
    "square": [(-0.85, -0.85), (0.85, -0.85), (0.85, 0.85), (-0.85, 0.85)],
    "diamond": [(0.0, -1.2), (1.2, 0.0), (0.0, 1.2), (-1.2, 0.0)],
    "triangle": [(0.0, -1.2), (1.1, 0.8), (-1.1, 0.8)],
    "star": [(round(r * math.sin(i * math.pi / 5), 3), round(-r * math.cos(i * math.pi / 5), 3))
             for i, r in enumerate([1.3, 0.55] * 5)],
    "cross": [(x * c - y * s, x * s + y * c)
              for c, s in [(math.sqrt(0.5), math.sqrt(0.5))]
              for x, y in [(-0.3, -1.1), (0.3, -1.1), (0.3, -0.3), (1.1, -0.3), (1.1, 0.3),
                           (0.3, 0.3), (0.3, 1.1), (-0.3, 1.1), (-0.3, 0.3), (-1.1, 0.3),
                           (-1.1, -0.3), (-0.3, -0.3)]],
}
SHAPES = {name: [(round(x, 3), round(y, 3)) for x, y in pts] for name, pts in SHAPES.items()}


@dataclass(frozen=True, slots=True)
class LayerStyle:
    """How one event type is drawn: its layer name, colour and symbol."""

    label: str
    color: str
    shape: str  # "circle" or a key of SHAPES


LAYER_STYLES: dict[str, LayerStyle] = {
    "earthquake": LayerStyle("Earthquakes", "#e66101", "circle"),
    "military_base": LayerStyle("Military bases", "#1b7837", "square"),
    "strike": LayerStyle("Strikes", "#d7191c", "star"),
    "armed_clash": LayerStyle("Armed clashes", "#7b3294", "cross"),
    "diplomacy": LayerStyle("Diplomacy", "#2166ac", "diamond"),
    "protest": LayerStyle("Protests", "#c51b7d", "triangle"),
}
DEFAULT_COLOR = "#525252"
DENSITY_COLORS = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]


def layer_style(event_type: str) -> LayerStyle:
    """Return the style of an event type; a type without one gets grey circles.

    Examples
    --------
    >>> layer_style("strike").label
    'Strikes'
    >>> layer_style("cyber_attack")
    LayerStyle(label='Cyber attack', color='#525252', shape='circle')
    """
    if event_type in LAYER_STYLES:
        return LAYER_STYLES[event_type]
    label = event_type.replace("_", " ").strip().capitalize() or "Other events"
    return LayerStyle(label, DEFAULT_COLOR, "circle")


def quake_radius(magnitude: float | None) -> float:
    """Return the marker radius in pixels for a quake: doubles every 2 magnitude units.

    Examples
    --------
    >>> quake_radius(4.0), quake_radius(6.0), quake_radius(8.0)
    (4.0, 8.0, 16.0)
    >>> quake_radius(None)
    6.0
    """
    if magnitude is None or not math.isfinite(magnitude):
        return BASE_RADIUS
    return round(min(28.0, max(3.0, 2.0 ** (magnitude / 2.0))), 1)


def safe_url(url: str | None) -> str | None:
    """Return ``url`` if it is an absolute http(s) URL, else None (no javascript:, data:).

    Examples
    --------
    >>> safe_url("https://example.org/a?b=1")
    'https://example.org/a?b=1'
    >>> safe_url("javascript:alert(1)") is None, safe_url("//evil.example") is None
    (True, True)
    """
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    # urlsplit drops tabs and newlines, as browsers do; the link uses what was checked.
    return urlunsplit(parts)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _date_text(event: Event) -> str:
    if event.date is None:
        return "date unknown"
    if event.date_precision == "year":
        return f"{event.date.year} (year)"
    if event.date_precision == "month":
        return f"{event.date:%Y-%m} (month)"
    if event.date_precision == "published":
        return f"{event.date.isoformat()} (date of the article)"
    return event.date.isoformat()


def _place_text(event: Event) -> str:
    parts = [event.place]
    if event.admin1 and event.admin1 != event.place:
        parts.append(event.admin1)
    if event.country_code:
        parts.append(event.country_code)
    return ", ".join(p for p in parts if p)


def _precision_text(event: Event) -> str:
    text = PRECISION_TEXT.get(event.geo_precision, "")
    if event.geo_precision >= 2 and event.uncertainty_km > 0:
        text += f", within about {event.uncertainty_km:,.0f} km"
    return f"{text} (precision {event.geo_precision})".lstrip(", ")


def popup_html(event: Event) -> str:
    """Return the popup of one event as HTML, with every text field escaped.

    Shows the type and status, date and its precision, place and location precision,
    the quake's magnitude (for catalog quakes), the evidence sentence, and the article
    title, linked to the source only when the URL is http(s).
    """
    style = layer_style(event.event_type)
    head = f'<b style="color:{style.color}">{_e(style.label)}</b>'
    if event.status != "occurred":
        head += f" &middot; <i>{_e(event.status)}</i>"
    rows = [("Date", _date_text(event)), ("Place", _place_text(event)),
            ("Location", _precision_text(event))]
    if event.magnitude is not None:
        quake = f"M {event.magnitude:.1f}"
        if event.depth_km is not None:
            quake += f", depth {event.depth_km:.0f} km"
        if event.usgs_id:
            quake += f" (USGS {event.usgs_id})"
        rows.append(("Quake", quake))
    elif event.related_quake:
        rows.append(("Quake", f"USGS {event.related_quake}"))
    table = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    evidence = event.evidence.strip()
    if len(evidence) > EVIDENCE_CHARS:
        evidence = evidence[:EVIDENCE_CHARS].rstrip() + "\u2026"
    title = event.article_title.strip() or "(untitled article)"
    url = safe_url(event.source_url)
    if url:
        source = (f'<a href="{_e(url)}" target="_blank" rel="noopener noreferrer">'
                  f"{_e(title)}</a>")
    else:
        source = _e(title)
    # The look comes from POPUP_CSS (in the map's header); the markup stays small.
    return (
        f'<div class="cm-pop">{head}<table>{table}</table>'
        f'<blockquote style="border-color:{style.color}">{_e(evidence)}</blockquote>'
        f'<div>Source: {source}</div>'
        f'<div class="cm-dim">confidence {event.confidence:.2f}</div></div>'
    )


def tooltip_text(event: Event, more: int = 0) -> str:
    """Return a one-line, escaped tooltip: type, place and date (and how many more)."""
    text = f"{layer_style(event.event_type).label}: {event.place}"
    if event.date:
        text += f", {event.date.isoformat()}"
    if event.magnitude is not None:
        text += f", M {event.magnitude:.1f}"
    if more:
        text += f" (+{more} more here)"
    return _e(text)


# --- elements ------------------------------------------------------------------------

def script_json(value: object) -> str:
    """Return ``value`` as JSON that is safe inside an HTML ``<script>`` element.

    Only ``</`` and ``<!--`` can end or confuse a script element, so only they are
    escaped (``tojson`` escapes every ``<``, ``>`` and ``&``, which makes the popups'
    markup three times larger). A ``{`` that would open a Jinja tag (``{{``, ``{%``,
    ``{#``) is written ``\\u007b``: folium turns rendered scripts back into templates
    when a whole page is rendered, and article text must never run as a template.

    Examples
    --------
    >>> script_json(["</script><b>"])
    '["<\\\\/script><b>"]'
    >>> script_json(["{{ 7*7 }}"])
    '["\\\\u007b{ 7*7 }}"]'
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    # Outside strings JSON never has "{" before "{", "%" or "#": only string text matches.
    text = _JINJA_OPENERS.sub(r"\\u007b", text)
    return (text.replace("</", "<\\/").replace("<!--", "<\\u0021--")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


class _Script(Element):
    """An already rendered script, kept as text: never compiled as a template."""

    _template = Template("{{ this.text }}")

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class _DataElement(MacroElement):
    """A MacroElement whose script carries data (markers, circles, cells).

    folium's ``MacroElement.render`` compiles each rendered script as a new Jinja
    template; for a script holding thousands of markers' popups that took most of the
    map's render time. Only the ``script`` macro is used here, and its output is added
    to the page as plain text.
    """

    def render(self, **kwargs: object) -> None:
        figure = self.get_root()
        script = self._template.module.__dict__["script"]
        figure.script.add_child(_Script(script(self, kwargs)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


class _MapSupport(MacroElement):
    """Define the canvas shape marker and colour the sea; add first, before the layers."""

    _template = Template("""
        {% macro header(this, kwargs) %}
        <style>#{{ this._parent.get_name() }} { background: {{ this.sea }}; }
        {{ this.css }}</style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        if (!L.ShapeMarker) {
            L.ShapeMarker = L.CircleMarker.extend({
                options: {shape: "circle"},
                _updatePath: function () {
                    var renderer = this._renderer;
                    var points = L.ShapeMarker.shapes[this.options.shape];
                    if (!points || !(renderer instanceof L.Canvas)) {
                        return L.CircleMarker.prototype._updatePath.call(this);
                    }
                    if (!renderer._drawing || this._empty()) { return; }
                    var ctx = renderer._ctx, p = this._point;
                    var r = Math.max(Math.round(this._radius), 1);
                    ctx.beginPath();
                    for (var i = 0; i < points.length; i++) {
                        ctx[i ? "lineTo" : "moveTo"](p.x + points[i][0] * r,
                                                     p.y + points[i][1] * r);
                    }
                    ctx.closePath();
                    renderer._fillStroke(ctx, this);
                }
            });
            L.ShapeMarker.shapes = {{ this.shapes|tojson }};
        }
        if (!L.cmLegend) {  // a control showing escaped legend markup in a map corner
            L.cmLegend = function (html, position) {
                var legend = L.control({position: position});
                legend.onAdd = function () {
                    var div = L.DomUtil.create("div", "leaflet-control-layers cm-legend");
                    div.innerHTML = html;
                    L.DomEvent.disableClickPropagation(div);
                    L.DomEvent.disableScrollPropagation(div);
                    return div;
                };
                return legend;
            };
        }
        {% endmacro %}
    """)

    def __init__(self) -> None:
        super().__init__()
        self._name = "MapSupport"
        self.sea = SEA_COLOR
        self.css = POPUP_CSS
        self.shapes = SHAPES


class EventMarkers(_DataElement):
    """Markers for the events of one layer, from one JSON array, added to the parent.

    ``rows`` are ``[lat, lon, radius_px, fill_opacity, tooltip_html, popup_html]``;
    ``n_events`` counts events (a row can hold several at one point).
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var group = {{ this._parent.get_name() }};
            var style = {{ this.style|tojson }};
            var rows = {{ this.rows_json }};
            var markers = [];
            for (var i = 0; i < rows.length; i++) {
                var r = rows[i];
                var marker = new L.ShapeMarker([r[0], r[1]],
                    L.extend({}, style, {radius: r[2], fillOpacity: r[3]}));
                marker.bindTooltip(r[4]);
                marker.bindPopup(r[5], {maxWidth: 380});
                markers.push(marker);
            }
            if (group.addLayers) { group.addLayers(markers); }
            else { for (var j = 0; j < markers.length; j++) { group.addLayer(markers[j]); } }
        })();
        {% endmacro %}
    """)

    def __init__(self, rows: list[list], style: dict, n_events: int) -> None:
        super().__init__()
        self._name = "EventMarkers"
        self.rows = rows
        self.rows_json = script_json(rows)
        self.style = style
        self.n_events = n_events


class UncertaintyCircles(_DataElement):
    """Circles of ``radius_m`` metres (rows ``[lat, lon, radius_m]``), not clickable.

    With ``min_zoom`` the circles show only from that zoom on: a clustered layer shows
    counts when zoomed out, and thousands of circles would hide them.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var group = {{ this._parent.get_name() }};
            var style = {{ this.style|tojson }};
            var rows = {{ this.rows_json }};
            var areas = L.layerGroup();
            for (var i = 0; i < rows.length; i++) {
                areas.addLayer(L.circle([rows[i][0], rows[i][1]],
                                        L.extend({}, style, {radius: rows[i][2]})));
            }
            {%- if this.min_zoom %}
            var map = {{ this._parent._parent.get_name() }};  // group -> map
            var sync = function () {
                if (map.getZoom() >= {{ this.min_zoom }}) { group.addLayer(areas); }
                else { group.removeLayer(areas); }
            };
            map.on("zoomend", sync);
            sync();
            {%- else %}
            group.addLayer(areas);
            {%- endif %}
        })();
        {% endmacro %}
    """)

    def __init__(self, rows: list[list], style: dict, min_zoom: int | None = None) -> None:
        super().__init__()
        self._name = "UncertaintyCircles"
        self.rows = rows
        self.rows_json = script_json(rows)
        self.style = style
        self.min_zoom = min_zoom


class DensityCells(_DataElement):
    """Density view: rows ``[lat, lon, radius_px, color, tooltip_html]`` per grid cell."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var group = {{ this._parent.get_name() }};
            var rows = {{ this.rows_json }};
            for (var i = 0; i < rows.length; i++) {
                var r = rows[i];
                group.addLayer(L.circleMarker([r[0], r[1]], {radius: r[2], stroke: false,
                    fillColor: r[3], fillOpacity: 0.6}).bindTooltip(r[4]));
            }
        })();
        {% endmacro %}
    """)

    def __init__(self, rows: list[list]) -> None:
        super().__init__()
        self._name = "DensityCells"
        self.rows = rows
        self.rows_json = script_json(rows)


class Legend(MacroElement):
    """A Leaflet control showing ``html`` (built from escaped text) in a map corner."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.cmLegend({{ this.html_json }}, {{ this.position|tojson }})
            .addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, html_text: str, position: str = "bottomright") -> None:
        super().__init__()
        self._name = "Legend"
        self.html = html_text
        self.html_json = script_json(html_text)
        self.position = position


# --- building the map ----------------------------------------------------------------

def build_map(
    events: Sequence[Event],
    *,
    asset_base_url: str = ST_FOLIUM_ASSET_BASE_URL,
    tiles: bool = True,
    cluster_threshold: int = 2000,
) -> folium.Map:
    """Return a folium map of ``events`` that loads nothing from the internet.

    Parameters
    ----------
    events
        Events to draw; those without finite coordinates are left out.
    asset_base_url
        URL under which ``geo.assets.install_static_assets`` put Leaflet's files, as seen
        from the page showing the map. The default suits st_folium (see the module's
        docstring); a page at the server's root can use ``app/static``.
    tiles
        Offer OpenStreetMap and CartoDB tiles as base layers besides the outlines.
    cluster_threshold
        A layer with more events than this clusters its markers.
    """
    urls = asset_urls(asset_base_url)
    drawn = [e for e in events if math.isfinite(e.lat) and math.isfinite(e.lon)]
    m = base_map(asset_base_url=asset_base_url, tiles=tiles)
    order = layer_order(drawn)
    for event_type in order:
        event_layer(event_type, [e for e in drawn if e.event_type == event_type], urls,
                    cluster_threshold).add_to(m)
    if drawn:
        density_layer(drawn).add_to(m)
    m.add_child(Legend(legend_html(Counter(e.event_type for e in drawn), order, drawn)))
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    _fit(m, drawn)
    return m


def base_map(*, asset_base_url: str = ST_FOLIUM_ASSET_BASE_URL, tiles: bool = True,
             with_clusters: bool = False) -> folium.Map:
    """Return the map without events: outlines (and tile options) over the whole world.

    ``with_clusters`` loads Leaflet.markercluster with the map itself, for event layers
    added later (``geo.livemap``); otherwise a clustered layer brings its own files.
    """
    urls = asset_urls(asset_base_url)
    m = folium.Map(tiles=None, prefer_canvas=True, control_scale=True, location=[25.0, 20.0],
                   zoom_start=2, world_copy_jump=True)
    # Leaflet.markercluster needs the map's zoom range; folium gives it only to tiles.
    m.options.update(min_zoom=1, max_zoom=18)
    # Instance attributes shadow folium's CDN lists for this map only.
    m.default_js = [("leaflet", urls["leaflet"])]
    m.default_css = [("leaflet_css", urls["leaflet_css"])]
    if with_clusters:
        m.default_js.append(("markerclusterjs", urls["markerclusterjs"]))
        m.default_css += [("markerclustercss", urls["markerclustercss"]),
                          ("markerclusterdefaultcss", urls["markerclusterdefaultcss"])]
    m.add_child(_MapSupport())

    folium.GeoJson(load_basemap(), name="Country outlines (offline)", overlay=False,
                   style_function=lambda _: OUTLINE_STYLE, interactive=False,
                   smooth_factor=1.5).add_to(m)
    if tiles:
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap (online)", overlay=False,
                         show=False).add_to(m)
        folium.TileLayer(CARTO_URL, name="CartoDB Positron (online)", attr=CARTO_ATTR,
                         subdomains="abcd", max_zoom=20, overlay=False, show=False).add_to(m)
    return m


def layer_order(events: Sequence[Event]) -> list[str]:
    """Return the event types present, in the order of ``EVENT_TYPES`` (others last)."""
    present = {e.event_type for e in events}
    return [t for t in EVENT_TYPES if t in present] + sorted(present - set(EVENT_TYPES))


def event_layer(event_type: str, events: list[Event], urls: dict[str, str],
                cluster_threshold: int) -> folium.FeatureGroup:
    """Return the overlay of one event type: its markers and uncertainty circles."""
    style = layer_style(event_type)
    group = folium.FeatureGroup(name=style.label, overlay=True, show=True)
    group.event_type = event_type  # type: ignore[attr-defined]  # marks the event layers

    clustered = len(events) > cluster_threshold
    areas = sorted({(e.lat, e.lon, round(e.uncertainty_km * 1000.0))
                    for e in events if e.geo_precision >= 2 and e.uncertainty_km > 0})
    if areas:
        group.add_child(UncertaintyCircles(
            [list(a) for a in areas], {"color": style.color, **UNCERTAINTY_STYLE},
            min_zoom=CLUSTERED_AREAS_MIN_ZOOM if clustered else None))

    rows = _marker_rows(events)
    marker_style = {"shape": style.shape, "color": style.color, "fillColor": style.color,
                    "weight": 1.5, "opacity": 0.9}
    target: folium.FeatureGroup | MarkerCluster = group
    if clustered:
        target = MarkerCluster(control=False, icon_create_function=_cluster_icon(style.color),
                               options={"chunkedLoading": True, "showCoverageOnHover": False,
                                        "maxClusterRadius": 50})
        target.default_js = [("markerclusterjs", urls["markerclusterjs"])]
        target.default_css = [("markerclustercss", urls["markerclustercss"]),
                              ("markerclusterdefaultcss", urls["markerclusterdefaultcss"])]
        group.add_child(target)
    target.add_child(EventMarkers(rows, marker_style, len(events)))
    return group


def _marker_rows(events: list[Event]) -> list[list]:
    """Return one marker row per point: events at the same point share one popup."""
    at: dict[tuple, list[Event]] = defaultdict(list)
    rows: list[tuple[float, list]] = []
    for e in events:
        # A catalog quake keeps its own marker, sized by its magnitude.
        key = ("quake", e.event_id) if e.usgs_id else (round(e.lat, 5), round(e.lon, 5))
        at[key].append(e)
    for group in at.values():
        first = group[0]
        if first.usgs_id:
            radius = quake_radius(first.magnitude)
        elif first.geo_precision >= 2:
            radius = CENTRE_RADIUS + min(4.0, math.log2(len(group)))
        else:
            radius = BASE_RADIUS + min(6.0, 1.5 * math.log2(len(group)))
        hollow = all(e.status in ("planned", "denied") for e in group)
        shown = group[:MAX_POPUP_EVENTS]
        popup = "".join(popup_html(e) for e in shown)
        if len(group) > len(shown):
            popup += f'<p class="cm-dim">and {len(group) - len(shown)} more events here</p>'
        if len(group) > 1:
            popup = f'<div class="cm-many">{popup}</div>'
        rows.append((radius, [first.lat, first.lon, round(radius, 1),
                              HOLLOW if hollow else FILLED, tooltip_text(first, len(group) - 1),
                              popup]))
    # Big markers first, so small ones stay on top and clickable.
    rows.sort(key=lambda r: -r[0])
    return [row for _, row in rows]


def _cluster_icon(color: str) -> str:
    rgb = ",".join(str(int(color[i:i + 2], 16)) for i in (1, 3, 5))
    return (
        "function (cluster) {"
        " var n = cluster.getChildCount();"
        " var size = n < 100 ? 34 : (n < 1000 ? 40 : 46);"
        f" return L.divIcon({{html: '<div style=\"background:rgba({rgb},0.85);color:#fff;"
        f"box-shadow:0 0 0 5px rgba({rgb},0.3);width:' + (size - 10) + 'px;height:'"
        " + (size - 10) + 'px;border-radius:50%;line-height:' + (size - 10) + 'px;"
        "text-align:center;font:bold 12px sans-serif;margin:5px\">' + n + '</div>',"
        " className: 'marker-cluster', iconSize: L.point(size, size)});"
        " }"
    )


def density_layer(events: list[Event]) -> folium.FeatureGroup:
    """Return the density view (off at start): events counted per half-degree cell."""
    cells: dict[tuple[int, int], list[Event]] = defaultdict(list)
    for e in events:
        cell = (math.floor(e.lat / DENSITY_CELL_DEG), math.floor(e.lon / DENSITY_CELL_DEG))
        cells[cell].append(e)
    top = max(len(v) for v in cells.values())
    rows = []
    for members in sorted(cells.values(), key=len):
        n = len(members)
        step = 0 if top == 1 else min(4, int(4 * math.log(n) / math.log(top) + 0.5))
        kinds = Counter(layer_style(e.event_type).label for e in members)
        text = f"{n} event{'s' if n > 1 else ''}: " + ", ".join(
            f"{k} {c}" for k, c in kinds.most_common())
        lat = sum(e.lat for e in members) / n
        lon = sum(e.lon for e in members) / n
        rows.append([round(lat, 4), round(lon, 4), round(min(40.0, 5 + 4 * math.sqrt(n)), 1),
                     DENSITY_COLORS[step], _e(text)])
    group = folium.FeatureGroup(name="Density (all events)", overlay=True, show=False)
    group.add_child(DensityCells(rows))
    return group


def _symbol_svg(style: LayerStyle, radius: float = 6.0, fill: float = FILLED) -> str:
    size = 2 * radius + 6
    half = size / 2
    common = (f'fill="{style.color}" fill-opacity="{fill}" stroke="{style.color}" '
              'stroke-width="1.5"')
    if style.shape in SHAPES:
        points = " ".join(f"{half + x * radius:.1f},{half + y * radius:.1f}"
                          for x, y in SHAPES[style.shape])
        body = f'<polygon points="{points}" {common}/>'
    else:
        body = f'<circle cx="{half}" cy="{half}" r="{radius}" {common}/>'
    return (f'<svg width="{size:.0f}" height="{size:.0f}" style="vertical-align:middle">'
            f"{body}</svg>")


def legend_html(counts: Counter, order: Sequence[str], events: Sequence[Event] = ()) -> str:
    """Return the legend: a symbol, name and count per layer, and what sizes mean."""
    lines = ['<div style="padding:6px 8px;font:12px/1.5 sans-serif;background:#fff">'
             "<b>Events</b>"]
    for event_type in order:
        style = layer_style(event_type)
        lines.append(f"<div>{_symbol_svg(style)} {_e(style.label)} "
                     f'<span style="color:#777">({counts[event_type]:,})</span></div>')
    grey = LayerStyle("", "#666666", "circle")
    lines.append(f"<div>{_symbol_svg(grey, fill=HOLLOW)} planned or denied</div>")
    if any(e.geo_precision >= 2 for e in events):
        lines.append('<div><svg width="18" height="18" style="vertical-align:middle">'
                     '<circle cx="9" cy="9" r="7" fill="#666" fill-opacity="0.1" stroke="#666"'
                     ' stroke-dasharray="3 2"/></svg> location uncertainty (region-level)</div>')
    if any(e.usgs_id for e in events):
        quake = LAYER_STYLES["earthquake"]
        sizes = "".join(_symbol_svg(quake, quake_radius(mag)) for mag in (4, 6, 7.5))
        lines.append(f"<div>{sizes} catalog quakes M4 / M6 / M7.5</div>")
    if not order:
        lines.append('<div style="color:#777">no events to show</div>')
    lines.append("</div>")
    return "".join(lines)


def _fit(m: folium.Map, events: Sequence[Event]) -> None:
    if not events:
        return
    lats = [e.lat for e in events]
    lons = [e.lon for e in events]
    south, north, west, east = min(lats), max(lats), min(lons), max(lons)
    if north - south < 0.5 and east - west < 0.5:
        m.location = [(south + north) / 2, (west + east) / 2]
        m.options["zoom"] = 8
    else:
        m.fit_bounds([[south, west], [north, east]], padding=(20, 20), max_zoom=8)


# --- inspecting a built map ----------------------------------------------------------

def walk(element: Element) -> Iterator[Element]:
    """Yield ``element`` and everything below it, depth first."""
    yield element
    for child in element._children.values():
        yield from walk(child)


def layer_counts(m: folium.Map | Iterable[Element]) -> dict[str, int]:
    """Return the number of events drawn in each event layer, keyed by layer name.

    ``m`` is a map, or the layers of one (``geo.livemap.MapParts.layers``).
    """
    out = {}
    children = m._children.values() if isinstance(m, folium.Map) else m
    for child in children:
        if isinstance(child, folium.FeatureGroup) and getattr(child, "event_type", None):
            out[child.layer_name] = sum(e.n_events for e in walk(child)
                                        if isinstance(e, EventMarkers))
    return out
