"""Ingest on a Dask cluster (``geo ingest --engine dask``): the same store, the same report.

A LocalCluster of two worker processes (one thread each, 127.0.0.1, no dashboard) is
started once for the module and shut down after it; each test checks that no process is
left behind.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

import cloudpickle
import psutil
import pytest

from geo.cli import main
from geo.cluster import engine, work
from geo.cluster.engine import dask_client, ingest_on_cluster, partitions
from geo.ingest.read import Unit, plan_inputs, read_inputs, read_unit
from geo.model import Article, EventQuery, Failure
from geo.pipeline import import_quakes, ingest, store_articles
from geo.store import open_store

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "data" / "demo"
INGEST = REPO / "tests" / "data" / "ingest"

# Functions sent to the workers by client.run are pickled with their code, not by a
# module name the workers could not import (tests/ is not a package).
cloudpickle.register_pickle_by_value(sys.modules[__name__])

LINES = [
    {"id": "w-1", "title": "Strike near Kherson", "published": "2024-03-04",
     "text": "A drone struck a warehouse near Kherson on Monday, officials said."},
    "",
    {"title": "Protest in Izmir", "published": "2024-05-11",
     "text": "Protesters rallied in central Izmir on Saturday, organisers said."},
    "{not json",
    {"title": "Same text again", "published": "2024-05-11",
     "text": "Protesters rallied in central   Izmir on Saturday, organisers said."},
    {"id": "w-1", "title": "Reused id", "published": "2024-03-04",
     "text": "Shelling hit Kharkiv overnight, the governor said."},
    {"title": "No text"},
    {"title": "Undated", "text": "Clashes broke out in Aleppo between rival groups."},
    {"title": "Lone surrogate", "published": "2024-01-02", "text": "Bad \ud800 text in Homs."},
    {"title": "Riot in Kano", "published": "2024-03-05",
     "text": "Rioters set fire to a market in Kano after the arrests, police said."},
    {"title": "Airstrike", "published": "2023-02-10",
     "text": "Jets struck positions near Idlib, Syria, on Feb. 10, monitors said."},
    {"id": 7, "title": "Quake", "published": "2023-02-07",
     "text": "Rescuers searched rubble in Antakya, Turkey, a day after the magnitude 7.8 "
             "earthquake of Feb. 6."},
]


def mixed_inputs(root: Path) -> list[str]:
    """Good and bad inputs of every kind, with repeats across and within them."""
    jsonl = root / "wire.jsonl"
    jsonl.write_text("\n".join(line if isinstance(line, str) else json.dumps(line)
                               for line in LINES) + "\n", encoding="utf-8")
    (root / "blank.jsonl").write_text("\n \n\u00a0\n", encoding="utf-8")
    (root / "empty.txt").write_text("", encoding="utf-8")
    (root / "binary.txt").write_bytes(b"GIF89a\x00\x01")
    (root / "latin1.txt").write_bytes("Caf\xe9 in Tunis\n".encode("latin-1"))
    (root / "notes.csv").write_text("a,b\n", encoding="utf-8")
    (root / "nothing").mkdir()
    (root / "nothing" / "x.csv").write_text("a\n", encoding="utf-8")
    copy = root / "copy_of_talks.txt"  # the same text as a demo brief, by another name
    copy.write_bytes((DEMO / "articles" / "01_turkey_syria_talks.txt").read_bytes())
    return [str(DEMO / "articles"), str(jsonl), str(root / "blank.jsonl"),
            str(root / "empty.txt"), str(root / "binary.txt"), str(root / "latin1.txt"),
            str(root / "notes.csv"), str(root / "missing.txt"), str(root / "nothing"),
            str(INGEST), str(copy), str(jsonl), "ftp://example.org/a.txt"]


def contents(path: Path) -> dict[str, list]:
    """Everything a store holds that an ingest writes: articles, reports, happenings."""
    with open_store(path) as store:
        return {
            "articles": sorted(store.articles(with_text=True), key=lambda a: a.id),
            "reports": sorted(store.query(EventQuery(happenings=False)),
                              key=lambda e: e.event_id),
            "happenings": sorted(store.query(EventQuery()), key=lambda e: e.event_id),
        }


def with_catalog(path: Path) -> Path:
    from geo.events.usgs import read_usgs

    with open_store(path) as store:
        import_quakes(store, read_usgs(str(DEMO / "usgs_2023_turkey.csv"), errors=[]))
    return path


def geo_processes() -> set[int]:
    """The ids of this process's children: Dask's workers while a cluster runs.

    Multiprocessing's resource tracker is left out: started with the first worker, it
    is one per test process, kept for its life and ending with it.
    """
    found = set()
    for process in psutil.Process(os.getpid()).children(recursive=True):
        try:
            if "resource_tracker" in " ".join(process.cmdline()):
                continue
        except psutil.Error:  # a zombie another test left, or one just gone: kept by id
            pass
        found.add(process.pid)
    return found


@pytest.fixture(scope="module")
def client():
    before = geo_processes()
    with dask_client(workers=2) as client:
        yield client
    left = geo_processes() - before
    assert not left, f"processes left behind: {left}"


def gazetteer_reads() -> int:
    from geo.places.gazetteer import _load

    return _load.cache_info().misses


def test_dask_gives_the_same_store_report_and_messages(client, tmp_path):
    inputs = mixed_inputs(tmp_path)
    one, many = with_catalog(tmp_path / "one.sqlite"), with_catalog(tmp_path / "dask.sqlite")
    said_one: list[tuple[str, str]] = []
    said_dask: list[tuple[str, str]] = []
    with open_store(one) as store:
        expected = ingest(inputs, store, on_item=lambda *said: said_one.append(said))
    with open_store(many) as store:
        # Three lines or files a task: the JSON lines file is cut into pieces and the
        # batch into many partitions, done two at a time, out of order.
        got = ingest_on_cluster(inputs, store, client, partition_size=3,
                                on_item=lambda *said: said_dask.append(said))
    assert got == expected
    assert said_dask == said_one
    assert contents(many) == contents(one)
    # The batch exercised what it was made for.
    assert expected.stored >= 12 and expected.events >= 12 and expected.warnings
    reasons = {f.source.removeprefix(str(tmp_path)): f.reason for f in expected.failures}
    assert reasons["/wire.jsonl:4"].startswith("invalid JSON")
    assert "already used in this batch" in reasons["/wire.jsonl:6"]
    assert "lone surrogate" in reasons["/wire.jsonl:9"]
    assert reasons["/blank.jsonl"].startswith("no article in it")
    assert reasons["/binary.txt"].startswith("binary")
    assert reasons["/missing.txt"] == "no such file, folder or URL"
    assert sum(1 for f in expected.failures if f.source.endswith("wire.jsonl:6")) == 2
    with open_store(many) as store:
        quakes = [e for e in store.query(EventQuery(types=("earthquake",), happenings=False))
                  if e.article_id != "usgs"]
    assert any(e.related_quake for e in quakes)  # linked on the client, to the catalog


def test_each_worker_reads_the_gazetteer_once(client, tmp_path):
    (tmp_path / "wire.jsonl").write_text("\n".join(
        json.dumps({"title": f"Brief {n}", "published": "2024-03-04",
                    "text": f"Shelling hit Kharkiv on Monday, report {n} said."})
        for n in range(40)), encoding="utf-8")
    with open_store(tmp_path / "s.sqlite") as store:
        report = ingest_on_cluster([str(tmp_path / "wire.jsonl")], store, client,
                                   partition_size=2)
    assert report.stored == 40 and report.ok
    reads = client.run(gazetteer_reads)
    # Loaded as each worker started (the plugin), then used by each of its tasks.
    assert sorted(reads.values()) == [1, 1]
    tasks = client.run(lambda dask_worker: dask_worker.state.executed_count)
    assert all(count >= 2 for count in tasks.values()), tasks


def test_the_command_line_engine(tmp_path, capsys):
    before = geo_processes()
    store = str(tmp_path / "events.sqlite")
    inputs = [str(DEMO / "articles"), str(tmp_path / "missing.txt")]
    assert main(["ingest", *inputs, "--store", store, "--engine", "dask", "--workers", "2",
                 "-q"]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'missing.txt'}: failed: no such file, folder or URL" in err
    assert "geo ingest: 4 article(s) stored with" in err and "1 failed" in err
    assert not geo_processes() - before
    single = str(tmp_path / "single.sqlite")
    assert main(["ingest", *inputs, "--store", single, "-q"]) == 1
    assert contents(Path(store)) == contents(Path(single))


@pytest.mark.parametrize(("args", "message"), [
    (["--scheduler", "tcp://127.0.0.1:1"], "a SQLite store is written by one machine"),
    (["--engine", "single", "--scheduler", "tcp://127.0.0.1:1"], "--scheduler needs --engine dask"),
    (["--workers", "2"], "--workers needs --engine dask"),
    (["--engine", "dask", "--scheduler", "tcp://127.0.0.1:1", "--workers", "2"],
     "--workers is for the local cluster"),
])
def test_refused_engine_options(tmp_path, capsys, args, message):
    store = tmp_path / "events.sqlite"
    if args[0] == "--scheduler":
        args = ["--engine", "dask", *args]
    assert main(["ingest", str(DEMO / "articles"), "--store", str(store), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err
    assert not store.exists()


def test_an_unreachable_scheduler_is_one_line(tmp_path, capsys, monkeypatch):
    # Not a SQLite store by its name: the scheduler is tried, and cannot be reached.
    monkeypatch.setattr("geo.cli.events._is_sqlite", lambda store: False)
    monkeypatch.setattr(engine, "dask_client",
                        _timing_out(engine.dask_client))
    code = main(["ingest", str(DEMO / "articles"), "--store", str(tmp_path / "e.sqlite"),
                 "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert "cannot start or reach the Dask scheduler at 'tcp://127.0.0.1:9'" in err
    assert "\n" not in err


def _timing_out(real):
    def short(scheduler=None, *, workers=None, timeout=30.0):
        return real(scheduler, workers=workers, timeout=1.0)
    return short


# --- the client's glue, in this process -----------------------------------------------


class InlineClient:
    """Runs each task as it is submitted, in this process: the engine's glue, tested alone."""

    def __init__(self, fail_on: str = ""):
        self.fail_on = fail_on
        self.tasks = 0

    def nthreads(self):
        return {"inline": 1}

    def submit(self, func, *args, pure=True):
        self.tasks += 1
        return InlineFuture(func, args, self.fail_on)


