"""What a point on the map says: each event type's colour and symbol, popups, tooltips.

Every text that comes from an article is HTML-escaped here (``popup_html``,
``tooltip_text``); links are kept only for http(s) URLs (``safe_url``).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from geo.events import Event

BASE_RADIUS = 6.0  # px, an event's marker (a catalog quake's is sized by magnitude)
EVIDENCE_CHARS = 600
PRECISION_TEXT = {1: "named town or site", 2: "part of a region, or near a town",
                  3: "large region or country"}


@dataclass(frozen=True, slots=True)
class LayerStyle:
    """How one event type is drawn: its layer name, colour and symbol."""

    label: str
    color: str
    shape: str  # "circle" or a key of SHAPES


LAYER_STYLES: dict[str, LayerStyle] = {
    "earthquake": LayerStyle("Earthquakes", "#e66101", "circle"),
    "military_base": LayerStyle("Military bases", "#1b7837", "square"),
    "strike": LayerStyle("Strikes", "#d7191c", "star"),
    "armed_clash": LayerStyle("Armed clashes", "#7b3294", "cross"),
    "diplomacy": LayerStyle("Diplomacy", "#2166ac", "diamond"),
    "protest": LayerStyle("Protests", "#c51b7d", "triangle"),
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


def safe_url(url: str | None) -> str | None:
    """Return ``url`` if it is an absolute http(s) URL, else None (no javascript:, data:).

    Examples
    --------
    >>> safe_url("https://example.org/a?b=1")
    'https://example.org/a?b=1'
    >>> safe_url("javascript:alert(1)") is None, safe_url("//evil.example") is None
    (True, True)
    """
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    # urlsplit drops tabs and newlines, as browsers do; the link uses what was checked.
    return urlunsplit(parts)


def esc(value: object) -> str:
    """Return ``value`` as text safe in HTML, quotes included."""
    return html.escape(str(value), quote=True)


def _date_text(event: Event) -> str:
    if event.date is None:
        return "date unknown"
    if event.date_precision == "year":
        return f"{event.date.year} (year)"
    if event.date_precision == "month":
        return f"{event.date:%Y-%m} (month)"
    if event.date_precision == "published":
        return f"{event.date.isoformat()} (date of the article)"
    return event.date.isoformat()


def _place_text(event: Event) -> str:
    parts = [event.place]
    if event.admin1 and event.admin1 != event.place:
        parts.append(event.admin1)
    if event.country_code:
        parts.append(event.country_code)
    return ", ".join(p for p in parts if p)


def _precision_text(event: Event) -> str:
    text = PRECISION_TEXT.get(event.geo_precision, "")
    if event.geo_precision >= 2 and event.uncertainty_km > 0:
        text += f", within about {event.uncertainty_km:,.0f} km"
    return f"{text} (precision {event.geo_precision})".lstrip(", ")


def popup_html(event: Event) -> str:
    """Return the popup of one event as HTML, with every text field escaped.

    Shows the type and status, date and its precision, place and location precision,
    the quake's magnitude (for catalog quakes), the evidence sentence, and the article
    title, linked to the source only when the URL is http(s).
    """
    style = layer_style(event.event_type)
    head = f'<b style="color:{style.color}">{esc(style.label)}</b>'
    if event.status != "occurred":
        head += f" &middot; <i>{esc(event.status)}</i>"
    rows = [("Date", _date_text(event)), ("Place", _place_text(event)),
            ("Location", _precision_text(event))]
    if event.magnitude is not None:
        quake = f"M {event.magnitude:.1f}"
        if event.depth_km is not None:
            quake += f", depth {event.depth_km:.0f} km"
        if event.usgs_id:
            quake += f" (USGS {event.usgs_id})"
        rows.append(("Quake", quake))
    elif event.related_quake:
        rows.append(("Quake", f"USGS {event.related_quake}"))
    table = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    evidence = event.evidence.strip()
    if len(evidence) > EVIDENCE_CHARS:
        evidence = evidence[:EVIDENCE_CHARS].rstrip() + "\u2026"
    title = event.article_title.strip() or "(untitled article)"
    url = safe_url(event.source_url)
    if url:
        source = (f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer">'
                  f"{esc(title)}</a>")
    else:
        source = esc(title)
    # The look comes from POPUP_CSS (in the map's header); the markup stays small.
    return (
        f'<div class="cm-pop">{head}<table>{table}</table>'
        f'<blockquote style="border-color:{style.color}">{esc(evidence)}</blockquote>'
        f'<div>Source: {source}</div>'
        f'<div class="cm-dim">confidence {event.confidence:.2f}</div></div>'
    )


def tooltip_text(event: Event, more: int = 0) -> str:
    """Return a one-line, escaped tooltip: type, place and date (and how many more)."""
    text = f"{layer_style(event.event_type).label}: {event.place}"
    if event.date:
        text += f", {event.date.isoformat()}"
    if event.magnitude is not None:
        text += f", M {event.magnitude:.1f}"
    if more:
        text += f" (+{more} more here)"
    return esc(text)
