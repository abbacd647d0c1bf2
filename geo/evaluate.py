"""Score geoparser output against gold corpora, the way Gritta et al. (2018) do.

The scoring functions are pure and work on plain dicts (corpus lines, or
``Toponym.to_dict()``); ``main`` is the ``geo eval`` command that runs
``geo.places.geoparse`` over corpus files and prints our numbers beside the published ones.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import statistics
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from geo.errors import InputError
from geo.geodesy import EARTH_RADIUS_KM, MAX_DISTANCE_KM, haversine_km  # noqa: F401

# Mean Earth radius (IUGG), the value geopy's great_circle uses.
# Gritta et al. normalise AUC by the log of the largest possible error.
MAX_ERROR_KM = MAX_DISTANCE_KM
ACC_KM = 161  # 100 miles
MIDPOINT_WINDOW = 10  # span midpoints must be strictly closer than this, in characters
CORPUS_FILES = ("lgl.jsonl", "geovirus.jsonl", "trnews.jsonl")

PUBLISHED_SOURCE = (
    "M. Gritta, M. T. Pilehvar, N. Collier: A Pragmatic Guide to Geoparsing Evaluation. "
    "Language Resources and Evaluation 54 (2020); arXiv:1810.12368 (2018). End-to-end "
    "results, each system with its own toponym recognition."
)
# system -> corpus -> published numbers (acc@161 on matched pairs, F1 of recognition).
PUBLISHED: dict[str, dict[str, dict[str, float]]] = {
    "Edinburgh Geoparser": {
        "lgl": {"acc161": 0.82, "f1": 0.50},
        "geovirus": {"acc161": 0.81, "f1": 0.68},
        "trnews": {"acc161": 0.84, "f1": 0.57},
    },
    "CLAVIN": {
        "lgl": {"acc161": 0.70, "f1": 0.57},
        "geovirus": {"acc161": 0.79, "f1": 0.75},
        "trnews": {"acc161": 0.83, "f1": 0.63},
    },
    "CamCoder": {
        "lgl": {"acc161": 0.72, "f1": 0.65},
        "geovirus": {"acc161": 0.77, "f1": 0.87},
        "trnews": {"acc161": 0.83, "f1": 0.73},
    },
    "spaCy NER + GeoNames most-populous": {
        "lgl": {"acc161": 0.56, "f1": 0.42},
        "geovirus": {"acc161": 0.70, "f1": 0.50},
        "trnews": {"acc161": 0.74, "f1": 0.48},
    },
}


@dataclass(frozen=True, slots=True)
class Scores:
    """Recognition (P/R/F1) and resolution (errors of matched pairs) scores.

    The distance scores are ``None`` when nothing matched; P, R and F1 are 0.0 when
    their denominator is zero.
    """

    precision: float
    recall: float
    f1: float
    n_gold: int
    n_pred: int
    n_matched: int
    acc161: float | None
    mean_km: float | None
    median_km: float | None
    auc: float | None

    def to_dict(self) -> dict:
        return asdict(self)


def load_corpus(path: str | Path) -> list[dict]:
    """Read a corpus: one JSON document per line, blank lines ignored.

    Raises
    ------
    InputError
        If a line is not JSON or lacks ``text`` or ``toponyms``; the message gives
        the file and line number.
    """
    path = Path(path)
    try:
        # Not splitlines(): article texts hold U+2028 and friends inside JSON strings.
        lines = path.read_text(encoding="utf-8").split("\n")
    except OSError as err:
        raise InputError(f"cannot read corpus {str(path)!r}: {err}") from err
    docs = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(f"{path}:{number}: not JSON: {err}") from err
        if not isinstance(doc, dict) or "text" not in doc or "toponyms" not in doc:
            raise InputError(f"{path}:{number}: expected an object with 'text' and 'toponyms'")
        docs.append(doc)
    return docs


def match(gold: Sequence[dict], pred: Sequence[dict]) -> list[tuple[dict, dict]]:
    """Pair gold and predicted spans one-to-one, closest span midpoints first.

    Two spans can pair when their ``name``s are equal ignoring case and their
    midpoints are less than 10 characters apart. Candidate pairs are taken greedily
    by midpoint distance (ties: earlier gold, then earlier prediction); a span used
    once is not used again. The pairs come back in gold order.

    Examples
    --------
    >>> gold = [{"start": 0, "end": 5, "name": "Paris"}]
    >>> pred = [{"start": 9, "end": 14, "name": "PARIS"}, {"start": 1, "end": 6, "name": "paris"}]
    >>> [p["start"] for _, p in match(gold, pred)]
    [1]
    """
    return [(gold[i], pred[j]) for i, j in _match_indices(gold, pred)]


def _match_indices(gold: Sequence[dict], pred: Sequence[dict]) -> list[tuple[int, int]]:
    candidates = []
    for i, g in enumerate(gold):
        name, mid = g["name"].casefold(), _midpoint(g)
        for j, p in enumerate(pred):
            distance = abs(_midpoint(p) - mid)
            if distance < MIDPOINT_WINDOW and p["name"].casefold() == name:
                candidates.append((distance, i, j))
    candidates.sort()
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    pairs = []
    for _, i, j in candidates:
        if i not in used_gold and j not in used_pred:
            used_gold.add(i)
            used_pred.add(j)
            pairs.append((i, j))
    return sorted(pairs)


def _midpoint(span: dict) -> float:
    return (span["start"] + span["end"]) / 2


def auc(errors_km: Iterable[float], *, method: str = "trapezoid") -> float | None:
    """Return the normalised area under the curve of sorted ln(1 + error_km).

    Each error becomes ln(1 + km) / ln(20039), so 0 is perfect and 1 is the far
    side of the Earth; lower is better. ``method="trapezoid"`` (the default, used by
    :func:`score`) integrates the sorted values with the trapezoid rule over x in
    [0, 1], as in the evaluation code of Gritta et al.: ``trapz(y) / (n - 1)``.
    ``method="mean"`` is the plain mean of the values; the two differ only by how
    the smallest and largest errors are weighted, O(1/n). One error: its value.
    ``None`` for no errors.

    Examples
    --------
    >>> round(auc([0.0, 20038.0]), 6)
    0.5
    >>> round(auc([20038.0, 0.0, 0.0]), 6), round(auc([20038.0, 0.0, 0.0], method="mean"), 6)
    (0.25, 0.333333)
    """
    if method not in ("trapezoid", "mean"):
        raise ValueError(f"unknown AUC method {method!r}; expected 'trapezoid' or 'mean'")
    ys = sorted(math.log1p(e) / math.log(MAX_ERROR_KM) for e in errors_km)
    if not ys:
        return None
    if method == "mean" or len(ys) == 1:
        return sum(ys) / len(ys)
    return (sum(ys) - (ys[0] + ys[-1]) / 2) / (len(ys) - 1)


def score(
    docs: Sequence[dict],
    predictions: Sequence[Sequence[dict]],
    *,
    skip_demonyms: bool = False,
) -> Scores:
    """Score predicted toponyms (one list per document) against the gold ones.

    Gold is each document's ``toponyms`` (those with coordinates), as in the
    published tables. A prediction that matches a ``toponyms_without_coords`` span
    is neither a true nor a false positive: it is dropped before P/R, since the
    annotators marked a toponym there but gave no place to compare with. To keep
    matching one-to-one, predictions are matched against gold and ungrounded spans
    together, then the ones paired with ungrounded spans are dropped.

    With ``skip_demonyms`` predictions flagged ``demonym`` are dropped first
    (GeoVirus does not annotate demonyms). Predictions may be ``Toponym`` objects
    or dicts with ``start``, ``end``, ``name``, ``lat``, ``lon`` (``demonym``
    optional).

    Raises
    ------
    ValueError
        If ``docs`` and ``predictions`` differ in length.
    """
    if len(docs) != len(predictions):
        raise ValueError(f"{len(docs)} documents but {len(predictions)} prediction lists")
    n_gold = n_pred = 0
    errors: list[float] = []
    for doc, doc_preds in zip(docs, predictions, strict=True):
        gold = list(doc["toponyms"])
        ungrounded = list(doc.get("toponyms_without_coords") or [])
        preds = [p if isinstance(p, dict) else p.to_dict() for p in doc_preds]
        if skip_demonyms:
            preds = [p for p in preds if not p.get("demonym", False)]
        pairs = _match_indices(gold + ungrounded, preds)
        n_gold += len(gold)
        n_pred += len(preds) - sum(1 for i, _ in pairs if i >= len(gold))
        for i, j in pairs:
            if i < len(gold):
                g, p = gold[i], preds[j]
                errors.append(haversine_km(g["lat"], g["lon"], p["lat"], p["lon"]))
    n_matched = len(errors)
    precision = n_matched / n_pred if n_pred else 0.0
    recall = n_matched / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(
        precision=precision,
        recall=recall,
        f1=f1,
        n_gold=n_gold,
        n_pred=n_pred,
        n_matched=n_matched,
        acc161=sum(1 for e in errors if e < ACC_KM) / n_matched if errors else None,
        mean_km=statistics.fmean(errors) if errors else None,
        median_km=statistics.median(errors) if errors else None,
        auc=auc(errors),
    )


def corpus_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand folders into the corpus files they hold; check that every file exists.

    Raises
    ------
    InputError
        If a path does not exist, or a folder holds none of ``CORPUS_FILES``.
    """
    files = []
    for path in map(Path, paths):
        if path.is_dir():
            found = [path / name for name in CORPUS_FILES if (path / name).is_file()]
            if not found:
                raise InputError(f"folder {str(path)!r} holds none of {list(CORPUS_FILES)}")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(f"no such corpus file or folder: {str(path)!r}")
    return files


