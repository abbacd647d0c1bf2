"""Start the dashboard: ``python -m geo.serve [streamlit run options]``.

The same as ``streamlit run app.py [options]`` (what ``make run`` calls), except that the
modules the page needs are imported before the server starts listening. Streamlit
imports them during the first page it serves otherwise, which made the first visitor
after a start wait ~1 s longer than everyone after (benchmarks/README.md,
"Dashboard").
"""

from __future__ import annotations

import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app.py"


def preload() -> None:
    """Import what app.py and the first page's elements import (nothing else runs).

    Not streamlit_folium itself: importing it declares its component, which only works
    once Streamlit's runtime exists (the frame then gets a 404). Its weight is folium.
    """
    import folium  # noqa: F401
    import pandas  # noqa: F401
    import pyarrow  # noqa: F401  (st.dataframe)
    from PIL import Image  # noqa: F401  (st.image)

    import geo.dashboard  # noqa: F401
    import geo.export  # noqa: F401
    import geo.livemap  # noqa: F401
    import geo.pipeline  # noqa: F401
    import geo.timeline  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    from streamlit.web import cli

    preload()
    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
