"""The folium elements of the map: data scripts that stay text.

``geo.render.layers`` and ``geo.render.maps`` build maps from these. Every element that
carries article text writes it with ``script_json`` into its script, and the data
elements (``EventMarkers``, ``UncertaintyCircles``, ``DensityCells``) add their rendered
script to the page as plain text (``_DataElement``): folium would otherwise compile each
rendered script as a new Jinja template.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import folium
from branca.element import Element, MacroElement
from folium.map import Layer
from folium.template import Template

from geo.render.escape import script_json

SEA_COLOR = "#dbe7ef"

POPUP_CSS = (
    ".cm-pop{font:12px/1.35 sans-serif}"
    ".cm-pop table{margin:4px 0;border-collapse:collapse;font-size:12px}"
    ".cm-pop th{text-align:left;padding-right:6px;vertical-align:top;font-weight:600}"
    ".cm-pop blockquote{margin:4px 0;padding-left:6px;border-left:3px solid #999;color:#333}"
    ".leaflet-control-layers{font-size:13px}.cm-dim{color:#777}.cm-many{max-height:320px;overflow-y:auto}"
    ".cm-many .cm-pop+.cm-pop{border-top:1px solid #ccc;margin-top:6px;padding-top:6px}"
    ".cm-legend-toggle{display:block;padding:3px 8px;font:600 12px sans-serif;color:#333;"
    "text-decoration:none;cursor:pointer}"
    ".cm-fit a{font:16px/30px sans-serif;text-align:center;cursor:pointer}"
    ".cm-label span{position:relative;left:-50%;top:-0.6em;white-space:nowrap;"
    "font:11px sans-serif;color:#444;text-shadow:0 0 2px #fff,0 0 2px #fff,0 0 3px #fff}"
    # In st_folium's frame (#map_div) the map fills the frame, whose height the page
    # sets (the window's, in the app).
    "#map_div{height:100vh !important}"
)

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

    def __init__(self, name: str, rows: list[list]) -> None:
        super().__init__()
        self._name = name
        self.rows = rows
        self.rows_json = script_json(rows)

    def render(self, **kwargs: object) -> None:  # type: ignore[override]
        figure = self.get_root()
        script = self._template.module.__dict__["script"]
        scripts = figure.script  # type: ignore[attr-defined]  # a Figure's script section
        scripts.add_child(_Script(script(self, kwargs)), name=self.get_name())
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
            // It folds to its title (a click on "Legend" toggles it); it starts folded on
            // a narrow map, and keeps the user's choice when the layers are redrawn.
            L.cmLegend = function (html, position) {
                var legend = L.control({position: position});
                legend.onAdd = function (map) {
                    var div = L.DomUtil.create("div", "leaflet-control-layers cm-legend");
                    var toggle = L.DomUtil.create("a", "cm-legend-toggle", div);
                    toggle.href = "#";
                    toggle.setAttribute("role", "button");
                    toggle.title = "Show or hide the legend";
                    toggle.textContent = "Legend";
                    var body = L.DomUtil.create("div", "cm-legend-body", div);
                    body.innerHTML = html;
                    if (window.cm_legend_open === undefined) {
                        window.cm_legend_open = map.getSize().x >= 600;
                    }
                    var show = function () {
                        body.style.display = window.cm_legend_open ? "" : "none";
                        toggle.textContent = window.cm_legend_open ? "Legend \u25BE"
                                                                   : "Legend \u25B8";
                    };
                    L.DomEvent.on(toggle, "click", function (e) {
                        L.DomEvent.preventDefault(e);
                        window.cm_legend_open = !window.cm_legend_open;
                        show();
                    });
                    show();
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
        super().__init__("EventMarkers", rows)
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
        super().__init__("UncertaintyCircles", rows)
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
        super().__init__("DensityCells", rows)


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


class OrderedLayerControl(folium.LayerControl):
    """folium's layer control, listing the overlays named in ``first`` first, in that order.

    folium lists overlays in the order they were added to the map, which is also the
    order they are drawn in (each on top of the ones before). The event layers are drawn
    in the reverse of the legend's order, so the legend's first (violent) layers lie on
    top and the large catalog quakes underneath; this lists them as the legend does.
    """

    def __init__(self, first: Sequence[str] = (), *, position: str = "topright",
                 collapsed: bool = True) -> None:
        super().__init__(position=position, collapsed=collapsed)
        self.first = list(first)

    def render(self, **kwargs: object) -> str:
        """Collect the map's layers as folium does, in ``first``'s order, and render."""
        self.reset()
        rank = {name: i for i, name in enumerate(self.first)}
        assert self._parent is not None, "add the control to a map first"
        layers = [item for item in self._parent._children.values()
                  if isinstance(item, Layer) and item.control]
        # sorted() is stable: layers not named in ``first`` keep folium's order, last.
        for item in sorted(layers, key=lambda layer: rank.get(layer.layer_name, len(rank))):
            if item.overlay:
                self.overlays[item.layer_name] = item.get_name()
            else:
                self.base_layers[item.layer_name] = item.get_name()
        # Skip folium.LayerControl.render, which would collect them again, unordered.
        return MacroElement.render(self, **kwargs)


class PlaceLabels(_DataElement):
    """Names of places (rows ``[lat, lon, name, min_zoom]``) drawn on the map by zoom.

    Only the labels inside the view whose zoom has come are placed, the most prominent
    first, and one that would overlap a label already placed is left out. A name is set
    as text (``textContent``), never parsed as markup; labels take no clicks.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var rows = {{ this.rows_json }};
            // Outlines, then labels, then the events: the outlines (a GeoJSON layer that
            // takes no clicks) move from the events' canvas to one of their own below.
            var under = map.createPane("cmOutlines");
            under.style.zIndex = 300;
            var outlines = L.canvas({pane: "cmOutlines"});
            map.eachLayer(function (layer) {
                if (layer instanceof L.GeoJSON && layer.options.interactive === false) {
                    map.removeLayer(layer);
                    layer.eachLayer(function (path) { path.options.renderer = outlines; });
                    map.addLayer(layer);
                }
            });
            var pane = map.createPane("cmLabels");
            pane.style.zIndex = 350;  // under the events' canvas (400) and popups
            pane.style.pointerEvents = "none";
            var group = L.layerGroup().addTo(map);
            var draw = function () {
                group.clearLayers();
                var zoom = map.getZoom(), bounds = map.getBounds().pad(0.1), placed = [];
                for (var i = 0; i < rows.length; i++) {
                    var r = rows[i];
                    if (r[3] > zoom) { break; }  // the rows come by zoom, then prominence
                    if (!bounds.contains([r[0], r[1]])) { continue; }
                    var p = map.latLngToLayerPoint([r[0], r[1]]);
                    var w = 7 * r[2].length + 8, clash = false;
                    for (var j = 0; j < placed.length && !clash; j++) {
                        var q = placed[j];
                        clash = Math.abs(q[0] - p.x) < (q[2] + w) / 2 && Math.abs(q[1] - p.y) < 16;
                    }
                    if (clash) { continue; }
                    placed.push([p.x, p.y, w]);
                    var text = document.createElement("span");
                    text.textContent = r[2];
                    group.addLayer(L.marker([r[0], r[1]], {
                        pane: "cmLabels", interactive: false, keyboard: false,
                        icon: L.divIcon({className: "cm-label", html: text,
                                         iconSize: null})}));
                }
            };
            map.on("zoomend moveend", draw);
            map.whenReady(draw);
        })();
        {% endmacro %}
    """)

    def __init__(self, rows: Sequence[Sequence[object]]) -> None:
        super().__init__("PlaceLabels", [list(r) for r in rows])
