"""`bookbridge statements import|list|profiles`: bank and card statements into the book."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bookbridge.cli.common import add_book_argument, add_json_flag, emit_json


def register(subparsers: argparse._SubParsersAction) -> None:
    statements = subparsers.add_parser("statements", help="import and list bank and card statements")
    sub = statements.add_subparsers(dest="statements_command", metavar="ACTION", required=True)

    imp = sub.add_parser("import", help="import an OFX/QFX, camt.053 or CSV statement file",
                         description="Import a statement. Re-importing an overlapping file adds only the new lines. "
                         "A file with any error is refused whole. Exit codes: 0 imported, 2 nothing imported.")
    add_book_argument(imp)
    imp.add_argument("file", type=Path, metavar="FILE", help="the statement file")
    imp.add_argument("--account", metavar="NAME", help="the book's name for the account (required for CSV)")
    imp.add_argument("--profile", metavar="NAME", help="CSV profile: saved in the book, built in, or a .json file")
    imp.add_argument("--as", dest="actor", metavar="WHO", help="who is importing (default: your user name)")
    add_json_flag(imp)
    imp.set_defaults(handler=_import)

    lst = sub.add_parser("list", help="accounts, statements, balance checks and gaps")
    add_book_argument(lst)
    lst.add_argument("--account", metavar="NAME", help="only this account")
    add_json_flag(lst)
    lst.set_defaults(handler=_list)

    profiles = sub.add_parser("profiles", help="list CSV statement profiles, or save one from a JSON file")
    add_book_argument(profiles)
    profiles.add_argument("--save", type=Path, metavar="FILE.json", help="save (or replace) this profile in the book")
    profiles.add_argument("--as", dest="actor", metavar="WHO", help="who is saving (default: your user name)")
    add_json_flag(profiles)
    profiles.set_defaults(handler=_profiles)


def actor_name(args: argparse.Namespace) -> str:
    """Who is acting: ``--as``, else BOOKBRIDGE_USER, else the operating-system user."""
    import getpass
    import os

    return getattr(args, "actor", None) or os.environ.get("BOOKBRIDGE_USER") or getpass.getuser()


def _import(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.core.errors import BookbridgeError
    from bookbridge.reconcile.statements.service import StatementRejected, import_statement_file

    with open_book_from_args(args) as book:
        try:
            result = import_statement_file(book, args.file, account_name=args.account, profile_name=args.profile,
                                           actor=actor_name(args))
        except StatementRejected as exc:
            if args.json:
                errors = [i for i in exc.issues if i["severity"] == "error"]
                warnings = [i for i in exc.issues if i["severity"] != "error"]
                emit_json({"file": exc.file_name, "new": 0, "duplicates": 0, "errors": errors, "warnings": warnings})
            else:
                for issue in exc.issues:
                    print(f"bookbridge: {issue['severity']}: {issue['message']}", file=sys.stderr)
                print("bookbridge: nothing from the file was imported.", file=sys.stderr)
            return exc.exit_code
        except BookbridgeError as exc:
            if not args.json:
                raise  # the CLI's one error printer handles it
            # Automation reading --json gets any refusal as JSON too, not only on stderr.
            emit_json({"file": args.file.name, "new": 0, "duplicates": 0, "warnings": [], "errors": [
                {"file": args.file.name, "severity": "error", "code": type(exc).__name__, "position": None,
                 "field": None, "message": exc.user_message}]})
            print(f"bookbridge: {exc.user_message}", file=sys.stderr)
            return exc.exit_code
    if args.json:
        emit_json(result.as_dict())
        return 0
    print(f"{result.file_name}: {result.new} new line(s), {result.duplicates} already in the book.")
    for outcome in result.statements:
        print(f"  {outcome.account}: {outcome.period_start} to {outcome.period_end}, {outcome.lines} line(s), "
              f"balance {outcome.balance.outcome.value} ({outcome.balance.message})")
    for warning in result.warnings:
        print(f"  warning: {warning['message']}")
    for gap in result.gaps:
        print(f"  gap in {gap['account']}: {gap['message']}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.reconcile.statements.service import list_statements

    with open_book_from_args(args) as book:
        listing = list_statements(book, account_name=args.account)
    if args.json:
        emit_json(listing)
        return 0
    accounts: list[dict[str, Any]] = listing["accounts"]  # type: ignore[assignment]
    if not accounts:
        print("No statements imported yet.")
    for account in accounts:
        print(f"{account['account']} ({account['kind']}, {account['currency']}): "
              f"{account['unmatched_lines']} unmatched line(s)")
        for s in account["statements"]:
            print(f"  #{s['id']} {s['period_start']} to {s['period_end']}  {s['lines']:>5} lines  "
                  f"opening {s['opening'] or '-'}  closing {s['closing'] or '-'}  balance {s['balance_status']}  {s['file']}")
        for gap in account["gaps"]:
            print(f"  gap: {gap['message']}")
    return 0


def _profiles(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.reconcile.statements.profiles import list_profiles, profile_from_file, save_profile

    with open_book_from_args(args) as book:
        if args.save:
            profile = profile_from_file(args.save)
            with book.unit_of_work() as session:
                save_profile(session, profile, actor=actor_name(args))
        with book.read() as session:
            profiles = list_profiles(session)
    if args.json:
        emit_json({"profiles": profiles})
    else:
        for p in profiles:
            print(f"{p['name']}{' (built in)' if p['builtin'] else ''}")
    return 0
