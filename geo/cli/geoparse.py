"""``geo geoparse``: the places of JSON-lines documents, one output line per input line."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import stat
import sys
from collections.abc import Iterator
from typing import IO, Any

from geo.cli.args import describe_os_error, max_bytes_arg
from geo.errors import GazetteerError, InputError
from geo.limits import DEFAULT_MAX_BYTES, MAX_INPUT_BYTES
from geo.places.geoparse import geoparse


def add_parser(commands: Any) -> None:
    """Add ``geoparse`` to the ``geo`` parser's subcommands."""
    p = commands.add_parser(
        "geoparse",
        help="find and resolve the places in JSON-lines documents",
        description="Read JSON lines with 'id' and 'text'; write one line per document: "
        '{"id", "toponyms"} or, for a bad line, {"id", "line", "error"}. '
        "Exit status 1 if any line was bad.",
    )
    p.add_argument(
        "--in",
        dest="input",
        default="-",
        metavar="DOCS.jsonl",
        help="input file, - for stdin (default)",
    )
    p.add_argument(
        "--out",
        dest="output",
        default="-",
        metavar="OUT.jsonl",
        help="output file, - for stdout (default)",
    )
    p.add_argument(
        "--max-bytes",
        type=max_bytes_arg,
        default=DEFAULT_MAX_BYTES,
        help=f"largest text to geoparse, in UTF-8 bytes (default %(default)s, "
        f"at most {MAX_INPUT_BYTES})",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=cmd_geoparse)


def cmd_geoparse(args: argparse.Namespace) -> int:
    """Geoparse a JSON-lines file of documents, one output line per input line."""
    from tqdm import tqdm

    with contextlib.ExitStack() as stack:
        try:
            source = _open_binary(args.input, "rb", stack)
            sink = _open_binary(args.output, "wb", stack)
        except OSError as err:
            print(f"geo geoparse: error: {describe_os_error(err)}", file=sys.stderr)
            return 2
        bar = stack.enter_context(
            tqdm(
                total=_regular_file_size(source),
                unit="B",
                unit_scale=True,
                desc="geoparse",
                file=sys.stderr,
                disable=args.quiet or not sys.stderr.isatty(),
            )
        )
        done = failed = 0
        for lineno, raw, size in _read_lines(source, _line_limit(args.max_bytes)):
            bar.update(size)
            if raw is not None and not raw.strip():
                continue
            result = _geoparse_line(lineno, raw, args.max_bytes)
            if "error" in result:
                failed += 1
                tqdm.write(f"geo geoparse: line {lineno}: {result['error']}", file=sys.stderr)
            sink.write(_json_line(result))
            done += 1
        sink.flush()
    if failed:
        print(f"geo geoparse: {failed} of {done} lines failed", file=sys.stderr)
    return 1 if failed else 0


def _geoparse_line(lineno: int, raw: bytes | None, max_bytes: int) -> dict[str, Any]:
    """Return the output record for one input line: toponyms, or the reason it failed."""
    doc_id = None
    try:
        if raw is None:
            limit = _line_limit(max_bytes)
            raise InputError(f"line is over {limit:,} bytes (8 x --max-bytes + 1 MiB), skipped")
        doc = _decode_document(raw, first=lineno == 1)
        if "id" not in doc:
            raise InputError("missing 'id'")
        doc_id = doc["id"]
        if isinstance(doc_id, bool) or not isinstance(doc_id, str | int):
            doc_id = None
            raise InputError(f"'id' must be a string or an integer, got {doc['id']!r:.80}")
        text = _document_text(doc, max_bytes)
    except InputError as err:
        return {"id": doc_id, "line": lineno, "error": str(err)}
    try:
        toponyms = geoparse(text) if text.strip() else []
    except GazetteerError:
        raise  # A broken gazetteer fails every document alike: stop.
    except Exception as err:  # One document must not end the batch.
        return {"id": doc_id, "line": lineno, "error": f"geoparse failed: {err!r}"}
    return {"id": doc_id, "toponyms": [t.to_dict() for t in toponyms]}


def _decode_document(raw: bytes, first: bool = False) -> dict[str, Any]:
    """Decode one line of bytes into a JSON object, or raise InputError saying why."""
    try:
        line = raw.decode("utf-8-sig" if first else "utf-8")
    except UnicodeDecodeError as err:
        raise InputError(
            f"line is not valid UTF-8 (byte 0x{raw[err.start]:02x} at offset {err.start})"
        ) from err
    try:
        doc = json.loads(line)
    except json.JSONDecodeError as err:
        raise InputError(f"invalid JSON: {err}") from err
    if not isinstance(doc, dict):
        raise InputError(f"expected a JSON object, got {type(doc).__name__}")
    return doc


def _document_text(doc: dict[str, Any], max_bytes: int) -> str:
    """Return the document's ``text``, or raise InputError when it cannot be geoparsed."""
    if "text" not in doc:
        raise InputError("missing 'text'")
    text = doc["text"]
    if not isinstance(text, str):
        raise InputError(f"'text' must be a string, got {type(text).__name__}")
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as err:
        raise InputError("'text' contains an unpaired surrogate escape such as \\ud800") from err
    if size > max_bytes:
        raise InputError(f"'text' is {size:,} bytes, over the --max-bytes limit of {max_bytes:,}")
    return text


def _line_limit(max_bytes: int) -> int:
    # JSON escapes can make a line up to six times longer than its text; lines far
    # beyond that are skipped without being read into memory.
    return 8 * max_bytes + (1 << 20)


def _read_lines(stream: IO[bytes], limit: int) -> Iterator[tuple[int, bytes | None, int]]:
    """Yield ``(line number, line, size in bytes)``; the line is None if over ``limit``."""
    lineno = 0
    while raw := stream.readline(limit):
        lineno += 1
        size = len(raw)
        if size >= limit and not raw.endswith(b"\n"):
            while (rest := stream.readline(limit)) and not rest.endswith(b"\n"):
                size += len(rest)
            size += len(rest)
            yield lineno, None, size
        else:
            yield lineno, raw, size


def _open_binary(name: str, mode: str, stack: contextlib.ExitStack) -> IO[bytes]:
    """Open ``name`` in binary ``mode``; ``-`` is stdin or stdout, left open."""
    if name == "-":
        stream = sys.stdin if "r" in mode else sys.stdout
        return stream.buffer
    return stack.enter_context(open(name, mode))


def _regular_file_size(stream: IO[bytes]) -> int | None:
    """Return the size of the file behind ``stream``, or None for pipes and terminals."""
    try:
        info = os.fstat(stream.fileno())
    except (OSError, ValueError):
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def _json_line(record: dict[str, Any]) -> bytes:
    try:
        return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    except UnicodeEncodeError:
        # An id with an unpaired surrogate has no UTF-8 form; keep it \u-escaped.
        return (json.dumps(record) + "\n").encode("ascii")
