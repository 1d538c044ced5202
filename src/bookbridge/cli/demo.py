"""`bookbridge demo-data BOOK` and `bookbridge demo --headless [--book PATH] [--json]`.

The headless demo is what a newcomer runs first: it builds a demo trucking company's book, starts
a QuickBooks Online sandbox inside the process, connects to it, syncs, reconciles the demo's Visa
card statement for its last month, writes that month's reconciliation pack (PDF, and CSV tables)
beside the book, and prints a summary. It needs no Intuit account and no keyring. Unless BOOKBRIDGE_PASSPHRASE is set, the demo book's
passphrase is "bookbridge demo book".
"""

from __future__ import annotations

import argparse
import os
import shlex
from datetime import date
from pathlib import Path

from bookbridge.cli.common import add_book_argument, add_json_flag, emit_json, progress


def register(subparsers: argparse._SubParsersAction) -> None:
    data = subparsers.add_parser("demo-data", help="create a book holding a demo trucking company")
    add_book_argument(data)
    data.add_argument("--today", default=None, metavar="YYYY-MM-DD",
                      help="pretend it is this day (the demo covers the two months before it)")
    add_json_flag(data)
    data.set_defaults(handler=_demo_data)

    demo = subparsers.add_parser(
        "demo", help="run the whole job on demo data against a built-in QuickBooks Online sandbox",
        description="Demo data, connect, sync, then the last month's card statement matched, the month-end "
                    "checklist and the PDF pack (with CSV tables) beside the book, in one process, against an "
                    "in-process QBO sandbox. Unless "
                    "BOOKBRIDGE_PASSPHRASE is set the demo book's passphrase is 'bookbridge demo book'.",
    )
    demo.add_argument("--headless", action="store_true", help="no window: run and print a summary")
    demo.add_argument("--book", type=Path, default=None, metavar="PATH",
                      help="where the demo book goes (default: a new temporary folder; the statement, pack and "
                           "CSV tables go beside it); an existing demo book is synced and reconciled again")
    demo.add_argument("--today", default=None, metavar="YYYY-MM-DD", help="pretend it is this day")
    demo.add_argument("--screenshots", type=Path, default=None, metavar="DIR",
                      help="start the desktop app on demo data, save a PNG of every main page into DIR, and exit "
                           "(works without a display: QT_QPA_PLATFORM=offscreen)")
    add_json_flag(demo)
    demo.set_defaults(handler=_demo)


def _today(text: str | None) -> date | None:
    from bookbridge.core.errors import UsageError

    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--today {text!r} is not a date (YYYY-MM-DD)") from None


def _demo_data(args: argparse.Namespace) -> int:
    from bookbridge.store.secrets import resolve_passphrase
    from bookbridge.sync.demo.data import create_demo_book

    passphrase = resolve_passphrase(args.book, confirm=True)
    summary = create_demo_book(args.book, passphrase, today=_today(args.today))
    if args.json:
        emit_json(summary.as_dict())
    else:
        statuses = ", ".join(f"{count} {status.replace('_', ' ')}" for status, count in summary.statuses.items())
        print(f"Created {summary.path}: {summary.expenses} expenses of the demo company ({statuses}).")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from bookbridge.core.errors import UsageError
    from bookbridge.sync.demo.headless import DEMO_PASSPHRASE, run_demo

    if args.screenshots is not None:
        return _screenshots(args)
    if not args.headless:
        raise UsageError("The desktop demo is not available yet: run `bookbridge demo --headless`.")
    passphrase = os.environ.get("BOOKBRIDGE_PASSPHRASE") or DEMO_PASSPHRASE
    summary = run_demo(args.book, passphrase=passphrase, today=_today(args.today), progress=progress)
    if args.json:
        emit_json(summary)
        return 0
    sync = summary["sync"]
    print(f"Demo book: {summary['book']} ({summary['company']}, {summary['expenses']['total']} expenses)")
    print(f"Sync: posted {sync['posted']}, skipped {sync['skipped']}, failed {sync['failed']}, "
          f"exceptions {sync['exceptions']}; {sync['api_calls']} API calls, {sync['throttled']} throttled")
    print(f"Sandbox: {summary['sandbox']['journal_entries']} journal entries, "
          f"{summary['sandbox']['attachments']} receipts attached; exactly once: {summary['exactly_once']}")
    for item in summary["exceptions"]["items"]:
        print(f"  exception {item['id']} [{item['severity']}/{item['category']}] {item['title']}")
    _print_month_end(summary["month_end"], summary["book"])
    print(f"Done in {summary['seconds']} s.")
    return 0


def _print_month_end(month: dict, book: str) -> None:
    """The month end in a few lines: statement, matching, checklist, and where the pack is."""
    from bookbridge.cli.reconcile import print_checklist

    matching, pack, checklist = month["matching"], month["pack"], month["checklist"]
    statement = month["statement"]
    source = f"imported {statement['new_lines']} lines from {statement['file']}" if statement["file"] else \
        "imported on an earlier run"
    print(f"Statement {statement['account']} {month['period']}: {source}")
    print(f"Matching: {matching['matched']} of {matching['lines']} lines matched ({matching['matched_total']}), "
          f"{matching['explained']} explained, {matching['unmatched']} unmatched, {matching['suggested']} suggested")
    for line in matching["open_lines"]:
        print(f"  open line {line['id']}: {line['date']} {line['payee']} {line['amount']} (explain it: bookbridge "
              f"match explain {shlex.quote(book)} {line['id']} --note TEXT)")
    print_checklist({**checklist, "period": month["period"]}, counts=True)
    print(f"Pack: {pack['file']} ({pack['pages']} pages, SHA-256 {pack['sha256']})")
    print(f"CSV tables: {pack['csv_dir']} ({len(pack['csv_files'])} files)")


def _screenshots(args: argparse.Namespace) -> int:
    from bookbridge.ui.screenshots import take_screenshots  # only here: the rest of the CLI needs no display

    saved = take_screenshots(args.screenshots, book=args.book, today=_today(args.today), progress=progress)
    if args.json:
        emit_json({"screenshots": [str(p) for p in saved]})
    else:
        print(f"Saved {len(saved)} screenshots in {args.screenshots}.")
    return 0
