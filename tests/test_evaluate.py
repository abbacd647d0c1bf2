import importlib
import json
import math

import pytest

from geo.errors import InputError
from geo.evaluate import (
    EARTH_RADIUS_KM,
    auc,
    corpus_files,
    haversine_km,
    load_corpus,
    main,
    match,
    score,
)
from geo.model import Toponym

KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180  # 111.195 km along a meridian
LN_MAX = math.log(20039)


def span(start, name, lat=0.0, lon=0.0, **extra):
    end = start + len(name)
    return {"start": start, "end": end, "name": name, "lat": lat, "lon": lon, **extra}


# A tiny article: "Paris" (0), "Lyon" (20), "Nice" (40) are gold with coordinates.
DOC = {
    "id": "d1",
    "text": "",
    "toponyms": [
        span(0, "Paris", 48.0, 2.0),
        span(20, "Lyon", 45.0, 5.0),
        span(40, "Nice", 43.0, 7.0),
    ],
}


# --- haversine ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "km"),
    [
        ((0.0, 0.0), (0.0, 0.0), 0.0),
        ((0.0, 0.0), (0.0, 1.0), KM_PER_DEGREE),
        ((0.0, 0.0), (1.0, 0.0), KM_PER_DEGREE),
        ((0.0, 0.0), (0.0, 180.0), math.pi * EARTH_RADIUS_KM),
        ((90.0, 0.0), (-90.0, 0.0), math.pi * EARTH_RADIUS_KM),
        ((60.0, 0.0), (60.0, 180.0), 60 * KM_PER_DEGREE),  # over the pole
    ],
)
def test_haversine_km(a, b, km):
    assert haversine_km(*a, *b) == pytest.approx(km, abs=1e-6)
    assert haversine_km(*b, *a) == pytest.approx(km, abs=1e-6)


def test_haversine_km_known_city_pair():
    # London - Paris, about 343.5 km by great circle.
    assert haversine_km(51.5074, -0.1278, 48.8566, 2.3522) == pytest.approx(343.5, abs=0.5)


# --- match -------------------------------------------------------------------------


def test_match_ignores_case():
    gold = [span(0, "Paris")]
    pred = [span(0, "PARIS")]
    assert match(gold, pred) == [(gold[0], pred[0])]


def test_match_needs_equal_names():
    # Same span, different surface string (e.g. a longer prediction) is no match.
    assert match([span(0, "Paris")], [span(0, "Paris, Texas")]) == []
    assert match([span(0, "Paris")], [span(0, "Pariz")]) == []


@pytest.mark.parametrize(
    ("shift", "matched"), [(0, True), (9, True), (10, False), (-9, True), (-10, False)]
)
def test_match_midpoints_must_be_less_than_10_apart(shift, matched):
    gold = [span(20, "Paris")]  # midpoint 22.5
    pred = [span(20 + shift, "Paris")]
    assert bool(match(gold, pred)) is matched


def test_match_midpoint_uses_both_ends():
    # Starts 9 apart but a longer predicted span moves its midpoint 11.5 away.
    gold = [{"start": 0, "end": 2, "name": "ab"}]
    pred = [{"start": 9, "end": 16, "name": "AB"}]
    assert match(gold, pred) == []


def test_match_is_greedy_closest_midpoints_first():
    # One prediction at midpoint 8.5 is 6 from gold A (2.5) and 2 from gold B (10.5):
    # it goes to B even though A comes first.
    gold_a, gold_b = span(0, "Paris"), span(8, "Paris")
    pred = span(6, "Paris")
    assert match([gold_a, gold_b], [pred]) == [(gold_b, pred)]


def test_match_is_one_to_one():
    gold = [span(0, "Paris")]
    first, second = span(0, "Paris"), span(1, "Paris")
    assert match(gold, [second, first]) == [(gold[0], first)]
    # Two golds, two predictions all within reach: each used once, closest pairs kept.
    golds = [span(0, "Paris"), span(6, "Paris")]
    preds = [span(5, "Paris"), span(1, "Paris")]
    assert match(golds, preds) == [(golds[0], preds[1]), (golds[1], preds[0])]


