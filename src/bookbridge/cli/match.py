"""`bookbridge match`: match statement lines to expenses, and decide on the proposals.

    bookbridge match BOOK [--period YYYY-MM] [--account NAME] [--auto] [--json]
    bookbridge match accept BOOK MATCH_ID | accept BOOK --line ID --expense ID [--expense ID ...]
    bookbridge match reject BOOK MATCH_ID [--note TEXT]
    bookbridge match undo BOOK MATCH_ID [--reason TEXT]
    bookbridge match explain BOOK LINE_ID --note TEXT

argparse cannot mix a positional BOOK with sub-commands, so ``match`` takes its words as they
come and hands them to the parser of the action named first (or of the run when none is).
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path
from typing import Any

from bookbridge.cli.common import add_json_flag, emit_json
from bookbridge.cli.statements import actor_name

ACTIONS = ("accept", "reject", "undo", "explain")
USAGE = textwrap.dedent(__doc__.split("\n\n")[1]).strip()


def register(subparsers: argparse._SubParsersAction) -> None:
    match = subparsers.add_parser(
        "match", help="match statement lines to expenses; accept, reject or undo matches",
        usage=USAGE, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Exit codes: 0 done, 2 nothing changed. Thresholds come from the book setting "
        "reconcile.matching, overridable here.",
    )
    match.add_argument("words", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    match.set_defaults(handler=_dispatch)


def _run_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bookbridge match")
    parser.add_argument("book", type=Path, metavar="BOOK")
    parser.add_argument("--period", metavar="YYYY-MM", help="only lines booked in this month")
    parser.add_argument("--account", metavar="NAME", help="only this statement account")
    parser.add_argument("--auto", action="store_true", help="accept the auto band without asking")
    parser.add_argument("--window-days", type=int, help="date window, both ways (default 4)")
    parser.add_argument("--auto-threshold", type=float, help="score from which a match is auto-accepted")
    parser.add_argument("--suggest-threshold", type=float, help="score from which a match is suggested")
    parser.add_argument("--as", dest="actor", metavar="WHO")
    add_json_flag(parser)
    return parser


def _action_parser(action: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"bookbridge match {action}")
    parser.add_argument("book", type=Path, metavar="BOOK")
    if action == "accept":
        parser.add_argument("match_id", type=int, nargs="?", metavar="MATCH_ID")
        parser.add_argument("--line", type=int, metavar="ID", help="match this statement line by hand...")
        parser.add_argument("--expense", type=int, action="append", default=[], metavar="ID", help="...to this expense")
        parser.add_argument("--note", metavar="TEXT")
    elif action == "explain":
        parser.add_argument("line_id", type=int, metavar="LINE_ID")
        parser.add_argument("--note", required=True, metavar="TEXT", help="why the line has no match")
    else:
        parser.add_argument("match_id", type=int, metavar="MATCH_ID")
        parser.add_argument("--note" if action == "reject" else "--reason", dest="note", metavar="TEXT")
    parser.add_argument("--as", dest="actor", metavar="WHO")
    add_json_flag(parser)
    return parser


def _dispatch(args: argparse.Namespace) -> int:
    words = list(args.words)
    if not words:
        print(f"usage: {USAGE}", file=sys.stderr)
        return 2
    if words[0] in ACTIONS:
        action = words[0]
        return _decide(action, _action_parser(action).parse_args(words[1:]))
    return _run(_run_parser().parse_args(words))


def _run(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.reconcile.matching.service import load_settings, run_matching

    with open_book_from_args(args) as book:
        with book.read() as session:
            settings = load_settings(session, window_days=args.window_days, auto_threshold=args.auto_threshold,
                                     suggest_threshold=args.suggest_threshold)
        result = run_matching(book, period=args.period, account_name=args.account, auto=args.auto,
                              actor=actor_name(args), settings=settings)
    if args.json:
        emit_json(result.as_dict())
        return 0
    print(f"{result.lines_considered} line(s) considered: {result.auto_accepted} accepted automatically, "
          f"{result.suggested} suggested, {result.unmatched} without a proposal.")
    for m in result.matches:
        line: dict[str, Any] = m["line"]  # type: ignore[assignment]
        print(f"  match {m['match_id']} [{m['status']}, {m['band']}, {m['score']:.2f}] line {line['id']} "
              f"{line['date']} {line['amount']} {line['payee'] or ''}: {m['explanation']}")
    return 0


def _decide(action: str, args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.core.errors import UsageError
    from bookbridge.reconcile.matching import decisions

    who = actor_name(args)
    with open_book_from_args(args) as book:
        if action == "accept" and args.line is not None:
            result = decisions.match_by_hand(book, args.line, [("expense", e) for e in args.expense], actor=who, note=args.note)
        elif action == "accept":
            if args.match_id is None:
                raise UsageError("Name the match to accept (MATCH_ID), or --line with --expense to match by hand.")
            result = decisions.accept_match(book, args.match_id, actor=who, note=args.note)
        elif action == "reject":
            result = decisions.reject_match(book, args.match_id, actor=who, note=args.note)
        elif action == "undo":
            result = decisions.undo_match(book, args.match_id, actor=who, reason=args.note)
        else:
            result = decisions.explain_line(book, args.line_id, actor=who, note=args.note)
    if args.json:
        emit_json(result)
    else:
        print(f"match {result['match_id']}: {result['status']} by {who} ({result['explanation']})")
    return 0
