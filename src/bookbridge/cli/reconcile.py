"""`bookbridge reconcile` and `bookbridge period`: the month-end checklist, sign-off and reopen.

    bookbridge reconcile BOOK --period YYYY-MM [--auto] [--account NAME] [--offline] [--as WHO] [--json]
    bookbridge period signoff BOOK --period YYYY-MM --as NAME [--reason TEXT] [--force] [--offline] [--json]
    bookbridge period reopen BOOK --period YYYY-MM --as NAME --reason TEXT [--json]
    bookbridge period status BOOK --period YYYY-MM [--json]

`reconcile` runs the matcher over the month (unless the month is signed off) and prints the
checklist. The accounting system's figures for the tie-out are read back through the book's
connection when it has exactly one and its credentials are in the keyring; otherwise, or with
``--offline``, from what the last pull recorded (the output says which).

Exit codes: 0 done (reconcile: no blocker on the checklist); 1 reconcile done but the checklist
has blockers; 2 nothing changed (usage, book, refused sign-off or reopen).
"""

from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator

from bookbridge.cli.common import add_book_argument, add_json_flag, emit_json
from bookbridge.cli.statements import actor_name

if TYPE_CHECKING:
    from bookbridge.reconcile.checklist import Checklist
    from bookbridge.reconcile.ledger import LedgerSource
    from bookbridge.store.book import Book


def register(subparsers: argparse._SubParsersAction) -> None:
    rec = subparsers.add_parser(
        "reconcile", help="match the month's statement lines and print the month-end checklist",
        description="Run matching for the month and print the checklist with each item's status. "
        "Exit codes: 0 no blocker, 1 the checklist has blockers, 2 nothing done.")
    add_book_argument(rec)
    _period_option(rec)
    rec.add_argument("--auto", action="store_true", help="accept the matcher's auto band without asking")
    rec.add_argument("--account", metavar="NAME", help="match only this statement account (the checklist covers all)")
    _offline_option(rec)
    rec.add_argument("--as", dest="actor", metavar="WHO", help="who runs it (default: your user name)")
    add_json_flag(rec)
    rec.set_defaults(handler=_reconcile)

    period = subparsers.add_parser("period", help="sign off (lock) or reopen a month")
    sub = period.add_subparsers(dest="period_command", metavar="ACTION", required=True)
    sign = sub.add_parser("signoff", help="sign the month off and lock it",
                          description="Refused while the checklist has blockers, unless --force with --reason.")
    add_book_argument(sign)
    _period_option(sign)
    sign.add_argument("--as", dest="actor", required=True, metavar="NAME", help="who signs off")
    sign.add_argument("--reason", metavar="TEXT", help="a note (required with --force)")
    sign.add_argument("--force", action="store_true", help="sign off although the checklist has blockers")
    _offline_option(sign)
    add_json_flag(sign)
    sign.set_defaults(handler=_signoff)

    reopen = sub.add_parser("reopen", help="reopen a signed-off month (who and why are recorded)")
    add_book_argument(reopen)
    _period_option(reopen)
    reopen.add_argument("--as", dest="actor", required=True, metavar="NAME", help="who reopens")
    reopen.add_argument("--reason", required=True, metavar="TEXT", help="why the month is reopened")
    add_json_flag(reopen)
    reopen.set_defaults(handler=_reopen)

    status = sub.add_parser("status", help="whether a month is signed off, and its history")
    add_book_argument(status)
    _period_option(status)
    add_json_flag(status)
    status.set_defaults(handler=_status)


def _period_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--period", required=True, metavar="YYYY-MM", help="the month")


def _offline_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--offline", action="store_true",
                        help="do not read the accounting system; use what the last pull recorded")


@contextmanager
def ledger_source(book: "Book", *, offline: bool) -> Iterator["LedgerSource"]:
    """Where the tie-out reads the accounting system's figures (the connector is closed afterwards)."""
    import sqlalchemy as sa

    from bookbridge.connectors.registry import open_connector, provider
    from bookbridge.connectors.settings import ConnectionSettings
    from bookbridge.connectors.tokens import KeyringTokenStore
    from bookbridge.core.errors import UsageError
    from bookbridge.reconcile.ledger import ConnectorLedgerSource, StoredLedgerSource
    from bookbridge.store.models import Connection

    with book.read() as session:
        rows = session.scalars(sa.select(Connection).order_by(Connection.id)).all()
        connections = [(c.name, c.provider, c.base_url or "", c.company_ref or "") for c in rows]
    stored = StoredLedgerSource()
    if offline or len(connections) != 1:
        if len(connections) > 1 and not offline:
            stored.label += " (the book has several connections; reading each back is not supported yet)"
        yield stored
        return
    name, provider_name, base_url, company = connections[0]
    try:
        spec = provider(provider_name)
    except UsageError as exc:  # a book made by a newer Bookbridge: say so in the tie-out, use the last pull
        stored.label += f" ({exc.user_message})"
        yield stored
        return
    settings = ConnectionSettings(provider_name, name, base_url, company)
    connector = open_connector(settings, KeyringTokenStore(book.book_id, name, provider=provider_name))
    try:
        yield ConnectorLedgerSource(connector, f"{spec.label} (connection '{name}'), read back now")
    finally:
        connector.close()


