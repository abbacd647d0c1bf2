"""conflict-map: news articles in, places and events on a map out."""

from geo.geoparse import Toponym, geoparse, geoparse_baseline

__all__ = ["Toponym", "geoparse", "geoparse_baseline"]
