"""Article text on its way to a page: HTML-escaped, links checked, JSON safe in scripts.

Every text that comes from an article reaches HTML through ``esc`` (markup) or
``script_json`` (data for a script); a link is kept only when ``safe_url`` allows it.
"""

from __future__ import annotations

import functools
import html
import json
import re
from urllib.parse import urlsplit, urlunsplit

_JINJA_OPENERS = re.compile(r"\{(?=[{%#])")


@functools.lru_cache(maxsize=16_384)
def safe_url(url: str | None) -> str | None:
    """Return ``url`` if it is an absolute http(s) URL, else None (no javascript:, data:).

    Remembered: every map run checks the link of each point's popup again.

    Examples
    --------
    >>> safe_url("https://example.org/a?b=1")
    'https://example.org/a?b=1'
    >>> safe_url("javascript:alert(1)") is None, safe_url("//evil.example") is None
    (True, True)
    """
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    # urlsplit drops tabs and newlines, as browsers do; the link uses what was checked.
    return urlunsplit(parts)


def esc(value: object) -> str:
    """Return ``value`` as text safe in HTML, quotes included."""
    return html.escape(str(value), quote=True)


def script_json(value: object) -> str:
    """Return ``value`` as JSON that is safe inside an HTML ``<script>`` element.

    Only ``</`` and ``<!--`` can end or confuse a script element, so only they are
    escaped (``tojson`` escapes every ``<``, ``>`` and ``&``, which makes the popups'
    markup three times larger). A ``{`` that would open a Jinja tag (``{{``, ``{%``,
    ``{#``) is written ``\\u007b``: folium turns rendered scripts back into templates
    when a whole page is rendered, and article text must never run as a template.

    Examples
    --------
    >>> script_json(["</script><b>"])
    '["<\\\\/script><b>"]'
    >>> script_json(["{{ 7*7 }}"])
    '["\\\\u007b{ 7*7 }}"]'
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    # Outside strings JSON never has "{" before "{", "%" or "#": only string text matches.
    text = _JINJA_OPENERS.sub(r"\\u007b", text)
    return (text.replace("</", "<\\/").replace("<!--", "<\\u0021--")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
