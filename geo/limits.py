"""Size limits, in one place: what any input, an upload or a text may weigh."""

from __future__ import annotations

# The largest input (file, download, JSON line's text) the command line accepts by
# default; ``--max-bytes`` changes it.
DEFAULT_MAX_BYTES = 10_000_000
# The largest uploaded file or pasted text the page accepts.
UPLOAD_LIMIT_BYTES = 5_000_000
# The longest text geoparsing accepts, in characters.
MAX_TEXT_CHARS = 10_000_000
