"""Map points for any number of events: merged per grid cell inside the store.

Up to ``MAP_POINT_LIMIT`` events are their own points. Above it, events of a type are
merged per grid cell by the store (``Store.grid_cells``), so the events themselves are
never loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from geo.geodesy import KM_PER_DEGREE
from geo.model import Event, EventQuery
from geo.store.base import GridCell, Store

MAP_POINT_LIMIT = 2_000  # markers drawn before events are merged per grid cell
FINE_CELL_DEG = 0.1  # the smallest grid cell events are merged in


def map_points(store: Store, query: EventQuery,
               limit: int = MAP_POINT_LIMIT) -> tuple[list[Event], dict[str, int]]:
    """Return at most ``limit`` map points for the events ``query`` selects.

    Returns the points and, for each merged point (by ``event_id``), how many events it
    stands for (``geo.render.maps.build_map``'s ``weights``).

    Up to ``limit`` events are their own points. Above it, events of a type are merged
    per grid cell, in the store (``Store.grid_cells``), so the events themselves are
    never loaded: cells start at 0.1 degree and double until the points fit. A merged
    point sits at its events' mean position, says how many it stands for, and keeps
    the evidence of its lead event (the largest magnitude, then the most confident), so
    a cell of catalog quakes is still sized by its strongest.
    """
    if store.count(query) <= limit:
        return store.query(query), {}
    cells, cell_deg = coarsen(store.grid_cells(FINE_CELL_DEG, query), FINE_CELL_DEG, limit)
    leads = {e.event_id: e for e in store.get_events([c.lead_id for c in cells])}
    points = [merged_point(c, leads[c.lead_id], cell_deg) for c in cells]
    return points, {p.event_id: c.count for p, c in zip(points, cells, strict=True)
                    if c.count > 1}


def coarsen(cells: Sequence[GridCell], cell_deg: float,
            limit: int) -> tuple[list[GridCell], float]:
    """Merge grid cells four at a time until at most ``limit`` are left.

    Returns the cells and their size in degrees. Counts add up, positions are the
    count-weighted mean, the lead is the one with the higher score.

    Examples
    --------
    >>> a = GridCell("strike", 0, 0, 1, 1.0, 1.0, "a", 0.5)
    >>> b = GridCell("strike", 1, 1, 3, 2.0, 2.0, "b", 0.9)
    >>> coarsen([a, b], 0.1, 1)
    ([GridCell(event_type='strike', row=0, col=0, count=4, lat=1.75, lon=1.75, \
lead_id='b', lead_score=0.9)], 0.2)
    """
    factor = 1
    while True:
        merged: dict[tuple[str, int, int], list] = {}
        for c in cells:
            key = (c.event_type, c.row // factor, c.col // factor)
            acc = merged.get(key)
            if acc is None:
                merged[key] = [c.count, c.lat * c.count, c.lon * c.count, c.lead_id, c.lead_score]
                continue
            acc[0] += c.count
            acc[1] += c.lat * c.count
            acc[2] += c.lon * c.count
            if c.lead_score > acc[4]:
                acc[3], acc[4] = c.lead_id, c.lead_score
        if len(merged) <= limit:
            return [GridCell(t, r, col, n, sum_lat / n, sum_lon / n, lead, score)
                    for (t, r, col), (n, sum_lat, sum_lon, lead, score) in merged.items()
                    ], cell_deg * factor
        factor *= 2


def merged_point(cell: GridCell, lead: Event, cell_deg: float) -> Event:
    """Return the map point of a grid cell: its lead event, moved and relabelled."""
    if cell.count == 1:
        return lead
    label = cell.event_type.replace("_", " ")
    return replace(
        lead, event_id=f"cell:{cell.event_type}:{cell.row}:{cell.col}",
        lat=round(cell.lat, 5), lon=round(cell.lon, 5),
        place=f"{cell.count} {label} events around {lead.place}",
        geo_precision=max(2, lead.geo_precision),
        uncertainty_km=round(cell_deg * KM_PER_DEGREE / 2, 1),
        evidence=f"{cell.count} events merged on this zoomed-out map; the most notable: "
                 f"{lead.evidence}",
    )
