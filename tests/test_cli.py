"""Tests for the ``geo`` command, run in-process through ``geo.cli.main``.

Most tests swap the geoparser for a fake so they exercise the command alone; one test
runs the real geoparser end to end.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import re
import sys
import types
import warnings
from pathlib import Path

import pytest

from geo import cli
from geo.cli import geoparse as cli_geoparse
from geo.errors import GeocoderError, InputError
from geo.model import Toponym

FAKE_PLACES = {
    "Raqqa": (35.95, 39.01, 163808, "SY", "city"),
    "Syria": (35.0, 38.0, 163843, "SY", "country"),
}


def fake_geoparse(text: str) -> list[Toponym]:
    """Find the FAKE_PLACES names verbatim; fail on texts that say BOOM."""
    if "BOOM" in text:
        raise RuntimeError("fake geoparser exploded")
    found = [
        Toponym(m.start(), m.end(), name, lat, lon, gid, cc, feature, 10.0)
        for name, (lat, lon, gid, cc, feature) in FAKE_PLACES.items()
        for m in re.finditer(name, text)
    ]
    return sorted(found, key=lambda t: t.start)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_geoparse, "geoparse", fake_geoparse)


def doc(doc_id: object, text: object, **extra: object) -> bytes:
    return (json.dumps({"id": doc_id, "text": text, **extra}) + "\n").encode()


def run_geoparse(tmp_path: Path, lines: list[bytes], *options: str) -> tuple[int, list[dict]]:
    """Run ``geo geoparse`` on ``lines``; return the exit status and the output records."""
    source = tmp_path / "docs.jsonl"
    source.write_bytes(b"".join(lines))
    out = tmp_path / "out.jsonl"
    status = cli.main(["geoparse", "--in", str(source), "--out", str(out), "--quiet", *options])
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return status, records


@pytest.mark.usefixtures("fake")
def test_geoparse_writes_one_line_per_document_in_input_order(tmp_path: Path) -> None:
    lines = [
        doc("b", "Fighting in Raqqa, Syria.", title="ignored", published="2023-03-27"),
        doc(1, ""),
        doc("a", "No places here."),
        doc("c", "Syria"),
    ]
    status, records = run_geoparse(tmp_path, lines)
    assert status == 0
    assert [r["id"] for r in records] == ["b", 1, "a", "c"]
    assert [t["name"] for t in records[0]["toponyms"]] == ["Raqqa", "Syria"]
    assert records[0]["toponyms"][0] == {
        "start": 12,
        "end": 17,
        "name": "Raqqa",
        "lat": 35.95,
        "lon": 39.01,
        "geonameid": 163808,
        "country_code": "SY",
        "feature": "city",
        "uncertainty_km": 10.0,
        "demonym": False,
    }
    assert records[1] == {"id": 1, "toponyms": []}
    assert records[2] == {"id": "a", "toponyms": []}
    assert set(records[3]) == {"id", "toponyms"}


@pytest.mark.usefixtures("fake")
@pytest.mark.parametrize(
    ("bad_line", "error_id", "reason"),
    [
        (b"{not json\n", None, "invalid JSON"),
        (b"[1, 2]\n", None, "expected a JSON object, got list"),
        (b'{"id": "x"}\n', "x", "missing 'text'"),
        (b'{"id": "x", "text": null}\n', "x", "'text' must be a string, got NoneType"),
        (b'{"id": "x", "text": ["Raqqa"]}\n', "x", "'text' must be a string, got list"),
        (b'{"text": "Raqqa"}\n', None, "missing 'id'"),
        (b'{"id": null, "text": "Raqqa"}\n', None, "'id' must be a string or an integer"),
        (b'{"id": {"a": 1}, "text": "Raqqa"}\n', None, "'id' must be a string or an integer"),
        (b'{"id": "x", "text": "caf\xe9 in Raqqa"}\n', None, "not valid UTF-8 (byte 0xe9"),
        (b'{"id": "x", "text": "\\ud800 Raqqa"}\n', "x", "unpaired surrogate"),
        (b'{"id": "x", "text": "BOOM in Raqqa"}\n', "x", "geoparse failed: RuntimeError"),
    ],
)
def test_geoparse_turns_a_bad_line_into_an_error_line_and_goes_on(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    bad_line: bytes,
    error_id: str | None,
    reason: str,
) -> None:
    lines = [doc("before", "Raqqa"), bad_line, doc("after", "Syria")]
    status, records = run_geoparse(tmp_path, lines)
    assert status == 1
    assert len(records) == 3
    assert records[0]["id"] == "before"
    assert records[0]["toponyms"][0]["name"] == "Raqqa"
    assert records[1]["id"] == error_id
    assert records[1]["line"] == 2
    assert reason in records[1]["error"]
    assert set(records[1]) == {"id", "line", "error"}
    assert records[2]["id"] == "after"
    assert records[2]["toponyms"][0]["name"] == "Syria"
    stderr = capsys.readouterr().err
    assert "line 2:" in stderr
    assert "1 of 3 lines failed" in stderr


@pytest.mark.usefixtures("fake")
def test_geoparse_skips_blank_lines_and_numbers_lines_as_in_the_file(tmp_path: Path) -> None:
    lines = [doc("a", "Raqqa"), b"\n", b"  \r\n", b"oops\n", doc("b", "Syria"), b"\n"]
    status, records = run_geoparse(tmp_path, lines)
    assert status == 1
    assert [r["id"] for r in records] == ["a", None, "b"]
    assert records[1]["line"] == 4


@pytest.mark.usefixtures("fake")
def test_geoparse_caps_text_size_in_utf8_bytes(tmp_path: Path) -> None:
    lines = [
        doc("ascii", "x" * 21),
        doc("fits", "x" * 20),
        doc("turkish", "ş" * 11),  # 11 characters, 22 bytes
        doc("ok", "Raqqa"),
    ]
    status, records = run_geoparse(tmp_path, lines, "--max-bytes", "20")
    assert status == 1
    assert [r["id"] for r in records] == ["ascii", "fits", "turkish", "ok"]
    assert "21 bytes, over the --max-bytes limit of 20" in records[0]["error"]
    assert records[1] == {"id": "fits", "toponyms": []}
    assert "22 bytes" in records[2]["error"]
    assert records[3]["toponyms"][0]["name"] == "Raqqa"


@pytest.mark.usefixtures("fake")
def test_geoparse_skips_a_huge_line_without_losing_its_neighbours(tmp_path: Path) -> None:
    huge = doc("huge", "Raqqa " * 200_000)  # 1.2 MB, over the line limit of 1 MiB + 8 x 10
    lines = [doc("a", "Raqqa"), huge, doc("b", "Syria")]
    status, records = run_geoparse(tmp_path, lines, "--max-bytes", "10")
    assert status == 1
    assert [r["id"] for r in records] == ["a", None, "b"]
    assert records[1]["line"] == 2
    assert "skipped" in records[1]["error"]
    assert records[2]["toponyms"][0]["name"] == "Syria"


@pytest.mark.usefixtures("fake")
def test_geoparse_accepts_a_byte_order_mark_and_a_missing_final_newline(tmp_path: Path) -> None:
    lines = [b"\xef\xbb\xbf" + doc("a", "Raqqa"), doc("b", "Syria").rstrip(b"\n")]
    status, records = run_geoparse(tmp_path, lines)
    assert status == 0
    assert [r["id"] for r in records] == ["a", "b"]


@pytest.mark.usefixtures("fake")
def test_geoparse_reads_stdin_and_writes_stdout(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(doc("a", "Raqqa, Syria") + doc("é", "")))
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)
    monkeypatch.setattr(sys, "stdout", stdout)
    status = cli.main(["geoparse", "--in", "-", "--out", "-"])
    assert status == 0
    lines = stdout.buffer.getvalue().decode("utf-8").splitlines()
    assert lines[1] == '{"id": "é", "toponyms": []}'
    assert [t["name"] for t in json.loads(lines[0])["toponyms"]] == ["Raqqa", "Syria"]


def test_geoparse_reports_a_missing_input_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.jsonl"
    status = cli.main(["geoparse", "--in", str(missing), "--out", str(tmp_path / "out.jsonl")])
    assert status == 2
    assert "nope.jsonl" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["0", "-5", "ten"])
def test_geoparse_rejects_a_bad_max_bytes(value: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["geoparse", "--max-bytes", value])
    assert exit_info.value.code == 2


@pytest.mark.slow
def test_geoparse_with_the_real_geoparser(tmp_path: Path) -> None:
    """End to end through ``geo.places.geoparse`` and the built gazetteer, no fakes."""
    status, records = run_geoparse(tmp_path, [doc("r", "Fighting was reported in Raqqa, Syria.")])
    assert "error" not in records[0], records[0]
    assert status == 0
    raqqa = [t for t in records[0]["toponyms"] if t["name"] == "Raqqa"]
    assert len(raqqa) == 1
    assert raqqa[0]["country_code"] == "SY"


@pytest.fixture
def build_calls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[tuple]:
    """Replace the gazetteer builder with one that records its arguments."""
    from geo.places import gazetteer

    calls: list[tuple] = []

    def fake_build(out: Path | None = None, dumps: tuple[Path, ...] = ()) -> Path:
        calls.append((out, dumps))
        path = out or tmp_path / "default-index.pickle"
        path.write_bytes(b"x" * 2048)
        return path

    monkeypatch.setattr(gazetteer, "build_gazetteer", fake_build)
    return calls


@pytest.mark.parametrize(
    ("options", "expected_out", "expected_dumps"),
    [
        ([], None, ()),
        (["--out", "{tmp}/index.pickle"], "{tmp}/index.pickle", ()),
        (["--dump", "{tmp}/a.txt", "--dump", "{tmp}/b.txt"], None, ("a.txt", "b.txt")),
        (["--dump", "{tmp}/a.txt", "{tmp}/b.txt"], None, ("a.txt", "b.txt")),
        (["--dump", "{tmp}/b.txt", "--out", "{tmp}/i.pickle"], "{tmp}/i.pickle", ("b.txt",)),
    ],
)
def test_gazetteer_build_passes_out_and_dumps(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    build_calls: list[tuple],
    options: list[str],
    expected_out: str | None,
    expected_dumps: tuple[str, ...],
) -> None:
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("")
    argv = ["gazetteer", "build", *(o.format(tmp=tmp_path) for o in options)]
    assert cli.main(argv) == 0
    out = Path(expected_out.format(tmp=tmp_path)) if expected_out else None
    assert build_calls == [(out, tuple(tmp_path / name for name in expected_dumps))]
    printed = capsys.readouterr().out
    assert str(out or tmp_path / "default-index.pickle") in printed
    assert "2.0 KB" in printed


def test_gazetteer_build_refuses_a_missing_dump(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], build_calls: list[tuple]
) -> None:
    assert cli.main(["gazetteer", "build", "--dump", str(tmp_path / "gone.txt")]) == 2
    assert build_calls == []
    assert "gone.txt" in capsys.readouterr().err


def test_gazetteer_needs_an_action() -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["gazetteer"])
    assert exit_info.value.code == 2


def install_fake_module(monkeypatch: pytest.MonkeyPatch, name: str, **functions: object) -> None:
    """Make ``from geo.<package> import <module>`` return a stand-in with ``functions``."""
    package, _, module_name = f"geo.{name}".rpartition(".")
    module = types.SimpleNamespace(**functions)
    monkeypatch.setitem(sys.modules, f"geo.{name}", module)
    monkeypatch.setattr(importlib.import_module(package), module_name, module, raising=False)


@pytest.mark.parametrize(
    ("argv", "expected_query", "expected_options"),
    [
        (["geocode", "Raqqa"], "Raqqa", {}),
        (["geocode", "Deir", "ez-Zor"], "Deir ez-Zor", {}),
        (
            ["geocode", "Raqqa", "--geocoder", "nominatim", "--user-agent", "test/1"],
            "Raqqa",
            {"geocoder": "nominatim", "user_agent": "test/1"},
        ),
        (
            ["geocode", "Raqqa", "--domain", "127.0.0.1:8080", "--scheme", "http"],
            "Raqqa",
            {"domain": "127.0.0.1:8080", "scheme": "http"},
        ),
    ],
)
def test_geocode_forwards_the_query_and_given_options(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    expected_query: str,
    expected_options: dict[str, str],
) -> None:
    calls = []

    def geocode_query(query: str, **options: str) -> types.SimpleNamespace:
        calls.append((query, options))
        return types.SimpleNamespace(latitude=35.95, longitude=39.01, address="Raqqa, Syria")

    install_fake_module(monkeypatch, "places.geocoders", geocode_query=geocode_query)
    assert cli.main(argv) == 0
    assert calls == [(expected_query, expected_options)]
    assert capsys.readouterr().out == "35.95000, 39.01000  Raqqa, Syria\n"


def test_geocode_not_found_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    install_fake_module(monkeypatch, "places.geocoders",
                        geocode_query=lambda query, **options: None)
    assert cli.main(["geocode", "Atlantis"]) == 1
    assert capsys.readouterr().out == "not found\n"


def test_geocode_reports_a_geocoder_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def geocode_query(query: str, **options: str) -> None:
        raise GeocoderError("nominatim is unreachable")

    install_fake_module(monkeypatch, "places.geocoders", geocode_query=geocode_query)
    assert cli.main(["geocode", "Raqqa", "--geocoder", "nominatim"]) == 1
    captured = capsys.readouterr()
    assert "nominatim is unreachable" in captured.err
    assert captured.out == ""


def test_geocode_shows_a_fallback_warning_as_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def geocode_query(query: str, **options: str) -> types.SimpleNamespace:
        warnings.warn("nominatim failed; using the offline gazetteer instead", stacklevel=2)
        return types.SimpleNamespace(latitude=35.95, longitude=39.01, address="Raqqa, Syria")

    install_fake_module(monkeypatch, "places.geocoders", geocode_query=geocode_query)
    assert cli.main(["geocode", "Raqqa", "--geocoder", "nominatim"]) == 0
    captured = capsys.readouterr()
    assert (
        captured.err
        == "geo geocode: warning: nominatim failed; using the offline gazetteer instead\n"
    )
    assert captured.out.startswith("35.95000, 39.01000")


def test_geocode_reports_a_bad_geocoder_name(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def geocode_query(query: str, **options: str) -> None:
        raise InputError("unknown geocoder 'nope'; expected one of ['gazetteer', 'nominatim']")

    install_fake_module(monkeypatch, "places.geocoders", geocode_query=geocode_query)
    assert cli.main(["geocode", "Raqqa", "--geocoder", "nope"]) == 2
    assert "unknown geocoder 'nope'" in capsys.readouterr().err


def test_eval_hands_every_argument_to_the_harness(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def fake_main(argv: list[str] | None) -> int:
        calls.append(argv)
        return 3

    install_fake_module(monkeypatch, "evaluate", main=fake_main)
    assert cli.main(["eval", "lgl.jsonl", "--limit", "5", "--help"]) == 3
    assert calls == [["lgl.jsonl", "--limit", "5", "--help"]]


# --- bad arguments, stores and the generic guard (issue 9) ----------------------------


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``geo`` in-process; return the exit status (argparse's too), stdout, stderr."""
    try:
        status = cli.main(argv)
    except SystemExit as exit_info:
        status = int(exit_info.code or 0)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_one_line_error(err: str, fragment: str) -> None:
    """The error is one ``geo ...: error: ...`` line naming ``fragment``, no traceback."""
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("geo") and ": error: " in line]
    assert len(errors) == 1, err
    assert fragment.lower() in errors[0].lower(), err


