"""Size limits, in one place: what any input, an upload or a text may weigh."""

from __future__ import annotations

# The largest input (file, download, JSON line's text) the command line accepts by
# default; ``--max-bytes`` changes it.
DEFAULT_MAX_BYTES = 10_000_000
# The largest uploaded file or pasted text the page accepts.
UPLOAD_LIMIT_BYTES = 5_000_000
# The longest text geoparsing accepts, in characters.
MAX_TEXT_CHARS = 10_000_000
# The hard ceiling on ``--max-bytes``: a larger value is refused as a bad argument,
# because extraction needs many times an input's size in memory (a 200 MB limit let
# one input use 1.8 GB before a later limit refused its text).
MAX_INPUT_BYTES = 50_000_000
