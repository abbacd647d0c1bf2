"""``geo review``: list, show, correct, confirm, reject, merge and split happenings; the log.

And ``geo reextract``: run the current extractor over stored articles again, keeping
analysts' corrections. Every change goes through the store (``SQLiteStore.correct``),
which checks the values and keeps the audit trail.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from typing import TYPE_CHECKING, Any

from geo.cli.args import CommandError, date_arg, positive_int
from geo.cli.events import open_event_store
from geo.model import DATE_PRECISIONS, EVENT_TYPES, REVIEW_STATUSES

if TYPE_CHECKING:
    from geo.model import Event

# Options of `geo review edit` -> the field they set.
EDIT_OPTIONS = {
    "type": "event_type", "sub_type": "acled_sub_event_type", "date": "date",
    "date_precision": "date_precision", "actor1": "actor1", "actor2": "actor2",
    "fatalities": "fatalities", "geo_precision": "geo_precision",
    "uncertainty_km": "uncertainty_km",
}


def who(args: argparse.Namespace) -> str:
    """Return who makes the change: ``--who``, else $GEO_REVIEWER, else the login name."""
    if args.who:
        return str(args.who)
    try:
        return os.environ.get("GEO_REVIEWER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _line(event: Event) -> str:
    day = event.date.isoformat() if event.date else "undated"
    return (f"{event.event_id}\t{event.event_type}\t{day}\t{event.place}\t"
            f"sources={event.sources}\t{event.review_status}")


def cmd_list(args: argparse.Namespace) -> int:
    """Print happenings (or reports), newest first, one per line."""
    from geo.model import EventQuery

    query = EventQuery(happenings=not args.reports, reviews=tuple(args.status or ()),
                       types=args.types or (), since=args.since, until=args.until)
    with open_event_store(args.store, create=False) as store:
        if args.flagged:
            for event_id, name in store.flagged():
                print(f"{event_id}\t{name}\tflagged: the extractor now disagrees with "
                      "the correction")
            return 0
        for event in store.query(query, limit=args.limit, newest_first=True):
            print(_line(event))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """Print a happening or report as JSON: its values, reports and audit trail."""
    from geo.export import to_feature

    with open_event_store(args.store, create=False) as store:
        found = store.get_events([args.id])
        if not found:
            raise CommandError(f"no event or happening {args.id!r} in the store")
        event = found[0]
        reports = store.reports(args.id)
        trail = store.audit([args.id])
    out = {
        **to_feature(event)["properties"],
        "lat": event.lat, "lon": event.lon,
        "reports": [{"event_id": r.event_id, "article_id": r.article_id,
                     "source_url": r.source_url, "place": r.place, "date": _iso(r.date),
                     "review_status": r.review_status, "evidence": r.evidence}
                    for r in reports],
        "audit": [dict(at=a.at, who=a.who, target=a.target, field=a.field, old=a.old,
                       new=a.new, note=a.note) for a in trail],
    }
    json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def cmd_edit(args: argparse.Namespace) -> int:
    """Correct values of a happening or report."""
    from geo.review.edits import place_values

    changes: dict[str, Any] = {}
    for option, name in EDIT_OPTIONS.items():
        value = getattr(args, option)
        if value is not None:
            changes[name] = value.isoformat() if option == "date" else value
    if (args.lat is None) != (args.lon is None):
        raise CommandError("give --lat and --lon together")
    if args.place is not None and args.lat is None:
        changes.update(_gazetteer_place(args.place, args.candidate))
    elif args.lat is not None:
        try:
            changes.update(place_values(args.place or f"{args.lat:.4f}, {args.lon:.4f}",
                                        args.lat, args.lon, feature="site",
                                        uncertainty_km=args.uncertainty_km or 1.0))
        except ValueError as err:
            raise CommandError(str(err)) from err
        changes.pop("geonameid", None)
        changes["geonameid"] = None
    if not changes:
        raise CommandError("nothing to change; give --place, --lat/--lon, --type, --date, ...")
    return _change(args, args.ids, changes)


def _gazetteer_place(name: str, candidate: int) -> dict[str, Any]:
    """Return the place fields of a gazetteer entry for ``name`` (``--candidate`` picks)."""
    from geo.places.gazetteer import load_gazetteer
    from geo.review.edits import place_values

    places = load_gazetteer().lookup(name)
    if not places:
        raise CommandError(f"{name!r} is not in the gazetteer; give --lat and --lon instead")
    if not 1 <= candidate <= len(places):
        listing = "; ".join(f"{i}: {p.name}, {p.admin1_name}, {p.country_code} "
                            f"({p.feature}, {p.lat:.3f}, {p.lon:.3f})"
                            for i, p in enumerate(places[:10], 1))
        raise CommandError(f"--candidate must be 1..{len(places)} for {name!r}: {listing}")
    place = places[candidate - 1]
    return place_values(place.name, place.lat, place.lon, geonameid=place.geonameid,
                        country_code=place.country_code, admin1=place.admin1_name,
                        feature=place.feature, uncertainty_km=place.uncertainty_km)


def _change(args: argparse.Namespace, ids: list[str], changes: dict[str, Any]) -> int:
    from geo.errors import InputError

    with open_event_store(args.store, create=False) as store:
        try:
            records = store.correct(ids, changes, who=who(args),
                                    note=args.note or "")
        except InputError as err:
            raise CommandError(str(err)) from err
    print(f"geo review: {len(records)} change(s) recorded", file=sys.stderr)
    return 0


def cmd_confirm(args: argparse.Namespace) -> int:
    """Mark happenings or reports as confirmed."""
    return _change(args, args.ids, {"review": "confirmed"})


def cmd_reject(args: argparse.Namespace) -> int:
    """Mark happenings or reports as rejected: off the map and exports."""
    return _change(args, args.ids, {"review": "rejected"})


def cmd_merge(args: argparse.Namespace) -> int:
    """Make one happening of several."""
    from geo.errors import InputError

    with open_event_store(args.store, create=False) as store:
        try:
            merged = store.merge(args.ids, who=who(args),
                                 note=args.note or "")
        except InputError as err:
            raise CommandError(str(err)) from err
    print(merged)
    return 0


def cmd_split(args: argparse.Namespace) -> int:
    """Take reports out of a happening (all of them apart when none are named)."""
    from geo.errors import InputError

    with open_event_store(args.store, create=False) as store:
        try:
            after = store.split(args.id, args.events or (),
                                who=who(args), note=args.note or "")
        except InputError as err:
            raise CommandError(str(err)) from err
    print("\n".join(after))
    return 0


def cmd_log(args: argparse.Namespace) -> int:
    """Print the audit trail, oldest first: when, who, which event, field, old -> new."""
    with open_event_store(args.store, create=False) as store:
        for record in store.audit(args.ids):
            note = f"\t{record.note}" if record.note else ""
            print(f"{record.at}\t{record.who}\t{record.target}\t{record.field}\t"
                  f"{record.old} -> {record.new}{note}")
    return 0


def cmd_reextract(args: argparse.Namespace) -> int:
    """Extract the stored articles' events again with this version's extractor."""
    from geo.pipeline import article_events
    from geo.places.gazetteer import load_gazetteer

    gazetteer = load_gazetteer()
    written = failed = 0
    with open_event_store(args.store, create=False) as store:
        wanted = set(args.article or ())
        for listed in store.articles():
            if wanted and listed.id not in wanted:
                continue
            article = store.get_article(listed.id)
            if article is None:
                continue
            try:
                events = article_events(article, gazetteer)
                written += store.replace_events(article.id, events)
            except Exception as err:  # one article's failure never ends the batch
                failed += 1
                print(f"{article.id}: failed: {type(err).__name__}: {err}", file=sys.stderr)
        flagged = len(store.flagged())
    print(f"geo reextract: {written} event(s) written, {failed} article(s) failed, "
          f"{flagged} correction(s) flagged for review", file=sys.stderr)
    return 1 if failed else 0


def add_parsers(commands: Any) -> None:
    """Add ``geo review`` and ``geo reextract`` to the ``geo`` parser's subparsers."""
    store_help = "store path or sqlite:/// URL (default: $GEO_STORE, else the user's store)"
    review = commands.add_parser("review", help="list, correct, confirm, reject, merge, split")
    verbs = review.add_subparsers(dest="verb", metavar="VERB", required=True)

    def verb(name: str, help_text: str, run: Any) -> argparse.ArgumentParser:
        p = verbs.add_parser(name, help=help_text)
        p.add_argument("--store", metavar="URL", help=store_help)
        p.set_defaults(run=run)
        return p

    def change_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--note", help="why, kept in the audit trail")
        p.add_argument("--who", help="who makes the change (default: $GEO_REVIEWER, "
                       "else the login name)")

    p = verb("list", "happenings, newest first (reports with --reports)", cmd_list)
    p.add_argument("--reports", action="store_true", help="one line per report")
    p.add_argument("--status", action="append", choices=REVIEW_STATUSES,
                   help="only these review statuses (default: all but rejected)")
    p.add_argument("--types", action="append", choices=list(EVENT_TYPES), metavar="TYPE")
    p.add_argument("--since", type=date_arg, metavar="DATE")
    p.add_argument("--until", type=date_arg, metavar="DATE")
    p.add_argument("--flagged", action="store_true",
                   help="corrections a re-extraction disagrees with")
    p.add_argument("--limit", type=positive_int, default=50, metavar="N",
                   help="at most N lines (default %(default)s)")

    p = verb("show", "one happening or report as JSON, with its reports and log", cmd_show)
    p.add_argument("id")

    p = verb("edit", "correct a happening's or report's values", cmd_edit)
    p.add_argument("ids", nargs="+", metavar="ID")
    p.add_argument("--place", help="move to this gazetteer place (or name the --lat/--lon)")
    p.add_argument("--candidate", type=int, default=1,
                   help="which gazetteer entry for --place (1 = most prominent)")
    p.add_argument("--lat", type=float)
    p.add_argument("--lon", type=float)
    p.add_argument("--type", choices=list(EVENT_TYPES))
    p.add_argument("--sub-type", help="ACLED sub_event_type")
    p.add_argument("--date", type=date_arg)
    p.add_argument("--date-precision", choices=DATE_PRECISIONS)
    p.add_argument("--actor1")
    p.add_argument("--actor2")
    p.add_argument("--fatalities", help="a number, or '' for not said")
    p.add_argument("--geo-precision", type=int, choices=(1, 2, 3))
    p.add_argument("--uncertainty-km", type=float)
    change_options(p)

    for name, run, text in (("confirm", cmd_confirm, "mark as checked and right"),
                            ("reject", cmd_reject, "mark as wrong: off the map and exports")):
        p = verb(name, text, run)
        p.add_argument("ids", nargs="+", metavar="ID")
        change_options(p)

    p = verb("merge", "make one happening of several", cmd_merge)
    p.add_argument("ids", nargs="+", metavar="ID")
    change_options(p)

    p = verb("split", "take reports out of a happening", cmd_split)
    p.add_argument("id")
    p.add_argument("--events", type=lambda v: [x for x in v.split(",") if x], metavar="E1,E2",
                   help="the reports to take out together (default: every report apart)")
    change_options(p)

    p = verb("log", "the audit trail, oldest first", cmd_log)
    p.add_argument("ids", nargs="*", metavar="ID")

    p = commands.add_parser("reextract", help="extract stored articles again, keeping "
                            "corrections")
    p.add_argument("--store", metavar="URL", help=store_help)
    p.add_argument("--article", action="append", metavar="ID", help="only these articles")
    p.set_defaults(run=cmd_reextract)
