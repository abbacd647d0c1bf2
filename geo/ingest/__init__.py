"""Reading inputs: files, folders, JSON/JSONL, HTML pages, RSS/Atom feeds and URLs.

Everything here ends in :class:`geo.model.Article` (or a :class:`geo.model.Failure`
naming a bad input). ``read`` dispatches on the kind of input; ``parse`` and ``html``
turn text into articles; ``feeds`` reads RSS/Atom; ``fetch`` and ``files`` do the I/O,
``guard`` keeps fetches off local and private addresses and within one deadline;
``published`` reads publication dates; ``ids`` gives articles their stable ids and text
fingerprints.
"""

# Set to 1 to let fetches reach loopback and private addresses (local testing, an
# intranet feed). Off by default: the page's URL box must not reach the server's network.
# Here, not in ``guard``, so that the CLI names it without importing the network code.
ALLOW_PRIVATE_ENV = "GEO_ALLOW_PRIVATE_URLS"
