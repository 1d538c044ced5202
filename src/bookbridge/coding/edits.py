"""Importing template and rules files into a template's draft (validate → diff/preview → save).

Both flows return what a person must see before anything is kept: the issues (with line numbers),
the diff against what is published, and for rules the existing expenses the new rules would code
differently. With ``check_only`` nothing is saved; otherwise the result is saved as the draft,
which codes nothing until `mapping publish`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bookbridge.coding.diff import DiffEntry, diff_templates
from bookbridge.coding.impact import ExpenseChange, preview_rules
from bookbridge.coding.loading import load_views
from bookbridge.coding.reader import Severity, TemplateIssue, has_errors
from bookbridge.coding.rules import ApplyPerDiem, Split
from bookbridge.coding.spec import TemplateSpec
from bookbridge.coding.templates import get_template, load_draft, load_versions, save_draft, version_source_text
from bookbridge.coding.yaml_io import dump_template, load_rules, load_template, replace_rules_text
from bookbridge.store.models import Category, CodingTemplate, LedgerAccount


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What importing a file found and did.

    Attributes:
        template: the template the file is for.
        issues: errors (nothing saved) and warnings.
        diff: the changes against the newest published version (empty on errors).
        saved: True when the draft was written.
        changes: for a rules import, the expenses the new rules code differently.
    """

    template: str | None
    issues: tuple[TemplateIssue, ...]
    diff: tuple[DiffEntry, ...] = ()
    saved: bool = False
    changes: tuple[ExpenseChange, ...] = ()

    @property
    def ok(self) -> bool:
        return not has_errors(self.issues)


def import_template(session: Session, text: str, *, actor: str, check_only: bool = False) -> ImportResult:
    """Validate a template file; unless ``check_only``, save it as its template's draft."""
    spec, issues = load_template(text)
    if spec is None:
        return ImportResult(None, tuple(issues))
    issues = issues + check_against_book(session, spec)
    template = session.scalars(sa.select(CodingTemplate).where(CodingTemplate.name == spec.name)).one_or_none()
    published = load_versions(session, template) if template is not None else []
    diff = tuple(diff_templates(published[-1].spec if published else None, spec))
    if check_only:
        return ImportResult(spec.name, tuple(issues), diff)
    save_draft(session, spec, actor=actor, source_text=text)
    return ImportResult(spec.name, tuple(issues), diff, saved=True)


def import_rules(
    session: Session, text: str, *, actor: str, template_name: str | None = None, check_only: bool = False
) -> ImportResult:
    """Validate a rules file, preview what it changes, and unless ``check_only`` put the rules in
    the template's draft (started from the draft if there is one, else the newest version)."""
    rules, named, issues = load_rules(text)
    if rules is None:
        return ImportResult(named, tuple(issues))
    if template_name and named and named != template_name:
        issues.append(TemplateIssue(Severity.WARNING, "template", f"the file is for '{named}'; importing into '{template_name}'", None))
    template = get_template(session, template_name or named)
    versions = load_versions(session, template)
    base_spec, base_text = _draft_or_latest(session, template)
    if base_spec is None:
        issues.append(TemplateIssue(Severity.ERROR, "template", f"template '{template.name}' has no version or draft to add rules to", None))
        return ImportResult(template.name, tuple(issues))
    new_spec = replace(base_spec, rules=rules)
    diff = tuple(diff_templates(versions[-1].spec if versions else None, new_spec))
    changes = tuple(preview_rules(versions, rules, load_views(session))) if versions else ()
    if check_only:
        return ImportResult(template.name, tuple(issues), diff, changes=changes)
    merged = replace_rules_text(base_text, text) if base_text else None
    if merged is None or load_template(merged)[0] != new_spec:
        merged = dump_template(new_spec)  # comments could not be carried over; content is what matters
    save_draft(session, new_spec, actor=actor, source_text=merged)
    return ImportResult(template.name, tuple(issues), diff, saved=True, changes=changes)


def _draft_or_latest(session: Session, template: CodingTemplate) -> tuple[TemplateSpec | None, str | None]:
    draft = load_draft(session, template)
    if draft is not None:
        return draft.spec, draft.source_text
    versions = load_versions(session, template)
    if not versions:
        return None, None
    latest = versions[-1]
    return latest.spec, version_source_text(session, template, latest.number)


def check_against_book(session: Session, spec: TemplateSpec) -> list[TemplateIssue]:
    """Warnings where the template names accounts or categories the book does not know.

    Warnings, not errors: the chart of accounts may not have been pulled from the accounting
    system yet, and a template may be prepared for categories that have not been imported yet.
    """
    issues: list[TemplateIssue] = []
    accounts = set(session.scalars(sa.select(LedgerAccount.code)))
    if accounts:
        for path, code in _accounts_of(spec):
            if code not in accounts:
                issues.append(TemplateIssue(Severity.WARNING, path, f"account '{code}' is not in the book's chart of accounts"))
    categories = {name.casefold() for name in session.scalars(sa.select(Category.name))}
    if categories:
        for index, mapping in enumerate(spec.mappings):
            if mapping.category.casefold() not in categories:
                issues.append(
                    TemplateIssue(Severity.WARNING, f"mappings[{index}].category", f"no imported expense has category '{mapping.category}' yet")
                )
    return issues


def _accounts_of(spec: TemplateSpec) -> list[tuple[str, str]]:
    found = []
    credits = spec.credit_accounts
    for source in ("company_card", "reimbursable", "cash", "bank", "bill"):
        if credits.for_source(source):
            found.append((f"credit_accounts.{source}", credits.for_source(source) or ""))
    found += [(f"cards.{card}", account) for card, account in credits.cards.items()]
    found += [(f"tax_codes.{code}.account", tax.account) for code, tax in spec.tax_codes.items() if tax.account]
    for index, mapping in enumerate(spec.mappings):
        found.append((f"mappings[{index}].account", mapping.account))
        if mapping.credit_account:
            found.append((f"mappings[{index}].credit_account", mapping.credit_account))
        found += [(f"mappings[{index}].field_lines[{i}].account", line.account) for i, line in enumerate(mapping.field_lines)]
    for index, rule in enumerate(spec.rules):
        for action in rule.actions:
            for account in _action_accounts(action):
                found.append((f"rules[{index}]", account))
    return found


def _action_accounts(action: object) -> list[str]:
    if isinstance(action, Split):
        return [part.account for part in action.parts if part.account]
    if isinstance(action, ApplyPerDiem) and action.excess_account:
        return [action.excess_account]
    return []