def corpus_name(path: Path) -> str:
    """Return the corpus key (``lgl``, ``geovirus``, ...) of a corpus file."""
    return Path(path).name.removesuffix(".jsonl")


def skips_demonyms(path: Path) -> bool:
    """Return whether the corpus leaves demonyms unannotated (GeoVirus does)."""
    return "geovirus" in Path(path).name.lower()


def predict(
    docs: Sequence[dict], parse: Callable[[str], Sequence]
) -> tuple[list[list[dict]], list[tuple[str, str]]]:
    """Run ``parse`` on every document's text.

    Returns the predictions as dicts, one list per document, and the failures as
    ``(doc id, reason)``; a document whose parse raised gets no predictions.
    """
    predictions: list[list[dict]] = []
    failures: list[tuple[str, str]] = []
    for number, doc in enumerate(docs):
        try:
            found = parse(doc["text"])
        # The whole corpus must be scored even if one document trips the parser.
        except Exception as err:  # noqa: BLE001
            failures.append((str(doc.get("id", number)), f"{type(err).__name__}: {err}"))
            found = []
        predictions.append([t if isinstance(t, dict) else t.to_dict() for t in found])
    return predictions, failures


def _fmt(value: float | None, digits: int = 3) -> str:
    if value is None:
        return "-"
    if digits == 0:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def format_table(corpus: str, rows: Sequence[tuple[str, Scores]]) -> str:
    """Return a text table of ``rows`` followed by the published rows for ``corpus``."""
    published = [
        (f"{system} (published)", by[corpus]) for system, by in PUBLISHED.items() if corpus in by
    ]
    width = max(len(label) for label, _ in [*rows, *published, ("system", None)])
    header = (
        f"{'system':<{width}} {'P':>6} {'R':>6} {'F1':>6} {'acc@161':>8} "
        f"{'mean km':>8} {'med km':>8} {'AUC':>6}"
    )
    lines = [header, "-" * len(header)]
    for label, s in rows:
        lines.append(
            f"{label:<{width}} {_fmt(s.precision):>6} {_fmt(s.recall):>6} {_fmt(s.f1):>6} "
            f"{_fmt(s.acc161):>8} {_fmt(s.mean_km, 0):>8} {_fmt(s.median_km, 0):>8} "
            f"{_fmt(s.auc):>6}"
        )
    for label, numbers in published:
        lines.append(
            f"{label:<{width}} {'-':>6} {'-':>6} {_fmt(numbers['f1'], 2):>6} "
            f"{_fmt(numbers['acc161'], 2):>8} {'-':>8} {'-':>8} {'-':>6}"
        )
    return "\n".join(lines)


