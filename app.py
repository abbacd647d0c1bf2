"""conflict-map dashboard: layered map, filters, table, timeline, downloads and uploads.

Thin by design: widgets and layout here, everything else in ``geo``. The store is
``GEO_STORE`` (environment), else ``store`` in ``.streamlit/secrets.toml``, else the
bundled demo store ``data/demo.sqlite``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import dashboard
from geo.assets import install_static_assets
from geo.events import EVENT_TYPES, STATUSES, Event
from geo.export import to_csv_rows, to_geojson
from geo.maps import build_map
from geo.store import open_store

HERE = Path(__file__).resolve().parent
DEMO_STORE = HERE / "data" / "demo.sqlite"


def store_url() -> str:
    if os.environ.get("GEO_STORE"):
        return os.environ["GEO_STORE"]
    try:
        return str(st.secrets["store"])
    except (KeyError, FileNotFoundError):
        return str(DEMO_STORE)


@st.cache_resource
def get_store(url: str):
    return open_store(url)


@st.cache_resource
def static_assets() -> list[Path]:
    # Leaflet and its plugins are served by the app itself (no CDN): see geo/assets.py.
    return install_static_assets(HERE / "static")


@st.cache_resource
def gazetteer():
    from geo.gazetteer import load_gazetteer

    return load_gazetteer()


@st.cache_data(show_spinner=False)
def load_events(url: str, version: int, query_json: str) -> list[Event]:
    query = json.loads(query_json)
    for key in ("since", "until"):
        if query[key]:
            query[key] = pd.Timestamp(query[key]).date()
    return get_store(url).query(**query)


@st.cache_data(show_spinner=False, max_entries=8)
def downloads(url: str, version: int, query_json: str) -> tuple[str, str]:
    """Return the filtered events as GeoJSON and CSV text (built once per filter)."""
    events = load_events(url, version, query_json)
    return (json.dumps(to_geojson(events)),
            pd.DataFrame(to_csv_rows(events)).to_csv(index=False))


@st.cache_data(show_spinner=False)
def choices(url: str, version: int) -> dict:
    store = get_store(url)
    events = store.query()
    dates = [e.date for e in events if e.date]
    return {
        "countries": sorted({e.country_code for e in events if e.country_code}),
        "articles": {a.id: a.title or a.id for a in store.articles()},
        "first": min(dates) if dates else None,
        "last": max(dates) if dates else None,
    }


def sidebar(opts: dict, initial: dashboard.Filters) -> dashboard.Filters:
    st.sidebar.header("Filters")
    span = ()
    if opts["first"]:
        span = st.sidebar.date_input(
            "Dates", value=(initial.since or opts["first"], initial.until or opts["last"]),
            key="dates")
    types = st.sidebar.multiselect("Event types", list(EVENT_TYPES), default=initial.types,
                                   key="types")
    countries = st.sidebar.multiselect(
        "Countries", opts["countries"],
        default=[c for c in initial.countries if c in opts["countries"]], key="countries")
    articles = st.sidebar.multiselect(
        "Sources", list(opts["articles"]), format_func=opts["articles"].get,
        default=[a for a in initial.articles if a in opts["articles"]], key="articles")
    statuses = st.sidebar.multiselect("Status", STATUSES, default=initial.statuses,
                                      key="statuses")
    precision = st.sidebar.select_slider(
        "Place precision", options=[1, 2, 3], value=initial.max_precision,
        format_func=dashboard.PRECISION_LABELS.get, key="precision")
    chosen = dashboard.Filters(types=tuple(types), countries=tuple(countries),
                               articles=tuple(articles), statuses=tuple(statuses),
                               max_precision=precision)
    if span and opts["first"] and tuple(span) != (opts["first"], opts["last"]):
        chosen = dashboard.with_dates(chosen, span)
    return chosen


def upload_panel(url: str) -> None:
    from geo.errors import InputError
    from geo.ingest import Failure, parse_bytes, read_inputs
    from geo.pipeline import store_articles

    def read(data: bytes, name: str, **kw) -> list:
        # A bad upload or paste is reported like any other failed input, not raised.
        try:
            return parse_bytes(data, name, max_bytes=dashboard.UPLOAD_LIMIT_BYTES, **kw)
        except InputError as err:
            return [Failure(name, str(err).removeprefix(f"{name}: "))]

    with st.sidebar.expander("Add articles"):
        files = st.file_uploader("Article files", type=["txt", "md", "html", "htm", "json",
                                                        "jsonl", "xml", "rss", "atom"],
                                 accept_multiple_files=True, key="upload")
        pasted = st.text_area("or paste an article (title on the first line)", key="paste")
        link = st.text_input("or an article / feed URL", key="url")
        if not st.button("Add to the map", key="add"):
            return
        items: list = []
        for f in files or []:
            data = f.getvalue()
            if len(data) > dashboard.UPLOAD_LIMIT_BYTES:
                items.append(Failure(f.name, f"larger than the {dashboard.UPLOAD_LIMIT_BYTES:,}"
                                             " byte upload limit"))
                continue
            items += read(data, f.name)
        if pasted.strip():
            items += read(pasted.encode("utf-8"), "pasted text", kind="text")
        if link.strip():
            items += read_inputs([link.strip()], max_bytes=dashboard.UPLOAD_LIMIT_BYTES)
        report = store_articles(items, get_store(url), gazetteer=gazetteer())
        for failure in report.failures:
            st.error(f"{failure.source}: {failure.reason}")
        for warning in report.warnings:
            st.warning(warning)
        st.success(report.summary())
        st.session_state["version"] = st.session_state.get("version", 0) + 1
        # Unless a date range was chosen, widen the date widget to the new dates: it keeps
        # its old range otherwise, which hides what was just added.
        fresh = choices(url, st.session_state["version"])
        if fresh["first"] and "since" not in st.query_params:
            st.session_state["dates"] = (fresh["first"], fresh["last"])


def details(events: list[Event], event_id: str | None) -> None:
    event = next((e for e in events if e.event_id == event_id), None)
    if event is None:
        st.caption("Select a row to see an event's evidence and source.")
        return
    # st.text never renders Markdown or HTML: article text reaches the page as text.
    st.text(f"{event.event_type} · {event.status} · {event.date or 'undated'} "
            f"({event.date_precision}) · {event.place} · precision {event.geo_precision}")
    st.text(event.evidence)
    st.text(f"Source: {event.article_title}")
    if event.source_url and event.source_url.startswith(("http://", "https://")):
        st.link_button("Open the source", event.source_url)


def main() -> None:
    st.set_page_config(page_title="conflict-map", layout="wide")
    st.title("conflict-map")
    static_assets()
    url = store_url()
    if url == str(DEMO_STORE) and not DEMO_STORE.exists():
        # Opening it would create an empty store that `make demo` then takes as built.
        st.error(f"The demo store {DEMO_STORE} is missing: run `make demo` (or `make run`), "
                 "or set GEO_STORE to your own store.")
        st.stop()
    version = st.session_state.setdefault("version", 0)
    upload_panel(url)
    version = st.session_state["version"]
    opts = choices(url, version)
    filters = sidebar(opts, dashboard.filters_from_query(st.query_params.to_dict()))
    st.query_params.from_dict(dashboard.filters_to_query(filters))

    query = filters.store_query()
    query_json = json.dumps(query, default=str, sort_keys=True)
    events = load_events(url, version, query_json)
    points = dashboard.aggregate_for_map(events)
    merged = f" (map: {len(points):,} points, nearby events merged)" if len(points) < len(
        events) else ""
    st.caption(f"{len(events):,} events{merged} · store: {url}")

    # render=False: st_folium renders the map once more itself either way; the first
    # render was a duplicate (same component args) and the slowest step on large maps.
    st_folium(build_map(points), height=560, use_container_width=True, key="map",
              returned_objects=[], render=False)

    geojson, csv = downloads(url, version, query_json)
    left, right = st.columns(2)
    left.download_button("Download GeoJSON", geojson, file_name="events.geojson",
                         mime="application/geo+json", key="dl_geojson")
    right.download_button("Download CSV", csv, file_name="events.csv", mime="text/csv",
                          key="dl_csv")

    per_day = dashboard.timeline(events)
    if per_day:
        st.subheader("Events per day")
        st.bar_chart(pd.DataFrame(per_day).fillna(0).sort_index())

    st.subheader("Events")
    rows = dashboard.event_rows(events)
    if len(rows) > dashboard.TABLE_ROW_LIMIT:
        st.caption(f"The newest {dashboard.TABLE_ROW_LIMIT:,} of {len(rows):,} events; "
                   "the downloads hold them all.")
    table = pd.DataFrame(rows[:dashboard.TABLE_ROW_LIMIT])
    picked = st.dataframe(table, hide_index=True, on_select="rerun",
                          selection_mode="single-row", key="table",
                          column_config={"source": st.column_config.LinkColumn("source")})
    rows = picked.selection.rows if picked and picked.selection else []
    # A selection outlives a filter that shortens the table: ignore a row no longer there.
    rows = [r for r in rows if r < len(table)]
    details(events, table.iloc[rows[0]]["event_id"] if rows else None)


main()
