"""A map for ``st_folium`` whose event layers are swapped in place on a filter change.

``st_folium`` names its component after a hash of the map's script, so any change to
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

from geo.assets import asset_urls
from geo.events import Event
from geo.map_elements import _DataElement, script_json
from geo.maps import (
    ST_FOLIUM_ASSET_BASE_URL,
    base_map,
    density_layer,
    event_counts,
    event_layer,
    layer_order,
    legend_html,
)

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
                    weights: Mapping[str, int] | None = None) -> MapParts:
    """Return the map of ``events`` as st_folium's base map, layers and layer control.

    Draws what ``geo.maps.build_map`` draws, with the same parameters.
    """
    urls = asset_urls(asset_base_url)
    weights = weights or {}
    drawn = [e for e in events if math.isfinite(e.lat) and math.isfinite(e.lon)]
    # The cluster plugin loads with the base map, for any later filter that clusters.
    base = base_map(asset_base_url=asset_base_url, tiles=tiles, with_clusters=True)
    order = layer_order(drawn)
    layers = [event_layer(t, [e for e in drawn if e.event_type == t], urls, cluster_threshold,
                          weights) for t in order]
    if drawn:
        layers.append(density_layer(drawn, weights))
    names = [layer.layer_name for layer in layers]
    legend = legend_html(event_counts(drawn, weights), order, drawn, weights)
    view = folium.FeatureGroup(name="view", control=False)
    view.add_child(ViewUpdate(names, [layer.layer_name for layer in layers if not layer.show],
                              legend, view_bounds(drawn)))
    control = folium.LayerControl(collapsed=False, position="topright")
    return MapParts(base=base, layers=[*layers, view], control=control)
