"""Helpers every sub-command shares: the BOOK argument, opening it, JSON output, progress."""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the book machinery (SQLAlchemy, SQLCipher) loads only when a command needs it
    from bookbridge.store.book import Book


def add_book_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("book", type=Path, metavar="BOOK", help="the book file (.bbk)")


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the result as one JSON document")


def open_book_from_args(args: argparse.Namespace) -> "Book":
    """Open ``args.book`` with the passphrase from the environment, keyring or a prompt."""
    from bookbridge.store.book import open_book
    from bookbridge.store.secrets import resolve_passphrase

    return open_book(args.book, resolve_passphrase(args.book))


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def emit_json(value: Any) -> None:
    """Print one JSON document to stdout (progress and errors go to stderr, never here)."""
    json.dump(value, sys.stdout, default=_json_default, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    sys.stdout.flush()


def progress(message: str) -> None:
    """A progress line on stderr when a person is watching."""
    if sys.stderr.isatty():
        print(message, file=sys.stderr, flush=True)
