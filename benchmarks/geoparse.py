"""Benchmark the geoparser on gold corpora: accuracy, speed, memory, and a peer.

    python benchmarks/geoparse.py CORPUS_DIR_OR_FILES... [--limit N] [--json OUT]

For each corpus: accuracy by the rules of ``geo.evaluate`` (Gritta et al. 2018),
throughput of one sequential pass on one core after a warm-up, and the peak memory
of a fresh process that loads the gazetteer and parses the corpus. Once per run: the
gazetteer load time in fresh processes, and machine facts. A peer geoparser runs in
the same way beside ours: ``geo.geoparse_baseline`` (most populous candidate for
every span) when the package has it, else the capitalised n-gram matcher below.
See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import platform
import re
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Runnable as a plain script from any folder, installed package or not.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from geo import evaluate  # noqa: E402
from geo.errors import InputError  # noqa: E402
from geo.model import Toponym  # noqa: E402

Parse = Callable[[str], Sequence]

WARMUP_DOCS = 5
GAZETTEER_RUNS = 3
CHILD_TIMEOUT_S = 1800
OURS = "conflict-map"
RESULTS = ROOT / "benchmarks" / "results.json"

# Times the gazetteer load in a fresh interpreter; the last stdout line is JSON.
GAZETTEER_PROBE = """\
import json, resource, time
t0 = time.perf_counter()
import geo.places.gazetteer as gazetteer
t1 = time.perf_counter()
gazetteer.load_gazetteer()
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1,
                  "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


# --- the parsers -------------------------------------------------------------------


def our_parser() -> Parse:
    return importlib.import_module("geo.places.geoparse").geoparse


def lead_baseline() -> Parse:
    """Return the package's population-only baseline (most populous candidate per span)."""
    return importlib.import_module("geo.places.geoparse").geoparse_baseline


def peer_parser() -> tuple[str, Parse, str]:
    """Return the peer's label, its parse function, and why it was chosen."""
    try:
        return ("geoparse_baseline", lead_baseline(),
                "the package's population-only baseline (geo.places.geoparse)")
    except (ImportError, AttributeError) as err:
        return (
            "capitalised n-grams (fallback peer)",
            capitalised_ngram_peer,
            f"geoparse_baseline not importable ({err}); using the benchmark's fallback",
        )


_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_MAX_WORDS = 4
# Capitalised words that start sentences or name dates, never places here: a crude
# stand-in for the NER step of the published "spaCy + most populous" baseline.
_STOPWORDS = frozenset(
    "A An And As At But By For From He Her His I If In It Its Mr Mrs Ms Dr No Not Of On Or "
    "She So That The Their There These They This Those To We What When Where Which Who "
    "With You Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February "
    "March April May June July August September October November December".split()
)


def capitalised_ngram_peer(text: str) -> list[Toponym]:
    """Tag runs of capitalised words found in the gazetteer, as their most populous place.

    Within a run of capitalised words separated by single spaces, the longest n-gram
    (up to four words) that the gazetteer knows wins, left to right. A trailing
    possessive 's is left out of the span.
    """
    from geo.places.gazetteer import load_gazetteer

    gazetteer = load_gazetteer()  # cached per process
    found = []
    for run in _capitalised_runs(text):
        i = 0
        while i < len(run):
            for n in range(min(_MAX_WORDS, len(run) - i), 0, -1):
                start, end = run[i][0], run[i + n - 1][1]
                name = text[start:end]
                if n == 1 and name in _STOPWORDS:
                    continue
                places = gazetteer.lookup(name)
                if places:
                    # max() keeps the first, i.e. most prominent, of equally populous places.
                    best = max(places, key=lambda p: p.population)
                    found.append(
                        Toponym(
                            start, end, name, best.lat, best.lon, best.geonameid,
                            best.country_code, best.feature, best.uncertainty_km,
                        )
                    )
                    i += n
                    break
            else:
                i += 1
    return found


