"""Tests for the ``geo`` command, run in-process through ``geo.cli.main``.

Most tests swap the geoparser for a fake so they exercise the command alone; one test
runs the real geoparser end to end.
"""

from __future__ import annotations

import importlib
import io
import json
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
