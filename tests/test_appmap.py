"""The st_folium map in parts: a fixed base, swappable layers, their control."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
import streamlit_folium as sf
from factories import make_event
from map_utils import layer_counts

from geo.model import MapView
from geo.render.maps import base_map, build_map, build_map_parts, view_bounds

EVENTS = [
    make_event(event_id="s1", lat=36.2, lon=37.1),
    make_event(event_id="s2", lat=35.9, lon=39.0, geo_precision=2, uncertainty_km=40.0),
    make_event(event_id="p1", event_type="protest", lat=41.0, lon=28.9),
    make_event(event_id="q1", event_type="earthquake", lat=37.2, lon=37.0, magnitude=7.8,
               usgs_id="us6000jllz"),
]


def component_args(parts) -> dict:
    """Return what st_folium sends for these parts: base script, layers, control."""
    base_script = sf._get_map_string(parts.base)
    layers = "".join(sf._get_feature_group_string(g, parts.base, i)
                     for i, g in enumerate(parts.layers))
    return {"key": sf.generate_js_hash(base_script, "map"), "script": base_script,
            "feature_group": layers,
            "layer_control": sf._get_layer_control_string(parts.control, parts.base)}


def test_base_map_is_the_same_whatever_the_events():
    one = component_args(build_map_parts(EVENTS))
    other = component_args(build_map_parts(EVENTS[2:3]))
    none = component_args(build_map_parts([]))
    assert one["key"] == other["key"] == none["key"]  # st_folium keeps its frame
    # The events are in the layers, none in the base map.
    assert one["script"] == none["script"] and "var rows" in one["feature_group"]
    assert one["feature_group"] != other["feature_group"]


def test_layers_draw_what_build_map_draws():
    parts = build_map_parts(EVENTS)
    assert layer_counts(parts.layers) == layer_counts(build_map(EVENTS))
    names = [g.layer_name for g in parts.layers]
    # Drawn in the reverse of the legend's order: strikes on top, quakes underneath.
    assert names == ["Earthquakes", "Protests", "Strikes", "Density (all events)", "view"]
    control = component_args(parts)["layer_control"]
    overlays = re.search(r"overlays\s*:\s*\{(.*?)\}", control, re.S).group(1)
    # The control lists them in the legend's order; "view" is no overlay.
    assert re.findall(r'"([^"]+)"\s*:', overlays) == [
        "Strikes", "Protests", "Earthquakes", "Density (all events)"]


def test_view_update_fits_hides_and_names_the_layers():
    args = component_args(build_map_parts(EVENTS))
    script = args["feature_group"]
    assert "slice(pushed.length - 4)" in script  # this update's four layers
    assert json.loads(re.search(r"var names = (\[.*?\]),", script).group(1)) == [
        "Earthquakes", "Protests", "Strikes", "Density (all events)"]
    assert json.loads(re.search(r"keys = (\[.*?\]),", script).group(1)) == [
        "earthquake", "protest", "strike", "density"]
    # The density view starts off; nothing forces a fit; the view goes into the link.
    assert re.search(r"hidden: (\[.*?\]),", script).group(1) == '["density"]'
    assert "var view = null;" in script and "} else if (false || (!cm.moved && true))" in script
    assert "if (!true) { return; }" in script
    bounds = json.loads(re.search(r"cm\.bounds = (.*?);", script).group(1))
    assert bounds == [[35.9, 28.9], [41.0, 39.0]]
    assert "Strikes <span" in script  # the legend


def test_view_bounds_pad_a_small_extent():
    assert view_bounds([EVENTS[0]]) == [[35.95, 36.85], [36.45, 37.35]]
    assert view_bounds([]) is None


@pytest.mark.parametrize("field", ["evidence", "article_title", "place", "actor1", "actor2"])
def test_article_text_reaches_the_layers_escaped(field):
    event = dataclasses.replace(EVENTS[0], **{field: "<img src=x onerror=alert(1)>"})
    args = component_args(build_map_parts([event]))
    page = "".join(args.values())
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_no_events_leaves_an_empty_map_with_a_legend():
    parts = build_map_parts([])
    assert [g.layer_name for g in parts.layers] == ["view"]
    script = component_args(parts)["feature_group"]
    assert "slice(pushed.length - 0)" in script and "cm.bounds = null;" in script
    assert "no events to show" in script


def test_a_links_view_layers_and_base_reach_the_map():
    view = MapView(center=(36.2, 37.1), zoom=9, hidden=("strike",), base="osm")
    parts = build_map_parts(EVENTS, view=view)
    script = component_args(parts)["feature_group"]
    assert "var view = [[36.2,37.1],9];" in script
    assert re.search(r"hidden: (\[.*?\]),", script).group(1) == '["strike"]'
    # The base map shows the link's base layer first (the others stay options).
    shown = [layer.layer_name for layer in parts.base._children.values()
             if getattr(layer, "show", None) and not getattr(layer, "overlay", True)]
    assert shown == ["OpenStreetMap (online)"]


def test_a_preview_map_keeps_out_of_the_link_and_play_keeps_the_view():
    script = component_args(build_map_parts(EVENTS, link=False, refit=False))["feature_group"]
    assert "if (!false) { return; }" in script
    assert "(!cm.moved && false)" in script
    # A place searched for (bounds) is fitted even after the user moved the map.
    script = component_args(build_map_parts(EVENTS, bounds=[[1, 2], [3, 4]]))["feature_group"]
    assert "} else if (true || (!cm.moved && true))" in script


def test_the_offline_base_map_names_capitals_and_large_cities_as_text():
    html = build_map_parts(EVENTS).base.get_root().render()
    assert '"Damascus",3]' in html and '"Aleppo",5]' in html
    assert "text.textContent = r[2]" in html  # a name is never parsed as markup
    bare = base_map(labels=False).get_root().render()
    assert '"Damascus",3]' not in bare
