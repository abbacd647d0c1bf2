"""Extraction for the page in a worker process.

Extracting a large upload is seconds of pure Python. Run on the page's script thread it
would hold the interpreter lock that every other visitor's page needs (a 594 kB upload
made other page loads go from 1.3 s to 7-10 s), so the page hands articles to one
worker process, which loads the gazetteer once and extracts there.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from geo.model import Article, Event

# A worker that takes longer than this on one article is given up on (the article is
# reported as failed); at the page's 5 MB cap extraction takes well under a minute.
EXTRACT_TIMEOUT_S = 300.0


def start_pool() -> ProcessPoolExecutor:
    """Return a pool of one worker process, started fresh ("spawn": the server has
    threads, which "fork" would copy in an unknown state)."""
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))


def extract_one(article: Article) -> list[Event]:
    """Return an article's events; runs in the worker (the gazetteer is cached there)."""
    from geo.events.extract import extract_events
    from geo.places.gazetteer import load_gazetteer

    return extract_events(article, gazetteer=load_gazetteer())


def place_candidates(name: str, limit: int = 10) -> list[dict]:
    """Return the gazetteer entries for a name, most prominent first (for a move).

    Runs in the worker too, so the page process never loads the gazetteer.
    """
    from geo.places.gazetteer import load_gazetteer

    return [
        {"name": p.name, "lat": p.lat, "lon": p.lon, "geonameid": p.geonameid,
         "country_code": p.country_code, "admin1": p.admin1_name, "feature": p.feature,
         "uncertainty_km": p.uncertainty_km}
        for p in load_gazetteer().lookup(name)[:limit]
    ]
