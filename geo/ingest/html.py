"""HTML: article pages (main text, title and dates) and the text of HTML fragments.

Pages are read with trafilatura (main text, title, canonical URL, publication date) and
htmldate (the update date); fragments (feed entries) with lxml. Nothing here fetches:
the markup given is all that is parsed.
"""

from __future__ import annotations

import datetime as dt
import re

from geo.errors import InputError
from geo.ingest.ids import article_id
from geo.ingest.published import to_date
from geo.model import Article

# Elements whose start and end break a line of text; elements whose text is never shown.
_BLOCKS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption footer h1 h2 h3 h4 h5 "
    "h6 header hr li main nav ol p pre section table td th tr ul".split()
)
_HIDDEN = frozenset({"script", "style", "template", "noscript"})
# A start tag longer than this keeps only its name. No article needs it, and lxml's parser
# (and trafilatura after it) takes time that grows with the square of one tag's attribute
# count: 100,000 attributes on one tag held a page for minutes.
MAX_TAG_CHARS = 4000
_HUGE_TAG = re.compile(rf"<([a-zA-Z][\w:-]{{0,40}})\s[^<>]{{{MAX_TAG_CHARS},}}>")


def parse_html(
    raw: str, source: str, url: str | None = None, published: dt.date | None = None
) -> Article:
    """Read an article page with trafilatura: main text, title and date from the page.

    trafilatura only parses the markup given to it here; nothing is fetched. The URL is
    `url`, else the page's canonical URL; the update date is htmldate's newest date of
    the page (``article:modified_time`` and the like) when it differs from the
    publication date.

    Raises
    ------
    InputError
        The input has no markup, or no main text can be found in it.
    """
    import trafilatura  # heavy; imported when a page is first parsed

    if re.search(r"<\s*[a-zA-Z!]", raw) is None:
        raise InputError(f"{source}: not HTML (no tags found)")
    try:
        raw = defuse_tags(raw)
        doc = trafilatura.bare_extraction(raw, url=url, with_metadata=True, include_comments=False)
    except Exception as err:  # the one place trafilatura's own errors are translated
        raise InputError(f"{source}: cannot parse HTML ({type(err).__name__}: {err})") from err
    text = (doc.text or "").strip() if doc is not None and not isinstance(doc, dict) else ""
    if doc is None or isinstance(doc, dict) or not text:
        raise InputError(f"{source}: no article text found in the HTML (malformed or empty page)")
    page_url = url or doc.url or None
    published_on = to_date(doc.date) if doc.date else None
    return Article(
        id=article_id(page_url, text),
        title=(doc.title or "").strip() or text.splitlines()[0].strip(),
        text=text,
        published=published or published_on,
        url=page_url,
        updated=_updated(raw, published_on),
        source=source,
    )


def _updated(raw: str, published: dt.date | None) -> dt.date | None:
    """Return the page's update date (htmldate's newest date), if it is not ``published``."""
    from htmldate import find_date  # lazy: imported with trafilatura, when a page is read

    try:
        found = find_date(raw, original_date=False, extensive_search=False)
    except Exception:  # noqa: BLE001 - a page whose dates cannot be read is still an article
        return None
    when = to_date(found) if found else None
    return None if when == published else when


def html_to_text(fragment: str) -> str:
    """Return the visible text of an HTML fragment, one line per block.

    Examples
    --------
    >>> html_to_text("<p>Strikes on <b>Kharkiv</b> &amp; Izium</p><p>Second</p>")
    'Strikes on Kharkiv & Izium\\nSecond'
    """
    if not fragment.strip():
        return ""
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return " ".join(fragment.split())
    parts: list[str] = []
    hidden = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        shown = isinstance(element.tag, str)  # comments and processing instructions: no
        if event == "start":
            hidden += tag in _HIDDEN
            if tag in _BLOCKS:
                parts.append("\n")
            if shown and not hidden and element.text:
                parts.append(element.text)
            continue
        hidden -= tag in _HIDDEN
        if tag in _BLOCKS:
            parts.append("\n")
        if element is not root and not hidden and element.tail:
            parts.append(element.tail)
    lines = (" ".join(line.split()) for line in "".join(parts).splitlines())
    return "\n".join(line for line in lines if line)


def defuse_tags(html: str) -> str:
    """Return ``html`` with every start tag over ``MAX_TAG_CHARS`` cut back to its name.

    Examples
    --------
    >>> defuse_tags("<p " + "a=1 " * 2000 + ">Clashes</p>")
    '<p>Clashes</p>'
    >>> defuse_tags('<a href="https://example.org/">x</a>')
    '<a href="https://example.org/">x</a>'
    """
    return _HUGE_TAG.sub(r"<\1>", html)
