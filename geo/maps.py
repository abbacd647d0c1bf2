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

Every text that comes from an article is HTML-escaped (``geo.popups``) and reaches the
page as a JSON string (``geo.map_elements.script_json``), never as markup spliced into
JavaScript: folium's own ``Popup`` and ``Tooltip`` put their text inside a JavaScript
template literal, where ``${...}`` in an article would run, so they are not used here.
The map for the app, whose event layers are swapped in place, is ``geo.livemap``.

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

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence

import folium
from branca.element import Element
from folium.plugins import MarkerCluster

from geo.assets import asset_urls, load_basemap
from geo.events import EVENT_TYPES, Event
from geo.map_elements import (
    SHAPES,
    DensityCells,
    EventMarkers,
    Legend,
    UncertaintyCircles,
    _MapSupport,
)
from geo.popups import (
    BASE_RADIUS,
    LAYER_STYLES,
    LayerStyle,
    esc,
    layer_style,
    popup_html,
    quake_radius,
    tooltip_text,
)

ST_FOLIUM_ASSET_BASE_URL = "../../app/static"

CARTO_URL = "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png"
CARTO_ATTR = ('&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
              'contributors &copy; <a href="https://carto.com/attributions">CARTO</a>')
OUTLINE_STYLE = {"color": "#8a8f94", "weight": 0.7, "fillColor": "#f6f4ef", "fillOpacity": 1.0}
UNCERTAINTY_STYLE = {"weight": 1, "opacity": 0.55, "fillOpacity": 0.07, "dashArray": "4 4",
                     "interactive": False}
FILLED, HOLLOW = 0.75, 0.12
CENTRE_RADIUS = 3.5  # the centre marker of an event placed only to a region
MAX_POPUP_EVENTS = 25  # events listed in the popup of one point
DENSITY_CELL_DEG = 0.5
CLUSTERED_AREAS_MIN_ZOOM = 7  # a clustered layer shows uncertainty circles from this zoom

DENSITY_COLORS = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]


# --- building the map ----------------------------------------------------------------