def _print_checklist(checklist: "Checklist") -> None:
    print_checklist(checklist.as_dict())


def print_checklist(checklist: dict, *, counts: bool = False) -> None:
    """A checklist (as :meth:`Checklist.as_dict` gives it) a line per item, status first."""
    marks = {"ok": "ok       ", "attention": "ATTENTION", "blocker": "BLOCKER  "}
    tally = checklist["counts"]
    suffix = f" ({tally['ok']} ok, {tally['attention']} attention, {tally['blocker']} blocker)" if counts else ""
    print(f"Month-end checklist {checklist['period']}: {checklist['overall'].upper()}{suffix}")
    for item in checklist["items"]:
        where = f" [{item['account']}]" if item["account"] else ""
        print(f"  {marks[item['status']]} {item['title']}{where}: {item['sentence']}")


def _reconcile(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.reconcile.checklist import build_checklist
    from bookbridge.reconcile.matching.service import run_matching
    from bookbridge.reconcile.periods import Period, period_state

    period = Period.parse(args.period)
    with open_book_from_args(args) as book:
        with book.read() as session:
            locked = period_state(session, period).locked
        matching = None
        if not locked:
            run = run_matching(book, period=period.label, account_name=args.account, auto=args.auto,
                               actor=actor_name(args))
            matching = run.as_dict()
        with ledger_source(book, offline=args.offline) as source:
            checklist = build_checklist(book, period, source=source)
    if args.json:
        emit_json({"period": period.label, "locked": locked, "matching": matching, "checklist": checklist.as_dict()})
    else:
        if matching is None:
            print(f"{period} is signed off: matching was not run (reopen the month to change its matches).")
        else:
            print(f"Matching {period}: {matching['lines_considered']} open line(s), {matching['auto_accepted']} "
                  f"accepted automatically, {matching['suggested']} suggested, {matching['unmatched']} without a proposal.")
        _print_checklist(checklist)
    return 1 if checklist.blockers else 0


def _signoff(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.reconcile.periods import Period, PeriodNotReady, signoff

    period = Period.parse(args.period)
    with open_book_from_args(args) as book, ledger_source(book, offline=args.offline) as source:
        try:
            result = signoff(book, period, actor=args.actor, reason=args.reason, force=args.force, source=source)
        except PeriodNotReady as exc:
            if args.json:
                emit_json({"period": period.label, "signed_off": False, "blockers": exc.blockers})
            print(f"bookbridge: {exc.user_message}", file=sys.stderr)
            return exc.exit_code
    if args.json:
        emit_json({"signed_off": True, **result.as_dict()})
    else:
        forced = " (forced past blockers)" if result.forced else ""
        print(f"{period} signed off by {result.actor}{forced}; it is locked until reopened. "
              f"Checklist SHA-256 {result.checklist_sha256}.")
    return 0


def _reopen(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.reconcile.periods import Period, reopen

    period = Period.parse(args.period)
    with open_book_from_args(args) as book:
        state = reopen(book, period, actor=args.actor, reason=args.reason)
    if args.json:
        emit_json(state.as_dict())
    else:
        print(f"{period} reopened by {args.actor.strip()}: {args.reason.strip()}")
    return 0


def _status(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.reconcile.periods import Period, period_state

    period = Period.parse(args.period)
    with open_book_from_args(args) as book, book.read() as session:
        state = period_state(session, period)
    if args.json:
        emit_json(state.as_dict())
        return 0
    print(f"{period}: " + (f"signed off by {state.locked_by} on {state.locked_at:%Y-%m-%d %H:%M} UTC"
                            if state.locked else "open"))
    for event in state.history:
        print(f"  {event.at:%Y-%m-%d %H:%M} {event.action.replace('_', ' ')} by {event.actor}"
              + (f": {event.reason}" if event.reason else ""))
    return 0