def test_match_returns_pairs_in_gold_order():
    golds = [span(0, "Lyon"), span(30, "Nice")]
    preds = [span(30, "Nice"), span(0, "Lyon")]
    assert [g["name"] for g, _ in match(golds, preds)] == ["Lyon", "Nice"]


# --- AUC ---------------------------------------------------------------------------


def test_auc_of_nothing_is_none():
    assert auc([]) is None


@pytest.mark.parametrize(
    ("errors", "trapezoid", "mean"),
    [
        ([0.0], 0.0, 0.0),
        ([20038.0], 1.0, 1.0),
        ([0.0, 20038.0], 0.5, 0.5),
        ([20038.0, 0.0, 0.0], 0.25, 1 / 3),  # sorted first: y = 0, 0, 1
        ([math.e - 1, 0.0, math.e**2 - 1], (0.5 + 1.5) / 2 / LN_MAX, 1 / LN_MAX),
    ],
)
def test_auc(errors, trapezoid, mean):
    assert auc(errors) == pytest.approx(trapezoid)
    assert auc(errors, method="mean") == pytest.approx(mean)


def test_auc_rejects_unknown_method():
    with pytest.raises(ValueError, match="'median'"):
        auc([1.0], method="median")


# --- score -------------------------------------------------------------------------


def test_score_exact_numbers():
    preds = [
        span(0, "Paris", 48.0, 2.0),  # right place: 0 km
        span(21, "lyon", 47.0, 5.0),  # 2 degrees north: 222.4 km
        span(60, "Rome", 41.9, 12.5),  # no gold here: false positive
    ]  # "Nice" is missed
    s = score([DOC], [preds])
    far = 2 * KM_PER_DEGREE
    assert (s.n_gold, s.n_pred, s.n_matched) == (3, 3, 2)
    assert s.precision == pytest.approx(2 / 3)
    assert s.recall == pytest.approx(2 / 3)
    assert s.f1 == pytest.approx(2 / 3)
    assert s.acc161 == 0.5
    assert s.mean_km == pytest.approx(far / 2)
    assert s.median_km == pytest.approx(far / 2)
    assert s.auc == pytest.approx(math.log1p(far) / LN_MAX / 2)


def test_score_161_km_is_a_miss():
    just_in = span(0, "Paris", 48.0 + 160.9 / KM_PER_DEGREE, 2.0)
    just_out = span(0, "Paris", 48.0 + 161.1 / KM_PER_DEGREE, 2.0)
    assert score([DOC], [[just_in]]).acc161 == 1.0
    assert score([DOC], [[just_out]]).acc161 == 0.0


def test_score_pools_documents():
    other = {"id": "d2", "text": "", "toponyms": [span(5, "Oslo", 59.9, 10.7)]}
    s = score([DOC, other], [[span(0, "Paris", 48.0, 2.0)], [span(5, "Oslo", 59.9, 10.7)]])
    assert (s.n_gold, s.n_pred, s.n_matched) == (4, 2, 2)
    assert s.precision == 1.0
    assert s.recall == 0.5
    assert s.f1 == pytest.approx(2 / 3)


def test_score_with_no_predictions():
    s = score([DOC], [[]])
    assert (s.precision, s.recall, s.f1, s.n_pred, s.n_matched) == (0.0, 0.0, 0.0, 0, 0)
    assert (s.acc161, s.mean_km, s.median_km, s.auc) == (None, None, None, None)


def test_score_accepts_toponyms():
    t = Toponym(0, 5, "Paris", 48.0, 2.0, 2988507, "FR", "city", 10.0)
    s = score([DOC], [[t]])
    assert (s.n_matched, s.acc161) == (1, 1.0)


def test_score_skips_demonyms_only_when_asked():
    preds = [span(0, "Paris", 48.0, 2.0), span(60, "French", 46.0, 2.0, demonym=True)]
    kept = score([DOC], [preds])
    skipped = score([DOC], [preds], skip_demonyms=True)
    assert (kept.n_pred, kept.precision) == (2, 0.5)
    assert (skipped.n_pred, skipped.precision) == (1, 1.0)
    assert skipped.recall == kept.recall == pytest.approx(1 / 3)


