"""What a point on the map says: popups and tooltips.

Every text that comes from an article is HTML-escaped here (``geo.render.escape.esc``);
links are kept only for http(s) URLs (``safe_url``).
"""

from __future__ import annotations

from collections.abc import Sequence

from geo.model import Event
from geo.render.escape import esc, safe_url
from geo.render.styles import PRECISION_TEXT, layer_style

EVIDENCE_CHARS = 600


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


def fatalities_text(fatalities: int | None) -> str:
    """Return a fatality count as the popup says it ("" when the text does not say).

    Examples
    --------
    >>> fatalities_text(None), fatalities_text(0), fatalities_text(1200)
    ('', 'none reported', '1,200')
    """
    if fatalities is None:
        return ""
    return f"{fatalities:,}" if fatalities else "none reported"


def actor_rows(event: Event) -> list[tuple[str, str]]:
    """Return ``(label, text)`` of the event's actors and fatalities that the text gives.

    actor1 acted; actor2 was targeted or fought back or, in talks, is the other party.

    Examples
    --------
    >>> import datetime as dt
    >>> from collections.abc import Sequence

from geo.model import Event
    >>> talks = Event("d1", "diplomacy", None, None, "occurred", None, "published", "Ankara",
    ...     39.9, 32.9, None, "TR", "", 1, 5.0, "Talks.", 0, 6, "a1", "T", None, None, 0.9,
    ...     actor1="Turkey", actor2="Syria", fatalities=0)
    >>> actor_rows(talks)
    [('Actor', 'Turkey'), ('With', 'Syria'), ('Fatalities', 'none reported')]
    """
    rows = []
    if event.actor1:
        rows.append(("Actor", event.actor1))
    if event.actor2:
        rows.append(("With" if event.event_type == "diplomacy" else "Against", event.actor2))
    if event.fatalities is not None:
        rows.append(("Fatalities", fatalities_text(event.fatalities)))
    return rows


MAX_SOURCES = 8  # sources listed in a happening's popup; the rest counted


def popup_html(event: Event, sources: Sequence[tuple[str, str | None]] = ()) -> str:
    """Return the popup of one event as HTML, with every text field escaped.

    Shows the type and status, date and its precision, place and location precision,
    the actors and fatalities (when the text gives them), the quake's magnitude (for
    catalog quakes), the evidence sentence, and the article title, linked to the source
    only when the URL is http(s). A happening told by several articles lists them
    (``sources``: title and URL of each), each linked the same way.
    """
    style = layer_style(event.event_type)
    head = f'<b style="color:{style.color}">{esc(style.label)}</b>'
    if event.status != "occurred":
        head += f" &middot; <i>{esc(event.status)}</i>"
    rows = [("Date", _date_text(event)), ("Place", _place_text(event)),
            ("Location", _precision_text(event)), *actor_rows(event)]
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
    source = _link(title, event.source_url)
    if len(sources) > 1:
        items = "".join(f"<li>{_link(t.strip() or '(untitled article)', u)}</li>"
                        for t, u in sources[:MAX_SOURCES])
        more = len(sources) - MAX_SOURCES
        if more > 0:
            items += f'<li class="cm-dim">and {more} more</li>'
        source = f"{len(sources)} reports<ul>{items}</ul>"
    if event.review_status != "unreviewed":
        rows.append(("Review", event.review_status))
        table = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    # The look comes from POPUP_CSS (in the map's header); the markup stays small.
    return (
        f'<div class="cm-pop">{head}<table>{table}</table>'
        f'<blockquote style="border-color:{style.color}">{esc(evidence)}</blockquote>'
        f'<div>Source: {source}</div>'
        f'<div class="cm-dim">confidence {event.confidence:.2f}</div></div>'
    )


def _link(title: str, url: str | None) -> str:
    """Return an escaped title, linked only to an http(s) URL."""
    safe = safe_url(url)
    if safe:
        return (f'<a href="{esc(safe)}" target="_blank" rel="noopener noreferrer">'
                f"{esc(title)}</a>")
    return esc(title)


def tooltip_text(event: Event, more: int = 0) -> str:
    """Return a one-line, escaped tooltip: type, place and date (and how many more)."""
    text = f"{layer_style(event.event_type).label}: {event.place}"
    if event.date:
        text += f", {event.date.isoformat()}"
    if event.magnitude is not None:
        text += f", M {event.magnitude:.1f}"
    if event.sources > 1:
        text += f", {event.sources} sources"
    if more:
        text += f" (+{more} more here)"
    return esc(text)
