"""Offline map assets: Leaflet and its plugins from the XStatic packages, and the basemap.

The map must work with no internet, so nothing it needs may come from a CDN. Leaflet and
Leaflet.markercluster ship on PyPI as XStatic packages; ``install_static_assets`` copies
the files the map uses into a folder the app serves (Streamlit serves ``./static/`` at
``app/static/`` when ``server.enableStaticServing`` is true), and ``asset_urls`` names
them under a base URL, for ``geo.render.maps.build_map`` to point the map at.

The default basemap is a country-outline layer drawn from ``geo/data/basemap/countries.geojson``,
which ``write_basemap`` generates from countryinfo's outlines, simplified with shapely
(run ``python -m geo.render.assets`` to regenerate it). countryinfo has no outline for a few
countries (Hungary, Serbia, Montenegro, Myanmar, Palestine); those gaps are filled from
the Natural Earth low-resolution countries (public domain) that pyogrio ships as a test
fixture, when that file is installed at generation time.
"""

from __future__ import annotations

import filecmp
import json
import shutil
from functools import lru_cache
from importlib import import_module, resources
from pathlib import Path
from typing import Any

from geo.errors import GeoError
from geo.files import package_file, replacing

# The shipped basemap (package data); write_basemap regenerates it in a source checkout.
BASEMAP_PATH = Path(str(package_file("basemap", "countries.geojson")))

# Local path under the static folder -> (XStatic module, file inside its BASE_DIR).
# leaflet.css refers to images/layers.png (the layer control's icon), so the images
# keep their place beside it.
STATIC_FILES: dict[str, tuple[str, str]] = {
    "leaflet/leaflet.js": ("xstatic.pkg.leaflet", "leaflet.js"),
    "leaflet/leaflet.css": ("xstatic.pkg.leaflet", "leaflet.css"),
    "leaflet/images/layers.png": ("xstatic.pkg.leaflet", "images/layers.png"),
    "leaflet/images/layers-2x.png": ("xstatic.pkg.leaflet", "images/layers-2x.png"),
    "leaflet/images/marker-icon.png": ("xstatic.pkg.leaflet", "images/marker-icon.png"),
    "leaflet/images/marker-icon-2x.png": ("xstatic.pkg.leaflet", "images/marker-icon-2x.png"),
    "leaflet/images/marker-shadow.png": ("xstatic.pkg.leaflet", "images/marker-shadow.png"),
    "leaflet.markercluster/leaflet.markercluster.js": (
        "xstatic.pkg.leaflet_markercluster", "leaflet.markercluster.js"),
    "leaflet.markercluster/MarkerCluster.css": (
        "xstatic.pkg.leaflet_markercluster", "MarkerCluster.css"),
    "leaflet.markercluster/MarkerCluster.Default.css": (
        "xstatic.pkg.leaflet_markercluster", "MarkerCluster.Default.css"),
}

# Asset name -> local path; the names are the keys folium uses for the same files.
ASSETS: dict[str, str] = {
    "leaflet": "leaflet/leaflet.js",
    "leaflet_css": "leaflet/leaflet.css",
    "markerclusterjs": "leaflet.markercluster/leaflet.markercluster.js",
    "markerclustercss": "leaflet.markercluster/MarkerCluster.css",
    "markerclusterdefaultcss": "leaflet.markercluster/MarkerCluster.Default.css",
}


class AssetError(GeoError, RuntimeError):
    """An offline map asset (an XStatic package, the basemap) is missing."""


def asset_urls(base: str = "app/static") -> dict[str, str]:
    """Return the URL of each map asset under ``base``, keyed by folium's asset names.

    Examples
    --------
    >>> asset_urls("app/static")["leaflet"]
    'app/static/leaflet/leaflet.js'
    >>> asset_urls("/app/static/")["markerclustercss"]
    '/app/static/leaflet.markercluster/MarkerCluster.css'
    """
    base = base.rstrip("/")
    return {name: f"{base}/{path}" if base else path for name, path in ASSETS.items()}


def source_path(local: str) -> Path:
    """Return the packaged file that is served as ``local`` (a key of STATIC_FILES)."""
    module_name, name = STATIC_FILES[local]
    try:
        module = import_module(module_name)
    except ImportError as err:
        package = "xstatic-" + module_name.rsplit(".", 1)[1].replace("_", "-")
        raise AssetError(f"{module_name} is not installed; pip install {package}") from err
    path = Path(module.BASE_DIR) / name
    if not path.is_file():
        raise AssetError(f"{path} is missing from {module_name}")
    return path


