"""`bookbridge pack`: print the month-end reconciliation pack (PDF, and CSV files for auditors).

    bookbridge pack BOOK --period YYYY-MM -o FILE.pdf [--csv DIR] [--preparer NAME] [--offline] [--json]

The pack's SHA-256 is recorded in the book's audit log (action ``pack.written``) and printed.
Exit codes: 0 written, 2 nothing written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bookbridge.cli.common import add_book_argument, add_json_flag, emit_json


def register(subparsers: argparse._SubParsersAction) -> None:
    pack = subparsers.add_parser(
        "pack", help="write the month-end reconciliation pack as PDF (and CSV)",
        description="Write the pack of one month: cover, checklist and tie-out, matched and unmatched lines, "
        "exceptions, dedupe decisions, template versions, approvals, sync runs, receipts. Exit codes: 0 written, "
        "2 nothing written.")
    add_book_argument(pack)
    pack.add_argument("--period", required=True, metavar="YYYY-MM", help="the month")
    pack.add_argument("-o", "--output", required=True, type=Path, metavar="FILE.pdf", help="where to write the PDF")
    pack.add_argument("--csv", type=Path, metavar="DIR", help="also write every table as a CSV file in DIR")
    pack.add_argument("--preparer", metavar="NAME", help="who prepares the pack (default: your user name)")
    pack.add_argument("--offline", action="store_true",
                      help="do not read the accounting system; use what the last pull recorded")
    add_json_flag(pack)
    pack.set_defaults(handler=_pack)


def _pack(args: argparse.Namespace) -> int:
    import getpass
    import os

    from bookbridge.cli.common import open_book_from_args
    from bookbridge.cli.reconcile import ledger_source
    from bookbridge.reconcile.periods import Period
    from bookbridge.reports.pack.service import write_pack

    period = Period.parse(args.period)
    preparer = args.preparer or os.environ.get("BOOKBRIDGE_USER") or getpass.getuser()
    with open_book_from_args(args) as book, ledger_source(book, offline=args.offline) as source:
        result = write_pack(book, period, args.output, preparer=preparer, csv_dir=args.csv, source=source)
    if args.json:
        emit_json(result.as_dict())
    else:
        state = "signed off" if result.signed_off else "NOT signed off (draft)"
        print(f"Wrote {result.path} ({result.pages} pages, {state}, checklist {result.overall}).")
        print(f"SHA-256 {result.sha256} (recorded in the audit log).")
        if result.csv_files:
            print(f"{len(result.csv_files)} CSV file(s) in {args.csv}.")
    return 0
