"""The timeline SVG: bins, stacking, hover titles, escaping."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest

from geo.render.styles import layer_style
from geo.render.timeline import binned, timeline_svg

D = dt.date
SVG = "{http://www.w3.org/2000/svg}"


def test_empty_timeline_is_nothing():
    assert timeline_svg({}) == ""
    assert binned({}) == ("day", [], {})


def test_bins_grow_with_the_span():
    short = {"strike": {D(2023, 1, 1): 1, D(2023, 12, 31): 2}}
    assert binned(short)[0] == "day" and len(binned(short)[1]) == 365
    years = {"strike": {D(2020, 1, 1): 1, D(2023, 12, 31): 2}}
    unit, starts, counts = binned(years)
    assert unit == "week" and all(s.weekday() == 0 for s in starts)
    assert sum(counts["strike"]) == 3
    decades = {"strike": {D(2001, 5, 17): 1, D(2023, 3, 23): 4}, "protest": {D(2010, 1, 1): 2}}
    unit, starts, counts = binned(decades)
    assert unit == "month" and starts[0] == D(2001, 5, 1) and starts[-1] == D(2023, 3, 1)
    assert counts["strike"][-1] == 4 and sum(counts["protest"]) == 2


def test_svg_stacks_types_in_their_colours_with_titles():
    per_day = {"strike": {D(2023, 3, 10): 2, D(2023, 3, 12): 1},
               "earthquake": {D(2023, 3, 10): 3}}
    svg = timeline_svg(per_day)
    root = ET.fromstring(svg)  # well-formed XML
    fills = {p.get("fill") for p in root.iter(SVG + "path")}
    assert fills == {layer_style("strike").color, layer_style("earthquake").color}
    titles = [t.text for t in root.iter(SVG + "title")]
    assert titles == ["2023-03-10: 5 events (Earthquakes 3, Strikes 2)",
                      "2023-03-12: 1 events (Strikes 1)"]
    assert "Strikes 3" in svg and "Earthquakes 3" in svg  # the legend's totals
    # The tallest bar (5 events) fills the plot's 110 units: quakes 3, strikes 2 + 1.
    heights = [float(h) for h in re.findall(r"v([\d.]+)h", svg)]
    assert heights == pytest.approx([66.0, 44.0, 22.0])


def test_unknown_type_text_is_escaped():
    svg = timeline_svg({"<script>x</script>": {D(2023, 1, 1): 1}})
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    ET.fromstring(svg)


def test_titles_can_be_left_out():
    per_day = {"strike": {D(2023, 3, 10): 2, D(2023, 3, 12): 1}}
    bare = timeline_svg(per_day, titles=False)
    assert "<title>" not in bare and "Strikes 3" in bare
    assert len(bare) < len(timeline_svg(per_day))
