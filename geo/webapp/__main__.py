"""``python -m geo.webapp [SCRIPT.py] [streamlit options]``: start the dashboard."""

import sys

from geo.webapp.serve import main

sys.exit(main())
