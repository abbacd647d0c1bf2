"""Happenings: the reports of one incident from many articles, merged into one.

``geo.happenings.group`` decides which reports belong together and what the happening
says (place, date, type, actors, fatalities, sources); the store keeps the grouping
up to date as articles arrive (``geo.store.happen``).
"""
