"""Reading a built folium map in tests: walk its elements, count its event markers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import folium
from branca.element import Element

from geo.render.elements import EventMarkers


def walk(element: Element) -> Iterator[Element]:
    """Yield ``element`` and everything below it, depth first."""
    yield element
    for child in element._children.values():
        yield from walk(child)


def layer_counts(m: folium.Map | Iterable[Element]) -> dict[str, int]:
    """Return the number of events drawn in each event layer, keyed by layer name.

    ``m`` is a map, or the layers of one (``geo.render.maps.MapParts.layers``).
    """
    out = {}
    children = m._children.values() if isinstance(m, folium.Map) else m
    for child in children:
        if isinstance(child, folium.FeatureGroup) and getattr(child, "event_type", None):
            out[child.layer_name] = sum(e.n_events for e in walk(child)
                                        if isinstance(e, EventMarkers))
    return out
