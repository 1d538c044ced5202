"""`bookbridge book init|info|rekey|remember|forget`."""

from __future__ import annotations

import argparse
import sys

from bookbridge.cli.common import add_book_argument, add_json_flag, emit_json


def register(subparsers: argparse._SubParsersAction) -> None:
    book = subparsers.add_parser("book", help="create and look after book files")
    sub = book.add_subparsers(dest="book_command", metavar="ACTION", required=True)

    init = sub.add_parser("init", help="create a new encrypted book")
    add_book_argument(init)
    init.add_argument("--company", default=None, help="company name (default: the file name)")
    init.add_argument("--home-currency", default="USD", help="ISO 4217 code of the home currency")
    init.add_argument("--remember", action="store_true", help="remember the passphrase in the OS keyring")
    add_json_flag(init)
    init.set_defaults(handler=_init)

    info = sub.add_parser("info", help="schema version, counts and file fingerprint")
    add_book_argument(info)
    add_json_flag(info)
    info.set_defaults(handler=_info)

    rekey = sub.add_parser("rekey", help="change the passphrase (new one from BOOKBRIDGE_NEW_PASSPHRASE or a prompt)")
    add_book_argument(rekey)
    rekey.set_defaults(handler=_rekey)

    remember = sub.add_parser("remember", help="remember the passphrase on this computer (OS keyring)")
    add_book_argument(remember)
    remember.set_defaults(handler=_remember)

    forget = sub.add_parser("forget", help="forget a remembered passphrase")
    add_book_argument(forget)
    forget.set_defaults(handler=_forget)


def _init(args: argparse.Namespace) -> int:
    from bookbridge.store.book import create_book
    from bookbridge.store.secrets import remember_passphrase, require_keyring, resolve_passphrase

    if args.remember:
        require_keyring()  # fail before creating anything
    passphrase = resolve_passphrase(args.book, confirm=True)
    company = args.company or args.book.stem
    with create_book(args.book, passphrase, company=company, home_currency=args.home_currency) as book:
        if args.remember:
            remember_passphrase(args.book, passphrase)
        result = {"path": str(book.path), "book_id": book.book_id, "company": company,
                  "home_currency": book.company().home_currency}
    if args.json:
        emit_json(result)
    else:
        print(f"Created {result['path']} for {company} ({result['home_currency']}).")
    return 0


def _info(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.store.book import book_info

    with open_book_from_args(args) as book:
        info = book_info(book)
    if args.json:
        emit_json(info)
        return 0
    print(f"Book:        {info['path']}")
    print(f"Company:     {info['company']} ({info['home_currency']})")
    print(f"Book id:     {info['book_id']}")
    print(f"Schema:      {info['schema_version']} (newest known: {info['schema_head']})")
    print(f"Fingerprint: sha256:{info['fingerprint_sha256']}")
    print(f"Size:        {info['size_bytes']:,} bytes")
    for table, count in info["counts"].items():  # type: ignore[union-attr]
        if count:
            print(f"  {table:<22} {count:>10,}")
    return 0


def _rekey(args: argparse.Namespace) -> int:
    import os

    from bookbridge.store.book import rekey_book
    from bookbridge.store.secrets import remember_passphrase, remembered_passphrase, resolve_passphrase

    old = resolve_passphrase(args.book)
    new = os.environ.get("BOOKBRIDGE_NEW_PASSPHRASE")
    if not new:
        if not sys.stdin.isatty():
            from bookbridge.core.errors import UsageError

            raise UsageError("Give the new passphrase in BOOKBRIDGE_NEW_PASSPHRASE or run in a terminal.")
        import getpass

        new = getpass.getpass("New passphrase: ")
        if getpass.getpass("Repeat the new passphrase: ") != new:
            from bookbridge.core.errors import UsageError

            raise UsageError("The two new passphrases differ; nothing was changed.")
    was_remembered = remembered_passphrase(args.book) is not None
    rekey_book(args.book, old, new)
    if was_remembered:
        remember_passphrase(args.book, new)  # keep "remember on this computer" working
    print(f"Changed the passphrase of {args.book}.")
    return 0


def _remember(args: argparse.Namespace) -> int:
    from bookbridge.store.book import open_book
    from bookbridge.store.secrets import remember_passphrase, require_keyring, resolve_passphrase

    require_keyring()
    passphrase = resolve_passphrase(args.book)
    open_book(args.book, passphrase).close()  # only remember a passphrase that works
    remember_passphrase(args.book, passphrase)
    print(f"The passphrase of {args.book} is remembered in the OS keyring.")
    return 0


def _forget(args: argparse.Namespace) -> int:
    from bookbridge.store.secrets import forget_passphrase

    forget_passphrase(args.book)
    print(f"Bookbridge no longer remembers the passphrase of {args.book}.")
    return 0