def test_score_skip_demonyms_drops_matching_demonyms_too():
    # GeoVirus has no demonym gold, so even a matching demonym prediction goes.
    doc = {"text": "", "toponyms": [span(0, "Russian", 61.5, 105.3)]}
    s = score([doc], [[span(0, "Russian", 61.5, 105.3, demonym=True)]], skip_demonyms=True)
    assert (s.n_pred, s.n_matched, s.recall) == (0, 0, 0.0)


def test_score_does_not_count_predictions_of_ungrounded_spans():
    doc = dict(DOC, toponyms_without_coords=[{"start": 60, "end": 67, "name": "Narnia"}])
    preds = [span(0, "Paris", 48.0, 2.0), span(61, "Narnia", 1.0, 1.0)]
    s = score([doc], [preds])
    assert (s.n_gold, s.n_pred, s.n_matched) == (3, 1, 1)
    assert s.precision == 1.0
    # Without the annotation the same prediction is a false positive.
    assert score([DOC], [preds]).precision == 0.5


def test_score_ungrounded_spans_are_matched_one_to_one():
    doc = dict(DOC, toponyms_without_coords=[{"start": 60, "end": 66, "name": "Narnia"}])
    preds = [span(60, "Narnia"), span(61, "Narnia")]  # the second is a duplicate: FP
    s = score([doc], [preds])
    assert (s.n_pred, s.n_matched, s.precision) == (1, 0, 0.0)


def test_score_pairs_a_prediction_with_the_closer_of_gold_and_ungrounded():
    # Matching runs over gold and ungrounded spans together: the prediction pairs with
    # the closer span (the ungrounded one here), so it is dropped, not matched.
    doc = {
        "text": "",
        "toponyms": [span(0, "Paris", 48.0, 2.0)],
        "toponyms_without_coords": [{"start": 6, "end": 11, "name": "Paris"}],
    }
    s = score([doc], [[span(5, "Paris", 48.0, 2.0)]])
    assert (s.n_gold, s.n_pred, s.n_matched) == (1, 0, 0)


def test_score_rejects_misaligned_predictions():
    with pytest.raises(ValueError, match="1 documents but 2 prediction lists"):
        score([DOC], [[], []])


# --- corpus files ------------------------------------------------------------------


def write_corpus(path, docs):
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    return path


def test_load_corpus_keeps_unicode_line_separators(tmp_path):
    doc = {"id": "x", "text": "Aleppo\u2028Idlib\u0085", "toponyms": []}
    path = write_corpus(tmp_path / "c.jsonl", [doc, doc])
    path.write_text(path.read_text(encoding="utf-8") + "\n\n", encoding="utf-8")
    assert load_corpus(path) == [doc, doc]


@pytest.mark.parametrize(
    ("line", "message"),
    [("{not json", r"c\.jsonl:2: not JSON"), ('{"text": ""}', r"c\.jsonl:2: expected an object")],
)
def test_load_corpus_names_the_bad_line(tmp_path, line, message):
    path = tmp_path / "c.jsonl"
    path.write_text('{"text": "", "toponyms": []}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_corpus(path)


def test_corpus_files_expands_folders(tmp_path):
    for name in ("trnews.jsonl", "lgl.jsonl", "other.jsonl"):
        write_corpus(tmp_path / name, [])
    assert corpus_files([tmp_path]) == [tmp_path / "lgl.jsonl", tmp_path / "trnews.jsonl"]
    assert corpus_files([tmp_path / "other.jsonl"]) == [tmp_path / "other.jsonl"]
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="holds none of"):
        corpus_files([tmp_path / "empty"])
    with pytest.raises(InputError, match="no such corpus"):
        corpus_files([tmp_path / "missing.jsonl"])


# --- main (with a fake geoparser) --------------------------------------------------