class InlineFuture:
    def __init__(self, func, args, fail_on):
        self.func, self.args, self.fail_on = func, args, fail_on

    def result(self):
        if self.fail_on and any(getattr(p, "source", "").endswith(self.fail_on)
                                for p in self.args[0]):
            raise MemoryError("worker killed")
        return self.func(*self.args)

    def release(self):
        pass


def test_an_extraction_error_fails_the_article_as_in_one_process(tmp_path, monkeypatch):
    def broken(article, gazetteer=None):
        if "Kano" in article.text:
            raise RuntimeError("boom\n  in /srv/geo/events/x.py")
        return []

    monkeypatch.setattr(work, "extract_events", broken)
    inputs = mixed_inputs(tmp_path)
    with open_store(tmp_path / "one.sqlite") as store:
        expected = store_articles(read_inputs(inputs), store, extract=lambda a: broken(a))
    with open_store(tmp_path / "dask.sqlite") as store:
        got = ingest_on_cluster(inputs, store, InlineClient(), partition_size=2)
    assert got == expected
    assert "not stored: RuntimeError: boom in <path>" in {f.reason for f in got.failures}


def test_a_lost_task_fails_its_inputs_by_name_and_the_batch_goes_on(tmp_path):
    (tmp_path / "a.txt").write_text("Clash in Aleppo\n2024-01-02\nFighting in Aleppo.\n")
    (tmp_path / "b.txt").write_text("Strike in Homs\n2024-01-02\nJets struck Homs.\n")
    lines = "\n".join(json.dumps({"text": f"Shelling hit Kharkiv, report {n}.",
                                  "published": "2024-03-04"}) for n in range(5))
    (tmp_path / "c.jsonl").write_text(lines, encoding="utf-8")
    client = InlineClient(fail_on="b.txt")
    inputs = [str(tmp_path / name) for name in ("a.txt", "b.txt", "c.jsonl")]
    with open_store(tmp_path / "s.sqlite") as store:
        report = ingest_on_cluster(inputs, store, client, partition_size=1)
        assert report.stored == 6
    assert report.failures == (
        Failure(str(tmp_path / "b.txt"), "not read: the Dask task failed "
                                         "(MemoryError: worker killed)"),)
    assert client.tasks == 2 + 5  # a file a task, a line a task


