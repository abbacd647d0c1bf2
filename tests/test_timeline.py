"""The timeline SVG: bins, stacking, hover titles, escaping."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest

from geo.model import EVENT_TYPES
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
    # In the legend's order (geo.model.EVENT_TYPES): strikes at the bottom of a bar.
    assert titles == ["2023-03-10: 5 events (Strikes 2, Earthquakes 3)",
                      "2023-03-12: 1 events (Strikes 1)"]
    assert "Strikes 3" in svg and "Earthquakes 3" in svg  # the legend's totals
    # The tallest bar (5 events) fills the plot's 110 units: strikes 2 + 1, quakes 3.
    heights = [float(h) for h in re.findall(r"v([\d.]+)h", svg)]
    assert heights == pytest.approx([44.0, 22.0, 66.0])


def test_unknown_type_text_is_escaped():
    svg = timeline_svg({"<script>x</script>": {D(2023, 1, 1): 1}})
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    ET.fromstring(svg)


def test_titles_can_be_left_out():
    per_day = {"strike": {D(2023, 3, 10): 2, D(2023, 3, 12): 1}}
    bare = timeline_svg(per_day, titles=False)
    assert "<title>" not in bare and "Strikes 3" in bare
    assert len(bare) < len(timeline_svg(per_day))


def test_every_layer_has_its_colour_and_the_legend_wraps():
    per_day = {t: {D(2023, 3, 10): 1000 + i} for i, t in enumerate(EVENT_TYPES)}
    svg = timeline_svg(per_day)
    root = ET.fromstring(svg)
    fills = [p.get("fill") for p in root.iter(SVG + "path")]
    assert fills == [layer_style(t).color for t in EVENT_TYPES]
    legend = [(float(t.get("x")), float(t.get("y")), t.text) for t in root.iter(SVG + "text")
              if t.get("fill") == "#333"]
    assert [text for *_, text in legend] == [
        f"{layer_style(t).label} {1000 + i:,}" for i, t in enumerate(EVENT_TYPES)]
    # Ten labels do not fit on one row: the legend wraps, and the drawing grows to hold it.
    rows = sorted({y for _, y, _ in legend})
    assert len(rows) >= 2
    width, height = (float(v) for v in root.get("viewBox").split()[2:])
    assert max(rows) < height
    assert all(x + 7 * len(text) <= width for x, _, text in legend)


def test_the_page_timeline_is_a_valid_vega_lite_spec_with_a_brush_and_a_cap() -> None:
    import altair as alt

    from geo.render.timeline import BRUSH, timeline_spec

    day = dt.date(2023, 3, 1)
    per_day = {"strike": {day + dt.timedelta(days=i): 2 for i in range(30)},
               "protest": {day: 1, day + dt.timedelta(days=3): 200}}  # a spike
    spec = timeline_spec(per_day, (day, day + dt.timedelta(days=6)))
    assert spec is not None
    alt.LayerChart.from_dict(spec, validate=True)  # raises when not Vega-Lite
    shade, bars = spec["layer"]
    assert shade["data"]["values"] == [{"since": "2023-03-01", "until": "2023-03-08"}]
    assert spec["params"][0]["name"] == BRUSH and spec["params"][0]["views"] == [bars["name"]]
    assert bars["encoding"]["y"]["scale"] == {"domain": [0, 6], "clamp": True}
    assert bars["encoding"]["y"]["title"] == "events per day (cut at 6)"
    assert sum(r["count"] for r in bars["data"]["values"]) == 30 * 2 + 201
    # The same counts give the same spec: the page's chart does not change between runs.
    assert timeline_spec(per_day, (day, day + dt.timedelta(days=6))) == spec
    assert timeline_spec({}) is None


def test_the_page_timeline_bins_a_year_by_week_and_a_few_months_by_day() -> None:
    from geo.render.timeline import CHART_DAY_BINS_UP_TO, timeline_rows, timeline_spec

    day = dt.date(2023, 1, 1)
    year = {"strike": {day + dt.timedelta(days=i): 1 for i in range(365)}}
    unit, rows = timeline_rows(year)
    # ~53 weekly rows, not 365 daily ones; every event still counted, weeks from Mondays.
    assert unit == "week" and len(rows) == 53
    assert sum(r["count"] for r in rows) == 365
    assert all(dt.date.fromisoformat(r["start"]).weekday() == 0 for r in rows)
    assert timeline_spec(year)["layer"][0]["encoding"]["y"]["title"] == "events per week"
    months = {"strike": {day + dt.timedelta(days=i): 1 for i in range(CHART_DAY_BINS_UP_TO)}}
    assert timeline_rows(months)[0] == "day"
    # The SVG for documents keeps days up to a longer span.
    assert binned(year)[0] == "day"