def make_store(path: Path) -> Path:
    """Write a store with one event per country in COUNTRY_EVENTS; return its path."""
    from factories import make_event

    from geo.store import open_store

    with open_store(path) as store:
        store.add_events([make_event(event_id=f"e-{code}", country_code=code, place=place)
                          for code, place in COUNTRY_EVENTS.items()])
    return path


COUNTRY_EVENTS = {"SY": "Aleppo", "TR": "Gaziantep", "IQ": "Mosul", "KR": "Seoul"}


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return make_store(tmp_path / "events.sqlite")


@pytest.fixture
def bad_paths(tmp_path: Path) -> dict[str, str]:
    """Paths for the bad-argument table: a non-database, a file used as a folder..."""
    (tmp_path / "notdb.sqlite").write_text("not a database, just text " * 100)
    (tmp_path / "afile").write_text("a file, not a folder")
    (tmp_path / "latin1.csv").write_bytes(b"time,latitude,longitude,mag,id,place\ncaf\xe9\n")
    (tmp_path / "q.csv").write_text("time,latitude,longitude,mag,id\n")  # no rows, fine
    return {"tmp": str(tmp_path)}


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        # export: filters
        (["export", "--bbox", "a,b"], "expected a bbox as W,S,E,N in degrees, got 'a,b'"),
        (["export", "--bbox", "200,0,10,10"], "bbox (200.0, 0.0, 10.0, 10.0) is not"),
        (["export", "--bbox", "0,50,1,40"], "south <= north"),
        (["export", "--types", "bogus"], "unknown event type 'bogus'; expected one of ['armed"),
        (["export", "--types", "strike,bogus"], "unknown event type 'bogus'"),
        (["export", "--since", "2023-13-01"], "expected a date as YYYY-MM-DD, got '2023-13-01'"),
        (["export", "--until", "2023-02-30"], "got '2023-02-30'"),
        (["export", "--since", "2023-03-01", "--until", "2023-02-01"], "is after --until"),
        (["export", "--country", "Narnia"], "unknown country 'Narnia'"),
        (["export", "--country", "Syria,Narnia"], "unknown country 'Narnia'"),
        (["export", "--country", ","], "expected country names or codes"),
        (["export", "--actor", "  "], "expected part of an actor's name, got '  '"),
        # export: output
        (["export", "--format", "gpkg", "-o", "-"], "a GeoPackage cannot be written to stdout"),
        (["export", "--format", "kml"], "invalid choice: 'kml'"),
        (["export", "-o", "/nonexistent/dir/x.csv"], "folder '/nonexistent/dir' does not exist"),
        (["export", "-o", "{tmp}"], "is a folder"),
        (["export", "-o", "{tmp}/afile/x.csv"], "does not exist"),
        # export: the store
        (["export", "--store", "sqlite://bad"], "expected sqlite:///PATH, got 'sqlite://bad'"),
        (["export", "--store", "mysql://host/db"], "unsupported store URL scheme 'mysql'"),
        (["export", "--store", "postgresql://geo:secret@127.0.0.1:1/db"],
         "cannot open event store 'postgresql://geo:***@127.0.0.1:1/db'"),
        (["export", "--store", "{tmp}/notdb.sqlite"], "file is not a database"),
        (["export", "--store", "{tmp}"], "is a folder; expected a SQLite file"),
        (["export", "--store", "{tmp}/missing.sqlite"], "no event store at"),
        (["export", "--store", "sqlite:///{tmp}/missing.sqlite"], "geo ingest INPUT... --store"),
        # ingest, extract, quakes, geoparse
        (["ingest", "x.txt", "--store", "{tmp}"], "is a folder"),
        (["ingest", "x.txt", "--store", "{tmp}/notdb.sqlite"], "file is not a database"),
        (["ingest", "x.txt", "--store", "{tmp}/afile/x.sqlite"], "cannot open event store"),
        (["ingest", "x.txt", "--store", "sqlite://"], "expected sqlite:///PATH"),
        (["ingest", "x.txt", "--max-bytes", "200000000"], "over the hard limit of 50,000,000"),
        (["ingest", "x.txt", "--max-bytes", "0"], "expected a positive integer, got '0'"),
        (["ingest", "x.txt", "--published", "2023-13-01"], "got '2023-13-01'"),
        (["extract", "x.txt", "--max-bytes", "50000001"], "over the hard limit"),
        (["extract", "x.txt", "--published", "soon"], "got 'soon'"),
        (["quakes", "q.csv", "--max-bytes", "99999999999"], "over the hard limit"),
        (["quakes", "{tmp}/nope.csv", "--store", "{tmp}/q.sqlite"], "no such file"),
        (["quakes", "{tmp}", "--store", "{tmp}/q.sqlite"], "directory"),
        (["quakes", "{tmp}/latin1.csv", "--store", "{tmp}/q.sqlite"], "UTF-8"),
        (["quakes", "{tmp}/q.csv", "--store", "{tmp}/afile/q.sqlite"], "cannot open event store"),
        (["quakes", "{tmp}/q.csv", "--store", "{tmp}/notdb.sqlite"], "file is not a database"),
        (["quakes", "{tmp}/q.csv", "--max-bytes", "5", "--store", "{tmp}/q.sqlite"], "q.csv"),
        (["geoparse", "--max-bytes", "200000000"], "over the hard limit"),
        (["geoparse", "--in", "{tmp}", "--out", "-"], "is a directory"),
        (["geoparse", "--in", "{tmp}/nope.jsonl"], "No such file or directory"),
        (["geoparse", "--in", "-", "--out", "/nonexistent/dir/out.jsonl"], "No such file"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    bad_paths: dict[str, str],
    argv: list[str],
    fragment: str,
) -> None:
    monkeypatch.setenv("GEO_DATA_DIR", bad_paths["tmp"])  # never the user's own store
    monkeypatch.delenv("GEO_STORE", raising=False)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    argv = [a.format(**bad_paths) for a in argv]
    if argv[0] == "export" and "-o" not in argv:
        argv += ["-o", "-"]
    status, out, err = run_cli(argv, capsys)
    assert status == 2, err
    assert out == ""
    assert_one_line_error(err, fragment.format(**bad_paths))
    assert not Path(bad_paths["tmp"], "missing.sqlite").exists()


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0,
                    reason="root reads and writes whatever the permissions say")
