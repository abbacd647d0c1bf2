"""``python -m geo.webapp [SCRIPT.py] [streamlit options]``: start the dashboard."""

import sys

from geo.webapp.serve import main

# A worker process started with "spawn" imports the parent's main module again (as
# __mp_main__): only a real start runs the server.
if __name__ == "__main__":
    sys.exit(main())
