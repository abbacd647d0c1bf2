"""conflict-map: news articles in, places and events on a map out."""

from geo.geoparse import Toponym, geoparse

__all__ = ["Toponym", "geoparse"]