def _capitalised_runs(text: str) -> Iterator[list[tuple[int, int]]]:
    run: list[tuple[int, int]] = []
    for m in _WORD.finditer(text):
        start, end = m.span()
        if not text[start].isupper():
            if run:
                yield run
            run = []
            continue
        if text[end - 2 : end] in ("'s", "’s"):
            end -= 2
        if run and text[run[-1][1] : start] != " ":
            yield run
            run = []
        run.append((start, end))
    if run:
        yield run


# --- measurements ------------------------------------------------------------------


@contextlib.contextmanager
def one_core() -> Iterator[int | None]:
    """Pin this process to one CPU while timing, where the OS allows it."""
    if not hasattr(os, "sched_setaffinity"):
        yield None
        return
    allowed = os.sched_getaffinity(0)
    cpu = min(allowed)
    os.sched_setaffinity(0, {cpu})
    try:
        yield cpu
    finally:
        os.sched_setaffinity(0, allowed)


def timed_pass(docs: Sequence[dict], parse: Parse) -> tuple[list[list[dict]], list, dict]:
    """Parse every document once, sequentially, after a warm-up; time only the parsing.

    Returns the predictions (dicts, one list per document), the failures
    ``(doc id, reason)``, and the timings.
    """
    for doc in docs[:WARMUP_DOCS]:
        with contextlib.suppress(Exception):
            parse(doc["text"])
    found: list[Sequence] = []
    failures: list[tuple[str, str]] = []
    with one_core() as cpu:
        wall0, cpu0 = time.perf_counter(), time.process_time()
        for number, doc in enumerate(docs):
            try:
                found.append(parse(doc["text"]))
            # A benchmark reports a document that trips the parser and goes on.
            except Exception as err:  # noqa: BLE001
                found.append([])
                failures.append((str(doc.get("id", number)), f"{type(err).__name__}: {err}"))
        wall, cpu_s = time.perf_counter() - wall0, time.process_time() - cpu0
    predictions = [[t if isinstance(t, dict) else t.to_dict() for t in ts] for ts in found]
    kb = sum(len(doc["text"].encode("utf-8")) for doc in docs) / 1024
    timing = {
        "wall_s": wall,
        "cpu_s": cpu_s,
        "docs_per_s": len(docs) / wall if wall > 0 else None,
        "kb_per_s": kb / wall if wall > 0 else None,
        "pinned_cpu": cpu,
        "warmup_docs": min(WARMUP_DOCS, len(docs)),
    }
    return predictions, failures, timing


