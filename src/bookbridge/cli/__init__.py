"""The `bookbridge` command.

With no arguments it opens the desktop app. Otherwise each sub-command group lives in its own
module listed in :data:`COMMAND_MODULES`; a module exposes ``register(subparsers)`` and sets a
``handler(args) -> int`` on the parsers it adds. Modules keep their top-level imports light and
import heavy machinery inside handlers, so `bookbridge --help` stays fast.

Exit codes (documented in the README): 0 done; 1 done, but some items were rejected or failed and
are listed; 2 nothing changed (usage, passphrase, book or file error).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from typing import Sequence

from bookbridge import __version__
from bookbridge.core.errors import BookbridgeError

log = logging.getLogger("bookbridge.cli")

COMMAND_MODULES = [
    "bookbridge.cli.book",
    "bookbridge.cli.imports",
    "bookbridge.cli.sandbox",
    "bookbridge.cli.connections",
    "bookbridge.cli.rates",
    "bookbridge.cli.approvals",
    "bookbridge.cli.code",
    "bookbridge.cli.journal",
    "bookbridge.cli.mapping",
    "bookbridge.cli.rules",
    "bookbridge.cli.exceptions",
    "bookbridge.cli.sync",
    "bookbridge.cli.demo",
    "bookbridge.cli.statements",
    "bookbridge.cli.match",
    "bookbridge.cli.reconcile",
    "bookbridge.cli.pack",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bookbridge",
        description="Bookbridge: expenses in, balanced journal entries out, posted exactly once.",
        epilog="Run without arguments to open the desktop app. Exit codes: 0 done, 1 done with "
        "rejected or failed items, 2 nothing changed.",
    )
    parser.add_argument("--version", action="version", version=f"bookbridge {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="also log warnings to stderr")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    from bookbridge.core.logs import configure_logging

    if not args_list:
        configure_logging()
        from bookbridge.ui.app import run_app  # only here: the CLI must work without a display

        return run_app([])
    parser = build_parser()
    args = parser.parse_args(args_list)
    configure_logging(to_stderr=args.verbose)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(handler(args) or 0)
    except BookbridgeError as exc:
        log.warning("%s failed: %s", args.command, exc.user_message)
        print(f"bookbridge: {exc.user_message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("bookbridge: interrupted; nothing from the unfinished step was saved.", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
