"""Places: the offline gazetteer (index and its build), name spans, geoparsing, geocoders.

Text goes in, :class:`geo.model.Toponym` comes out (``geoparse``); ``geocoders`` puts
the gazetteer behind geopy's interface beside the online services.
"""
