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

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import folium
from folium.elements import ElementAddToElement
from folium.template import Template
from folium.utilities import get_bounds

from geo.model import BASE_LAYERS, DENSITY_LAYER, Event, MapView
from geo.render.assets import asset_urls, load_basemap
from geo.render.elements import Legend, PlaceLabels, _DataElement, _MapSupport, _Script
from geo.render.escape import script_json
from geo.render.labels import place_labels
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
             with_clusters: bool = False, base: str = "outlines",
             labels: bool = True) -> folium.Map:
    """Return the map without events: outlines (and tile options) over the whole world.

    ``with_clusters`` loads Leaflet.markercluster with the map itself, for event layers
    added later (``build_map_parts``); otherwise a clustered layer brings its own files.
    ``base`` is the base layer shown first (a key of ``geo.model.BASE_LAYERS``; the
    online ones only with ``tiles``). ``labels`` names capitals and large cities on the
    map by zoom level (``geo.render.labels``), offline.
    """
    if not tiles or base not in BASE_LAYERS:
        base = "outlines"
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

    _Outlines(name=BASE_LAYERS["outlines"], show=base == "outlines").add_to(m)
    if labels:
        m.add_child(PlaceLabels(place_labels()))
    if tiles:
        folium.TileLayer("OpenStreetMap", name=BASE_LAYERS["osm"], overlay=False,
                         show=base == "osm").add_to(m)
        folium.TileLayer(CARTO_URL, name=BASE_LAYERS["carto"], attr=CARTO_ATTR,
                         subdomains="abcd", max_zoom=20, overlay=False,
                         show=base == "carto").add_to(m)
    return m


