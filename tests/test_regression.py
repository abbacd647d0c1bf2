"""Accuracy on the gold corpora must not fall below the numbers recorded in the repo.

The corpora live outside the repo, in the shared data folder (``GEO_SHARED_DIR`` or
``GEO_SHARED``, else ``../shared`` beside the repo), whose ``eval/`` subfolder holds
them. CI has them, so a missing corpus fails rather than skips, and so does a metric
that benchmarks/results.json does not record yet.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from geo import evaluate, geoparse

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS = REPO_ROOT / "benchmarks" / "results.json"
CORPORA = ("lgl", "geovirus", "trnews")
METRICS = ("f1", "acc161")
TOLERANCE = 0.02


def eval_dir() -> Path:
    shared = os.environ.get("GEO_SHARED_DIR") or os.environ.get("GEO_SHARED")
    return Path(shared or REPO_ROOT.parent / "shared") / "eval"


def recorded(corpus: str) -> dict[str, float]:
    entry = json.loads(RESULTS.read_text(encoding="utf-8")).get(corpus) or {}
    missing = [metric for metric in METRICS if entry.get(metric) is None]
    if missing:
        pytest.fail(
            f"{RESULTS.relative_to(REPO_ROOT)} records no {', '.join(missing)} for {corpus!r} "
            "yet: run `make bench` and record the numbers "
            "(`.venv/bin/python benchmarks/geoparse.py ../shared/eval --record`)",
            pytrace=False,
        )
    return entry


@pytest.mark.slow
@pytest.mark.parametrize("corpus", CORPORA)
def test_accuracy_has_not_regressed(corpus):
    path = eval_dir() / f"{corpus}.jsonl"
    if not path.is_file():
        pytest.skip(f"needs the shared corpora at {path.parent} (the project's ../shared "
                    "folder; set GEO_SHARED_DIR to point elsewhere)")
    expected = recorded(corpus)
    docs = evaluate.load_corpus(path)
    predictions, failures = evaluate.predict(docs, geoparse)
    assert not failures, f"{len(failures)} documents failed to parse, e.g. {failures[:3]}"
    scores = evaluate.score(docs, predictions, skip_demonyms=evaluate.skips_demonyms(path))
    # A hair of slack so that a drop of exactly TOLERANCE passes despite float rounding.
    regressed = {
        metric: (expected[metric], getattr(scores, metric))
        for metric in METRICS
        if (getattr(scores, metric) or 0.0) < expected[metric] - TOLERANCE - 1e-9
    }
    assert not regressed, (
        f"{corpus}: more than {TOLERANCE} below the recorded numbers: "
        + ", ".join(f"{m} {now:.3f} < recorded {was:.3f}" for m, (was, now) in regressed.items())
    )
