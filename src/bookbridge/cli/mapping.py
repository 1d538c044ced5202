"""`bookbridge mapping list|show|export|import|diff|history|publish|rollback`.

Changes go through a draft: `import` validates a YAML file, prints the diff and saves it as the
template's draft; `publish` prints the diff and which not-yet-posted expenses would be coded
differently, and publishes only with ``--yes``. `rollback` publishes an older version's content
again, the same way. Without ``--yes`` nothing changes and the exit code is 2.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from bookbridge.cli.common import add_book_argument, add_json_flag, emit_json


def register(subparsers: argparse._SubParsersAction) -> None:
    mapping = subparsers.add_parser("mapping", help="versioned mapping templates: category → accounts")
    sub = mapping.add_subparsers(dest="mapping_command", metavar="ACTION", required=True)

    lister = sub.add_parser("list", help="the book's templates with their newest version")
    _common(lister, template=False)
    lister.set_defaults(handler=_list)

    show = sub.add_parser("show", help="the mappings of a version (default: the newest)")
    _common(show)
    _which_version(show)
    show.set_defaults(handler=_show)

    export = sub.add_parser("export", help="write a version as YAML (stdout, or --output FILE)")
    _common(export, json_flag=False)
    _which_version(export)
    export.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")
    export.set_defaults(handler=_export)

    importer = sub.add_parser("import", help="validate a YAML file, show the diff, save it as the draft")
    _common(importer, template=False)
    importer.add_argument("file", type=Path, metavar="FILE")
    importer.add_argument("--check", action="store_true", help="only validate and show the diff; save nothing")
    add_actor_argument(importer)
    importer.set_defaults(handler=_import)

    diff = sub.add_parser("diff", help="differences between two versions (a number, or 'draft')")
    _common(diff)
    diff.add_argument("old", metavar="FROM", help="version number or 'draft'")
    diff.add_argument("new", metavar="TO", help="version number or 'draft'")
    diff.set_defaults(handler=_diff)

    hist = sub.add_parser("history", help="every published version with author, time and note")
    _common(hist)
    hist.set_defaults(handler=_history)

    publish = sub.add_parser("publish", help="show what publishing the draft changes; --yes publishes it")
    _common(publish)
    _publish_options(publish)
    publish.set_defaults(handler=_publish)

    rollback = sub.add_parser("rollback", help="publish an older version's content again as a new version")
    _common(rollback)
    rollback.add_argument("version", type=int, metavar="VERSION", help="the version to return to")
    _publish_options(rollback)
    rollback.set_defaults(handler=_rollback)


# --- shared with cli.rules -----------------------------------------------------------------


def _common(parser: argparse.ArgumentParser, *, template: bool = True, json_flag: bool = True) -> None:
    add_book_argument(parser)
    if template:
        parser.add_argument("--template", metavar="NAME", help="the template (default: the book's default template)")
    if json_flag:
        add_json_flag(parser)


def _which_version(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--version", type=int, metavar="N", help="a published version (default: the newest)")
    group.add_argument("--draft", action="store_true", help="the unpublished draft")


def _publish_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--note", default="", help="why (kept in the history)")
    parser.add_argument("--effective", type=date.fromisoformat, metavar="YYYY-MM-DD",
                        help="codes expenses dated on or after this day (default: the file's effective_from)")
    parser.add_argument("--yes", action="store_true", help="really publish after printing what changes")
    add_actor_argument(parser)


def add_actor_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="actor", metavar="NAME", help="who makes the change (default: your user name)")


def actor_of(args: argparse.Namespace) -> str:
    """``--as NAME``, else the operating-system user name."""
    if args.actor:
        return str(args.actor)
    import getpass

    from bookbridge.core.errors import UsageError

    try:
        return getpass.getuser()
    except (OSError, KeyError):
        raise UsageError("Say who is making the change with --as NAME.") from None


def selected_spec(session: Any, template: Any, args: argparse.Namespace) -> tuple[Any, str]:
    """The content ``--version N`` / ``--draft`` / the newest version names, and a label for it."""
    from bookbridge.coding.templates import latest_number, load_draft, load_version
    from bookbridge.core.errors import NotFound

    if getattr(args, "draft", False):
        draft = load_draft(session, template)
        if draft is None:
            raise NotFound(f"Template '{template.name}' has no draft.")
        return draft.spec, "draft"
    number = args.version or latest_number(session, template)
    if number == 0:
        raise NotFound(f"Template '{template.name}' has no published version yet (see --draft).")
    return load_version(session, template, number).spec, f"version {number}"


def print_issues(issues: Any, source: str) -> None:
    for issue in issues:
        print(issue.format(source), file=sys.stderr)


def print_diff(entries: Any) -> None:
    from bookbridge.coding.diff import format_diff

    print(format_diff(list(entries)))


def print_changes(changes: Any, examined: int | None = None) -> None:
    if not changes:
        tail = f" (of {examined} not-yet-posted)" if examined is not None else ""
        print(f"No existing expense would be coded differently{tail}.")
        return
    of = f" of {examined}" if examined is not None else ""
    print(f"{len(changes)}{of} not-yet-posted expenses would be coded differently:")
    for change in changes:
        print(f"  #{change.expense_id} {change.date.isoformat()} {change.vendor or ''} {change.amount}")
        print(f"      before: {change.before}")
        print(f"      after:  {change.after}")


# --- handlers ------------------------------------------------------------------------------


def _list(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.coding.templates import list_templates

    with open_book_from_args(args) as book, book.unit_of_work() as session:
        summaries = list_templates(session)
    if args.json:
        emit_json([s.as_dict() for s in summaries])
        return 0
    if not summaries:
        print("No mapping templates yet; import one with `bookbridge mapping import BOOK FILE`.")
    for s in summaries:
        mark = " (default)" if s.is_default else ""
        draft = ", draft waiting" if s.has_draft else ""
        since = f" from {s.latest_effective_from}" if s.latest_effective_from else ""
        print(f"{s.name}{mark}: version {s.latest_version}{since}, {s.mappings} mappings, {s.rules} rules{draft}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.coding.schema import template_to_data
    from bookbridge.coding.templates import get_template

    with open_book_from_args(args) as book, book.unit_of_work() as session:
        template = get_template(session, args.template)
        spec, label = selected_spec(session, template, args)
    if args.json:
        emit_json({"which": label, **template_to_data(spec)})
        return 0
    print(f"Template '{spec.name}', {label}, effective from {spec.effective_from.isoformat()}")
    for m in spec.mappings:
        extras = [m.posting_type.value if m.posting_type else "", f"tax {m.tax_code}" if m.tax_code else "",
                  f"Cr {m.credit_account}" if m.credit_account else ""]
        dims = {**dict(m.dimensions), **{k: f"<{v}>" for k, v in m.dimension_fields.items()}}
        if dims:
            extras.append(", ".join(f"{k}={v}" for k, v in dims.items()))
        print(f"  {m.label:<32} → {m.account}  {'  '.join(e for e in extras if e)}".rstrip())
    print(f"  ({len(spec.rules)} rules: `bookbridge rules list`)")
    return 0


def _export(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.coding.templates import get_template, latest_number, load_draft, version_source_text
    from bookbridge.coding.yaml_io import export_template

    with open_book_from_args(args) as book, book.unit_of_work() as session:
        template = get_template(session, args.template)
        spec, _ = selected_spec(session, template, args)
        if args.draft:
            draft = load_draft(session, template)
            source = draft.source_text if draft else None
        else:
            source = version_source_text(session, template, args.version or latest_number(session, template))
    text = export_template(spec, source)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"Wrote {args.output}.", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _import(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.coding.edits import import_template

    text = _read_file(args.file)
    actor = actor_of(args)
    with open_book_from_args(args) as book, book.unit_of_work() as session:
        result = import_template(session, text, actor=actor, check_only=args.check)
    if args.json:
        emit_json({"template": result.template, "ok": result.ok, "saved": result.saved,
                   "issues": [i.as_dict() for i in result.issues], "diff": [d.as_dict() for d in result.diff]})
    else:
        print_issues(result.issues, str(args.file))
        if result.ok:
            print_diff(result.diff)
            if result.saved:
                print(f"Saved as the draft of '{result.template}'. Publish it with `bookbridge mapping publish`.")
    if not result.ok:
        if not args.json:
            print(f"bookbridge: {args.file} has errors; nothing was saved.", file=sys.stderr)
        return 2
    return 0  # saved, or (with --check) valid: a CI job checking a file in version control passes


def _read_file(path: Path) -> str:
    from bookbridge.core.errors import ImportFileError

    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFileError(f"Cannot read {path}: {exc}", str(path)) from exc


def _diff(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.coding.diff import diff_templates
    from bookbridge.coding.templates import get_template

    with open_book_from_args(args) as book, book.unit_of_work() as session:
        template = get_template(session, args.template)
        old = _spec_named(session, template, args.old)
        new = _spec_named(session, template, args.new)
    entries = diff_templates(old, new)
    if args.json:
        emit_json({"template": template.name, "from": args.old, "to": args.new, "diff": [e.as_dict() for e in entries]})
    else:
        print(f"Template '{template.name}': {args.old} → {args.new}")
        print_diff(entries)
    return 0


def _spec_named(session: Any, template: Any, which: str) -> Any:
    from bookbridge.core.errors import UsageError

    if which == "draft":
        return selected_spec(session, template, argparse.Namespace(draft=True, version=None))[0]
    if not which.isdigit():
        raise UsageError(f"'{which}' is not a version number or 'draft'.")
    return selected_spec(session, template, argparse.Namespace(draft=False, version=int(which)))[0]


def _history(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.coding.templates import get_template, history

    with open_book_from_args(args) as book, book.unit_of_work() as session:
        template = get_template(session, args.template)
        versions = history(session, template)
    if args.json:
        emit_json([v.as_dict() for v in versions])
        return 0
    for v in versions:
        back = f" (rollback to {v.rolled_back_from})" if v.rolled_back_from else ""
        print(f"{v.number:>4}  {v.published_at:%Y-%m-%d %H:%M}  {v.author:<16} from {v.effective_from}{back}  {v.note}")
    return 0


def _publish(args: argparse.Namespace) -> int:
    from bookbridge.coding.impact import preview_publish
    from bookbridge.coding.templates import publish

    return _publish_flow(
        args,
        lambda session, template: preview_publish(session, template, effective_from=args.effective),
        lambda session, template, actor: publish(session, template, actor=actor, note=args.note, effective_from=args.effective),
    )


def _rollback(args: argparse.Namespace) -> int:
    from bookbridge.coding.impact import preview_rollback
    from bookbridge.coding.templates import rollback

    return _publish_flow(
        args,
        lambda session, template: preview_rollback(session, template, args.version, effective_from=args.effective),
        lambda session, template, actor: rollback(session, template, args.version, actor=actor, note=args.note,
                                                  effective_from=args.effective),
    )


def _publish_flow(args: argparse.Namespace, preview: Any, act: Any) -> int:
    """Print the preview; with --yes publish in the same transaction, so what was shown is what is kept."""
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.coding.templates import get_template

    actor = actor_of(args) if args.yes else None
    with open_book_from_args(args) as book, book.unit_of_work() as session:
        template = get_template(session, args.template)
        shown = preview(session, template)
        info = act(session, template, actor) if args.yes else None
    if args.json:
        emit_json({
            "template": shown.template, "version": shown.next_version, "effective_from": shown.effective_from.isoformat(),
            "published": info is not None, "diff": [d.as_dict() for d in shown.diff],
            "examined": shown.examined, "changes": [c.as_dict() for c in shown.changes],
            "problems_after": [{"message": g.message, "expense_ids": list(g.expense_ids)} for g in shown.problems_after],
        })
    else:
        print(f"Template '{shown.template}' version {shown.next_version}, effective from {shown.effective_from}:")
        print_diff(shown.diff)
        print_changes(shown.changes, shown.examined)
        if shown.problems_after:
            print("After publishing, these still cannot be coded:")
            for group in shown.problems_after:
                print(f"  {group.message}")
        if info is not None:
            print(f"Published '{info.template}' version {info.number} by {info.author}.")
    if info is None:
        print("Nothing was published: re-run with --yes to publish.", file=sys.stderr)
        return 2
    return 0
