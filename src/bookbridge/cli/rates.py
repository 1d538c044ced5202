"""`bookbridge rates import|set|list|max-age`: the book's exchange-rate table."""

from __future__ import annotations

import argparse
from datetime import date

from bookbridge.cli.common import add_book_argument, add_json_flag, emit_json


def register(subparsers: argparse._SubParsersAction) -> None:
    rates = subparsers.add_parser("rates", help="exchange rates: ECB import, manual entry, listing")
    sub = rates.add_subparsers(dest="rates_command", metavar="ACTION", required=True)

    imp = sub.add_parser("import", help="import an ECB reference-rate file (CSV or XML, daily or history)")
    add_book_argument(imp)
    imp.add_argument("file", metavar="FILE", help="eurofxref.csv, eurofxref-hist.csv or an eurofxref XML file")
    imp.add_argument("--as", dest="actor", default="cli", metavar="NAME", help="who imports (for the audit log)")
    add_json_flag(imp)
    imp.set_defaults(handler=_import)

    set_ = sub.add_parser("set", help="enter one rate by hand: 1 BASE = RATE QUOTE on DATE")
    add_book_argument(set_)
    set_.add_argument("--base", required=True, help="ISO code of the currency priced (e.g. EUR)")
    set_.add_argument("--quote", required=True, help="ISO code the price is in (e.g. USD)")
    set_.add_argument("--rate", required=True, help="QUOTE units per one BASE unit, e.g. 1.076923")
    set_.add_argument("--date", required=True, help="as-of date, YYYY-MM-DD")
    set_.add_argument("--as", dest="actor", default="cli", metavar="NAME", help="who enters it (audit log)")
    add_json_flag(set_)
    set_.set_defaults(handler=_set)

    list_ = sub.add_parser("list", help="list stored rates")
    add_book_argument(list_)
    list_.add_argument("--base", default=None)
    list_.add_argument("--quote", default=None)
    list_.add_argument("--since", default=None, help="first as-of date, YYYY-MM-DD")
    list_.add_argument("--until", default=None, help="last as-of date, YYYY-MM-DD")
    add_json_flag(list_)
    list_.set_defaults(handler=_list)

    age = sub.add_parser("max-age", help="show or set how old (in days) a rate coding may use")
    add_book_argument(age)
    age.add_argument("days", nargs="?", type=int, default=None, metavar="DAYS")
    age.add_argument("--as", dest="actor", default="cli", metavar="NAME", help="who changes it (audit log)")
    add_json_flag(age)
    age.set_defaults(handler=_max_age)


def _date(text: str | None, option: str) -> date | None:
    from bookbridge.core.errors import UsageError

    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a date; write it as YYYY-MM-DD.") from None


def _import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bookbridge.cli.common import open_book_from_args
    from bookbridge.coding.rates import import_ecb_file

    with open_book_from_args(args) as book:
        result = import_ecb_file(book, Path(args.file), actor=args.actor)
    document = {
        "file": result.file, "added": result.added, "updated": result.updated, "unchanged": result.unchanged,
        "first_date": result.first_date, "last_date": result.last_date,
        "currencies": list(result.currencies), "skipped": list(result.skipped),
    }
    if args.json:
        emit_json(document)
    else:
        span = f"{result.first_date} to {result.last_date}" if result.first_date != result.last_date else str(result.first_date)
        print(f"Imported {args.file}: {result.added} new, {result.updated} changed, {result.unchanged} already "
              f"known ({span}; {len(result.currencies)} currencies).")
        for note in result.skipped:
            print(f"  skipped: {note}")
    return 0


def _set(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.coding.rates import set_rate
    from bookbridge.core.errors import MoneyError, UsageError
    from bookbridge.core.money import parse_decimal

    try:
        rate = parse_decimal(args.rate)
    except MoneyError as error:
        raise UsageError(f"--rate: {error.user_message}") from None
    as_of = _date(args.date, "--date")
    assert as_of is not None
    with open_book_from_args(args) as book:
        fx = set_rate(book, args.base, args.quote, rate, as_of, actor=args.actor)
    document = {"base": fx.base, "quote": fx.quote, "rate": fx.rate, "as_of": fx.as_of, "source": fx.source}
    if args.json:
        emit_json(document)
    else:
        print(f"1 {fx.base} = {fx.rate:f} {fx.quote} on {fx.as_of} ({fx.source}).")
    return 0


def _list(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.coding.rates import list_rates

    with open_book_from_args(args) as book:
        rates = list_rates(book, base=args.base, quote=args.quote,
                           since=_date(args.since, "--since"), until=_date(args.until, "--until"))
    if args.json:
        emit_json([{"base": r.base, "quote": r.quote, "rate": r.rate, "as_of": r.as_of, "source": r.source}
                   for r in rates])
        return 0
    for r in rates:
        print(f"{r.as_of}  1 {r.base} = {r.rate:f} {r.quote}  ({r.source})")
    if not rates:
        print("No rates match.")
    return 0


def _max_age(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.coding.rates import max_rate_age_days, set_max_rate_age_days

    with open_book_from_args(args) as book:
        if args.days is None:
            with book.read() as session:
                days = max_rate_age_days(session)
            before = days
        else:
            before = set_max_rate_age_days(book, args.days, actor=args.actor)
            days = args.days
    if args.json:
        emit_json({"max_age_days": days, "previous": before})
    else:
        print(f"Coding uses rates at most {days} days older than the expense.")
    return 0
