"""The dashboard's timeline: events per day by type, as a small self-contained SVG.

A stacked bar per day (per week or month over longer spans) in the map's layer colours,
a legend with each type's total, and a title per bar (shown on hover where the SVG is
opened as a document; the app shows it as an image). Plain SVG, so the page needs no
charting library: a Vega-Lite chart cost the browser about 0.4 s of every page load, on
the same thread that draws the map (benchmarks/README.md, "Dashboard"). Every text in
it is escaped, though only type labels, dates and counts ever reach it.
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


def binned(per_day: Mapping[str, Mapping[dt.date, int]]) -> tuple[str, list[dt.date],
                                                                   dict[str, list[int]]]:
    """Return the bin unit, the bins' first days, and each type's count per bin.

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
    unit = "day" if span <= DAY_BINS_UP_TO else "week" if span <= WEEK_BINS_UP_TO else "month"
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
