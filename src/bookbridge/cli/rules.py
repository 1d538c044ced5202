"""`bookbridge rules list|export|import|preview`.

Rules are versioned with their template: `rules import` puts them in the template's draft (after
printing which existing expenses they would code differently), and `mapping publish` makes them
a new version. `rules preview` shows the same list and saves nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bookbridge.cli.common import emit_json
from bookbridge.cli.mapping import (
    _common,
    _read_file,
    _which_version,
    actor_of,
    add_actor_argument,
    print_changes,
    print_diff,
    print_issues,
    selected_spec,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    rules = subparsers.add_parser("rules", help="coding rules: conditions → actions, run by precedence")
    sub = rules.add_subparsers(dest="rules_command", metavar="ACTION", required=True)

    lister = sub.add_parser("list", help="the rules of a version (default: the newest) in the order they run")
    _common(lister)
    _which_version(lister)
    lister.set_defaults(handler=_list)

    export = sub.add_parser("export", help="write the rules as YAML (stdout, or --output FILE)")
    _common(export, json_flag=False)
    _which_version(export)
    export.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")
    export.set_defaults(handler=_export)

    importer = sub.add_parser("import", help="validate a rules file, preview its effect, save it in the draft")
    _common(importer)
    importer.add_argument("file", type=Path, metavar="FILE")
    importer.add_argument("--check", action="store_true", help="only validate and preview; save nothing")
    add_actor_argument(importer)
    importer.set_defaults(handler=_import)

    preview = sub.add_parser("preview", help="which existing expenses a rules file would code differently")
    _common(preview)
    preview.add_argument("file", type=Path, metavar="FILE")
    preview.set_defaults(handler=_preview, check=True, actor=None)


def _list(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.coding.rules import ordered
    from bookbridge.coding.schema_rules import condition_to_data, rules_to_data
    from bookbridge.coding.templates import get_template

    with open_book_from_args(args) as book, book.unit_of_work() as session:
        template = get_template(session, args.template)
        spec, label = selected_spec(session, template, args)
    rules = ordered(spec.rules)
    if args.json:
        emit_json({"template": spec.name, "which": label, "rules": rules_to_data(tuple(rules))})
        return 0
    print(f"Template '{spec.name}', {label}: {len(rules)} rules, in the order they run")
    for rule in rules:
        stop = "  [stop]" if rule.stop else ""
        print(f"{rule.precedence:>6}  {rule.id}{stop}  {rule.description}".rstrip())
        print(f"        when {json.dumps(condition_to_data(rule.when), ensure_ascii=False)}")
        actions = rules_to_data((rule,))[0]["then"]
        print(f"        then {json.dumps(actions, ensure_ascii=False)}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.coding.templates import get_template
    from bookbridge.coding.yaml_io import dump_rules

    with open_book_from_args(args) as book, book.unit_of_work() as session:
        template = get_template(session, args.template)
        spec, _ = selected_spec(session, template, args)
    text = dump_rules(spec.name, spec.rules)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"Wrote {args.output}.", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _import(args: argparse.Namespace) -> int:
    from bookbridge.cli.common import open_book_from_args
    from bookbridge.coding.edits import import_rules

    text = _read_file(args.file)
    actor = actor_of(args) if not args.check else "preview"
    with open_book_from_args(args) as book, book.unit_of_work() as session:
        result = import_rules(session, text, actor=actor, template_name=args.template, check_only=args.check)
    if args.json:
        emit_json({
            "template": result.template, "ok": result.ok, "saved": result.saved,
            "issues": [i.as_dict() for i in result.issues], "diff": [d.as_dict() for d in result.diff],
            "changes": [c.as_dict() for c in result.changes],
        })
    else:
        print_issues(result.issues, str(args.file))
        if result.ok:
            print_diff(result.diff)
            print_changes(result.changes)
            if result.saved:
                print(f"Saved in the draft of '{result.template}'. Publish it with `bookbridge mapping publish`.")
    if not result.ok:
        if not args.json:
            print(f"bookbridge: {args.file} has errors; nothing was saved.", file=sys.stderr)
        return 2
    return 0


def _preview(args: argparse.Namespace) -> int:
    """`rules import --check` under its own name: validate, show the diff and the changes."""
    return _import(args)


__all__ = ["register"]