@pytest.mark.parametrize("command", ["ingest", "quakes"])
def test_an_unwritable_store_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    catalog = tmp_path / "q.csv"
    catalog.write_text("time,latitude,longitude,mag,id\n")
    folder.chmod(0o555)
    try:
        status, _, err = run_cli([command, str(catalog), "--store", str(folder / "s.sqlite")],
                                 capsys)
    finally:
        folder.chmod(0o755)
    assert status == 2
    assert_one_line_error(err, "cannot open event store")


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0,
                    reason="root reads whatever the permissions say")
def test_an_unreadable_catalog_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = tmp_path / "q.csv"
    catalog.write_text("time,latitude,longitude,mag,id\n")
    catalog.chmod(0)
    status, _, err = run_cli(["quakes", str(catalog), "--store", str(tmp_path / "s.sqlite")],
                             capsys)
    assert status == 2
    assert_one_line_error(err, "q.csv")


def test_export_without_a_store_makes_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GEO_STORE", raising=False)
    monkeypatch.setenv("GEO_DATA_DIR", str(tmp_path / "data"))
    out = tmp_path / "out.geojson"
    status, _, err = run_cli(["export", "-o", str(out)], capsys)
    assert status == 2
    default = tmp_path / "data" / "events.sqlite"
    assert_one_line_error(err, f"no event store at {str(default)!r}")
    assert "geo ingest" in err
    assert not default.exists() and not out.exists()
    monkeypatch.setenv("GEO_STORE", f"sqlite:///{tmp_path}/env.sqlite")
    status, _, err = run_cli(["export", "-o", str(out)], capsys)
    assert status == 2
    assert_one_line_error(err, "env.sqlite")
    assert not (tmp_path / "env.sqlite").exists()


