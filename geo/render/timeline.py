"""The timeline: events per bin by type, as the page's chart and as a standalone SVG.

``timeline_spec`` is the page's timeline: a Vega-Lite chart (drawn by the Vega files
Streamlit ships, nothing fetched) with stacked bars per day, week or
month in the map's layer colours, a scale capped above spikes, and a brush
(``BRUSH``) the page reads back as a date range (``brushed_dates``). Vega-Lite costs the
browser time and bytes at every page load (benchmarks/README.md, "Dashboard"): the price
of brushing and play.

``timeline_svg`` draws the same bins as a small self-contained SVG (a legend with each
type's total, a title per bar), for documents and reports with no script at all. Every
text in it is escaped, though only type labels, dates and counts ever reach it.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping

from geo.render.styles import LAYER_STYLES, layer_style

WIDTH, HEIGHT = 1000, 150  # the drawing's own units; it scales to the page's width
LEGEND_ROW = 14  # the height of each further row of the legend
LEGEND_RIGHT = 900  # legend entries end before this, left of "events per day"
PLOT_TOP, PLOT_BOTTOM, PLOT_LEFT, PLOT_RIGHT = 8, 118, 40, 992
DAY_BINS_UP_TO = 400  # days shown one bar each; weeks up to WEEK_BINS_UP_TO, then months
WEEK_BINS_UP_TO = 5 * 366
# The page's chart bins by day up to about four months only: a year of daily bars is
# ~2,200 rows at 100k events, which Streamlit parses again on every run (0.1 s) and Vega
# lays out and draws on the browser's main thread, before the map; by week it is 318
# rows. A brush still picks days (it is continuous over the dates, not over the bars).
CHART_DAY_BINS_UP_TO = 124


def _bin_start(day: dt.date, unit: str) -> dt.date:
    if unit == "day":
        return day
    if unit == "week":
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)


def _next(start: dt.date, unit: str) -> dt.date:
    if unit == "day":
        return start + dt.timedelta(days=1)
    if unit == "week":
        return start + dt.timedelta(days=7)
    return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def binned(per_day: Mapping[str, Mapping[dt.date, int]], day_bins_up_to: int = DAY_BINS_UP_TO
           ) -> tuple[str, list[dt.date], dict[str, list[int]]]:
    """Return the bin unit, the bins' first days, and each type's count per bin.

    Spans of up to ``day_bins_up_to`` days are binned by day, up to ``WEEK_BINS_UP_TO``
    by week, longer ones by month.

    Examples
    --------
    >>> unit, starts, counts = binned({"strike": {dt.date(2023, 3, 1): 2,
    ...                                           dt.date(2023, 3, 3): 1}})
    >>> unit, len(starts), counts
    ('day', 3, {'strike': [2, 0, 1]})
    """
    days = [d for counts in per_day.values() for d in counts]
    if not days:
        return "day", [], {}
    first, last = min(days), max(days)
    span = (last - first).days + 1
    unit = "day" if span <= day_bins_up_to else "week" if span <= WEEK_BINS_UP_TO else "month"
    starts = [_bin_start(first, unit)]
    while _next(starts[-1], unit) <= last:
        starts.append(_next(starts[-1], unit))
    index = {start: i for i, start in enumerate(starts)}
    out: dict[str, list[int]] = {}
    for event_type, counts in per_day.items():
        row = out.setdefault(event_type, [0] * len(starts))
        for day, n in counts.items():
            row[index[_bin_start(day, unit)]] += n
    return unit, starts, out


def _order(types: list[str]) -> list[str]:
    # The legend's order (LAYER_STYLES follows geo.model.EVENT_TYPES): the first at the
    # bottom of each bar and at the left of the legend.
    known = [t for t in LAYER_STYLES if t in types]
    return known + sorted(t for t in types if t not in LAYER_STYLES)


def _label(start: dt.date, unit: str) -> str:
    if unit == "day":
        return start.isoformat()
    if unit == "week":
        return f"week of {start.isoformat()}"
    return start.strftime("%B %Y")


def timeline_svg(per_day: Mapping[str, Mapping[dt.date, int]], *, titles: bool = True) -> str:
    """Return the timeline of ``{type: {day: count}}`` as an SVG document ("" if empty).

    ``titles=False`` leaves out the per-bar hover titles, which an SVG shown as an image
    (as the app does) never shows: half the size.
    """
    unit, starts, counts = binned(per_day)
    if not starts:
        return ""
    types = _order([t for t, row in counts.items() if any(row)])
    totals = [sum(counts[t][i] for t in types) for i in range(len(starts))]
    top = max(totals) or 1
    step = (PLOT_RIGHT - PLOT_LEFT) / len(starts)
    bar = max(step * 0.85, 0.6)
    scale = (PLOT_BOTTOM - PLOT_TOP) / top
    # One path per type (a rectangle per bar) keeps the drawing small at any size.
    paths: dict[str, list[str]] = {t: [] for t in types}
    tips = []
    for i, total in enumerate(totals):
        x = PLOT_LEFT + i * step
        y = float(PLOT_BOTTOM)
        parts = []
        for t in types:
            n = counts[t][i]
            if n:
                h = n * scale
                y -= h
                paths[t].append(f"M{x:.2f} {y:.2f}h{bar:.2f}v{h:.2f}h{-bar:.2f}z")
                parts.append(f"{layer_style(t).label} {n:,}")
        if total and titles:
            tip = html.escape(f"{_label(starts[i], unit)}: {total:,} events ("
                              + ", ".join(parts) + ")")
            tips.append(f'<rect x="{x:.2f}" y="{PLOT_TOP}" width="{step:.2f}" '
                          f'height="{PLOT_BOTTOM - PLOT_TOP}" fill="transparent">'
                          f"<title>{tip}</title></rect>")
    # The legend, each type's colour and total, wraps onto more rows when the types do
    # not fit on one (ten layers' labels take about 1.5 widths); the drawing grows.
    legend_rows: list[list[tuple[int, str]]] = [[]]
    x = PLOT_LEFT
    for t in types:
        text = f"{layer_style(t).label} {sum(counts[t]):,}"
        width = 24 + 7 * len(text)
        if legend_rows[-1] and x + width > LEGEND_RIGHT:
            legend_rows.append([])
            x = PLOT_LEFT
        legend_rows[-1].append((x, t))
        x += width
    height = HEIGHT + LEGEND_ROW * (len(legend_rows) - 1)
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
           'width="100%" role="img" aria-label="Events per day by type" '
           f'style="font:11px sans-serif;max-height:{220 + 20 * (len(legend_rows) - 1)}px">']
    svg.append(f'<line x1="{PLOT_LEFT}" y1="{PLOT_BOTTOM}" x2="{PLOT_RIGHT}" '
               f'y2="{PLOT_BOTTOM}" stroke="#999"/>')
    svg.append(f'<text x="{PLOT_LEFT - 4}" y="{PLOT_TOP + 9}" text-anchor="end" '
               f'fill="#555">{top:,}</text>')
    svg.append(f'<text x="{PLOT_LEFT - 4}" y="{PLOT_BOTTOM}" text-anchor="end" '
               'fill="#555">0</text>')
    for t in types:
        svg.append(f'<path fill="{html.escape(layer_style(t).color)}" '
                   f'd="{"".join(paths[t])}"/>')
    svg.extend(tips)
    svg.append(f'<text x="{PLOT_LEFT}" y="{PLOT_BOTTOM + 14}" fill="#555">'
               f"{html.escape(_label(starts[0], unit))}</text>")
    svg.append(f'<text x="{PLOT_RIGHT}" y="{PLOT_BOTTOM + 14}" text-anchor="end" fill="#555">'
               f"{html.escape(_label(starts[-1], unit))}</text>")
    for row, items in enumerate(legend_rows):
        y = HEIGHT - 2 + LEGEND_ROW * row  # the text's baseline
        for x, t in items:
            style = layer_style(t)
            text = html.escape(f"{style.label} {sum(counts[t]):,}")
            svg.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" '
                       f'fill="{html.escape(style.color)}"/>'
                       f'<text x="{x + 14}" y="{y}" fill="#333">{text}</text>')
    svg.append(f'<text x="{PLOT_RIGHT}" y="{HEIGHT - 2}" text-anchor="end" fill="#555">'
               f"events per {unit}</text></svg>")
    return "".join(svg)


# --- the page's interactive timeline (Vega-Lite, through Altair) ----------------------

BRUSH = "brush"  # the name of the chart's interval selection (the page reads it back)


def timeline_rows(per_day: Mapping[str, Mapping[dt.date, int]],
                  day_bins_up_to: int = CHART_DAY_BINS_UP_TO) -> tuple[str, list[dict]]:
    """Return the bin unit and one row per type and bin: start, end, type, label, count.

    Examples
    --------
    >>> unit, rows = timeline_rows({"strike": {dt.date(2023, 3, 1): 2}})
    >>> unit, rows[0]["start"], rows[0]["end"], rows[0]["label"], rows[0]["count"]
    ('day', '2023-03-01', '2023-03-02', 'Strikes', 2)
    """
    unit, starts, counts = binned(per_day, day_bins_up_to)
    rows = []
    for event_type in _order(list(counts)):
        for start, n in zip(starts, counts[event_type], strict=True):
            if n:
                rows.append({"start": start.isoformat(),
                             "end": _next(start, unit).isoformat(),
                             "type": event_type, "label": layer_style(event_type).label,
                             "count": n})
    return unit, rows


def timeline_spec(per_day: Mapping[str, Mapping[dt.date, int]],
                  chosen: tuple[dt.date, dt.date] | None = None) -> dict | None:
    """Return the page's timeline as a Vega-Lite spec (a plain dict), or None when empty.

    Stacked bars per bin (day, week or month, as the axis says) in the map's layer
    colours, on a linear scale cut at three times the usual (90th percentile) bar when a
    spike would flatten the rest; a drag across it is the interval selection ``BRUSH``
    over the dates, and ``chosen`` (the dates the page shows, when narrower than the
    whole span) is shaded.

    Written as the dict Altair would produce for the same chart, not through Altair:
    building and validating the Altair chart, then turning it into this spec, cost the
    page 0.2-0.7 s per run at 100k events (``st.altair_chart`` converts it on every
    run), and Altair names each view afresh, so an unchanged chart looked changed.
    The data are inline, so Streamlit sends the spec as it is (no Arrow conversion).

    >>> spec = timeline_spec({"strike": {dt.date(2023, 3, 1): 2}})
    >>> spec["layer"][0]["data"]["values"][0]["count"], spec["params"][0]["name"]
    (2, 'brush')
    """
    unit, rows = timeline_rows(per_day)
    if not rows:
        return None
    # A linear scale, capped when one spike would flatten the rest: bars above the cap
    # are cut at it (their tooltips keep the count), and the axis title says so.
    totals: dict[str, int] = {}
    for r in rows:
        totals[r["start"]] = totals.get(r["start"], 0) + r["count"]
    ordered = sorted(totals.values())
    usual = ordered[int(0.9 * (len(ordered) - 1))]
    cap = max(3 * usual, 1) if ordered[-1] > 3 * usual else None
    title = f"events per {unit}" + (f" (cut at {cap:,})" if cap else "")
    labels = list(dict.fromkeys(r["label"] for r in rows))
    colors = [layer_style(r["type"]).color for r in {r["label"]: r for r in rows}.values()]
    bars = {
        "data": {"values": rows},
        "mark": {"type": "bar"},
        "encoding": {
            "color": {"field": "label", "legend": {"orient": "right"},
                      "scale": {"domain": labels, "range": colors}, "sort": labels,
                      "title": None, "type": "nominal"},
            "order": {"field": "type", "type": "nominal"},
            "tooltip": [
                {"field": "start", "format": "%Y-%m-%d", "title": unit, "type": "temporal"},
                {"field": "label", "title": "type", "type": "nominal"},
                {"field": "count", "title": "events", "type": "quantitative"}],
            "x": {"axis": {"format": "%Y-%m-%d" if unit != "month" else "%b %Y",
                           "labelAngle": 0, "labelOverlap": True,
                           "tickCount": {"interval": unit, "step": 1}},
                  "field": "start", "title": None, "type": "temporal"},
            "x2": {"field": "end"},
            "y": {"aggregate": "sum", "field": "count",
                  "scale": {"domain": [0, cap], "clamp": True} if cap else {},
                  "title": title, "type": "quantitative"},
        },
        "name": "bars",
    }
    layers: list[dict] = [bars]
    if chosen is not None:
        layers.insert(0, {
            "data": {"values": [{"since": chosen[0].isoformat(),
                                 "until": (chosen[1] + dt.timedelta(days=1)).isoformat()}]},
            "mark": {"type": "rect", "color": "#888", "opacity": 0.12},
            "encoding": {"x": {"field": "since", "type": "temporal"},
                         "x2": {"field": "until"}},
        })
    return {
        "config": {"view": {"stroke": None}},
        "layer": layers,
        "height": 170,
        "params": [{"name": BRUSH, "select": {"type": "interval", "encodings": ["x"]},
                    "views": ["bars"]}],
    }


def brushed_dates(selection: Mapping[str, object]) -> tuple[dt.date, dt.date] | None:
    """Return the first and last day of a brush the page got back, or None.

    Vega-Lite reports an interval over dates as milliseconds since 1970 (UTC).

    Examples
    --------
    >>> brushed_dates({"start": [1677628800000, 1678147200000]})
    (datetime.date(2023, 3, 1), datetime.date(2023, 3, 7))
    >>> brushed_dates({}) is None, brushed_dates({"start": ["x", 1]}) is None
    (True, True)
    """
    span = selection.get("start")
    if not isinstance(span, (list, tuple)) or len(span) != 2:
        return None
    try:
        first, last = sorted(dt.datetime.fromtimestamp(float(ms) / 1000, dt.UTC).date()
                             for ms in span)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    return first, last
