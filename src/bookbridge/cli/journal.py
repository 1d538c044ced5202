"""`bookbridge journal preview`: the entries the approved, coded expenses would post."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from bookbridge.cli.common import add_book_argument, add_json_flag, emit_json

# The command-line spelling of each grouping (hyphenated like every other option value).
GROUP_BY = {
    "expense": "expense",
    "report": "report",
    "employee-day": "employee_day",
    "day": "day",
    "week": "week",
    "month": "month",
}

# The documented preview shape (issue 3, section 5); --detail prints the builder's full form.
ENTRY_KEYS = ("key", "date", "memo", "currency", "template_version", "lines")
LINE_KEYS = ("account", "debit", "credit", "home_debit", "home_credit", "dimensions")


def register(subparsers: argparse._SubParsersAction) -> None:
    journal = subparsers.add_parser("journal", help="journal entries built from coded, approved expenses")
    sub = journal.add_subparsers(dest="journal_command", metavar="ACTION", required=True)

    preview = sub.add_parser("preview", help="show the entries approved expenses would post (nothing is posted)")
    add_book_argument(preview)
    preview.add_argument("--period", default=None, metavar="YYYY-MM", help="only expenses dated in this month")
    preview.add_argument("--group-by", choices=list(GROUP_BY), default="expense",
                         help="one entry per expense (default), report, employee-day, or batched per day/week/month")
    preview.add_argument("--include-awaiting", action="store_true",
                         help="also show coded expenses still awaiting approval (what they would post)")
    preview.add_argument("--detail", action="store_true",
                         help="with --json: add rate, role, entity, memo and lineage to every line")
    add_json_flag(preview)
    preview.set_defaults(handler=_preview)


def period_bounds(text: str) -> tuple[date, date]:
    """First and last day of a ``YYYY-MM`` period."""
    import calendar

    from bookbridge.core.errors import UsageError

    try:
        year, month = (int(part) for part in text.split("-"))
        first = date(year, month, 1)
    except ValueError:
        raise UsageError(f"--period {text!r} is not a month; write it as YYYY-MM (e.g. 2026-03).") from None
    return first, first.replace(day=calendar.monthrange(year, month)[1])


def _preview(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.coding.service import coded_expenses
    from bookbridge.journal.builder import build_journal
    from bookbridge.journal.model import Grouping
    from bookbridge.journal.serialize import entry_as_dict
    from bookbridge.store.models import ExpenseStatus

    since, until = period_bounds(args.period) if args.period else (None, None)
    statuses = [ExpenseStatus.APPROVED] + ([ExpenseStatus.AWAITING_APPROVAL] if args.include_awaiting else [])
    with open_book_from_args(args) as book:
        home = book.company().home_currency
        expenses = coded_expenses(book, statuses=statuses, since=since, until=until)
    result = build_journal(expenses, home, Grouping(GROUP_BY[args.group_by]))
    for issue in result.issues:  # never inside the JSON on stdout
        print(f"bookbridge: {issue.severity.value}: {issue.message}", file=sys.stderr)
    documents = [entry_as_dict(entry) for entry in result.entries]
    if not args.detail:
        documents = [
            {**{k: doc[k] for k in ENTRY_KEYS if k != "lines"},
             "lines": [{k: line[k] for k in LINE_KEYS} for line in doc["lines"]]}
            for doc in documents
        ]
    if args.json:
        emit_json(documents)
    else:
        _print_entries(documents, home)
    # 1 = done, but some coded expenses could not be journalised (listed on stderr).
    return 1 if result.excluded_expense_keys else 0


def _print_entries(documents: list[dict], home: str) -> None:
    from decimal import Decimal

    if not documents:
        print("No approved, coded expenses to journalise.")
    for doc in documents:
        print(f"{doc['date']}  {doc['memo']}  [{doc['currency']}, template v{doc['template_version']}]")
        for line in doc["lines"]:
            is_debit = Decimal(line["debit"]) != 0 or Decimal(line["home_debit"]) != 0
            amount, home_amount = ((line["debit"], line["home_debit"]) if is_debit
                                   else (line["credit"], line["home_credit"]))
            dims = " ".join(f"{k}={v}" for k, v in line["dimensions"].items())
            print(f"    {'Dr' if is_debit else 'Cr'} {amount:>12}  {line['account']:<12} {home} {home_amount:>12}  {dims}")
