"""The Streamlit page: its state (filters <-> URL), the data it shows, the page itself
and how to serve it (``python -m geo.webapp`` or ``geo serve``).

Only this package imports streamlit, and only ``page`` does at import time.
"""