def test_a_lost_piece_of_lines_is_named_by_its_lines(tmp_path):
    lines = "\n".join(json.dumps({"text": f"Shelling hit Kharkiv, report {n}."})
                      for n in range(5))
    (tmp_path / "c.jsonl").write_text(lines, encoding="utf-8")
    with open_store(tmp_path / "s.sqlite") as store:
        report = ingest_on_cluster([str(tmp_path / "c.jsonl")], store,
                                   InlineClient(fail_on="c.jsonl"), partition_size=2)
    assert [f.source.removeprefix(str(tmp_path)) for f in report.failures] == [
        "/c.jsonl:1-2", "/c.jsonl:3-4", "/c.jsonl:5-5"]


# --- planning a batch ------------------------------------------------------------------


def test_read_ahead_plans_read_as_the_files_do(tmp_path):
    inputs = mixed_inputs(tmp_path)
    published = dt.date(2024, 6, 1)

    def read(plan):
        found = []
        for unit in plan:
            found.extend([unit] if isinstance(unit, Failure)
                         else read_unit(unit, published=published))
        return found

    lazily = read(plan_inputs(inputs))
    assert read(plan_inputs(inputs, read_files=True)) == lazily
    assert read(plan_inputs(inputs, read_files=True, lines_per_unit=2)) == lazily
    assert all(a.published == published for a in lazily if isinstance(a, Article))
    pieces = [u for u in plan_inputs(inputs, read_files=True, lines_per_unit=5)
              if isinstance(u, Unit) and u.source.endswith("wire.jsonl")]
    assert [(Path(u.source).name, u.first_line) for u in pieces] == [
        ("wire.jsonl", 1), ("wire.jsonl", 6), ("wire.jsonl", 11)] * 2


