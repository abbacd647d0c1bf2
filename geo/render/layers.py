"""The event layers of a map: one overlay per event type, the density view, the legend.

A layer's markers are one JSON array turned into markers by a short loop in the browser
(``geo.render.elements.EventMarkers``): folium's per-marker elements cost about 1 ms and
1.3 kB each, which makes thousands of events slow. Events sharing a point within a
layer (many reports placed at a country's centroid) are one marker whose popup lists
them, so none hides under another.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

import folium
from folium.plugins import MarkerCluster

from geo.model import EVENT_TYPES, Event
from geo.render.elements import (
    SHAPES,
    DensityCells,
    EventMarkers,
    OrderedLayerControl,
    UncertaintyCircles,
)
from geo.render.escape import esc
from geo.render.popups import popup_html, tooltip_text
from geo.render.styles import (
    BASE_RADIUS,
    CENTRE_RADIUS,
    CLUSTERED_AREAS_MIN_ZOOM,
    DENSITY_CELL_DEG,
    DENSITY_COLORS,
    FILLED,
    HOLLOW,
    LAYER_STYLES,
    MAX_POPUP_EVENTS,
    UNCERTAINTY_STYLE,
    LayerStyle,
    layer_style,
    quake_radius,
)


def event_counts(points: Sequence[Event], weights: Mapping[str, int]) -> Counter:
    """Return the events per type that ``points`` stand for."""
    counts: Counter = Counter()
    for e in points:
        counts[e.event_type] += weights.get(e.event_id, 1)
    return counts


def layer_order(events: Sequence[Event]) -> list[str]:
    """Return the event types present in the legend's order: ``EVENT_TYPES``'s, others last.

    The map draws the layers in the reverse order (``draw_order``), so the first lie on
    top.
    """
    present = {e.event_type for e in events}
    return [t for t in EVENT_TYPES if t in present] + sorted(present - set(EVENT_TYPES))


def draw_order(order: Sequence[str]) -> list[str]:
    """Return the order to add layers to the map in: the legend's first drawn last, on top.

    Violent events then stay clickable over strategic developments, and the large
    markers of catalog quakes lie underneath everything.

    Examples
    --------
    >>> draw_order(["strike", "protest", "earthquake"])
    ['earthquake', 'protest', 'strike']
    """
    return list(reversed(order))


def layer_control(order: Sequence[str]) -> OrderedLayerControl:
    """Return the layer control, listing the event layers in the legend's ``order``."""
    return OrderedLayerControl([layer_style(t).label for t in order], collapsed=True,
                               position="topright")


def event_layer(event_type: str, events: list[Event], urls: dict[str, str],
                cluster_threshold: int,
                weights: Mapping[str, int] | None = None,
                sources: Mapping[str, Sequence[tuple[str, str | None]]] | None = None
                ) -> folium.FeatureGroup:
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

    rows = _marker_rows(events, weights, sources or {})
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


def _marker_rows(events: list[Event], weights: Mapping[str, int],
                 sources: Mapping[str, Sequence[tuple[str, str | None]]]) -> list[list]:
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
        popup = "".join(popup_html(e, sources.get(e.event_id, ())) for e in shown)
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
    for key in sorted(cells, key=lambda cell: totals[cell]):
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