class _Outlines(folium.GeoJson):
    """The country outlines: one fixed script, written once per process.

    folium's ``GeoJson`` maps a style to each of the ~180 features, writes the ~0.2 MB
    of coordinates as JSON, and then compiles that script as a Jinja template, on every
    render; st_folium renders the base map on every run, so that was ~0.07 s of each run
    (a filter change, a brush, a step of the play) for a layer that never changes. Here
    the script is written once (``_outline_script``) and added to the page as text, the
    bounds are counted once, and the style is one object for every feature.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJson({{ this.data_json }}, {{ this.options_json }});
        {% endmacro %}
    """)

    def __init__(self, *, name: str, show: bool) -> None:
        # No data here: folium would keep (and walk) a copy per run.
        super().__init__({"type": "FeatureCollection", "features": []}, name=name,
                         overlay=False, show=show)
        self.data_json, self.options_json = _outline_script()

    def render(self, **kwargs: object) -> None:  # type: ignore[override]
        if self.show:  # what folium's Layer.render does: add the layer to the map
            assert self._parent is not None, "add the outlines to a map first"
            self.add_child(ElementAddToElement(element_name=self.get_name(),
                                               element_parent_name=self._parent.get_name()),
                           name=self.get_name() + "_add")
        script = self._template.module.__dict__["script"]
        self.get_root().script.add_child(  # type: ignore[attr-defined]
            _Script(script(self, kwargs)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)

    def _get_self_bounds(self) -> list[list[float | None]]:
        return [list(corner) for corner in _outline_bounds()]


@functools.cache
def _outline_script() -> tuple[str, str]:
    """The outlines' data and options as JSON for their script (once per process)."""
    options = {"style": OUTLINE_STYLE, "interactive": False, "smoothFactor": 1.5}
    return script_json(load_basemap()), script_json(options)


@functools.cache
def _outline_bounds() -> tuple[tuple[float | None, ...], ...]:
    return tuple(tuple(corner) for corner in get_bounds(load_basemap(), lonlat=True))


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
FIT_MARGIN_PX = 16  # beyond the controls: a marker's radius and a little air
SMALL_EXTENT_DEG = 0.5  # events closer together than this: zoom to MAX_ZOOM_FIT around them


@dataclass(frozen=True)
class MapParts:
    """A map split for st_folium: fixed base, swappable layers, their layer control."""

    base: folium.Map
    layers: list[folium.FeatureGroup]
    control: folium.LayerControl


class ViewUpdate(_DataElement):
    """Fit, legend, hidden layers, the link's map state and ``window.cm_layers``.

    Runs each time st_folium swaps the event layers in. The frame's ``window.cm_state``
    outlives those swaps: which layers the user switched off (``hidden``, by layer key),
    and whether the user moved the map, after which a new set of layers no longer refits
    the view (the "fit" button refits and follows the filters again). On the first run,
    a link's view (``view``: centre and zoom) is taken as it is instead of fitting. Every
    move, layer switch and base change is written into the page's address (``view``,
    ``hide``, ``base``; the page reads them back, ``geo.webapp.state.MapView``), so the
    address is always a link to this view. ``force`` fits ``bounds`` even after a move
    (a place searched for, an event chosen in the list, articles just added).
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent._parent.get_name() }};
            // This update's layers were pushed just before this one's; older ones linger.
            var pushed = window.feature_group || [];
            var groups = pushed.slice(pushed.length - {{ this.names|length }});
            window.feature_group = groups;
            var names = {{ this.names_json }}, keys = {{ this.keys_json }}, overlays = {};
            for (var i = 0; i < names.length; i++) { overlays[names[i]] = groups[i]; }
            window.cm_layers = {base_layers: {}, overlays: overlays};
            var cm = window.cm_state;
            if (!cm) {
                cm = window.cm_state = {hidden: {{ this.hidden_json }}, moved: false,
                                        busy: false, keyOf: {}, bounds: null,
                                        bases: {{ this.bases_json }}, base: {{ this.base_json }}};
                var write = function () {
                    if (!{{ this.link_json }}) { return; }
                    try {  // the page's address; the frame is served by the same server
                        var top = window.parent, params = new URLSearchParams(top.location.search);
                        var c = map.getCenter().wrap();
                        params.set("view", c.lat.toFixed(4) + "," + c.lng.toFixed(4) + ","
                                   + map.getZoom());
                        var hide = cm.hidden.slice().sort().join(",");
                        if (hide === {{ this.default_hidden_json }}) { params.delete("hide"); }
                        else { params.set("hide", hide || "none"); }
                        if (cm.base !== "outlines") { params.set("base", cm.base); }
                        else { params.delete("base"); }
                        var url = top.location.pathname + "?" + params.toString()
                            + top.location.hash;
                        if (url === top.location.pathname + top.location.search
                                    + top.location.hash) { return; }
                        top.history.replaceState(top.history.state, "", url);
                    } catch (err) { /* a page elsewhere: the view stays out of its link */ }
                };
                // Streamlit rewrites the address from the filters as the server last saw
                // them, which can hold an older view: put the map's state back.
                if ({{ this.link_json }}) { setInterval(write, 500); }
                cm.write = write;
                map.on("movestart", function () { if (!cm.busy) { cm.moved = true; } });
                map.on("moveend", write);
                // The frame grows to the window's height after the first fit: fit again,
                // unless the user has moved the map since.
                map.on("resize", function () { if (!cm.moved) { cm.fit(cm.bounds); } });
                // The user's clicks in the layer control (Leaflet's overlayadd/remove
                // events also fire when st_folium swaps the layers, so they tell nothing).
                document.addEventListener("change", function (e) {
                    var box = e.target && e.target.closest && e.target.closest(
                        ".leaflet-control-layers-overlays, .leaflet-control-layers-base");
                    if (!box) { return; }
                    setTimeout(function () {
                        var shown = window.cm_layers.overlays;
                        cm.hidden = [];
                        for (var name in cm.keyOf) {
                            if (shown[name] && !map.hasLayer(shown[name])) {
                                cm.hidden.push(cm.keyOf[name]);
                            }
                        }
                        var on = document.querySelector(
                            ".leaflet-control-layers-base input:checked");
                        var label = on && on.parentNode ? on.parentNode.textContent.trim() : "";
                        cm.base = cm.bases[label] || cm.base;
                        write();
                    }, 0);
                }, true);
                cm.fit = function (bounds, tries) {
                    if (!bounds) { return; }
                    map.invalidateSize(false);
                    var size = map.getSize();
                    // Wait until the frame is laid out and Leaflet's style sheet (which
                    // st_folium adds late) applies: the controls' sizes are known then.
                    var corner0 = map.getContainer().querySelector(".leaflet-top");
                    var ready = size.x >= 50 && size.y >= 50 && corner0
                        && window.getComputedStyle(corner0).position === "absolute";
                    if (!ready) {
                        tries = tries || 0;
                        if (tries < 200) {
                            setTimeout(function () {
                                if (cm.bounds === bounds) { cm.fit(bounds, tries + 1); }
                            }, 50);
                        }
                        return;
                    }
                    var left = 0, right = 0, bottom = 0;
                    // Room for the controls in each corner: no event lies under one.
                    var controls = map.getContainer().querySelectorAll(".leaflet-control");
                    for (var k = 0; k < controls.length; k++) {
                        var r = controls[k].getBoundingClientRect();
                        var corner = controls[k].parentNode.className;
                        if (corner.indexOf("leaflet-right") >= 0) {
                            right = Math.max(right, r.width + 10);
                        } else if (corner.indexOf("leaflet-top") >= 0) {
                            left = Math.max(left, r.width + 10);
                        } else { bottom = Math.max(bottom, r.height + 10); }
                    }
                    // Never more than part of the map: a control laid out before the map
                    // was (or a very wide legend) would leave no room, and Leaflet would
                    // zoom in all the way.
                    right = Math.min(right, 0.4 * size.x);
                    left = Math.min(left, 0.25 * size.x);
                    bottom = Math.min(bottom, 0.3 * size.y);
                    var m = {{ this.margin }};
                    cm.busy = true;
                    map.fitBounds(bounds, {paddingTopLeft: [left + m, m],
                                           paddingBottomRight: [right + m, bottom + m],
                                           maxZoom: {{ this.max_zoom }}, animate: false});
                    cm.busy = false;
                };
                var Fit = L.Control.extend({
                    options: {position: "topleft"},
                    onAdd: function () {
                        var div = L.DomUtil.create("div", "leaflet-bar cm-fit");
                        var a = L.DomUtil.create("a", "", div);
                        a.href = "#";
                        a.title = "Fit the map to the events (and follow the filters again)";
                        a.setAttribute("role", "button");
                        a.textContent = "\u2922";
                        L.DomEvent.on(a, "click", function (e) {
                            L.DomEvent.stop(e);
                            cm.moved = false;
                            cm.fit(cm.bounds);
                            write();
                        });
                        return div;
                    }
                });
                new Fit().addTo(map);
                var view = {{ this.view_json }};
                if (view) {  // the link's view, as it is (even with an event chosen)
                    cm.busy = true;
                    map.setView(view[0], view[1], {animate: false});
                    cm.busy = false;
                    cm.moved = cm.linked = true;
                }
            }
            cm.keyOf = {};
            for (var n = 0; n < names.length; n++) { cm.keyOf[names[n]] = keys[n]; }
            for (var j = 0; j < names.length; j++) {
                if (cm.hidden.indexOf(keys[j]) >= 0) { map.removeLayer(overlays[names[j]]); }
            }
            if (window.cm_legend) { map.removeControl(window.cm_legend); }
            window.cm_legend = L.cmLegend({{ this.legend_json }}, "bottomright").addTo(map);
            cm.bounds = {{ this.bounds_json }};
            if (cm.linked) {
                cm.linked = false;
            } else if ({{ this.force_json }} || (!cm.moved && {{ this.refit_json }})) {
                cm.fit(cm.bounds);
                if ({{ this.force_json }}) { cm.moved = true; }
            }
            cm.write();
        })();
        {% endmacro %}
    """)

    def __init__(self, names: list[str], keys: list[str], legend: str,
                 bounds: list[list[float]] | None, *, view: MapView | None = None,
                 force: bool = False, link: bool = True, refit: bool = True) -> None:
        super().__init__("ViewUpdate", [])
        view = view or MapView()
        self.names = names
        self.names_json = script_json(names)
        self.keys_json = script_json(keys)
        self.hidden_json = script_json(list(view.hidden))
        self.legend_json = script_json(legend)
        self.bounds_json = script_json(bounds)
        self.view_json = script_json(
            [list(view.center), view.zoom] if view.center is not None else None)
        self.bases_json = script_json({name: key for key, name in BASE_LAYERS.items()})
        self.default_hidden_json = script_json(",".join(sorted(MapView().hidden)))
        self.base_json = script_json(view.base)
        self.force_json = script_json(force)
        self.link_json = script_json(link)
        self.refit_json = script_json(refit)
        self.max_zoom = MAX_ZOOM_FIT
        self.margin = FIT_MARGIN_PX


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
                    cluster_threshold: int | None = 2000,
                    weights: Mapping[str, int] | None = None,
                    sources: Mapping[str, Sequence[tuple[str, str | None]]] | None = None,
                    focus: Sequence[Event] = (),
                    bounds: list[list[float]] | None = None,
                    view: MapView | None = None, link: bool = True,
                    refit: bool = True) -> MapParts:
    """Return the map of ``events`` as st_folium's base map, layers and layer control.

    Draws what ``geo.render.maps.build_map`` draws, with the same parameters; popups of
    happenings list their ``sources`` (happening id -> title and URL of each article),
    and the view fits ``bounds`` (``[[south, west], [north, east]]``, a place searched
    for) or ``focus`` when given (events just added, or chosen), else every event unless
    the user moved the map. ``view`` is the map's state from a link (``ViewUpdate``):
    centre and zoom taken as they are at first, layers switched off, base layer; with
    ``link`` the map writes its state into the page's address (the page's main map).
    ``refit=False`` keeps the view where it is (the timeline's play: the map stays put
    while the dates move). ``cluster_threshold=None`` never clusters, and the map's
    frame then does not load the cluster plugin (the page's points are never more than
    a layer may hold unclustered: ``geo.store.grid.MAP_POINT_LIMIT``).
    """
    view = view or MapView()
    urls = asset_urls(asset_base_url)
    weights = weights or {}
    drawn = [e for e in events if math.isfinite(e.lat) and math.isfinite(e.lon)]
    # The cluster plugin loads with the base map, for any later filter that clusters.
    base = base_map(asset_base_url=asset_base_url, tiles=tiles,
                    with_clusters=cluster_threshold is not None, base=view.base)
    threshold = len(drawn) if cluster_threshold is None else cluster_threshold
    order = layer_order(drawn)
    layers = [event_layer(t, [e for e in drawn if e.event_type == t], urls, threshold,
                          weights, sources) for t in draw_order(order)]
    if drawn:
        layers.append(density_layer(drawn, weights))
    names = [layer.layer_name for layer in layers]
    legend = legend_html(event_counts(drawn, weights), order, drawn, weights)
    keys = [getattr(layer, "event_type", DENSITY_LAYER) for layer in layers]
    update = folium.FeatureGroup(name="view", control=False)
    update.add_child(ViewUpdate(names, keys, legend, bounds or view_bounds(focus or drawn),
                                view=view, force=bool(bounds or focus), link=link,
                                refit=refit))
    return MapParts(base=base, layers=[*layers, update], control=layer_control(order))
