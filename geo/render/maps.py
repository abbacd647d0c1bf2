"""Maps: a folium map of events, one toggleable layer per event type, that works offline.

``build_map(events)`` returns a ``folium.Map`` with

- a local country-outline layer as the default base (``geo/data/basemap``), and OpenStreetMap
  and CartoDB tiles as base options that load only when online;
- one overlay per event type present, each in its own colour and symbol (circle, square,
  star, cross, diamond, triangle), drawn on one canvas in the reverse of the legend's
  order (violent events on top, catalog quakes underneath); catalog quakes are sized by
  magnitude; events placed only to a region (``geo_precision`` 2-3) get a light circle
  of ``uncertainty_km`` around a small centre marker instead of a false pin-point;
  planned and denied events are hollow;
- Leaflet.markercluster for a layer of more than ``cluster_threshold`` events, and a
  density overlay (off at start) for the heat-map view;
- a layer control and a legend, both in the legend's order (``geo.model.EVENT_TYPES``).

Every text that comes from an article is HTML-escaped (``geo.render.popups``) and reaches the
page as a JSON string (``geo.render.elements.script_json``), never as markup spliced into
JavaScript: folium's own ``Popup`` and ``Tooltip`` put their text inside a JavaScript
template literal, where ``${...}`` in an article would run, so they are not used here.
The map for the app, whose event layers are swapped in place, is ``build_map_parts`` below.

Events sharing a point within a layer (many reports placed at a country's centroid) are
one marker whose popup lists them, so none hides under another. A layer's markers are
one JSON array turned into markers by a short loop in the browser: folium's per-marker
elements cost about 1 ms and 1.3 kB each, which makes thousands of events slow.

Offline assets and Streamlit
----------------------------
folium's ``Map.default_js`` / ``default_css`` point at public CDNs (Leaflet, jQuery,
Bootstrap, awesome-markers). ``build_map`` replaces them on the map instance (and on
each MarkerCluster) with Leaflet's and markercluster's files under ``asset_base_url``,
which ``geo.render.assets.install_static_assets`` copies out of the XStatic packages. Nothing
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

The app's map
-------------
``build_map_parts`` builds the app's map, whose event layers are swapped in place on a
filter change. ``st_folium`` names its component after a hash of the map's script, so any change to
the map (a filter that draws other events) replaced the whole frame: its scripts,
Leaflet, the country outlines, then the markers. ``build_map_parts`` splits the map:

- ``base``: the outlines and tile options over the whole world, the same for every
  filter, so the frame and Leaflet stay;
- ``layers``: the event layers and the density view, passed as ``feature_group_to_add``,
  which st_folium removes and re-adds in the live map; the last one carries a
  ``ViewUpdate`` that does what a fresh map would have done;
- ``control``: the layer control, which st_folium replaces with the layers.

``ViewUpdate`` runs in the browser after the other layers were added: it fits the view
to the events, replaces the legend, hides the layers that start hidden (st_folium adds
every layer to the map), keeps st_folium's list of added layers to this update's (it
only ever appends to it), and exposes the overlays as ``window.cm_layers``
(``{base_layers, overlays}``, what the browser tests read).

Usage, as in ``app.py``::

    parts = build_map_parts(events)
    st_folium(parts.base, feature_group_to_add=parts.layers, layer_control=parts.control,
              returned_objects=[], render=False, ...)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import folium
from folium.template import Template

from geo.model import Event
from geo.render.assets import asset_urls, load_basemap
from geo.render.elements import Legend, _DataElement, _MapSupport
from geo.render.escape import script_json
from geo.render.layers import (
    density_layer,
    draw_order,
    event_counts,
    event_layer,
    layer_control,
    layer_order,
    legend_html,
)
from geo.render.styles import OUTLINE_STYLE

ST_FOLIUM_ASSET_BASE_URL = "../../app/static"

CARTO_URL = "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png"
CARTO_ATTR = ('&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
              'contributors &copy; <a href="https://carto.com/attributions">CARTO</a>')


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
        URL under which ``geo.render.assets.install_static_assets`` put Leaflet's files, as seen
        from the page showing the map. The default suits st_folium (see the module's
        docstring); a page at the server's root can use ``app/static``.
    tiles
        Offer OpenStreetMap and CartoDB tiles as base layers besides the outlines.
    cluster_threshold
        A layer with more events than this clusters its markers.
    weights
        For points that stand for several events (``geo.webapp.data.map_points`` merges
        events per grid cell), how many: such a point is sized by its count, counts as
        that many events in the legend and the density view, and gets no uncertainty
        circle (its area is a grid cell, not a place).
    """
    urls = asset_urls(asset_base_url)
    weights = weights or {}
    drawn = [e for e in events if math.isfinite(e.lat) and math.isfinite(e.lon)]
    m = base_map(asset_base_url=asset_base_url, tiles=tiles)
    order = layer_order(drawn)
    for event_type in draw_order(order):
        event_layer(event_type, [e for e in drawn if e.event_type == event_type], urls,
                    cluster_threshold, weights).add_to(m)
    if drawn:
        density_layer(drawn, weights).add_to(m)
    m.add_child(Legend(legend_html(event_counts(drawn, weights), order, drawn, weights)))
    layer_control(order).add_to(m)
    _fit(m, drawn)
    return m


