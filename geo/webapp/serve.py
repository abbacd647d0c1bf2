"""Start the dashboard: ``geo serve`` / ``python -m geo.webapp [SCRIPT.py] [options]``.

The same as ``streamlit run SCRIPT.py [options]`` (the script is the package's own page,
``geo/webapp/page.py``, unless another is named, such as a checkout's ``app.py``, which
``make run`` names), except that the modules the page needs are imported before the
server starts listening. Streamlit imports them during the first page it serves
otherwise, which made the first visitor after a start wait ~1 s longer than everyone
after (benchmarks/README.md, "Dashboard").
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

PAGE = Path(__file__).resolve().parent / "page.py"
# What the page needs from Streamlit wherever it is started (a checkout's
# .streamlit/config.toml says the same): Leaflet is served from static/ (no CDN), the
# upload limit matches geo.limits, the map's script is compressed, and the server
# listens on this machine only unless told otherwise (--server.address 0.0.0.0).
DEFAULTS = {
    "server.address": "127.0.0.1",
    "server.enableStaticServing": "true",
    "server.maxUploadSize": "5",
    "server.enableWebsocketCompression": "true",
    "browser.gatherUsageStats": "false",
    # The reader's page, not a developer's: no "Deploy" button, no developer menu.
    "client.toolbarMode": "minimal",
}


def preload() -> None:
    """Import what the page and the first page's elements import, and make the base map.

    Not streamlit_folium itself: importing it declares its component, which only works
    once Streamlit's runtime exists (the frame then gets a 404). Its weight is folium.
    """
    import folium  # noqa: F401
    import pandas  # noqa: F401
    import pyarrow  # noqa: F401  (st.dataframe)
    from PIL import Image  # noqa: F401  (st.image)

    import geo.export  # noqa: F401
    import geo.pipeline  # noqa: F401
    import geo.render.maps
    import geo.render.timeline  # noqa: F401
    import geo.webapp.data  # noqa: F401
    from geo.render.labels import place_labels

    # What every map draws, made once per process: the place names (GeoNames' cities,
    # ~0.4 s to read) and the outlines' script.
    place_labels()
    geo.render.maps.base_map()


def streamlit_argv(argv: Sequence[str]) -> list[str]:
    """Return Streamlit's command line for ``argv``: a script (default the page), options.

    Examples
    --------
    Options the caller does not give are taken from ``DEFAULTS``.

    Examples
    --------
    >>> streamlit_argv(["app.py", "--server.address", "0.0.0.0"])[:5]
    ['streamlit', 'run', 'app.py', '--server.address', '0.0.0.0']
    >>> argv = streamlit_argv([])
    >>> argv[2] == str(PAGE), "--server.address=127.0.0.1" in argv
    (True, True)
    """
    args = list(argv)
    script = args.pop(0) if args and args[0].endswith(".py") else str(PAGE)
    given = {arg.removeprefix("--").split("=", 1)[0] for arg in args if arg.startswith("--")}
    defaults = [f"--{key}={value}" for key, value in DEFAULTS.items() if key not in given]
    return ["streamlit", "run", script, *args, *defaults]


def main(argv: Sequence[str] | None = None) -> int:
    from streamlit.web import cli

    from geo.render.assets import install_static_assets

    preload()
    sys.argv = streamlit_argv(sys.argv[1:] if argv is None else argv)
    # Streamlit serves the static/ folder beside the script, and only one that exists
    # when it starts: put Leaflet there first (the page does it again, for AppTest).
    install_static_assets(Path(sys.argv[2]).resolve().parent / "static")
    return int(cli.main() or 0)


if __name__ == "__main__":
    sys.exit(main())