GEOVIRUS_DOC = {
    "id": "g1",
    "text": "Russian doctors in Moscow.",
    "toponyms": [span(19, "Moscow", 55.75, 37.62)],
}
LGL_DOC = {
    "id": "l1",
    "text": "Paris, Texas is not Paris.",
    "toponyms": [span(0, "Paris", 33.66, -95.56), span(20, "Paris", 48.86, 2.35)],
}


def fake_geoparse(text):
    """Find 'Russian' (a demonym), 'Moscow', and resolve every 'Paris' to France."""
    places = {
        "Russian": (61.5, 105.3, True),
        "Moscow": (55.75, 37.62, False),
        "Paris": (48.86, 2.35, False),
    }
    found = []
    for name, (lat, lon, demonym) in places.items():
        start = text.find(name)
        while start != -1:
            end = start + len(name)
            found.append(Toponym(start, end, name, lat, lon, None, "", "city", 1.0, demonym))
            start = text.find(name, start + 1)
    return sorted(found, key=lambda t: t.start)


@pytest.fixture
def corpora(tmp_path, monkeypatch):
    monkeypatch.setattr(importlib.import_module("geo.places.geoparse"), "geoparse", fake_geoparse)
    write_corpus(tmp_path / "lgl.jsonl", [LGL_DOC])
    write_corpus(tmp_path / "geovirus.jsonl", [GEOVIRUS_DOC])
    return tmp_path


def test_main_scores_a_folder(corpora, capsys):
    out = corpora / "scores.json"
    assert main([str(corpora), "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    lgl, geovirus = report["corpora"]["lgl"], report["corpora"]["geovirus"]
    assert lgl["scores"]["f1"] == 1.0
    assert lgl["scores"]["acc161"] == 0.5  # Paris, Texas resolved to France
    assert lgl["skip_demonyms"] is False
    # GeoVirus: the demonym 'Russian' is skipped automatically, so precision is 1.
    assert geovirus["skip_demonyms"] is True
    assert (geovirus["scores"]["precision"], geovirus["scores"]["acc161"]) == (1.0, 1.0)
    assert report["published"]["systems"]["CamCoder"]["geovirus"] == {"acc161": 0.77, "f1": 0.87}
    printed = capsys.readouterr().out
    assert "CamCoder (published)" in printed
    assert "Gritta" in printed


def test_main_skip_demonyms_flag(corpora, tmp_path):
    renamed = write_corpus(tmp_path / "news.jsonl", [GEOVIRUS_DOC])
    out = tmp_path / "s.json"
    assert main([str(renamed), "--json", str(out)]) == 0
    assert json.loads(out.read_text())["corpora"]["news"]["scores"]["precision"] == 0.5
    assert main([str(renamed), "--skip-demonyms", "--json", str(out)]) == 0
    assert json.loads(out.read_text())["corpora"]["news"]["scores"]["precision"] == 1.0


def test_main_limit(corpora, tmp_path):
    write_corpus(tmp_path / "lgl.jsonl", [LGL_DOC, GEOVIRUS_DOC])
    out = tmp_path / "s.json"
    assert main([str(tmp_path / "lgl.jsonl"), "--limit", "1", "--json", str(out)]) == 0
    assert json.loads(out.read_text())["corpora"]["lgl"]["n_docs"] == 1


def test_main_reports_failing_documents_and_goes_on(corpora, monkeypatch, capsys):
    def flaky(text):
        if "Texas" in text:
            raise RuntimeError("boom")
        return fake_geoparse(text)

    monkeypatch.setattr(importlib.import_module("geo.places.geoparse"), "geoparse", flaky)
    out = corpora / "s.json"
    assert main([str(corpora), "--json", str(out)]) == 1
    report = json.loads(out.read_text())
    assert report["corpora"]["lgl"]["failures"] == [{"id": "l1", "error": "RuntimeError: boom"}]
    assert report["corpora"]["geovirus"]["scores"]["f1"] == 1.0
    assert "l1: RuntimeError: boom" in capsys.readouterr().err


def test_main_missing_corpus(tmp_path, capsys):
    assert main([str(tmp_path / "nope.jsonl")]) == 2
    assert "no such corpus" in capsys.readouterr().err
