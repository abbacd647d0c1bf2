"""conflict-map dashboard, run from a checkout: ``make run`` (or ``streamlit run app.py``).

The page itself is ``geo.webapp.page`` (so an installed package has it too: ``geo
serve``); this script gives it the checkout's folders: ``static/`` beside this file,
which Streamlit serves, and the demo store ``data/demo.sqlite`` that ``make demo`` builds.
"""

from pathlib import Path

from geo.webapp.page import main

HERE = Path(__file__).resolve().parent

# Streamlit runs this file as __main__. A process that only imports it (multiprocessing
# spawns children that re-import the parent's main script, which AppTest sets to this
# file) must not run the page: outside Streamlit, that opened, and so created, an empty
# demo store.
if __name__ == "__main__":
    main(HERE / "static", demo_store=HERE / "data" / "demo.sqlite")
