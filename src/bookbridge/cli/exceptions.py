"""`bookbridge exceptions`: list the exception queue, resolve, assign, and set SLAs.

    bookbridge exceptions BOOK [--open] [--category C] [--json]
    bookbridge exceptions show BOOK ID [--json]
    bookbridge exceptions resolve BOOK ID --as NAME --note TEXT
    bookbridge exceptions assign BOOK ID --to NAME --as NAME
    bookbridge exceptions sla BOOK [--category C --hours N] [--as NAME] [--json]

The listing form takes the book straight after ``exceptions`` (as the issue specifies), so the
action words are recognised from the first positional argument rather than with sub-parsers.
Exit codes: 0 done; 2 nothing changed (no such exception, already resolved, bad arguments).
"""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path

from bookbridge.cli.common import emit_json, open_book_from_args
from bookbridge.core.errors import UsageError

ACTIONS = ("show", "resolve", "assign", "sla")
_USAGE = (
    "bookbridge exceptions BOOK [--open] [--category C] [--json]\n"
    "       bookbridge exceptions show BOOK ID [--json]\n"
    "       bookbridge exceptions resolve BOOK ID --as NAME --note TEXT\n"
    "       bookbridge exceptions assign BOOK ID --to NAME [--as NAME]\n"
    "       bookbridge exceptions sla BOOK [--category C --hours N] [--as NAME] [--json]"
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "exceptions", help="the exception queue: list, resolve, assign, SLAs", usage=_USAGE,
        description="Everything that could not go through, with severity, owner, SLA and trail.",
    )
    parser.add_argument("words", nargs="+", metavar="[ACTION] BOOK [ID]",
                        help=f"the book, optionally preceded by an action ({', '.join(ACTIONS)}) and followed by an id")
    parser.add_argument("--open", action="store_true", help="only open exceptions")
    parser.add_argument("--category", default=None, help="only this category (mapping, auth, conflict...)")
    parser.add_argument("--as", dest="actor", default=None, metavar="NAME", help="who is acting (kept in the trail)")
    parser.add_argument("--note", default=None, help="what was done (resolve)")
    parser.add_argument("--to", dest="owner", default=None, metavar="NAME", help="new owner (assign)")
    parser.add_argument("--hours", type=int, default=None, help="new SLA in hours (sla, with --category)")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON document")
    parser.set_defaults(handler=run)


def _split(words: list[str]) -> tuple[str, Path, int | None]:
    """(action, book, id) from the positional words."""
    action = "list"
    if words[0] in ACTIONS and len(words) >= 2:
        action, words = words[0], words[1:]
    if action in ("show", "resolve", "assign"):
        if len(words) != 2:
            raise UsageError(f"`exceptions {action}` needs BOOK and ID.\nusage: {_USAGE}")
        try:
            return action, Path(words[0]), int(words[1])
        except ValueError:
            raise UsageError(f"{words[1]!r} is not an exception id (a whole number).") from None
    if len(words) != 1:
        raise UsageError(f"unexpected arguments: {' '.join(words[1:])}\nusage: {_USAGE}")
    return action, Path(words[0]), None


def run(args: argparse.Namespace) -> int:
    action, args.book, exception_id = _split(args.words)
    handlers = {"list": _list, "show": _show, "resolve": _resolve, "assign": _assign, "sla": _sla}
    with open_book_from_args(args) as book:
        return handlers[action](book, args, exception_id)


def _category(args: argparse.Namespace):
    from bookbridge.exceptions.policy import parse_category

    return parse_category(args.category) if args.category else None


def _list(book, args: argparse.Namespace, _id: int | None) -> int:
    from bookbridge.exceptions.views import list_exceptions

    views = list_exceptions(book, open_only=args.open, category=_category(args))
    if args.json:
        emit_json({"exceptions": [view.as_dict() for view in views], "count": len(views),
                   "open": sum(1 for v in views if v.status.value == "open")})
        return 0
    if not views:
        print("No exceptions." if not args.open else "No open exceptions.")
        return 0
    print(f"{'ID':>5}  {'SEVERITY':8}  {'CATEGORY':13}  {'STATUS':8}  {'DUE (UTC)':16}  {'REP':>3}  {'HELD':>4}  "
          f"{'OWNER':12}  TITLE")
    for view in views:
        due = f"{view.due_at:%Y-%m-%d %H:%M}" + ("!" if view.overdue else "")
        print(f"{view.id:>5}  {view.severity.value:8}  {view.category.value:13}  {view.status.value:8}  {due:16}  "
              f"{view.repetitions:>3}  {len(view.held_items):>4}  {(view.owner or '-')[:12]:12}  {view.title}")
    return 0


def _show(book, args: argparse.Namespace, exception_id: int | None) -> int:
    from bookbridge.exceptions.views import get_exception

    view = get_exception(book, exception_id)  # type: ignore[arg-type]
    if args.json:
        emit_json(view.as_dict())
        return 0
    print(f"Exception {view.id}: {view.title}")
    print(f"  {view.severity.value} / {view.category.value} / {view.status.value}; owner {view.owner or '-'}; "
          f"due {view.due_at:%Y-%m-%d %H:%M} UTC{' (overdue)' if view.overdue else ''}; seen {view.repetitions}x")
    print(f"  {view.message}")
    for item in view.items:
        state = f"released {item.released_at:%Y-%m-%d %H:%M}" if item.released_at else "held"
        print(f"  item {item.kind} {item.ref}{f' ({item.label})' if item.label else ''}: {state}")
    for event in view.trail:
        print(f"  {event.at:%Y-%m-%d %H:%M} {event.actor}: {event.action}{f' - {event.note}' if event.note else ''}")
    return 0


def _resolve(book, args: argparse.Namespace, exception_id: int | None) -> int:
    from bookbridge.exceptions.queue import resolve

    result = resolve(book, exception_id, actor=args.actor or "", note=args.note or "")  # type: ignore[arg-type]
    if args.json:
        emit_json({"exception_id": result.exception_id, "status": "resolved",
                   "released": [{"kind": i.kind, "ref": i.ref} for i in result.released]})
    else:
        print(f"Resolved exception {result.exception_id}; released {len(result.released)} item(s) for the next sync.")
    return 0


def _assign(book, args: argparse.Namespace, exception_id: int | None) -> int:
    from bookbridge.exceptions.queue import assign

    actor = args.actor or getpass.getuser()
    before = assign(book, exception_id, args.owner or "", actor=actor, note=args.note)  # type: ignore[arg-type]
    if args.json:
        emit_json({"exception_id": exception_id, "owner": args.owner, "previous_owner": before})
    else:
        print(f"Exception {exception_id} is now owned by {args.owner} (was {before or 'unassigned'}).")
    return 0


def _sla(book, args: argparse.Namespace, _id: int | None) -> int:
    from bookbridge.exceptions.policy import set_sla_hours, sla_hours

    category = _category(args)
    if args.hours is not None:
        if category is None:
            raise UsageError("Say which category the SLA is for (--category C --hours N).")
        set_sla_hours(book, category, args.hours, actor=args.actor or getpass.getuser())
    with book.read() as session:
        hours = {c.value: h for c, h in sla_hours(session).items()}
    if args.json:
        emit_json({"sla_hours": hours})
    else:
        for name, value in hours.items():
            print(f"{name:14} {value:>5} h")
    return 0
