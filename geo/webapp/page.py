"""The conflict-map page: layered map, filters, table, timeline, downloads and uploads.

Widgets and layout only; what the page shows is computed in ``geo.webapp.state`` and
``geo.webapp.data``. The store is ``GEO_STORE`` (environment), else ``store`` in
``.streamlit/secrets.toml``, else the demo store the script names (``app.py`` in a
checkout), else the user's default store (``geo.store.default_store_path``).

Run as a script by Streamlit: ``geo serve`` (``python -m geo.webapp``) runs this file;
a checkout's ``app.py`` calls :func:`main` with its own folders.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.export import outlet, write_csv, write_geojson
from geo.limits import UPLOAD_LIMIT_BYTES
from geo.model import (
    ACLED_SUB_EVENT_TYPES,
    DATE_PRECISIONS,
    EVENT_TYPES,
    STATUSES,
    Article,
    Event,
    EventQuery,
    Failure,
)
from geo.render.assets import install_static_assets
from geo.render.escape import esc, safe_url
from geo.render.maps import base_map, build_map_parts
from geo.render.popups import actor_rows
from geo.render.styles import layer_style
from geo.render.timeline import BRUSH, brushed_dates, timeline_spec
from geo.store import StoreSummary, default_store_path, open_store
from geo.webapp import access, state, worker
from geo.webapp import data as dashboard


def store_url(demo_store: Path | None) -> str:
    if os.environ.get("GEO_STORE"):
        return os.environ["GEO_STORE"]
    try:
        return str(st.secrets["store"])
    except (KeyError, FileNotFoundError):
        return str(demo_store or default_store_path())


@st.cache_resource
def get_store(url: str):
    return open_store(url)


@st.cache_resource
def static_assets(static_dir: Path) -> list[Path]:
    # Leaflet and its plugins are served by the app itself (no CDN): see
    # geo/render/assets.py. Streamlit serves the folder beside the script it runs.
    return install_static_assets(static_dir)


@st.cache_data(show_spinner=False, max_entries=8)
def summary(url: str, version: str) -> StoreSummary:
    return get_store(url).summary()


@st.cache_data(show_spinner=False, max_entries=64)
def source_options(url: str, version: str, search: str, chosen: tuple[str, ...]) -> dict:
    """Return {id: title} of the chosen sources and the newest ones matching ``search``."""
    return dict(get_store(url).sources(search.strip(), ids=chosen,
                                       limit=dashboard.SOURCE_OPTION_LIMIT))


# A resource, not data: st.cache_data hands out a copy (unpickled) on every hit, 0.13 s at
# 100k events; the page only reads it (a frozen dataclass; nothing here changes its lists).
@st.cache_resource(show_spinner=False, max_entries=32)
def page_data(url: str, version: str, query: EventQuery) -> dashboard.PageData:
    # The list beside the map shows a few of the newest; the table loads its own rows
    # (``table_events``) only once opened. The timeline does not depend on the dates.
    dated = query.since is not None or query.until is not None
    whole = dataclasses.replace(query, since=None, until=None)
    return dashboard.page_data(get_store(url), query, latest=LIVE_LIST_LIMIT,
                               timeline=timeline_counts(url, version, whole) if dated else None)


@st.cache_resource(show_spinner=False, max_entries=32)
def timeline_counts(url: str, version: str, whole: EventQuery
                    ) -> tuple[dict[str, dict[dt.date, int]], int]:
    """The timeline's counts, once per filters but dates: a brush or play reuses them."""
    return dashboard.timeline_counts(get_store(url), whole)


@st.cache_resource(show_spinner=False, max_entries=8)
def table_events(url: str, version: str, query: EventQuery) -> list[Event]:
    """The table's rows: the newest ``TABLE_ROW_LIMIT`` events, loaded once it is opened."""
    return get_store(url).query(query, limit=dashboard.TABLE_ROW_LIMIT, newest_first=True)


@st.cache_data(show_spinner=False, max_entries=32)
def view_breakdown(url: str, version: str, query: EventQuery) -> list:
    """Counts by country, admin-1 and type: asked of the store only when shown."""
    return get_store(url).breakdown(query)


def export_text(url: str, query: EventQuery, fmt: str) -> str:
    """Return the filtered events as GeoJSON or CSV: run only when a download is clicked."""
    out = io.StringIO()
    store = get_store(url)
    events = store.query(query)
    if fmt == "geojson":
        write_geojson(events, out)
    else:
        outlets = {hid: [outlet(title, link) for _, title, link in found]
                   for hid, found in store.sources_of(
                       [e.event_id for e in events if e.sources > 1]).items()
                   } if query.happenings else None
        write_csv(events, out, outlets)
    return out.getvalue()


