"""Review and correction from the CLI: edits, confirmations, rejections, merges and splits
that survive ingest and re-extraction, with an audit trail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_happenings import OTHER_STRIKE, STRIKE_ARTICLES

from geo.cli import main
from geo.model import Article, EventQuery
from geo.store import SQLiteStore

pytestmark = pytest.mark.slow  # the real gazetteer and extractor


def write_jsonl(path: Path, articles: list[Article]) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for a in articles:
            out.write(json.dumps({"id": a.id, "title": a.title, "text": a.text,
                                  "url": a.url, "published": a.published.isoformat()
                                  if a.published else None}) + "\n")
    return path


def geo(*argv: str) -> int:
    return main(list(argv))


def happenings(store_path: Path, **query: object) -> list:
    with SQLiteStore(store_path) as store:
        return store.query(EventQuery(happenings=True, **query))  # type: ignore[arg-type]


@pytest.fixture()
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "events.sqlite"
    first = write_jsonl(tmp_path / "first.jsonl", STRIKE_ARTICLES[:2])
    assert geo("ingest", str(first), "--store", str(path), "--quiet") == 0
    return path


def strike(store_path: Path) -> str:
    (found,) = [h for h in happenings(store_path) if h.place != "Palmyra"
                and h.event_type == "strike"]
    return str(found.event_id)


def test_a_cli_correction_survives_ingest_and_reextraction(
        store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hid = strike(store_path)
    assert geo("review", "edit", hid, "--place", "Al Mayadin", "--fatalities", "7",
               "--actor1", "US forces", "--note", "wire says Mayadin",
               "--who", "analyst1", "--store", str(store_path)) == 0
    moved = happenings(store_path)[0]
    assert (moved.place, moved.fatalities, moved.review_status) == ("Al Mayādīn", 7,
                                                                    "corrected")
    assert abs(moved.lat - 35.02) < 0.1

    # The same articles again, then a new one reporting the strike: still corrected.
    again = write_jsonl(tmp_path / "again.jsonl", [*STRIKE_ARTICLES[:2]])
    assert geo("ingest", str(again), "--store", str(store_path), "--quiet") == 0
    new = write_jsonl(tmp_path / "new.jsonl", [STRIKE_ARTICLES[2], OTHER_STRIKE])
    assert geo("ingest", str(new), "--store", str(store_path), "--quiet") == 0
    with SQLiteStore(store_path) as store:
        reports = [e for e in store.query() if e.article_id in ("wire-a", "wire-b")]
        assert {(e.place, e.fatalities, e.review_status) for e in reports} == {
            ("Al Mayādīn", 7, "corrected")}

    # A re-extraction keeps them too.
    assert geo("reextract", "--store", str(store_path)) == 0
    with SQLiteStore(store_path) as store:
        reports = [e for e in store.query() if e.article_id in ("wire-a", "wire-b")]
        assert {(e.place, e.fatalities) for e in reports} == {("Al Mayādīn", 7)}
        assert store.flagged() == []  # the extractor still says what it said

    # The audit trail lists each change: who, which field, old -> new, the note.
    capsys.readouterr()
    assert geo("review", "log", "--store", str(store_path)) == 0
    lines = capsys.readouterr().out.splitlines()
    fields = sorted({line.split("\t")[3] for line in lines})
    # Only what changed is recorded (both reports were already in Syria).
    assert {"place", "lat", "lon", "fatalities", "actor1"} <= set(fields)
    assert "country_code" not in fields
    assert all("\tanalyst1\t" in line and "wire says Mayadin" in line for line in lines)
    fatal = [line for line in lines if line.split("\t")[3] == "fatalities"]
    assert len(fatal) == 2 and fatal[0].endswith("8 -> 7\twire says Mayadin")


def test_a_rejected_event_leaves_the_map_and_the_export(
        store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hid = strike(store_path)
    assert geo("review", "reject", hid, "--store", str(store_path)) == 0
    out = tmp_path / "out.geojson"
    assert geo("export", "--store", str(store_path), "-o", str(out)) == 0
    ids = [f["id"] for f in json.loads(out.read_text())["features"]]
    assert hid not in ids and all(
        f["properties"]["review_status"] != "rejected"
        for f in json.loads(out.read_text())["features"])
    assert geo("export", "--store", str(store_path), "--reports", "-o", str(out)) == 0
    assert not [f for f in json.loads(out.read_text())["features"]
                if f["properties"]["article_id"] in ("wire-a", "wire-b")
                and f["properties"]["event_type"] == "strike"]
    # Asked for, they are there.
    assert geo("export", "--store", str(store_path), "--review", "rejected", "--reports",
               "-o", str(out)) == 0
    assert len(json.loads(out.read_text())["features"]) == 2
    # A new article about the same strike does not bring it back: it stands alone.
    new = write_jsonl(tmp_path / "new.jsonl", [STRIKE_ARTICLES[2]])
    assert geo("ingest", str(new), "--store", str(store_path), "--quiet") == 0
    visible = [h for h in happenings(store_path) if h.event_type == "strike"]
    assert [h.sources for h in visible] == [1]


def test_confirm_merge_split_and_csv_sources(
        store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = write_jsonl(tmp_path / "new.jsonl", [STRIKE_ARTICLES[2], OTHER_STRIKE])
    assert geo("ingest", str(new), "--store", str(store_path), "--quiet") == 0
    strikes = sorted(happenings(store_path, types=("strike",)), key=lambda h: -h.sources)
    assert [h.sources for h in strikes] == [3, 1]
    big, palmyra = strikes[0].event_id, strikes[1].event_id

    assert geo("review", "confirm", palmyra, "--store", str(store_path)) == 0
    capsys.readouterr()
    assert geo("review", "merge", big, palmyra, "--store", str(store_path)) == 0
    merged = capsys.readouterr().out.strip()
    (one,) = happenings(store_path, types=("strike",))
    assert one.event_id == merged and one.sources == 4

    # CSV: one row per happening, the outlets joined in `source`.
    out = tmp_path / "out.csv"
    assert geo("export", "--store", str(store_path), "--format", "csv", "-o", str(out),
               "--types", "strike") == 0
    import csv

    (row,) = list(csv.DictReader(out.open(encoding="utf-8")))
    # By article id: wire-a, wire-b, wire-c, wire-d.
    assert row["source"] == "wire.example; monitor.example; daily.example; other.example"
    assert row["sources"] == "4" and row["happening_id"] == merged

    # Split every report apart, then the store keeps them apart.
    assert geo("review", "split", merged, "--store", str(store_path)) == 0
    apart = happenings(store_path, types=("strike",))
    assert [h.sources for h in apart] == [1, 1, 1, 1]
    capsys.readouterr()
    (alone,) = [h for h in apart if h.place == "Palmyra"]
    assert geo("review", "show", "--store", str(store_path), alone.event_id) == 0
    shown = json.loads(capsys.readouterr().out)
    assert len(shown["reports"]) == 1 and shown["sources"] == 1
    assert shown["review_status"] == "confirmed"
    # Confirmed, merged, split: each change in its trail.
    assert [a["field"] for a in shown["audit"]] == ["review", "group", "group"]


def test_bad_review_requests_are_one_line_errors(
        store_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hid = strike(store_path)
    assert geo("review", "edit", "h-nope", "--fatalities", "2", "--store",
               str(store_path)) == 2
    assert "no event or happening 'h-nope'" in capsys.readouterr().err
    assert geo("review", "edit", hid, "--fatalities", "many", "--store",
               str(store_path)) == 2
    assert "fatalities must be a whole number" in capsys.readouterr().err
    assert geo("review", "edit", hid, "--place", "Nowhereville Xyz", "--store",
               str(store_path)) == 2
    assert "not in the gazetteer" in capsys.readouterr().err
    assert geo("review", "edit", hid, "--store", str(store_path)) == 2
    with SQLiteStore(store_path) as store:
        assert store.audit() == []