def test_open_store_create_false(tmp_path: Path) -> None:
    from geo.store import open_store

    with pytest.raises(FileNotFoundError, match="no event store at"):
        open_store(tmp_path / "none.sqlite", create=False)
    assert not (tmp_path / "none.sqlite").exists()
    with pytest.raises(IsADirectoryError, match="is a folder"):
        open_store(tmp_path)
    for memory in (":memory:", "sqlite:///:memory:"):
        with open_store(memory, create=False) as store:
            assert store.count() == 0
    assert list(tmp_path.iterdir()) == []
    make_store(tmp_path / "there.sqlite")
    with open_store(tmp_path / "there.sqlite", create=False) as store:
        assert store.count() == len(COUNTRY_EVENTS)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--country", "Syria"], {"SY"}),
        (["--country", "sy"], {"SY"}),
        (["--country", "SYR"], {"SY"}),
        (["--country", "Syrian Arab Republic"], {"SY"}),
        (["--country", "Syria,Turkey"], {"SY", "TR"}),
        (["--country", "Syria", "--country", "iq"], {"SY", "IQ"}),
        (["--country", "Korea, Republic of,Türkiye"], {"KR", "TR"}),
        (["--country", "Jordan"], set()),
        ([], set(COUNTRY_EVENTS)),
    ],
)
def test_export_country_takes_names_and_codes(
    tmp_path: Path, store_path: Path, capsys: pytest.CaptureFixture[str],
    options: list[str], expected: set[str],
) -> None:
    out = tmp_path / "out.geojson"
    status, _, err = run_cli(["export", *options, "-o", str(out), "--store", str(store_path)],
                             capsys)
    assert status == 0, err
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    assert {f["properties"]["country_code"] for f in features} == expected
    assert f"{len(expected)} happening(s) written" in err


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--actor", "houthi"], {"h1", "h2"}),  # actor1 or actor2, any case
        (["--actor", "Houthi forces", "--country", "YE"], {"h1"}),
        (["--actor", "civilians"], {"h1"}),
        (["--actor", "100%"], set()),  # % is a plain character
        ([], {"h1", "h2", "n1"}),
    ],
)
def test_export_actor_filter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], options: list[str], expected: set[str]
) -> None:
    from factories import make_event

    from geo.store import open_store

    path = tmp_path / "events.sqlite"
    with open_store(path) as store:
        store.add_events([
            make_event(event_id="h1", country_code="YE", actor1="Houthi forces",
                       actor2="civilians", fatalities=4),
            make_event(event_id="h2", country_code="SA", actor2="Houthi fighters"),
            make_event(event_id="n1", country_code="SY"),
        ])
    out = tmp_path / "out.csv"
    status, _, err = run_cli(["export", *options, "--format", "csv", "-o", str(out),
                              "--store", str(path)], capsys)
    assert status == 0, err
    import csv as csv_module

    with open(out, encoding="utf-8", newline="") as f:
        # Happenings by default; here each is one report (h- and its id).
        rows = {row["event_id"].removeprefix("h-"): row for row in csv_module.DictReader(f)}
    assert set(rows) == expected
    if "h1" in rows:
        assert (rows["h1"]["actor1"], rows["h1"]["actor2"], rows["h1"]["fatalities"]) == (
            "Houthi forces", "civilians", "4")
    if "n1" in rows:
        assert (rows["n1"]["actor1"], rows["n1"]["fatalities"]) == ("", "")  # not said