def sidebar(url: str, version: str, opts: StoreSummary, initial: EventQuery) -> EventQuery:
    st.sidebar.header("Filters")
    span: tuple = ()
    if opts.first:
        # While the user has not chosen a range (the widget still holds the whole span
        # the page gave it, and the link has none), the date widget follows the store's
        # span as it grows (an upload, another process ingesting): it keeps its old
        # range otherwise, which hides what was just added.
        whole, given = (opts.first, opts.last), st.session_state.get("dates_given")
        if whole != given and not ({"since", "until"} & set(st.query_params)):
            shown = st.session_state.get("dates")
            if shown is None or given is None or tuple(shown) == tuple(given):
                if shown is not None:
                    st.session_state["dates"] = whole
                st.session_state["dates_given"] = whole
        # Brushed on the timeline (read here, before the widget, so the brush's own run
        # shows its dates) or played.
        pending = st.session_state.pop("dates_pending", None) or brush()
        if pending:
            st.session_state["dates"] = pending
        # The widget's value lives in the session (no default beside it, which
        # Streamlit warns about once the session sets it).
        st.session_state.setdefault("dates", (initial.since or opts.first,
                                              initial.until or opts.last))
        picked = st.sidebar.date_input("Dates", key="dates")  # a range: a tuple
        span = tuple(picked) if isinstance(picked, tuple | list) else \
            ((picked,) if picked else ())
    types = st.sidebar.multiselect("Event types", list(EVENT_TYPES), default=initial.types,
                                   format_func=lambda key: layer_style(key).label, key="types")
    text = st.sidebar.text_input(
        "Search", value=initial.text, key="text", placeholder="words: airport, Raqqa",
        help="Events whose sentence, place or article title contains this text, in any "
             "case.")
    actor = st.sidebar.text_input(
        "Actor", value=initial.actor, key="actor", placeholder="part of a name: Houthi",
        help="Events whose actor (who acted, or who was targeted or fought back) contains "
             "this text, in any case.")
    countries = st.sidebar.multiselect(
        "Countries", opts.countries, format_func=country_label,
        default=[c for c in initial.countries if c in opts.countries], key="countries")
    # A store can hold thousands of sources: offer the chosen ones and the newest that
    # match a search, not all of them in every page.
    search = st.sidebar.text_input("Find sources", key="source_search",
                                   placeholder="words of a title") \
        if opts.sources > dashboard.SOURCE_OPTION_LIMIT else ""
    titles = state.distinct_labels(source_options(url, version, search, initial.articles))
    articles = st.sidebar.multiselect(
        "Sources", list(titles), format_func=lambda key: titles[key],
        default=[a for a in initial.articles if a in titles], key="articles")
    if opts.sources > len(titles):
        st.sidebar.caption(f"{len(titles):,} of {opts.sources:,} sources shown (the newest"
                           f"{' matching' if search.strip() else ''}); search to find others.")
    statuses = st.sidebar.multiselect("Status", STATUSES, default=initial.statuses,
                                      key="statuses")
    precision = st.sidebar.select_slider(
        "Place precision", options=[1, 2, 3], value=initial.max_precision,
        format_func=state.PRECISION_LABELS.get, key="precision")
    reports = st.sidebar.toggle(
        "Each report apart", value=not initial.happenings, key="reports",
        help="Off: one point per happening, the reports of one incident from several "
             "articles merged. On: one point per article's report.")
    chosen = EventQuery(types=tuple(types), countries=tuple(countries),
                        articles=tuple(articles), statuses=tuple(statuses),
                        max_precision=precision, actor=actor, happenings=not reports,
                        text=text)
    if span and opts.first and tuple(span) != (opts.first, opts.last):
        chosen = state.with_dates(chosen, span)
    return chosen


def brush() -> tuple[dt.date, dt.date] | None:
    """Return the dates newly brushed on the timeline (its widget state), or None.

    Read at the start of the run the brush causes, before the date widget is made, so
    one run applies it (the chart's own return value comes too late for that run).
    """
    brushed = brush_on_chart()
    if not brushed or brushed == st.session_state.get("brush_applied"):
        return None
    st.session_state["brush_applied"] = brushed
    st.session_state.pop("play_at", None)  # a brush stops the play
    return brushed


def brush_on_chart() -> tuple[dt.date, dt.date] | None:
    """Return the dates of the brush drawn on the timeline now (its widget state), or None."""
    got = st.session_state.get("timeline")
    try:
        selection = got["selection"].get(BRUSH) or {} if got else {}
    except (KeyError, TypeError, AttributeError):
        return None
    return brushed_dates(selection)


@st.cache_data(show_spinner=False, max_entries=512)
def country_label(code: str) -> str:
    """Return "Syria (SY)": a country's common name and its code."""
    import pycountry

    found = pycountry.countries.get(alpha_2=code)
    name = getattr(found, "common_name", None) or getattr(found, "name", None)
    return f"{name} ({code})" if name else code


@st.cache_data(show_spinner=False, max_entries=256)
def find_places(name: str) -> list[dict]:
    """Gazetteer entries for a name, looked up in the worker (the page never loads it)."""
    return extraction_pool().submit(worker.place_candidates, name).result(
        timeout=worker.EXTRACT_TIMEOUT_S)


