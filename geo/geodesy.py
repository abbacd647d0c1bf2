"""Distances on the Earth, and the degree constants the stages share."""

from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG)
# One degree of latitude (or of longitude at the equator), rounded: for the size of boxes
# and radii (regions, map grid cells), not for distances (haversine_km).
KM_PER_DEGREE = 111.0
MAX_DISTANCE_KM = 20039  # half the Earth's circumference: the largest possible distance


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance in km between two ``lat, lon`` points.

    Examples
    --------
    >>> round(haversine_km(0.0, 0.0, 0.0, 1.0), 3)
    111.195
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))
