"""`bookbridge sync BOOK [--connection NAME] [--dry-run] [--json]`, and `--history`.

Exit codes: 0 nothing failed; 1 some items failed and wait in the exception queue or for the next
run; 2 the run could not start (book, passphrase, connection, credentials, lock).

With ``--json`` stdout carries exactly ``{"posted", "skipped", "failed", "exceptions", "would_post",
"run_id"}``; a dry run's payloads then go to stderr, one JSON document per line, so the summary
stays machine-readable. Without ``--json`` the payloads and a summary go to stdout.
"""

from __future__ import annotations

import argparse
import sys

from bookbridge.cli.common import add_book_argument, emit_json, open_book_from_args, progress


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("sync", help="post approved expenses exactly once and pull changes back")
    add_book_argument(parser)
    parser.add_argument("--connection", default=None, metavar="NAME", help="the connection to sync (default: the only one)")
    parser.add_argument("--dry-run", action="store_true",
                        help="pilot mode: print the exact payloads that would be sent; send and change nothing")
    parser.add_argument("--history", action="store_true", help="list recent runs instead of running one")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="change a sync setting of the connection and exit (grouping, batch_size, create_vendors, "
                             "sync_workers, replay_window_hours, time_scale, page_size, max_attempts)")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON document")
    parser.set_defaults(handler=run)


def _print_payload(stream):
    from bookbridge.connectors import jsonwire

    def show(item: dict) -> None:
        header = {k: v for k, v in item.items() if k != "payload"}
        if stream is sys.stderr:
            stream.write(jsonwire.dumps({**header, "payload": item["payload"]}) + "\n")
        else:
            stream.write(f"# {item['kind']} {item['doc_number']} key={item['key']} ({item['status']})\n")
            stream.write(jsonwire.dumps(item["payload"]) + "\n")
        stream.flush()

    return show


def run(args: argparse.Namespace) -> int:
    from bookbridge.sync.runner import SyncOptions, run_sync
    from bookbridge.sync.runs import recent_runs

    with open_book_from_args(args) as book:
        if args.set:
            return _set(book, args)
        if args.history:
            runs = recent_runs(book)
            if args.json:
                emit_json({"runs": [r.as_dict() for r in runs]})
            else:
                for r in runs:
                    print(f"{r.started_at:%Y-%m-%d %H:%M:%S}  {r.run_id}  {r.connection or '-':10}  {r.status:9}  "
                          f"{'dry ' if r.dry_run else ''}posted {r.posted} failed {r.failed} skipped {r.skipped} "
                          f"calls {r.api_calls}")
            return 0
        options = SyncOptions(
            connection=args.connection, dry_run=args.dry_run, actor="cli",
            on_payload=_print_payload(sys.stderr if args.json else sys.stdout) if args.dry_run else None,
            progress=progress,
        )
        report = run_sync(book, options)
    if args.json:
        emit_json(report.summary())
    else:
        s = report.summary()
        verb = "would post" if args.dry_run else "posted"
        count = s["would_post"] if args.dry_run else s["posted"]
        print(f"Sync {s['run_id']}: {verb} {count}, skipped {s['skipped']}, failed {s['failed']}, "
              f"exceptions {s['exceptions']}; {report.counts.api_calls} API calls.")
        for note in report.notes:
            print(f"  note: {note}")
        if s["failed"]:
            print("  See `bookbridge exceptions BOOK --open` for what is held back and why.")
    return report.exit_code


def _set(book, args: argparse.Namespace) -> int:
    import getpass

    from bookbridge.core.errors import UsageError
    from bookbridge.sync.connection import update_settings

    changes = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--set {item!r}: write it as KEY=VALUE")
        changes[key.strip()] = value.strip()
    values = update_settings(book, args.connection, changes, actor=getpass.getuser())
    if args.json:
        emit_json({"settings": values})
    else:
        print("Sync settings: " + ", ".join(f"{k}={v}" for k, v in sorted(values.items())))
    return 0
