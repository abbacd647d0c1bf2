"""Doctest collection over ``geo/``: the PostGIS modules need psycopg (the ``postgis``
extra); without it they are left out instead of failing to import."""

import importlib.util

collect_ignore = [] if importlib.util.find_spec("psycopg") else [
    "geo/store/pgsql.py", "geo/store/postgis.py"]
