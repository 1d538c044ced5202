"""`bookbridge approve`, `reject`, `approvals` (the queue) and `approval-policy`."""

from __future__ import annotations

import argparse
import sys

from bookbridge.cli.common import add_book_argument, add_json_flag, emit_json


def register(subparsers: argparse._SubParsersAction) -> None:
    approve = subparsers.add_parser("approve", help="approve expenses at the next level you may approve")
    add_book_argument(approve)
    which = approve.add_mutually_exclusive_group(required=True)
    which.add_argument("--all-eligible", action="store_true", help="every expense waiting for a level you may approve")
    which.add_argument("--id", dest="ids", type=int, nargs="+", metavar="ID", help="expense id(s)")
    approve.add_argument("--as", dest="actor", required=True, metavar="NAME", help="who approves")
    approve.add_argument("--comment", default=None, metavar="TEXT")
    add_json_flag(approve)
    approve.set_defaults(handler=_approve)

    reject = subparsers.add_parser("reject", help="send an expense back with a reason")
    add_book_argument(reject)
    reject.add_argument("--id", dest="expense_id", type=int, required=True, metavar="ID", help="expense id")
    reject.add_argument("--as", dest="actor", required=True, metavar="NAME", help="who rejects")
    reject.add_argument("--reason", required=True, metavar="TEXT", help="what the submitter must fix")
    add_json_flag(reject)
    reject.set_defaults(handler=_reject)

    queue = subparsers.add_parser("approvals", help="the approval queue: awaiting and rejected expenses")
    add_book_argument(queue)
    queue.add_argument("--awaiting-only", action="store_true", help="leave rejected expenses out")
    add_json_flag(queue)
    queue.set_defaults(handler=_queue)

    policy = subparsers.add_parser("approval-policy", help="show or replace the approval policy (YAML or JSON)")
    add_book_argument(policy)
    policy.add_argument("--set", dest="file", default=None, metavar="FILE", help="replace the policy with FILE")
    policy.add_argument("--as", dest="actor", default="cli", metavar="NAME", help="who changes it (audit log)")
    add_json_flag(policy)
    policy.set_defaults(handler=_policy)


def _outcome_dict(outcome) -> dict[str, object]:
    return {"id": outcome.expense_id, "done": outcome.done, "level": outcome.level or None,
            "status": outcome.status or None, "message": outcome.message}


def _approve(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.coding.approvals import approve

    with open_book_from_args(args) as book:
        outcomes = approve(book, actor=args.actor, expense_ids=args.ids, all_eligible=args.all_eligible,
                           comment=args.comment)
    refused = [o for o in outcomes if not o.done]
    if args.json:
        emit_json({"approved": sum(o.done for o in outcomes), "refused": len(refused),
                   "results": [_outcome_dict(o) for o in outcomes]})
    else:
        for outcome in outcomes:
            print(outcome.message if outcome.done else f"refused: {outcome.message}")
        if not outcomes:
            print(f"Nothing awaits an approval {args.actor} may give.")
    if refused:
        return 1
    return 0 if outcomes else 2


def _reject(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.coding.approvals import reject

    with open_book_from_args(args) as book:
        outcome = reject(book, expense_id=args.expense_id, actor=args.actor, reason=args.reason)
    if args.json:
        emit_json(_outcome_dict(outcome))
    else:
        print(outcome.message)
    return 0


def _queue(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.coding.approvals import approval_queue

    with open_book_from_args(args) as book:
        items = approval_queue(book, include_rejected=not args.awaiting_only)
    if args.json:
        emit_json(items)
        return 0
    if not items:
        print("Nothing awaits approval.")
    for item in items:
        head = (f"#{item['id']} {item['date']} {item['vendor'] or ''} {item['category'] or ''} "
                f"{item['amount']} {item['currency']}").replace("  ", " ")
        if item["status"] == "rejected":
            rejection = item["rejection"] or {}
            print(f"{head}: REJECTED by {rejection.get('by')}: {rejection.get('reason')}")
            continue
        waiting = "; ".join(f"{p['level']} ({p['approvers']})" for p in item["pending"])
        print(f"{head}: waiting for {waiting}")
    return 0


def _policy(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bookbridge.cli.common import open_book_from_args
    from bookbridge.coding.approval_policy import parse_policy_text, policy_to_document
    from bookbridge.coding.approvals import load_policy, replace_policy
    from bookbridge.core.errors import ImportFileError

    with open_book_from_args(args) as book:
        if args.file is not None:
            path = Path(args.file)
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as error:
                raise ImportFileError(f"Cannot read {path}: {error.strerror}.", path=str(path)) from error
            change = replace_policy(book, parse_policy_text(text, name=path.name), actor=args.actor)
            print(f"Approval policy replaced: levels {', '.join(change.after) or 'none'} "
                  "(used by coding rounds from now on; run `bookbridge code` to apply it).", file=sys.stderr)
        with book.read() as session:
            document = policy_to_document(load_policy(session))
    if args.json:
        emit_json(document)
    elif args.file is None:
        if not document["levels"]:
            print("No approval policy: coded expenses are postable without approval.")
        for level in document["levels"]:
            when = level.get("when") or {}
            print(f"{level['name']}: when {when or 'always'}; approvers {level['approvers']}")
    return 0