def run_child(args: list[str]) -> dict:
    """Run a fresh interpreter in the repo and return the JSON of its last stdout line.

    Raises
    ------
    RuntimeError
        If the child fails; the message carries the last line of its stderr.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
        check=False,
    )
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        reason = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"child exited {proc.returncode}: {reason}")
    return json.loads(lines[-1])


def rss_mb(max_rss: int) -> float:
    # ru_maxrss is in kilobytes on Linux, in bytes on macOS.
    return max_rss / (1024 * 1024 if sys.platform == "darwin" else 1024)


def gazetteer_load() -> dict:
    """Time ``load_gazetteer`` in fresh processes.

    A first run is reported apart: it may build a missing or stale index and reads
    from a cold disk cache. The next runs give the median load time and peak memory.
    """
    runs = []
    for _ in range(1 + GAZETTEER_RUNS):
        try:
            runs.append(run_child(["-c", GAZETTEER_PROBE]))
        except (RuntimeError, subprocess.TimeoutExpired, ValueError) as err:
            return {"error": str(err)}
    first, warm = runs[0], runs[1:]
    loads = sorted(r["load_s"] for r in warm)
    return {
        "load_s": loads[len(loads) // 2],  # median
        "load_s_runs": [r["load_s"] for r in warm],
        "first_load_s": first["load_s"],
        "import_s": min(r["import_s"] for r in warm),
        "peak_rss_mb": rss_mb(max(r["max_rss_kb"] for r in warm)),
    }


def peak_memory(which: str, path: Path, limit: int | None) -> dict:
    """Return the peak RSS of a fresh process that loads the gazetteer and parses ``path``."""
    args = [str(Path(__file__).resolve()), str(path), "--peak-rss", which]
    if limit is not None:
        args += ["--limit", str(limit)]
    try:
        child = run_child(args)
    except (RuntimeError, subprocess.TimeoutExpired, ValueError) as err:
        return {"peak_rss_mb": None, "error": str(err)}
    return {"peak_rss_mb": rss_mb(child["max_rss_kb"]), "failed_docs": child["failed_docs"]}


def _peak_rss_child(which: str, path: Path, limit: int | None) -> int:
    from geo.places.gazetteer import load_gazetteer

    load_gazetteer()
    parse = our_parser() if which == "ours" else peer_parser()[1]
    failed = 0
    for doc in evaluate.load_corpus(path)[:limit]:
        try:
            parse(doc["text"])
        except Exception:  # noqa: BLE001 - counted and reported by the parent
            failed += 1
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"max_rss_kb": max_rss, "failed_docs": failed}))
    return 0


def machine_info() -> dict:
    cpu = platform.processor() or "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "commit": _git_commit(),
    }


def _git_commit() -> str | None:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        return commit + ("+dirty" if git("status", "--porcelain", "--untracked-files=no") else "")
    except (OSError, subprocess.CalledProcessError):
        return None


# --- the run -----------------------------------------------------------------------


def bench_corpus(path: Path, limit: int | None, peer: tuple[str, Parse, str]) -> dict:
    """Measure ours and the peer on one corpus; print the tables; return the numbers."""
    name = evaluate.corpus_name(path)
    docs = evaluate.load_corpus(path)[:limit]
    skip = evaluate.skips_demonyms(path)
    kb = sum(len(doc["text"].encode("utf-8")) for doc in docs) / 1024
    result: dict = {"path": str(path), "n_docs": len(docs), "kb": kb, "skip_demonyms": skip}
    rows = []
    for key, label, parse, which in [
        ("ours", OURS, our_parser(), "ours"),
        ("peer", peer[0], peer[1], "peer"),
    ]:
        predictions, failures, timing = timed_pass(docs, parse)
        scores = evaluate.score(docs, predictions, skip_demonyms=skip)
        result[key] = {
            "label": label,
            "scores": scores.to_dict(),
            "throughput": timing,
            "memory": peak_memory(which, path, limit),
            "failed_docs": len(failures),
            "failure_examples": [{"id": i, "error": e} for i, e in failures[:5]],
        }
        rows.append((label, scores))
    ours_speed = result["ours"]["throughput"]["docs_per_s"]
    peer_speed = result["peer"]["throughput"]["docs_per_s"]
    result["throughput_ratio"] = ours_speed / peer_speed if ours_speed and peer_speed else None

    demonyms = ", predicted demonyms skipped" if skip else ""
    print(f"\n== {name}: {len(docs)} documents, {kb:,.0f} KB{demonyms}")
    print(evaluate.format_table(name, rows))
    print()
    print(_speed_table(result))
    return result


def _speed_table(result: dict) -> str:
    def num(value: float | None, fmt: str) -> str:
        return "-" if value is None else format(value, fmt)

    width = max(len(result[key]["label"]) for key in ("ours", "peer"))
    header = (
        f"{'system':<{width}} {'docs/s':>8} {'KB/s':>8} {'wall s':>7} {'CPU s':>7} "
        f"{'peak MB':>8} {'failed':>6}"
    )
    lines = [header, "-" * len(header)]
    for key in ("ours", "peer"):
        r = result[key]
        t, mem = r["throughput"], r["memory"]
        lines.append(
            f"{r['label']:<{width}} {num(t['docs_per_s'], '8.1f')} {num(t['kb_per_s'], '8.1f')} "
            f"{t['wall_s']:7.2f} {t['cpu_s']:7.2f} {num(mem['peak_rss_mb'], '8.0f')} "
            f"{r['failed_docs']:>6}"
        )
        if r["failure_examples"]:
            example = r["failure_examples"][0]
            lines.append(
                f"  {r['failed_docs']} documents failed, e.g. {example['id']}: {example['error']}"
            )
        if mem.get("error"):
            lines.append(f"  peak memory not measured: {mem['error']}")
    ratio = result["throughput_ratio"]
    lines.append(f"throughput ratio ours/peer: {num(ratio, '.2f')}")
    return "\n".join(lines)


def _arg_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="benchmarks/geoparse.py",
        description="Benchmark geo.places.geoparse against the gold corpora and a peer geoparser.",
    )
    parser.add_argument("corpora", nargs="+", help="corpus .jsonl files or a folder of them")
    parser.add_argument("--limit", type=int, metavar="N", help="use the first N documents")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write all numbers to OUT")
    parser.add_argument(
        "--record",
        action="store_true",
        help=f"store our F1 and acc@161 per corpus in {RESULTS.relative_to(ROOT)} "
        "(the floor tests/test_regression.py checks)",
    )
    # Internal: the fresh process whose peak memory the parent reads.
    parser.add_argument("--peak-rss", choices=("ours", "peer"), help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _arg_parser()
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser.error(f"--limit must be at least 1, got {args.limit}")
    if args.record and args.limit is not None:
        parser.error("--record needs whole corpora; drop --limit")
    if args.peak_rss:
        return _peak_rss_child(args.peak_rss, Path(args.corpora[0]), args.limit)
    try:
        paths = evaluate.corpus_files(args.corpora)
    except InputError as err:
        print(f"benchmark: {err}", file=sys.stderr)
        return 2

    machine = machine_info()
    print(
        f"{machine['date']}  {machine['platform']}\n{machine['cpu']}, {machine['cores']} cores "
        f"({machine['cores_usable']} usable), {machine['python']}, commit {machine['commit']}"
    )
    peer = peer_parser()
    print(f"peer: {peer[0]}: {peer[2]}")
    gazetteer = gazetteer_load()
    if "error" in gazetteer:
        print(f"gazetteer load: failed: {gazetteer['error']}")
    else:
        runs = ", ".join(f"{s:.2f}" for s in gazetteer["load_s_runs"])
        print(
            f"gazetteer load: {gazetteer['load_s']:.2f} s, median of fresh processes ({runs}; "
            f"first {gazetteer['first_load_s']:.2f} s, may include a build); "
            f"import {gazetteer['import_s']:.2f} s; peak {gazetteer['peak_rss_mb']:.0f} MB"
        )

    report: dict = {
        "machine": machine,
        "limit": args.limit,
        "peer": {"label": peer[0], "why": peer[2]},
        "gazetteer": gazetteer,
        "corpora": {},
        "published": {"source": evaluate.PUBLISHED_SOURCE, "systems": evaluate.PUBLISHED},
    }
    status = 1 if "error" in gazetteer else 0
    for path in paths:
        try:
            result = bench_corpus(path, args.limit, peer)
        except InputError as err:
            print(f"benchmark: {err}", file=sys.stderr)
            status = 1
            continue
        report["corpora"][evaluate.corpus_name(path)] = result
        for key in ("ours", "peer"):
            if result[key]["failed_docs"] or "error" in result[key]["memory"]:
                status = 1
    print(f"\npublished rows: {evaluate.PUBLISHED_SOURCE}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    if args.record:
        record(report["corpora"])
        print(f"recorded F1 and acc@161 in {RESULTS}")
    return status


def record(corpora: dict) -> None:
    """Store our F1 and acc@161 per corpus in results.json, keeping other corpora."""
    results = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    for name, result in corpora.items():
        scores = result["ours"]["scores"]
        results[name] = {
            metric: None if scores[metric] is None else round(scores[metric], 4)
            for metric in ("f1", "acc161")
        }
    lines = [f"  {json.dumps(name)}: {json.dumps(entry)}" for name, entry in results.items()]
    RESULTS.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