def place_view() -> list[list[float]] | None:
    """The "Go to a place" box: the bounds of the place chosen, or None."""
    name = st.sidebar.text_input("Go to a place", key="goto",
                                 placeholder="a town, province or country")
    if not name.strip():
        return None
    try:
        found = find_places(name.strip()[:100])
    except Exception as err:  # noqa: BLE001 - the page goes on without the search
        st.sidebar.error(f"The gazetteer could not be searched ({type(err).__name__}).")
        return None
    if not found:
        st.sidebar.caption("No such place in the gazetteer.")
        return None
    labels = [f"{p['name']}, {p['admin1'] or '-'}, {p['country_code']}" for p in found]
    pick = st.sidebar.selectbox("Place", range(len(found)), format_func=labels.__getitem__,
                                key="goto_pick")
    place = found[pick]
    # Half the place's radius around it (at least 5 km): a town fills the view.
    deg = max(place["uncertainty_km"], 10.0) / 2 / 111.0
    return [[place["lat"] - deg, place["lon"] - deg], [place["lat"] + deg, place["lon"] + deg]]


LIVE_LIST_LIMIT = 25  # happenings in the list beside the map
MAP_HEIGHT_PX = 560  # the map's height before the page's style stretches it
LIST_HEIGHT_PX = 520
# The map fills the window's height below the title (never less than 420 px), and the
# list beside it follows; Streamlit gives a keyed container the class st-key-<key>.
FILL_CSS = """<style>
[data-testid="stMainBlockContainer"] {padding-top: 2rem;}
.st-key-cm_map iframe {height: max(420px, calc(100vh - 215px)) !important;}
.st-key-cm_list, [data-testid="stLayoutWrapper"]:has(> .st-key-cm_list) {
  height: max(380px, calc(100vh - 255px)) !important;}
</style>"""
MAX_EVENT_ID_CHARS = 200  # event ids are ~20 characters; a longer link value is ignored


def live_list(events: list[Event], selected: str) -> None:
    """The newest events of the view, beside the map; a click shows one on the map."""
    st.caption("Newest first")
    with st.container(height=LIST_HEIGHT_PX, key="cm_list"):
        for event in events:
            day = event.date.isoformat() if event.date else "undated"
            sources = f" · {event.sources} sources" if event.sources > 1 else ""
            label = f"{layer_style(event.event_type).label}: {event.place}, {day}{sources}"
            chosen = event.event_id == selected
            # Button labels are Markdown: the place and the evidence come from articles.
            # A callback: it runs before the page's next run, which then shows the choice
            # (the list comes after the map in the page, too late to change it).
            st.button(state.plain(label), key=f"live-{event.event_id}",
                      type="primary" if chosen else "secondary", width="stretch",
                      on_click=choose, args=("" if chosen else event.event_id,))
            st.caption(state.plain(event.evidence[:140]))


def choose(event_id: str) -> None:
    """Select an event from the list (or none): the map zooms to it."""
    st.session_state["selected"] = event_id
    st.session_state["selected_on_map"] = False


def clicked_event(points: list[Event], click: dict | None) -> str:
    """Return the id of the point the map reports clicked (the newest there), or ""."""
    if not click:
        return ""
    try:
        lat, lon = float(click["lat"]), float(click["lng"])
    except (KeyError, TypeError, ValueError):
        return ""
    # Leaflet reports the marker's own coordinates; a density cell's centre matches none.
    here = [p for p in points if abs(p.lat - lat) < 1e-6 and abs(p.lon - lon) < 1e-6]
    if not here:
        return ""
    return max(here, key=lambda p: (p.date or dt.date.min, p.event_id)).event_id


@st.cache_data(show_spinner=False, max_entries=32)
def timeline_figure(url: str, version: str, query: EventQuery,
                    chosen: tuple[dt.date, dt.date] | None, _per_day: dict) -> dict | None:
    """The timeline's Vega-Lite spec, built once per store revision, filters and range.

    ``_per_day`` (not hashed) follows from the other arguments: the page data's counts.
    """
    return timeline_spec(_per_day, chosen)


TIMELINE_HEIGHT_PX = 250  # the chart's box (170 px of bars, the axis, the legend)
PLAY_TICK_S = 1.5  # seconds between the steps of the timeline's play
PLAY_STEPS = {"day": 1, "week": 7, "month": 30}


