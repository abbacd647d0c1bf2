"""PostGIS-specific tests: migrations, copies between backends, exports alike, many
writers at once. The shared store tests (test_store.py, test_happenings.py) run on
PostGIS too; these run against the same throwaway cluster (conftest.pg_databases)."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from pg_cluster import Databases
from test_store import QUAKE, fill

from geo import cli
from geo.model import EventQuery
from geo.store import GridCell, open_store
from geo.store.copy import copy_store

# Under `make test` (GEO_REQUIRE_POSTGIS set) a missing driver is a failure, not a skip.
if os.environ.get("GEO_REQUIRE_POSTGIS"):
    import psycopg
else:
    psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed "
                                  "(pip install -e '.[postgis]')")
from geo.store.pgsql import SCHEMA_VERSION, migrate  # noqa: E402 - needs psycopg

REPO = Path(__file__).resolve().parent.parent


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        status = cli.main(argv)
    except SystemExit as exit_info:
        status = int(exit_info.code or 0)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def pg(pg_databases: Databases) -> str:
    url = pg_databases.create()
    yield url
    pg_databases.release(url)


@pytest.fixture
def blank(pg_databases: Databases) -> str:
    """A database with nothing in it, not even PostGIS."""
    url = pg_databases.create()
    name = url.rsplit("/", 1)[1] + "_blank"
    admin = pg_databases.cluster.url()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    pg_databases.release(url)
    yield pg_databases.cluster.url(name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


def test_migrate_creates_the_schema_once(blank: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(OSError, match="geo store migrate"):
        open_store(blank, create=False)
    status, _, err = run_cli(["store", "migrate", blank], capsys)
    assert status == 0, err
    every = ", ".join(str(v) for v in range(1, SCHEMA_VERSION + 1))
    assert f"applied {every}\n" in err and f"schema version {SCHEMA_VERSION}" in err
    status, _, err = run_cli(["store", "migrate", blank], capsys)
    assert status == 0 and "already current" in err
    with psycopg.connect(blank) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [
            (v,) for v in range(1, SCHEMA_VERSION + 1)]
        indexes = {r[0] for r in conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'events'")}
    assert any("USING gist (geom)" in i for i in indexes)
    assert any("(event_type, country_code, date)" in i for i in indexes)  # version 2
    with open_store(blank, create=False) as store:
        assert store.count() == 0
    # A store of version 1 (before the write index) gets version 2 alone.
    with psycopg.connect(blank, autocommit=True) as conn:
        conn.execute("DROP INDEX events_candidates")
        conn.execute("DELETE FROM schema_version WHERE version = 2")
    with pytest.raises(OSError, match="geo store migrate"):
        open_store(blank, create=False)
    status, _, err = run_cli(["store", "migrate", blank], capsys)
    assert status == 0 and "applied 2\n" in err


def test_two_processes_migrating_at_once_apply_each_version_once(blank: str) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with psycopg.connect(blank, autocommit=True) as conn:
                migrate(conn)
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with psycopg.connect(blank) as conn:
        assert conn.execute("SELECT count(*) FROM schema_version").fetchone() == (
            SCHEMA_VERSION,)


def test_a_newer_schema_is_refused(pg: str) -> None:
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (SCHEMA_VERSION + 1,))
    with pytest.raises(OSError, match="newer than this program"):
        open_store(pg)


def reviewed_store(path: Path) -> Path:
    """A SQLite store with articles, a quake, happenings, corrections and their audit."""
    with open_store(path) as store:
        fill(store)
        store.correct(["e2"], {"fatalities": 3, "review": "confirmed"}, who="ana",
                      note="checked")
        store.correct(["e5"], {"review": "rejected"}, who="ben")
        store.merge(["e1", QUAKE.event_id], who="ana")
    return path


def exports(store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """Every export of a store: happenings and reports, GeoJSON and CSV, some filtered."""
    out = []
    for extra in ([], ["--reports"], ["--review", "rejected"], ["--reports", "--bbox=30,30,40,40"],
                  ["--since", "2023-02-05", "--reports"], ["--actor", "FORCES"]):
        for fmt in ("geojson", "csv"):
            status, text, err = run_cli(["export", "--store", store, "--format", fmt,
                                         "-o", "-", *extra], capsys)
            assert status == 0, err
            out.append(text)
    return out


def test_copies_both_ways_export_exactly_what_the_source_does(
        pg: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = str(reviewed_store(tmp_path / "source.sqlite"))
    status, _, err = run_cli(["store", "copy", source, pg], capsys)
    assert status == 0, err
    assert "5 audit" in err and "the target holds 5 report(s)" in err
    expected = exports(source, tmp_path, capsys)
    assert expected[0].count('"Feature"') >= 4  # not a comparison of empty files
    assert exports(pg, tmp_path, capsys) == expected
    # And back: PostGIS -> a new SQLite file.
    back = str(tmp_path / "back.sqlite")
    status, _, err = run_cli(["store", "copy", pg, back], capsys)
    assert status == 0, err
    assert exports(back, tmp_path, capsys) == expected
    with open_store(source) as a, open_store(pg) as b:
        assert a.audit() == b.audit() and a.flagged() == b.flagged()
        assert a.articles(with_text=True) == b.articles(with_text=True)
        for query in (EventQuery(), EventQuery(happenings=True), EventQuery(reviews=["rejected"])):
            assert a.query(query) == b.query(query)
            assert a.daily_counts(query) == b.daily_counts(query)
            assert a.breakdown(query) == b.breakdown(query)
            assert cells(a.grid_cells(1.0, query)) == cells(b.grid_cells(1.0, query))
        assert a.summary() == b.summary() and a.sources() == b.sources()


def cells(found: list[GridCell]) -> list[tuple]:
    """Grid cells in order, their mean positions rounded (sums may add up differently)."""
    return sorted((c.event_type, c.row, c.col, c.count, round(c.lat, 9), round(c.lon, 9),
                   c.lead_id, c.lead_score) for c in found)


def test_copying_again_changes_nothing(pg: str, tmp_path: Path) -> None:
    source = reviewed_store(tmp_path / "source.sqlite")
    with open_store(source) as src, open_store(pg) as dst:
        first = copy_store(src, dst)
        copy_store(src, dst)
        assert dst.count() == src.count() and len(dst.audit()) == first["audit"] == 5
        assert dst.query(EventQuery(happenings=True)) == src.query(EventQuery(happenings=True))


# --- many writers at once -----------------------------------------------------------------

PLACES = ["Aleppo", "Idlib", "Homs", "Kharkiv", "Mosul", "Gaziantep", "Kherson", "Raqqa"]


def write_articles(folder: Path, n: int) -> list[Path]:
    """Write ``n`` short news articles; pairs tell of the same strike (one happening)."""
    paths = []
    for i in range(n):
        place = PLACES[(i // 2) % len(PLACES)]
        day = 3 + (i // 2) % 20
        text = (f"Report {i}: strike on {place}\n2023-03-{day + 1:02d}\n\n"
                f"An airstrike hit {place} on March {day}, 2023, killing {2 + i % 3} people, "
                f"local officials said in statement number {i}. Separately, protesters "
                f"marched in {PLACES[(i + 3) % len(PLACES)]} on March {day}, 2023.\n")
        path = folder / f"{i:02d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def state(url: str) -> tuple:
    """What a store holds, comparable across backends."""
    with open_store(url) as store:
        return (sorted(a.id for a in store.articles()),
                [dataclasses.asdict(e) for e in store.query(EventQuery(reviews=[
                    "unreviewed", "confirmed", "corrected", "rejected"]))],
                [dataclasses.asdict(e) for e in store.query(EventQuery(happenings=True))])


def test_four_writers_ingesting_overlapping_inputs_and_a_reader(pg: str, tmp_path: Path) -> None:
    articles = write_articles(tmp_path, 16)
    demo = sorted((REPO / "data" / "demo" / "articles").glob("*.txt"))
    # Writer k ingests 10 of the 16 articles (each overlaps the others) and the demo.
    inputs = [[str(p) for p in (articles[4 * k:] + articles[:4 * k])[:10] + demo]
              for k in range(4)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    writers = [subprocess.Popen([sys.executable, "-m", "geo", "ingest", *paths, "--store", pg,
                                 "--quiet"], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for paths in inputs]
    seen: list[int] = []
    errors: list[BaseException] = []
    with open_store(pg) as reader:
        while any(w.poll() is None for w in writers):
            try:
                seen.append(reader.count())
                reader.grid_cells(1.0)
                reader.daily_counts(EventQuery(happenings=True))
                reader.query(limit=50, newest_first=True)
            except BaseException as err:  # noqa: BLE001 - reported below
                errors.append(err)
    results = [w.communicate(timeout=300) for w in writers]
    assert [w.returncode for w in writers] == [0, 0, 0, 0], results
    assert errors == []
    assert seen == sorted(seen)  # what one reader saw only ever grew
    # Exactly what one process ingesting everything in turn stores.
    reference = str(tmp_path / "reference.sqlite")
    everything = [str(p) for p in articles + demo]
    done = subprocess.run([sys.executable, "-m", "geo", "ingest", *everything, "--store",
                           reference, "--quiet"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    got, want = state(pg), state(reference)
    assert len(got[0]) == 20 and len(got[1]) > 40 and len(got[2]) < len(got[1])
    assert got == want
    assert json.dumps(got[2], default=str) == json.dumps(want[2], default=str)


def test_revision_changes_with_any_write_from_any_process(pg: str) -> None:
    with open_store(pg) as store, open_store(pg) as other:
        first = store.revision()
        store.count()
        assert store.revision() == first  # reading changes nothing
        store.add_events([dataclasses.replace(QUAKE, event_id="r1")])
        second = store.revision()
        assert second != first
        other.add_events([dataclasses.replace(QUAKE, event_id="r2")])
        assert store.revision() not in (first, second)
