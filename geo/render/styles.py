"""How each layer looks: its colour, symbol and label; marker sizes; precision words."""

from __future__ import annotations

import math
from dataclasses import dataclass

BASE_RADIUS = 6.0  # px, an event's marker (a catalog quake's is sized by magnitude)
PRECISION_TEXT = {1: "named town or site", 2: "part of a region, or near a town",
                  3: "large region or country"}


@dataclass(frozen=True, slots=True)
class LayerStyle:
    """How one event type is drawn: its layer name, colour and symbol."""

    label: str
    color: str
    shape: str  # "circle" or a key of SHAPES


# In the legend's order (geo.model.EVENT_TYPES). The symbol tells the family (stars:
# explosions and remote violence; crosses: violence against people; triangles: crowds;
# squares: strategic developments), the colour the layer within it. Layers sharing a
# symbol differ in lightness and on the blue-yellow axis, which colour-blind readers
# (deuteranopia, protanopia) keep: red and near-black stars, purple and dark red
# crosses, magenta and dark orange triangles, green and teal squares.
LAYER_STYLES: dict[str, LayerStyle] = {
    "armed_clash": LayerStyle("Armed clashes", "#7b3294", "cross"),
    "strike": LayerStyle("Strikes", "#d7191c", "star"),
    "explosion": LayerStyle("Bombs and IEDs", "#252525", "star"),
    "violence_against_civilians": LayerStyle("Violence against civilians", "#67001f", "cross"),
    "riot": LayerStyle("Riots", "#b35806", "triangle"),
    "protest": LayerStyle("Protests", "#c51b7d", "triangle"),
    "military_base": LayerStyle("Military bases", "#1b7837", "square"),
    "diplomacy": LayerStyle("Diplomacy", "#2166ac", "diamond"),
    "strategic_development": LayerStyle("Other strategic developments", "#35978f", "square"),
    "earthquake": LayerStyle("Earthquakes", "#e66101", "circle"),
}
DEFAULT_COLOR = "#525252"

def layer_style(event_type: str) -> LayerStyle:
    """Return the style of an event type; a type without one gets grey circles.

    Examples
    --------
    >>> layer_style("strike").label
    'Strikes'
    >>> layer_style("cyber_attack")
    LayerStyle(label='Cyber attack', color='#525252', shape='circle')
    """
    if event_type in LAYER_STYLES:
        return LAYER_STYLES[event_type]
    label = event_type.replace("_", " ").strip().capitalize() or "Other events"
    return LayerStyle(label, DEFAULT_COLOR, "circle")


def quake_radius(magnitude: float | None) -> float:
    """Return the marker radius in pixels for a quake: doubles every 2 magnitude units.

    Examples
    --------
    >>> quake_radius(4.0), quake_radius(6.0), quake_radius(8.0)
    (4.0, 8.0, 16.0)
    >>> quake_radius(None)
    6.0
    """
    if magnitude is None or not math.isfinite(magnitude):
        return BASE_RADIUS
    return round(min(28.0, max(3.0, 2.0 ** (magnitude / 2.0))), 1)


# The map's drawing: outlines, uncertainty circles, hollow (planned, denied) markers,
# the density view.
OUTLINE_STYLE = {"color": "#8a8f94", "weight": 0.7, "fillColor": "#f6f4ef", "fillOpacity": 1.0}
UNCERTAINTY_STYLE = {"weight": 1, "opacity": 0.55, "fillOpacity": 0.07, "dashArray": "4 4",
                     "interactive": False}
FILLED, HOLLOW = 0.75, 0.12
CENTRE_RADIUS = 3.5  # the centre marker of an event placed only to a region
MAX_POPUP_EVENTS = 25  # events listed in the popup of one point
DENSITY_CELL_DEG = 0.5
CLUSTERED_AREAS_MIN_ZOOM = 7  # a clustered layer shows uncertainty circles from this zoom

DENSITY_COLORS = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