def timeline(url: str, version: str, query: EventQuery, data: dashboard.PageData) -> None:
    """The timeline of every date (the filters but dates), brushing and play.

    Dragging across it sets the dates filter; play steps the dates a day or a week at
    a time through the whole span, and the map follows.
    """
    whole = dataclasses.replace(query, since=None, until=None)
    per_day, undated = data.per_day, data.undated
    days = sorted({d for counts in per_day.values() for d in counts})
    chosen = (query.since, query.until) if query.since and query.until else None
    # The shade marks dates chosen elsewhere (the date widget, play, a link). Dates
    # brushed on the chart are shown by the brush itself: the chart stays the same spec,
    # which the browser does not draw again (0.1-0.3 s of Vega on its main thread, while
    # the map waits), and the brush stays where the user left it.
    shade = None if chosen is None or brush_on_chart() == chosen else chosen
    chart = timeline_figure(url, version, whole, shade, per_day)
    if chart is None or not days:
        return
    st.subheader("Timeline")
    st.caption("Drag across the bars to show those dates; ▶ plays them in steps."
               + (f" {undated:,} undated events are on the map but not here"
                  " (their articles gave no date)." if undated else ""))
    # A brush reruns the page, which reads it (``brush``) before making the date widget.
    st.vega_lite_chart(spec=chart, on_select="rerun", selection_mode=BRUSH,
                       key="timeline", width="stretch")
    # Play runs through the dates shown (all of them, or those chosen), in steps of the
    # timeline's bars unless the user picks another.
    first, last = chosen or (days[0], days[-1])
    player(first, last, "day" if (days[-1] - days[0]).days <= 60 else "week")


def player(first: dt.date, last: dt.date, unit: str) -> None:
    """Play and stop: each tick shows the next day or week (the dates filter follows)."""
    go, size, _ = st.columns([1, 1, 4])
    units = list(PLAY_STEPS)
    step = dt.timedelta(days=PLAY_STEPS[size.selectbox(
        "Step", units, index=units.index(unit), key="play_step",
        label_visibility="collapsed", format_func=lambda u: f"a {u} per step")])

    def show(at: dt.date) -> None:
        st.session_state["play_at"] = at
        st.session_state["play_time"] = time.monotonic()
        st.session_state["dates_pending"] = (at, min(at + step - dt.timedelta(days=1), last))

    if "play_at" not in st.session_state:
        if go.button("▶ Play", key="play"):
            st.session_state["play_span"] = (first, last)
            show(first)
            st.rerun()
        return
    if go.button("■ Stop", key="play_stop"):
        st.session_state.pop("play_at", None)
        st.rerun()

    last = st.session_state.get("play_span", (first, last))[1]

    def tick() -> None:
        # A fragment also runs with the page: only the timer's runs (one tick after the
        # last step) move on.
        at = st.session_state.get("play_at")
        if at is None or time.monotonic() - st.session_state.get("play_time", 0.0) \
                < PLAY_TICK_S * 0.8:
            return
        if at + step > last:
            st.session_state.pop("play_at", None)  # the end: the last step stays shown
        else:
            show(at + step)
        st.rerun()

    st.fragment(tick, run_every=PLAY_TICK_S)()


def secrets() -> dict:
    """Return the page's secrets (``.streamlit/secrets.toml``), or {} when there are none."""
    try:
        return dict(st.secrets)
    except Exception:  # noqa: BLE001 - no secrets file is the usual case, not an error
        return {}


@st.cache_resource
def extraction_pool():
    return worker.start_pool()


def extract_in_worker(articles: list[Article]) -> dict[str, list[Event] | Exception]:
    """Extract articles in the worker process, with a progress bar; errors per article."""
    out: dict[str, list[Event] | Exception] = {}
    if not articles:
        return out
    pool = extraction_pool()
    futures = {a.id: pool.submit(worker.extract_one, a) for a in articles}
    bar = st.progress(0.0, text=f"Finding events in {len(futures)} article(s)")
    for n, (article_id, future) in enumerate(futures.items(), start=1):
        try:
            out[article_id] = future.result(timeout=worker.EXTRACT_TIMEOUT_S)
        except BrokenProcessPool as err:
            extraction_pool.clear()  # a new worker for the next upload
            out[article_id] = err
        except Exception as err:  # noqa: BLE001 - reported as this article's failure
            out[article_id] = err
        bar.progress(n / len(futures), text=f"Found the events of {n} of {len(futures)}")
    bar.empty()
    return out


def login(expected: str) -> bool:
    """Show a login form; return whether this session may write."""
    if st.session_state.get("writer"):
        return True
    typed = st.text_input("Write password", type="password", key="write_password")
    if st.button("Log in", key="login"):
        if access.check_password(typed, expected):
            st.session_state["writer"] = True
            st.rerun()
        st.error("Wrong password.")
    return False


def write_rules() -> access.WriteAccess:
    return access.write_access(os.environ, secrets(), st.get_option("server.address"))


def can_write() -> bool:
    """Tell whether this session may change the store (uploads, reviews)."""
    rules = write_rules()
    return rules.allowed and (not rules.needs_login or bool(st.session_state.get("writer")))