def _default_parse() -> Callable[[str], Sequence]:
    # Looked up when called, on the defining module, so tests can patch it there.
    return importlib.import_module("geo.places.geoparse").geoparse


def _arg_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="geo eval",
        description="Score geo.places.geoparse on gold corpora (Gritta et al. 2018 rules).",
    )
    parser.add_argument(
        "corpora",
        nargs="+",
        help=f"corpus .jsonl files, or folders holding {', '.join(CORPUS_FILES)}",
    )
    parser.add_argument("--limit", type=int, metavar="N", help="score only the first N documents")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the numbers to OUT")
    parser.add_argument(
        "--skip-demonyms",
        action="store_true",
        help="drop predicted demonyms on every corpus (automatic for geovirus)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``geo eval``; return 0, 1 if a corpus or document failed, 2 on bad input."""
    parser = _arg_parser()
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser.error(f"--limit must be at least 1, got {args.limit}")
    try:
        paths = corpus_files(args.corpora)
    except InputError as err:
        print(f"geo eval: {err}", file=sys.stderr)
        return 2
    parse = _default_parse()
    report: dict = {"corpora": {}, "published": {"source": PUBLISHED_SOURCE, "systems": PUBLISHED}}
    status = 0
    for path in paths:
        name = corpus_name(path)
        try:
            docs = load_corpus(path)[: args.limit]
        except InputError as err:
            print(f"geo eval: {err}", file=sys.stderr)
            status = 1
            continue
        skip = args.skip_demonyms or skips_demonyms(path)
        predictions, failures = predict(docs, parse)
        scores = score(docs, predictions, skip_demonyms=skip)
        note = ", predicted demonyms skipped" if skip else ""
        print(
            f"\n{name}: {len(docs)} documents, {scores.n_gold} gold toponyms, "
            f"{scores.n_pred} predicted, {scores.n_matched} matched{note}"
        )
        print(format_table(name, [("conflict-map", scores)]))
        if failures:
            status = 1
            print(f"{len(failures)} documents failed to parse, e.g.:", file=sys.stderr)
            for doc_id, reason in failures[:5]:
                print(f"  {doc_id}: {reason}", file=sys.stderr)
        report["corpora"][name] = {
            "path": str(path),
            "n_docs": len(docs),
            "skip_demonyms": skip,
            "scores": scores.to_dict(),
            "failures": [{"id": doc_id, "error": reason} for doc_id, reason in failures],
        }
    print(f"\npublished rows: {PUBLISHED_SOURCE}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return status


if __name__ == "__main__":
    sys.exit(main())
