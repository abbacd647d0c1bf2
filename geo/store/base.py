"""The Store protocol and the values its reads return, whatever the backend."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Protocol, Self

from geo.model import Article, Event, EventQuery


@dataclasses.dataclass(frozen=True, slots=True)
class StoreSummary:
    """What is in a store, for a filter panel: counts, date span, countries, sources."""

    events: int
    first: dt.date | None  # earliest event date (undated events aside)
    last: dt.date | None
    countries: tuple[str, ...]  # ISO alpha-2 codes that have events
    sources: int  # articles (and the quake catalog) that have events


@dataclasses.dataclass(frozen=True, slots=True)
class GridCell:
    """The events of one type in one grid cell (``SQLiteStore.grid_cells``)."""

    event_type: str
    row: int  # cell index from 90 S
    col: int  # cell index from 180 W
    count: int
    lat: float  # mean position of the cell's events
    lon: float
    lead_id: str  # the event that speaks for the cell: largest magnitude, most confident
    lead_score: float


class Store(Protocol):
    """What the pipeline and the app need from a store, whatever the backend.

    ``SQLiteStore`` documents each method; a PostGIS store implements the same ones.
    """

    def add_article(self, article: Article, events: Sequence[Event]) -> bool: ...
    def add_events(self, events: Iterable[Event]) -> int: ...
    def has_article(self, article_id: str) -> bool: ...
    def article_with_text(self, text: str) -> str | None: ...
    def get_article(self, article_id: str) -> Article | None: ...
    def articles(self, *, with_text: bool = False) -> list[Article]: ...
    def query(self, query: EventQuery = ..., *, limit: int | None = None,
              newest_first: bool = False) -> list[Event]: ...
    def count(self, query: EventQuery = ...) -> int: ...
    def get_events(self, event_ids: Iterable[str]) -> list[Event]: ...
    def summary(self) -> StoreSummary: ...
    def revision(self) -> str: ...
    def sources(self, search: str = "", *, ids: Iterable[str] = (),
                limit: int | None = None) -> list[tuple[str, str]]: ...
    def daily_counts(self, query: EventQuery = ...) -> dict[str, dict[dt.date, int]]: ...
    def grid_cells(self, cell_deg: float, query: EventQuery = ...) -> list[GridCell]: ...
    def close(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: object) -> None: ...