def base_map(*, asset_base_url: str = ST_FOLIUM_ASSET_BASE_URL, tiles: bool = True,
             with_clusters: bool = False) -> folium.Map:
    """Return the map without events: outlines (and tile options) over the whole world.

    ``with_clusters`` loads Leaflet.markercluster with the map itself, for event layers
    added later (``build_map_parts``); otherwise a clustered layer brings its own files.
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


MAX_ZOOM_FIT = 8
SMALL_EXTENT_DEG = 0.5  # events closer together than this: zoom to MAX_ZOOM_FIT around them


@dataclass(frozen=True)
class MapParts:
    """A map split for st_folium: fixed base, swappable layers, their layer control."""

    base: folium.Map
    layers: list[folium.FeatureGroup]
    control: folium.LayerControl


class ViewUpdate(_DataElement):
    """Fit, legend, hidden layers and ``window.cm_layers`` for one set of layers."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent._parent.get_name() }};
            // This update's layers were pushed just before this one's; older ones linger.
            var pushed = window.feature_group || [];
            var groups = pushed.slice(pushed.length - {{ this.names|length }});
            window.feature_group = groups;
            var names = {{ this.names_json }}, overlays = {};
            for (var i = 0; i < names.length; i++) { overlays[names[i]] = groups[i]; }
            window.cm_layers = {base_layers: {}, overlays: overlays};
            var hidden = {{ this.hidden_json }};
            for (var j = 0; j < hidden.length; j++) { map.removeLayer(overlays[hidden[j]]); }
            if (window.cm_legend) { map.removeControl(window.cm_legend); }
            window.cm_legend = L.cmLegend({{ this.legend_json }}, "bottomright").addTo(map);
            var bounds = {{ this.bounds_json }};
            if (bounds) {
                map.fitBounds(bounds, {padding: [20, 20], maxZoom: {{ this.max_zoom }},
                                       animate: false});
            }
        })();
        {% endmacro %}
    """)

    def __init__(self, names: list[str], hidden: list[str], legend: str,
                 bounds: list[list[float]] | None) -> None:
        super().__init__("ViewUpdate", [])
        self.names = names
        self.names_json = script_json(names)
        self.hidden_json = script_json(hidden)
        self.legend_json = script_json(legend)
        self.bounds_json = script_json(bounds)
        self.max_zoom = MAX_ZOOM_FIT


def view_bounds(events: Sequence[Event]) -> list[list[float]] | None:
    """Return ``[[south, west], [north, east]]`` to fit, padded when the events are close.

    Examples
    --------
    >>> view_bounds([])
    """
    if not events:
        return None
    lats, lons = [e.lat for e in events], [e.lon for e in events]
    south, north, west, east = min(lats), max(lats), min(lons), max(lons)
    if north - south < SMALL_EXTENT_DEG and east - west < SMALL_EXTENT_DEG:
        pad = SMALL_EXTENT_DEG / 2
        south, north, west, east = south - pad, north + pad, west - pad, east + pad
    return [[south, west], [north, east]]


def build_map_parts(events: Sequence[Event], *,
                    asset_base_url: str = ST_FOLIUM_ASSET_BASE_URL, tiles: bool = True,
                    cluster_threshold: int = 2000,
                    weights: Mapping[str, int] | None = None,
                    sources: Mapping[str, Sequence[tuple[str, str | None]]] | None = None,
                    focus: Sequence[Event] = (),
                    bounds: list[list[float]] | None = None) -> MapParts:
    """Return the map of ``events`` as st_folium's base map, layers and layer control.

    Draws what ``geo.render.maps.build_map`` draws, with the same parameters; popups of
    happenings list their ``sources`` (happening id -> title and URL of each article),
    and the view fits ``bounds`` (``[[south, west], [north, east]]``, a place searched
    for) or ``focus`` when given (events just added), else every event.
    """
    urls = asset_urls(asset_base_url)
    weights = weights or {}
    drawn = [e for e in events if math.isfinite(e.lat) and math.isfinite(e.lon)]
    # The cluster plugin loads with the base map, for any later filter that clusters.
    base = base_map(asset_base_url=asset_base_url, tiles=tiles, with_clusters=True)
    order = layer_order(drawn)
    layers = [event_layer(t, [e for e in drawn if e.event_type == t], urls, cluster_threshold,
                          weights, sources) for t in draw_order(order)]
    if drawn:
        layers.append(density_layer(drawn, weights))
    names = [layer.layer_name for layer in layers]
    legend = legend_html(event_counts(drawn, weights), order, drawn, weights)
    view = folium.FeatureGroup(name="view", control=False)
    view.add_child(ViewUpdate(names, [layer.layer_name for layer in layers if not layer.show],
                              legend, bounds or view_bounds(focus or drawn)))
    return MapParts(base=base, layers=[*layers, view], control=layer_control(order))