def test_export_csv_neutralises_formulas_through_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from factories import make_event

    from geo.store import open_store

    path = tmp_path / "events.sqlite"
    with open_store(path) as store:
        store.add_events([make_event(event_id="f", place="=HYPERLINK(\"http://x\")",
                                     evidence="@SUM(A1)", lon=-70.5, country_code="CL")])
    status, out, err = run_cli(["export", "--format", "csv", "-o", "-", "--store", str(path)],
                               capsys)
    assert status == 0, err
    import csv as csv_module

    (row,) = csv_module.DictReader(io.StringIO(out))
    assert row["location"] == "'=HYPERLINK(\"http://x\")"
    assert row["notes"] == "'@SUM(A1)"
    assert row["longitude"] == "-70.5"


@pytest.mark.parametrize("debug", [False, True])
def test_an_unexpected_error_is_one_line_unless_debugging(
    store_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    debug: bool,
) -> None:
    # The module, not ``geo.export``: that name is the public export function.
    export_module = importlib.import_module("geo.export")

    def broken(*args: object) -> None:
        raise RuntimeError("exporter exploded\nwith a second line")

    monkeypatch.setattr(export_module, "export", broken)
    if debug:
        monkeypatch.setenv("GEO_DEBUG", "1")
    else:
        monkeypatch.delenv("GEO_DEBUG", raising=False)
    status, _, err = run_cli(["export", "-o", "-", "--store", str(store_path)], capsys)
    assert status == 1
    assert "geo: error: RuntimeError: exporter exploded with a second line" in err
    assert ("Traceback" in err) is debug
    if not debug:
        assert err.strip().count("\n") == 0
        assert "GEO_DEBUG=1" in err