def install_static_assets(static_dir: Path) -> list[Path]:
    """Copy Leaflet's and the plugins' files into ``static_dir``; return their paths.

    Idempotent: a file already in place with the same content is left alone, so the app
    can call this at every start. Files are written to a temporary name and renamed, so
    a browser never reads half a file while another process installs.
    """
    static_dir = Path(static_dir)
    out = []
    for local in STATIC_FILES:
        src = source_path(local)
        dest = static_dir / local
        if not (dest.is_file() and filecmp.cmp(src, dest, shallow=False)):
            with replacing(dest) as tmp:
                shutil.copyfile(src, tmp)
        out.append(dest)
    return out


# --- the basemap --------------------------------------------------------------------

@lru_cache(maxsize=1)
def _basemap_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def load_basemap(path: Path | None = None) -> dict[str, Any]:
    """Return the country-outline FeatureCollection (a fresh dict on every call).

    Reads the generated file; if it is missing (a fresh checkout that never ran the
    generator is not one: the file is committed), builds the outlines in memory.
    """
    path = Path(path) if path else BASEMAP_PATH
    if path.is_file():
        return json.loads(_basemap_text(path))
    if path != BASEMAP_PATH:
        raise AssetError(f"basemap {str(path)!r} not found")
    return build_basemap()


def build_basemap(tolerance: float = 0.02, decimals: int = 3) -> dict[str, Any]:
    """Build country outlines from countryinfo (gaps from Natural Earth), simplified.

    Parameters
    ----------
    tolerance
        Douglas-Peucker tolerance in degrees (0.02 deg is about 2 km), topology kept.
    decimals
        Coordinates are rounded to this many decimals (3 is about 100 m).
    """
    import pycountry
    import shapely  # type: ignore[import-untyped]  # no stubs
    from countryinfo import CountryInfo
    from shapely.geometry import mapping, shape  # type: ignore[import-untyped]

    features = []
    covered = []
    for info in sorted(CountryInfo.all().values(), key=lambda c: c.get("name", "")):
        geojson = info.get("geoJSON") or {}
        iso = info.get("ISO") or {}
        for feature in geojson.get("features", []):
            geom = shape(feature["geometry"])
            if geom.is_empty:
                continue
            covered.append(geom)
            features.append((info.get("name", ""), iso.get("alpha2", ""), iso.get("alpha3", ""),
                             geom))
    for name, iso3, geom in _natural_earth_gaps(covered):
        found = pycountry.countries.get(alpha_3=iso3) if iso3 else None
        features.append((name, found.alpha_2 if found else "", iso3, geom))

    out: list[dict[str, Any]] = []
    for name, iso2, iso3, geom in features:
        geom = shapely.simplify(shapely.make_valid(geom), tolerance, preserve_topology=True)
        if geom.is_empty:
            continue
        out.append({
            "type": "Feature",
            "properties": {"name": name, "iso_a2": iso2, "iso_a3": iso3},
            "geometry": _rounded(mapping(geom), decimals),
        })
    out.sort(key=lambda f: f["properties"]["name"])
    return {"type": "FeatureCollection", "features": out}


def _natural_earth_gaps(covered: list) -> list[tuple[str, str, Any]]:
    """Return Natural Earth countries that the countryinfo outlines do not cover."""
    try:
        path = Path(str(resources.files("pyogrio").joinpath(
            "tests", "fixtures", "naturalearth_lowres", "naturalearth_lowres.shp")))
    except ModuleNotFoundError:
        return []
    if not path.is_file():
        return []
    import shapely
    from pyogrio.raw import read  # type: ignore[import-untyped]  # no stubs

    meta, _, wkb, fields = read(path)
    names = dict(zip(meta["fields"], fields, strict=True))
    union = shapely.union_all([shapely.make_valid(g) for g in covered])
    out = []
    for i, geom in enumerate(shapely.from_wkb(wkb)):
        geom = shapely.make_valid(geom)
        # A country counts as missing when countryinfo's outlines cover little of it.
        if geom.area and shapely.intersection(geom, union).area / geom.area < 0.1:
            iso3 = str(names["iso_a3"][i])
            out.append((str(names["name"][i]), "" if iso3 == "-99" else iso3, geom))
    return out


def _rounded(geometry: dict[str, Any], decimals: int) -> dict[str, Any]:
    def walk(coords: Any) -> Any:
        if isinstance(coords[0], int | float):
            return [round(c, decimals) for c in coords]
        return [walk(c) for c in coords]

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def write_basemap(path: Path = BASEMAP_PATH) -> Path:
    """Write the country-outline GeoJSON to ``path`` (compact JSON); return the path."""
    text = json.dumps(build_basemap(), ensure_ascii=False, separators=(",", ":"))
    with replacing(path) as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")
    _basemap_text.cache_clear()
    return path


if __name__ == "__main__":
    written = write_basemap()
    print(f"wrote {written} ({written.stat().st_size / 1e6:.2f} MB)")
