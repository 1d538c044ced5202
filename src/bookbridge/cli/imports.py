"""`bookbridge import`, `bookbridge dedupe-log` and `bookbridge profiles list|show|save`.

Exit codes of `import`: 0 every row landed or was a known duplicate; 1 some rows were rejected
(listed with file, line, field and reason) and the rest landed, or --strict refused the whole
file because of them (nothing landed; the refusal and its reasons are recorded in the book);
2 nothing changed: usage, passphrase, book or file error. --dry-run uses the same codes and
writes nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import cast

from bookbridge.cli.common import add_book_argument, add_json_flag, emit_json, progress

SHOWN_WARNINGS = 20


def register(subparsers: argparse._SubParsersAction) -> None:
    imp = subparsers.add_parser(
        "import", help="import an expense file (CSV, JSON or XML)",
        description="Import expenses. Exit codes: 0 all rows landed or were duplicates; 1 some rows were "
        "rejected (or --strict refused the file); 2 nothing changed (usage, passphrase or file error).",
    )
    add_book_argument(imp)
    imp.add_argument("file", type=Path, metavar="FILE", help="the export to import")
    imp.add_argument("--profile", help="column profile (default: detected from the header)")
    imp.add_argument("--source", help="source system name used in dedupe keys (default: the profile's)")
    imp.add_argument("--receipts", type=Path, metavar="DIR", help="folder with receipt images/PDFs")
    imp.add_argument("--dry-run", action="store_true", help="show what would happen; write nothing")
    imp.add_argument("--strict", action="store_true", help="reject the whole file if any row has an error")
    add_json_flag(imp)
    imp.set_defaults(handler=_import)

    log = subparsers.add_parser("dedupe-log", help="show the dedupe ledger: every new/duplicate/conflict decision")
    add_book_argument(log)
    log.add_argument("--batch", type=int, help="only this import batch")
    log.add_argument("--outcome", choices=("new", "duplicate", "conflict"), help="only this outcome")
    log.add_argument("--limit", type=int, default=None, help="at most this many entries (text default: 200)")
    add_json_flag(log)
    log.set_defaults(handler=_dedupe_log)

    profiles = subparsers.add_parser("profiles", help="list, show and save import column profiles")
    sub = profiles.add_subparsers(dest="profiles_command", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="built-in and saved profiles")
    add_book_argument(listing)
    add_json_flag(listing)
    listing.set_defaults(handler=_profiles_list)
    show = sub.add_parser("show", help="a profile's definition as JSON")
    add_book_argument(show)
    show.add_argument("name")
    show.set_defaults(handler=_profiles_show)
    save = sub.add_parser("save", help="save a profile in the book (from a JSON file or options)")
    add_book_argument(save)
    save.add_argument("name")
    save.add_argument("--from-json", type=Path, metavar="FILE", help="the profile as JSON (see `profiles show`)")
    save.add_argument("--base", help="built-in profile to start from (default: generic)")
    save.add_argument("--column", action="append", default=[], metavar="FIELD=HEADER",
                      help="map a field to a header (repeatable; same field twice = alternatives)")
    save.add_argument("--field", action="append", default=[], metavar="NAME=HEADER",
                      help="keep a column as a custom field (repeatable)")
    save.add_argument("--date-format", action="append", default=[], metavar="FORMAT", help="e.g. %%d/%%m/%%Y")
    save.add_argument("--decimal-sep", choices=(".", ","), help="decimal separator of amounts")
    save.add_argument("--thousands-sep", help="thousands separator of amounts")
    save.add_argument("--delimiter", help="column delimiter (default: sniffed)")
    save.add_argument("--encoding", help="file encoding (default: detected)")
    save.add_argument("--currency", help="currency when the file has no currency column")
    save.add_argument("--source", help="source system name (default: the profile name)")
    save.add_argument("--payment-method", choices=("company_card", "reimbursable", "cash", "bank"),
                      help="payment method when the file does not say")
    save.add_argument("--expense-negative", action="store_true", help="spends are negative in this export")
    save.add_argument("--replace", action="store_true", help="overwrite a saved profile of the same name")
    save.set_defaults(handler=_profiles_save)


def _import(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.ingest.service import ImportOptions, import_file, preview_file

    options = ImportOptions(args.file, profile=args.profile, source=args.source, receipts_dir=args.receipts,
                            strict=args.strict, actor="cli")
    report = lambda rows: progress(f"{rows:,} rows read...")  # noqa: E731 - a one-line callback
    with open_book_from_args(args) as book:
        if args.dry_run:
            result = preview_file(book, options, rows=False, progress=report)
        else:
            result = import_file(book, options, progress=report)
    if args.json:
        emit_json(result.to_json())
        return result.exit_code
    verb = "Would import" if result.dry_run else "Refused" if result.strict_rejected else "Imported"
    print(f"{verb} {result.file} (profile {result.profile}, source {result.source}, {result.encoding}"
          + (f", delimiter {result.delimiter!r}" if result.delimiter else "") + "): "
          f"{result.new} new, {result.duplicates} duplicates, {result.conflicts} conflicts, "
          f"{result.rejected} rejected.")
    if result.strict_rejected:
        print("--strict: the file had errors, so nothing from it was imported.")
    for issue in result.errors:
        print(f"{result.file}:{issue.line}: {issue.field or '-'}: {issue.message}", file=sys.stderr)
    if result.warnings:
        print(f"{len(result.warnings)} warning(s):")
        for issue in result.warnings[:SHOWN_WARNINGS]:
            where = f"{result.file}:{issue.line}" if issue.line else result.file
            print(f"  {where}: {issue.field or '-'}: {issue.message}")
        if len(result.warnings) > SHOWN_WARNINGS:
            print(f"  ... and {len(result.warnings) - SHOWN_WARNINGS} more (--json lists them all).")
    if result.dry_run:
        print("Dry run: nothing was written.")
    return result.exit_code


def _dedupe_log(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.ingest.ledger import dedupe_log

    limit = args.limit if args.limit is not None else (None if args.json else 200)
    with open_book_from_args(args) as book:
        total, entries = dedupe_log(book, batch=args.batch, outcome=args.outcome, limit=limit or None)
    if args.json:
        emit_json({"total": total, "entries": [e.to_json() for e in entries]})
        return 0
    print(f"{'id':>7} {'batch':>5} {'line':>6} {'outcome':<9} {'rule':<26} {'expense':>8} {'matched':>8}  key")
    for e in entries:
        print(f"{e.id:>7} {e.batch_id:>5} {e.line or '':>6} {e.outcome:<9} {e.rule:<26} {e.expense_id or '':>8} "
              f"{e.matched_expense_id or '':>8}  {e.key}")
    if total > len(entries):
        print(f"({len(entries)} of {total} shown; use --limit or --json for more)")
    return 0


def _profiles_list(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.ingest.profiles import BUILTIN_PROFILES, saved_profiles

    with open_book_from_args(args) as book, book.read() as session:
        saved = saved_profiles(session.connection())
    rows = [{"name": p.name, "builtin": p.builtin, "formats": list(p.formats), "source": p.source_name,
             "description": p.description} for p in [*BUILTIN_PROFILES.values(), *saved.values()]]
    if args.json:
        emit_json(rows)
        return 0
    for row in rows:
        kind = "built-in" if row["builtin"] else "saved"
        print(f"{row['name']:<16} {kind:<9} {','.join(row['formats']):<13} {row['description']}")  # type: ignore[arg-type]
    return 0


def _profiles_show(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.ingest.profiles import get_profile, profile_to_dict

    with open_book_from_args(args) as book, book.read() as session:
        profile = get_profile(session.connection(), args.name)
    emit_json(profile_to_dict(profile))
    return 0


def _profiles_save(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.ingest.profiles import save_profile

    data = _profile_definition(args)
    with open_book_from_args(args) as book, book.unit_of_work() as session:
        profile = save_profile(session.connection(), args.name, data, replace_existing=args.replace)
    print(f"Saved profile {profile.name} (source {profile.source_name}); use it with --profile {profile.name}.")
    return 0


def _pairs(items: list[str], option: str) -> dict[str, list[str]]:
    from bookbridge.core.errors import UsageError

    out: dict[str, list[str]] = {}
    for item in items:
        name, sep, header = item.partition("=")
        if not sep or not name.strip() or not header.strip():
            raise UsageError(f"{option} takes NAME=HEADER, got {item!r}.")
        out.setdefault(name.strip(), []).append(header.strip())
    return out


def _profile_definition(args: argparse.Namespace) -> dict[str, object]:
    """The profile's JSON definition, from --from-json and/or the options (options win)."""
    from bookbridge.core.errors import UsageError

    data: dict[str, object] = {}
    if args.from_json:
        try:
            data = json.loads(Path(args.from_json).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UsageError(f"Cannot read the profile {args.from_json}: {exc}.") from None
        if not isinstance(data, dict):
            raise UsageError(f"{args.from_json} must hold a JSON object.")
    options = {"base": args.base, "decimal_sep": args.decimal_sep, "thousands_sep": args.thousands_sep,
               "delimiter": "\t" if args.delimiter in ("\\t", "tab") else args.delimiter, "encoding": args.encoding,
               "default_currency": args.currency.upper() if args.currency else None, "source": args.source,
               "default_payment_method": args.payment_method}
    data.update({k: v for k, v in options.items() if v is not None})
    if args.column:
        data["columns"] = {**cast(dict, data.get("columns") or {}), **_pairs(args.column, "--column")}
    if args.field:
        data["fields"] = {**cast(dict, data.get("fields") or {}), **_pairs(args.field, "--field")}
    if args.date_format:
        data["date_formats"] = args.date_format
    if args.expense_negative:
        data["amount_sign"] = "expense_negative"
    return data