def test_a_geo_error_is_one_line(
    store_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The module, not ``geo.export``: that name is the public export function.
    export_module = importlib.import_module("geo.export")

    def broken(*args: object) -> None:
        raise InputError("a known failure")

    monkeypatch.setattr(export_module, "export", broken)
    monkeypatch.delenv("GEO_DEBUG", raising=False)
    status, _, err = run_cli(["export", "-o", "-", "--store", str(store_path)], capsys)
    assert (status, err) == (1, "geo: error: a known failure\n")


@pytest.mark.parametrize(
    ("command", "target"),
    [
        ("ingest", "geo.pipeline.ingest"),
        ("extract", "geo.ingest.read.read_inputs"),
        ("quakes", "geo.events.usgs.read_usgs"),
    ],
)
@pytest.mark.parametrize("flag", [False, True])
def test_allow_private_urls_reaches_the_fetcher_for_that_command_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    command: str, target: str, flag: bool,
) -> None:
    seen: list[str | None] = []

    def fake(*args: object, **kwargs: object) -> object:
        seen.append(os.environ.get("GEO_ALLOW_PRIVATE_URLS"))
        if command == "ingest":
            return types.SimpleNamespace(summary=lambda: "done", ok=True)
        return [] if command == "quakes" else iter([])

    module, _, name = target.rpartition(".")
    monkeypatch.setattr(importlib.import_module(module), name, fake)
    monkeypatch.delenv("GEO_ALLOW_PRIVATE_URLS", raising=False)
    argv = [command, "http://127.0.0.1:1/x", "--store", str(tmp_path / "s.sqlite")]
    if command == "extract":
        argv = argv[:2]
    status, _, err = run_cli(argv + (["--allow-private-urls"] if flag else []), capsys)
    assert status == 0, err
    assert seen == ["1" if flag else None]
    assert "GEO_ALLOW_PRIVATE_URLS" not in os.environ


def test_quakes_from_a_local_server_with_allow_private_urls(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    body = (b"time,latitude,longitude,depth,mag,id,place,type\n"
            b"2023-02-06T01:17:34.861Z,37.2256,37.0143,10,7.8,us6000jllz,"
            b"\"Pazarcik, Turkey\",earthquake\n")

    class Catalog(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Catalog)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    store = tmp_path / "q.sqlite"
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/q.csv"
        refused = run_cli(["quakes", url, "--store", str(store)], capsys)
        status, _, err = run_cli(["quakes", url, "--store", str(store), "--allow-private-urls"],
                                 capsys)
    finally:
        server.shutdown()
        server.server_close()
    # Without the flag the fetcher refuses a loopback address: one line, nothing stored.
    assert refused[0] == 2
    assert_one_line_error(refused[2], "127.0.0.1")
    assert status == 0, err
    assert "1 quake(s) read, 1 stored" in err
