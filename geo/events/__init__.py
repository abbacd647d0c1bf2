"""Events: an article's sentences, places and dates -> typed, dated, sourced events.

``extract`` finds the events of an article (triggers, place choice, status, dates);
``quakes`` reads USGS catalogues and links reported earthquakes to catalog quakes.
"""
