"""conflict-map: news articles in, places and events on a map out.

The public API, re-exported from the stages that define it::

    articles -> places (geo.places) -> events (geo.events) -> store (geo.store) -> map

Names are imported on first use, so ``import geo`` stays cheap: it loads no stage, no
gazetteer and no optional package until one of these is asked for. ``geo.export`` is the
export function; its module is ``importlib.import_module("geo.export")``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from geo.events.extract import extract_events
    from geo.export import export
    from geo.ingest.read import read_inputs
    from geo.model import Article, Event, EventQuery, Failure, Toponym
    from geo.places.geoparse import geoparse
    from geo.store import open_store

# Public name -> the module that defines it.
_EXPORTS = {
    "Article": "geo.model",
    "Event": "geo.model",
    "EventQuery": "geo.model",
    "Failure": "geo.model",
    "Toponym": "geo.model",
    "geoparse": "geo.places.geoparse",
    "read_inputs": "geo.ingest.read",
    "extract_events": "geo.events.extract",
    "open_store": "geo.store",
    "export": "geo.export",
}

__all__ = [
    "Article",
    "Event",
    "EventQuery",
    "Failure",
    "Toponym",
    "export",
    "extract_events",
    "geoparse",
    "open_store",
    "read_inputs",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'geo' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