def upload_panel(url: str) -> None:
    rules = write_rules()
    with st.sidebar.expander("Add articles"):
        if not rules.allowed:
            st.caption(rules.reason)
            return
        if rules.needs_login and not login(access.password(os.environ, secrets())):
            st.caption(rules.reason)
            return
        files = st.file_uploader("Article files", type=["txt", "md", "html", "htm", "json",
                                                        "jsonl", "xml", "rss", "atom"],
                                 accept_multiple_files=True, key="upload")
        pasted = st.text_area("or paste an article (title on the first line)", key="paste")
        link = st.text_input("or an article / feed URL (http or https)", key="url")
        if not st.button("Find events", key="add",
                         help="Shows what was found; nothing is stored until you confirm."):
            return
        try:
            st.session_state["preview"] = read_and_extract(url, files or [], pasted, link)
        except Exception as err:  # noqa: BLE001 - the last line of defence: a visitor
            # sees one line, never a traceback with the server's paths.
            st.error(f"Reading stopped ({type(err).__name__}); nothing was added.")


@dataclass(frozen=True)
class Preview:
    """Articles read and extracted, waiting for the user's confirmation to be stored."""

    items: list  # Article | Failure, in the order read
    found: dict  # article id -> its events, or the exception extraction raised


def read_and_extract(url: str, files: list, pasted: str, link: str) -> Preview:
    """Read the uploads, the paste and the URL, and extract in the worker; store nothing."""
    from geo.errors import InputError
    from geo.ingest.read import parse_bytes, read_url

    def read(data: bytes, name: str, **kw) -> list:
        # A bad upload or paste is reported like any other failed input, not raised.
        try:
            return parse_bytes(data, name, max_bytes=UPLOAD_LIMIT_BYTES, **kw)
        except InputError as err:
            return [Failure(name, str(err).removeprefix(f"{name}: "))]

    items: list[Article | Failure] = []
    for f in files:
        data = f.getvalue()
        if len(data) > UPLOAD_LIMIT_BYTES:
            items.append(Failure(f.name, f"larger than the {UPLOAD_LIMIT_BYTES:,}"
                                         " byte upload limit"))
            continue
        items += read(data, f.name)
    if pasted.strip():
        items += read(pasted.encode("utf-8"), "pasted text", kind="text")
    if link.strip():
        # Only http(s) URLs, never a path on the server, and never a local or private
        # address unless the operator allows it (geo.ingest.fetch).
        items += read_url(link.strip(), max_bytes=UPLOAD_LIMIT_BYTES)
    store = get_store(url)
    fresh = [a for a in items if isinstance(a, Article) and not store.has_article(a.id)]
    return Preview(items, extract_in_worker(fresh))


def preview_panel(url: str) -> None:
    """Show what an upload would add, on a small map and in a list; store on confirmation."""
    preview: Preview | None = st.session_state.get("preview")
    if preview is None:
        return
    articles = [a for a in preview.items if isinstance(a, Article)]
    if not articles:
        show_failures([i for i in preview.items if isinstance(i, Failure)])
        del st.session_state["preview"]
        return
    events = [e for a in articles for e in preview.found.get(a.id, [])
              if isinstance(e, Event)]
    st.subheader(f"Preview: {len(events)} event(s) in {len(articles)} article(s)")
    # The buttons come first, so a click stores (or drops) before the preview is drawn.
    store_it, drop_it = st.columns(2)
    stored = store_it.button("Store on the map", key="store", type="primary")
    if drop_it.button("Discard", key="discard"):
        del st.session_state["preview"]
        st.rerun()
    if not stored:
        show_failures([i for i in preview.items if isinstance(i, Failure)])
        if events:
            parts = build_map_parts(events, link=False)
            st_folium(parts.base, feature_group_to_add=parts.layers,
                      layer_control=parts.control, height=300, use_container_width=True,
                      key="preview_map", returned_objects=[], render=False)
            st.dataframe(pd.DataFrame(dashboard.event_rows(events)).drop(
                columns=["sources", "review", "event_id"]), hide_index=True)
        else:
            st.caption("No events were found; the articles can still be stored.")
        return
    del st.session_state["preview"]
    try:
        report = store_preview(url, preview)
    except Exception as err:  # noqa: BLE001 - see upload_panel
        st.error(f"Adding stopped ({type(err).__name__}); what was stored before "
                 "stays, the rest was not added.")
        return
    show_failures(report.failures)
    for warning in report.warnings:
        st.warning(state.plain(warning))
    # Red when anything failed, so a partly failed upload never looks like a success.
    (st.error if report.failures else st.success)(report.summary())
    st.session_state["focus"] = [e.event_id for e in events]


def show_failures(failures: list[Failure]) -> None:
    # Names and reasons come from the visitor's input: shown as text, not Markdown.
    for failure in failures:
        st.error(state.plain(f"{failure.source}: {failure.reason}"))


def store_preview(url: str, preview: Preview):
    """Store the previewed articles with the events shown."""
    from geo.pipeline import store_articles

    def extract(article: Article) -> list[Event]:
        result = preview.found.get(article.id)
        if result is None:  # not extracted above (a duplicate within the batch)
            result = worker.extract_one(article)
        if isinstance(result, Exception):
            raise result
        return result

    return store_articles(preview.items, get_store(url), extract=extract,
                          undated_hint="write the date, e.g. 2023-03-24, on the line after "
                          "the title")


