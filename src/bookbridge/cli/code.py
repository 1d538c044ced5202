"""`bookbridge code BOOK`: (re)code imported expenses and print what blocks the others."""

from __future__ import annotations

import argparse

from bookbridge.cli.common import add_book_argument, add_json_flag, emit_json


def register(subparsers: argparse._SubParsersAction) -> None:
    code = subparsers.add_parser(
        "code", help="code expenses with the mapping template and rules, and open approval"
    )
    add_book_argument(code)
    code.add_argument("--id", dest="ids", type=int, nargs="+", default=None, metavar="ID",
                      help="only these expenses")
    code.add_argument("--as", dest="actor", default="cli", metavar="NAME", help="who runs coding (audit log)")
    add_json_flag(code)
    code.set_defaults(handler=_code)


def _code(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args, progress
    from bookbridge.coding.service import code_expenses

    with open_book_from_args(args) as book:
        progress(f"Coding expenses in {args.book} ...")
        run = code_expenses(book, actor=args.actor, expense_ids=args.ids)
    blocked = sum(p.count for p in run.problems)
    if args.json:
        emit_json({
            "examined": run.examined, "recoded": run.recoded, "unchanged": run.unchanged,
            "reopened": run.reopened, "statuses": run.statuses,
            "problems": [{"kind": p.kind, "subject": p.subject, "count": p.count, "expense_ids": list(p.expense_ids),
                          "message": p.message} for p in run.problems],
        })
    else:
        print(f"Coded {run.examined} expenses: {run.recoded} changed, {run.unchanged} unchanged"
              + (f", approval re-opened on {run.reopened}" if run.reopened else "") + ".")
        for status, count in run.statuses.items():
            print(f"  {status.replace('_', ' '):<18} {count:>6}")
        if run.problems:
            print("Cannot be coded yet:")
        for summary in run.problems:
            print(f"  {summary.message}")
    # 1 = done, but some expenses could not be coded and are listed above.
    return 1 if blocked else 0