def test_partitions_keep_the_order_and_cut_at_size_or_bytes():
    units = [Unit("a.txt", "bytes", b"x" * 10), Failure("b", "bad"),
             Unit("c.txt", "bytes", b"x" * 10), Unit("d.txt", "bytes", b"x" * 100),
             Unit("e.jsonl", "lines", "{}"), Unit("f.txt", "bytes", b"x")]
    parts = list(partitions(units, size=3, max_bytes=100))
    assert [[getattr(p, "source", "") for p in part] for part in parts] == [
        ["a.txt", "b", "c.txt", "d.txt"], ["e.jsonl"], ["f.txt"]]
    assert [p for part in parts for p in part] == units


@pytest.mark.parametrize(("store", "env", "sqlite"), [
    ("events.sqlite", None, True),
    ("sqlite:///x.sqlite", None, True),
    (None, None, True),  # the default store
    ("postgresql://u@db/geo", None, False),
    ("postgis://db/geo", None, False),
    (None, "postgresql+psycopg://db/geo", False),
])
def test_which_stores_are_sqlite_by_their_name(monkeypatch, store, env, sqlite):
    from geo.cli.events import _is_sqlite

    if env:
        monkeypatch.setenv("GEO_STORE", env)
    else:
        monkeypatch.delenv("GEO_STORE", raising=False)
    assert _is_sqlite(store) is sqlite


# --- workers writing to PostGIS ---------------------------------------------------------

def overlapping_briefs(root: Path, count: int = 48) -> list[str]:
    """Briefs of a few incidents, each told by several outlets in several files, so that
    partitions written at once by two workers hold reports of the same happenings."""
    towns = ["Kharkiv", "Kherson", "Idlib", "Aleppo", "Kano", "Izmir"]
    kinds = ["Shelling hit {t} on Monday, officials said.",
             "A drone struck a warehouse near {t} on Monday, the governor said.",
             "Protesters rallied in central {t} on Monday, organisers said."]
    paths = []
    for f in range(3):
        lines = []
        for n in range(f, count, 3):
            sentence = kinds[n % 3].format(t=towns[n % len(towns)])
            lines.append(json.dumps({"title": f"Brief {n}", "published": "2024-03-05",
                                     "text": f"{sentence} Report number {n} of the wire."}))
        path = root / f"wire_{f}.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(str(path))
    return paths


def test_workers_write_postgis_as_one_process_does(client, tmp_path, pg_databases):
    inputs = [*overlapping_briefs(tmp_path), str(tmp_path / "missing.txt")]
    one, many = pg_databases.create(), pg_databases.create()
    try:
        said_one: list[tuple[str, str]] = []
        said_dask: list[tuple[str, str]] = []
        with open_store(one) as store:
            expected = ingest(inputs, store, on_item=lambda *said: said_one.append(said))
        with open_store(many) as store:
            # Two lines a task: 25 partitions, two written at once, out of order.
            got = ingest_on_cluster(inputs, store, client, partition_size=2,
                                    on_item=lambda *said: said_dask.append(said))
            assert store.count() == expected.events  # written, though not by the client
        assert got == expected and said_dask == said_one
        assert expected.stored == 48 and len(expected.failures) == 1
        tables = ("articles", "events", "happenings")
        with open_store(one) as a, open_store(many) as b:
            assert {t: list(b.dump(t)) for t in tables} == {t: list(a.dump(t)) for t in tables}
            # Happenings span partitions: no final regrouping was needed for them.
            assert max(h.sources for h in b.query(EventQuery(happenings=True))) >= 5
        # The workers wrote, each through its own store, kept for the next task.
        opened = client.run(lambda: sorted(work._STORES))
        assert list(opened.values()) == [[many], [many]]
        # Again: everything already stored, nothing written twice.
        with open_store(many) as store:
            again = ingest_on_cluster(inputs, store, client, partition_size=2)
            assert again.stored == 0 and again.already_stored == 48
            assert store.count() == expected.events
    finally:
        pg_databases.release(one)
        pg_databases.release(many)