def review_panel(url: str, event: Event) -> None:
    """Correct, confirm or reject the selected happening or report (writers only)."""
    store = get_store(url)
    who = os.environ.get("GEO_REVIEWER") or "page"
    target = event.event_id
    st.markdown("**Review**")
    note = st.text_input("Note (kept in the audit trail)", key="review_note")

    def change(changes: dict, done: str) -> None:
        try:
            records = store.correct([target], changes, who=who, note=note)
        except Exception as err:  # noqa: BLE001 - a bad value is the user's to fix
            st.error(state.plain(f"Not changed: {err}"))
            return
        # Rerun, so the map, table and counts show the change; the message survives it.
        st.session_state["review_done"] = f"{done} ({len(records)} change(s) recorded)."
        st.rerun()

    def group_change(run: Callable[[], object], done: str) -> None:
        try:
            run()
        except Exception as err:  # noqa: BLE001 - an unknown id is the user's to fix
            st.error(state.plain(f"Not changed: {err}"))
            return
        st.session_state["review_done"] = f"{done}."
        st.rerun()

    confirm, reject = st.columns(2)
    if confirm.button("Confirm", key="review_confirm"):
        change({"review": "confirmed"}, "Confirmed")
    if reject.button("Reject", key="review_reject"):
        change({"review": "rejected"}, "Rejected: off the map and exports")

    with st.form("review_values"):
        kinds = list(EVENT_TYPES)
        new_type = st.selectbox("Type", kinds, index=kinds.index(event.event_type),
                                format_func=lambda key: layer_style(key).label)
        new_date = st.text_input("Date (YYYY-MM-DD)", value=event.date.isoformat()
                                 if event.date else "")
        subs = ["", *ACLED_SUB_EVENT_TYPES[event.event_type]]  # "": none given
        sub = st.selectbox("ACLED sub-event type (of the type as stored)", subs,
                           index=subs.index(event.acled_sub_event_type)
                           if event.acled_sub_event_type in subs else 0)
        precisions = list(DATE_PRECISIONS)
        new_precision = st.selectbox("Date precision", precisions,
                                     index=precisions.index(event.date_precision))
        actor1 = st.text_input("Actor 1", value=event.actor1 or "")
        actor2 = st.text_input("Actor 2", value=event.actor2 or "")
        deaths = st.text_input("Fatalities (empty: not said)",
                               value="" if event.fatalities is None else str(event.fatalities))
        if st.form_submit_button("Save corrections"):
            typed = {"event_type": new_type, "acled_sub_event_type": sub or None,
                     "date": new_date or None,
                     "date_precision": new_precision, "actor1": actor1 or None,
                     "actor2": actor2 or None, "fatalities": deaths or None}
            current = {"event_type": event.event_type,
                       "acled_sub_event_type": event.acled_sub_event_type,
                       "date": event.date.isoformat() if event.date else None,
                       "date_precision": event.date_precision, "actor1": event.actor1,
                       "actor2": event.actor2,
                       "fatalities": None if event.fatalities is None else str(event.fatalities)}
            changes = {k: v for k, v in typed.items() if v != current[k]}
            if changes:
                change(changes, "Corrected")
            else:
                st.caption("Nothing changed.")

    if len(store.reports(target)) > 1 and st.button("Split into its reports",
                                                    key="review_split"):
        group_change(lambda: store.split(target, who=who, note=note), "Split")
    other = st.text_input("Merge with (another happening's or report's id)",
                          key="review_merge_with")
    if other.strip() and st.button("Merge", key="review_merge"):
        group_change(lambda: store.merge([target, other.strip()], who=who, note=note),
                     "Merged")

    name = st.text_input("Move to a place (gazetteer name)", key="review_place")
    if name.strip():
        try:
            found = find_places(name.strip()[:100])
        except Exception as err:  # noqa: BLE001 - reported, the page goes on
            found = []
            st.error(f"The gazetteer could not be searched ({type(err).__name__}).")
        if not found:
            st.caption("No such place in the gazetteer; click the map below instead.")
        else:
            labels = [f"{p['name']}, {p['admin1']}, {p['country_code']} ({p['feature']}, "
                      f"{p['lat']:.3f}, {p['lon']:.3f})" for p in found]
            pick = st.selectbox("Candidates", range(len(found)), format_func=labels.__getitem__,
                                key="review_candidate")
            if st.button("Move here", key="review_move"):
                change(_place_values(found[pick]), "Moved")
    st.caption("Or click the map to set the point:")
    picker = base_map(tiles=False)
    picker.location, picker.options["zoom"] = [event.lat, event.lon], 8
    folium.CircleMarker([event.lat, event.lon], radius=6, tooltip=esc(event.place)
                        ).add_to(picker)
    clicked = st_folium(picker, height=260, key="review_map",
                        returned_objects=["last_clicked"])
    point = (clicked or {}).get("last_clicked")
    if point:
        lat, lon = float(point["lat"]), float(point["lng"])
        st.text(f"Clicked: {lat:.5f}, {lon:.5f}")
        if st.button("Move to the clicked point", key="review_click"):
            change(_place_values({"name": event.place, "lat": lat, "lon": lon,
                                  "geonameid": None, "country_code": event.country_code,
                                  "admin1": event.admin1, "feature": "site",
                                  "uncertainty_km": 1.0}), "Moved")