def build_map(
    events: Sequence[Event],
    *,
    asset_base_url: str = ST_FOLIUM_ASSET_BASE_URL,
    tiles: bool = True,
    cluster_threshold: int = 2000,
    weights: Mapping[str, int] | None = None,
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
    weights
        For points that stand for several events (``geo.dashboard.map_points`` merges
        events per grid cell), how many: such a point is sized by its count, counts as
        that many events in the legend and the density view, and gets no uncertainty
        circle (its area is a grid cell, not a place).
    """
    urls = asset_urls(asset_base_url)
    weights = weights or {}
    drawn = [e for e in events if math.isfinite(e.lat) and math.isfinite(e.lon)]
    m = base_map(asset_base_url=asset_base_url, tiles=tiles)
    order = layer_order(drawn)
    for event_type in order:
        event_layer(event_type, [e for e in drawn if e.event_type == event_type], urls,
                    cluster_threshold, weights).add_to(m)
    if drawn:
        density_layer(drawn, weights).add_to(m)
    m.add_child(Legend(legend_html(event_counts(drawn, weights), order, drawn, weights)))
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


def event_counts(points: Sequence[Event], weights: Mapping[str, int]) -> Counter:
    """Return the events per type that ``points`` stand for."""
    counts: Counter = Counter()
    for e in points:
        counts[e.event_type] += weights.get(e.event_id, 1)
    return counts


def layer_order(events: Sequence[Event]) -> list[str]:
    """Return the event types present, in the order of ``EVENT_TYPES`` (others last)."""
    present = {e.event_type for e in events}
    return [t for t in EVENT_TYPES if t in present] + sorted(present - set(EVENT_TYPES))


def event_layer(event_type: str, events: list[Event], urls: dict[str, str],
                cluster_threshold: int,
                weights: Mapping[str, int] | None = None) -> folium.FeatureGroup:
    """Return the overlay of one event type: its markers and uncertainty circles."""
    weights = weights or {}
    style = layer_style(event_type)
    group = folium.FeatureGroup(name=style.label, overlay=True, show=True)
    group.event_type = event_type  # type: ignore[attr-defined]  # marks the event layers

    clustered = len(events) > cluster_threshold
    areas = sorted({(e.lat, e.lon, round(e.uncertainty_km * 1000.0)) for e in events
                    if e.geo_precision >= 2 and e.uncertainty_km > 0
                    and e.event_id not in weights})
    if areas:
        group.add_child(UncertaintyCircles(
            [list(a) for a in areas], {"color": style.color, **UNCERTAINTY_STYLE},
            min_zoom=CLUSTERED_AREAS_MIN_ZOOM if clustered else None))

    rows = _marker_rows(events, weights)
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
    target.add_child(EventMarkers(rows, marker_style,
                                  sum(weights.get(e.event_id, 1) for e in events)))
    return group


def _marker_rows(events: list[Event], weights: Mapping[str, int]) -> list[list]:
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
        elif any(e.event_id in weights for e in group):  # merged events: sized by count
            n = sum(weights.get(e.event_id, 1) for e in group)
            radius = CENTRE_RADIUS + min(10.0, 1.5 * math.log2(n))
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


def density_layer(events: list[Event],
                  weights: Mapping[str, int] | None = None) -> folium.FeatureGroup:
    """Return the density view (off at start): events counted per half-degree cell."""
    weights = weights or {}
    cells: dict[tuple[int, int], list[Event]] = defaultdict(list)
    for e in events:
        cell = (math.floor(e.lat / DENSITY_CELL_DEG), math.floor(e.lon / DENSITY_CELL_DEG))
        cells[cell].append(e)
    totals = {key: sum(weights.get(e.event_id, 1) for e in members)
              for key, members in cells.items()}
    top = max(totals.values())
    rows = []
    for key in sorted(cells, key=totals.get):
        members, n = cells[key], totals[key]
        step = 0 if top == 1 else min(4, int(4 * math.log(n) / math.log(top) + 0.5))
        kinds: Counter = Counter()
        for e in members:
            kinds[layer_style(e.event_type).label] += weights.get(e.event_id, 1)
        text = f"{n:,} event{'s' if n > 1 else ''}: " + ", ".join(
            f"{k} {c:,}" for k, c in kinds.most_common())
        lat = sum(e.lat for e in members) / len(members)
        lon = sum(e.lon for e in members) / len(members)
        rows.append([round(lat, 4), round(lon, 4), round(min(40.0, 5 + 4 * math.sqrt(n)), 1),
                     DENSITY_COLORS[step], esc(text)])
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


def legend_html(counts: Counter, order: Sequence[str], events: Sequence[Event] = (),
                weights: Mapping[str, int] | None = None) -> str:
    """Return the legend: a symbol, name and count per layer, and what sizes mean."""
    weights = weights or {}
    lines = ['<div style="padding:6px 8px;font:12px/1.5 sans-serif;background:#fff">'
             "<b>Events</b>"]
    for event_type in order:
        style = layer_style(event_type)
        lines.append(f"<div>{_symbol_svg(style)} {esc(style.label)} "
                     f'<span style="color:#777">({counts[event_type]:,})</span></div>')
    grey = LayerStyle("", "#666666", "circle")
    lines.append(f"<div>{_symbol_svg(grey, fill=HOLLOW)} planned or denied</div>")
    if any(e.geo_precision >= 2 and e.event_id not in weights for e in events):
        lines.append('<div><svg width="18" height="18" style="vertical-align:middle">'
                     '<circle cx="9" cy="9" r="7" fill="#666" fill-opacity="0.1" stroke="#666"'
                     ' stroke-dasharray="3 2"/></svg> location uncertainty (region-level)</div>')
    if any(e.usgs_id for e in events):
        quake = LAYER_STYLES["earthquake"]
        sizes = "".join(_symbol_svg(quake, quake_radius(mag)) for mag in (4, 6, 7.5))
        lines.append(f"<div>{sizes} catalog quakes M4 / M6 / M7.5</div>")
    if weights:
        lines.append('<div style="color:#555">nearby events merged: a larger point stands '
                     "for more</div>")
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