def _place_values(place: dict) -> dict:
    from geo.review.edits import place_values

    return place_values(place["name"], place["lat"], place["lon"],
                        geonameid=place["geonameid"], country_code=place["country_code"],
                        admin1=place["admin1"], feature=place["feature"],
                        uncertainty_km=place["uncertainty_km"])


def details(url: str, events: list[Event], event_id: str | None) -> None:
    event = next((e for e in events if e.event_id == event_id), None)
    if event is None:
        st.caption("Select a row to see an event's evidence and source.")
        return
    # st.text never renders Markdown or HTML: article text reaches the page as text.
    st.text(f"{event.event_type} · {event.status} · {event.date or 'undated'} "
            f"({event.date_precision}) · {event.place} · precision {event.geo_precision}")
    who = actor_rows(event)
    if who:
        st.text(" · ".join(f"{label.lower()}: {text}" for label, text in who))
    st.text(event.evidence)
    if event.sources > 1:
        st.text(f"{event.sources} sources:")
        for _, title, link in get_store(url).sources_of([event.event_id]).get(
                event.event_id, []):
            safe = safe_url(link)
            st.text(f"- {title}" + (f" ({safe})" if safe else ""))
    else:
        st.text(f"Source: {event.article_title}")
        link = safe_url(event.source_url)
        if link:
            st.link_button("Open the source", link)
    if event.review_status != "unreviewed":
        st.text(f"Review: {event.review_status}")
    if can_write():
        review_panel(url, event)


def main(static_dir: Path, demo_store: Path | None = None) -> None:
    """Draw the page; ``static_dir`` is the folder Streamlit serves beside the script."""
    st.set_page_config(page_title="conflict-map", layout="wide")
    st.title("conflict-map")
    st.caption("Incidents in news articles, placed where they happened, typed as ACLED "
               "does, each with its source sentence; quakes from USGS.")
    static_assets(static_dir)
    url = store_url(demo_store)
    if demo_store is not None and dashboard.is_missing(url, demo_store):
        # Opening it would create an empty store that `make demo` then takes as built.
        st.error(f"The demo store {demo_store} is missing: run `make demo` (or `make run`), "
                 "or set GEO_STORE to your own store.")
        st.stop()
        return  # st.stop does nothing outside a Streamlit run
    upload_panel(url)
    preview_panel(url)
    done = st.session_state.pop("review_done", None)  # a review's message, across its rerun
    if done:
        st.success(done)
    # Cached views are keyed by the store's revision: an upload here, or an ingest by
    # another process, shows in every session at its next rerun.
    version = get_store(url).revision()
    opts = summary(url, version)
    # A link can hold anything: what is not used as given is named, once, in a warning.
    parsed = state.parse_params(st.query_params.to_dict())
    fitted = state.fit_dates(parsed.query, opts.first, opts.last)
    notes = parsed.notes + fitted.notes
    if notes:
        st.warning(state.plain("Parts of the link were not used as given: "
                               + "; ".join(notes) + "."))
    # The event chosen in the list: this session's choice, else the link's.
    selected = st.session_state["selected"] if "selected" in st.session_state \
        else st.query_params.get("event", "")
    if len(selected) > MAX_EVENT_ID_CHARS:  # a link can hold anything; ids are short
        selected = ""
    query = sidebar(url, version, opts, fitted.query)
    # The map's state (view, layers, base) is written into the address by the map
    # itself; the link keeps it, with the filters and the event selected.
    in_link = {**state.query_to_params(query), **state.view_to_params(parsed.view),
               **({"event": selected} if selected else {})}
    # Written only when it differs: the address may hold a newer view than the one read
    # at this run's start (the map writes it as the user moves), and would lose it.
    if in_link != st.query_params.to_dict():
        st.query_params.from_dict(in_link)
    # The map's state from the link (view, hidden layers, base layer) is read by the
    # map's frame once, when it starts; after that the frame keeps its own (and writes
    # it into the address). The session keeps the state it opened with, so a run that
    # changes nothing on the map sends the map as it was, and the browser leaves it be
    # (a view read back from the address made every run lay the layers out again).
    view = st.session_state.setdefault("map_view", parsed.view)

    data = page_data(url, version, query)
    merged = f" (map: {len(data.points):,} points, nearby events merged)" if len(
        data.points) < data.count else ""
    # No server path here: a visitor needs what is shown, not where the file lives.
    kind = ("happenings: the reports of one incident merged" if query.happenings
            else "each article's report apart")
    st.caption(f"{data.count:,} events{merged} · {kind} · {opts.sources:,} sources in "
               "the store")

    # The base map never changes, so st_folium keeps its frame (and Leaflet) across
    # filter changes and swaps only the event layers (geo/render/maps.py). render=False:
    # st_folium renders the map itself either way.
    # After storing an upload, the map zooms to what was added (once).
    focus_ids = st.session_state.pop("focus", [])
    focus: list[Event] = []
    if focus_ids:
        added = get_store(url).get_events(focus_ids)
        wanted = {e.happening_id for e in added} if query.happenings else set(focus_ids)
        focus = [e for e in data.points if e.event_id in wanted]
    # An event chosen in the list (or the link) is zoomed to; one clicked on the map
    # is where the user is already looking.
    if selected and not focus and not st.session_state.get("selected_on_map"):
        focus = get_store(url).get_events([selected])
    map_col, list_col = st.columns([3, 1])
    # At most MAP_POINT_LIMIT (2,000) points, few enough to draw as they are: never
    # clustered (no layer could pass the threshold of 2,000 anyway), so the frame does
    # not load the cluster plugin.
    parts = build_map_parts(data.points, weights=data.weights, sources=data.sources,
                            cluster_threshold=None, focus=focus, bounds=place_view(),
                            view=view,
                            refit="play_at" not in st.session_state)
    st.html(FILL_CSS)
    with map_col, st.container(key="cm_map"):
        # Only a click comes back (not pans or zooms, which would rerun the page): the
        # clicked marker's event is selected in the list.
        clicked = st_folium(parts.base, feature_group_to_add=parts.layers,
                            layer_control=parts.control, height=MAP_HEIGHT_PX,
                            use_container_width=True, key="map",
                            returned_objects=["last_object_clicked"], render=False)
    on_map = clicked_event(data.points, (clicked or {}).get("last_object_clicked"))
    if on_map and on_map != selected and on_map != st.session_state.get("map_picked"):
        st.session_state["map_picked"] = on_map  # the same click comes back at each rerun
        st.session_state["selected"] = on_map
        st.session_state["selected_on_map"] = True
        st.rerun()
    # The list after the map: the map's message leaves first, so the browser starts on
    # its frame (Leaflet, the markers) before it lays out the list's 50 elements.
    with list_col:
        live_list(data.latest[:LIVE_LIST_LIMIT], selected)

    # The files are built when a button is clicked, not with every page: at 100k events
    # they take seconds and tens of MB. on_click="ignore": a download does not rerun.
    left, right = st.columns(2)
    left.download_button("Download GeoJSON", lambda: export_text(url, query, "geojson"),
                         file_name="events.geojson", mime="application/geo+json",
                         key="dl_geojson", on_click="ignore")
    right.download_button("Download CSV", lambda: export_text(url, query, "csv"),
                          file_name="events.csv", mime="text/csv", key="dl_csv",
                          on_click="ignore")

    # Lazy like the table: its tables reach the browser only once opened.
    summary_box = st.expander("Summary by country, province and type", key="show_summary",
                              on_change="rerun")
    breakdown = view_breakdown(url, version, query) if summary_box.open else []
    if breakdown:
        with summary_box:
            cols = st.columns(3)
            for col, by, title in zip(cols, ("country", "admin1", "type"),
                                      ("Countries", "Provinces", "Types"), strict=True):
                summary_table = dashboard.summary_rows(breakdown, by)
                for row in summary_table:
                    if "country" in row:
                        row["country"] = country_label(row["country"]) if row["country"] \
                            else "unknown"
                    if "type" in row:
                        row["type"] = layer_style(row["type"]).label
                col.caption(title)
                col.dataframe(pd.DataFrame(summary_table).astype({"fatalities": "Int64"}),
                              hide_index=True)

    timeline(url, version, query, data)

    # Collapsed and lazy (on_change="rerun"): the table runs, and the browser loads its
    # data grid (1.7 MB of script), only once opened, so a page load does not make the
    # map wait for it. A selected row shows the event's evidence and source.
    # A fixed label: the expander's identity includes it, so a count in it would close
    # the table at every filter change.
    box = st.expander("Events table", key="show_table", on_change="rerun")
    if not box.open:
        return
    with box:
        latest = table_events(url, version, query)
        if data.count > len(latest):
            st.caption(f"The newest {len(latest):,} of {data.count:,} events; the "
                       "downloads hold every filtered event.")
        table = pd.DataFrame(dashboard.event_rows(latest))
        if len(table):
            # A count with gaps (not said) stays whole numbers, not 3.0 and NaN.
            table = table.astype({"fatalities": "Int64"})
        picked = st.dataframe(table, hide_index=True, on_select="rerun",
                              selection_mode="single-row", key="table",
                              column_config={"source": st.column_config.LinkColumn("source")})
        rows = picked.selection.rows if picked and picked.selection else []
        # A selection outlives a filter that shortens the table: ignore a row no longer
        # there.
        rows = [r for r in rows if r < len(table)]
        details(url, latest, table.iloc[rows[0]]["event_id"] if rows else None)

# Streamlit runs this file as __main__ (``geo serve``). A process that only imports it
# must not run the page.
if __name__ == "__main__":
    main(Path(__file__).resolve().parent / "static")
