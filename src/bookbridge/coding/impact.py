"""Previews: which not-yet-posted expenses a publish or a rule change would code differently.

Both previews code every expense twice, as things are and as they would be, and keep those whose
coding differs (lines, credit, flags, approvals, skip, problems), each with a before → after
summary. The version number itself is not compared: a new version that codes an expense the same
way is no change to it. Nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from bookbridge.coding.diff import DiffEntry, diff_templates
from bookbridge.coding.engine import code_expense, code_with_versions
from bookbridge.coding.outcome import CodingOutcome, ProblemGroup, group_problems
from bookbridge.coding.loading import load_views
from bookbridge.coding.rules import RuleSpec
from bookbridge.coding.spec import TemplateSpec, TemplateVersionSpec, select_version
from bookbridge.coding.templates import NothingToPublish, load_draft, load_versions, proposed_spec
from bookbridge.coding.view import ExpenseView
from bookbridge.core.errors import NotFound
from bookbridge.store.models import CodingTemplate


@dataclass(frozen=True, slots=True)
class ExpenseChange:
    """One expense whose coding would change.

    Attributes:
        expense_id, key, date, vendor, amount: which expense (amount as ``"62.10 USD"``).
        before, after: one-line summaries of the coding.
        changes: one ``what: old → new`` per thing that differs.
    """

    expense_id: str
    key: str
    date: date
    vendor: str | None
    amount: str
    before: str
    after: str
    changes: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "expense_id": self.expense_id, "key": self.key, "date": self.date.isoformat(), "vendor": self.vendor,
            "amount": self.amount, "before": self.before, "after": self.after, "changes": list(self.changes),
        }


@dataclass(frozen=True, slots=True)
class PublishPreview:
    """What publishing the draft would do: the content diff and the expenses it recodes."""

    template: str
    next_version: int
    effective_from: date
    diff: tuple[DiffEntry, ...]
    changes: tuple[ExpenseChange, ...]
    examined: int
    problems_after: tuple[ProblemGroup, ...]


def preview_publish(session: Session, template: CodingTemplate, *, effective_from: date | None = None) -> PublishPreview:
    """Compare coding under the published versions with coding once the draft is published.

    Raises:
        NothingToPublish: the template has no draft.
    """
    draft = load_draft(session, template)
    if draft is None:
        raise NothingToPublish(f"Template '{template.name}' has no draft; import a file first (mapping import).")
    versions = load_versions(session, template)
    proposed = proposed_spec(draft, effective_from)
    return build_publish_preview(template.name, versions, proposed, load_views(session))


def build_publish_preview(
    template: str, versions: Sequence[TemplateVersionSpec], proposed: TemplateSpec, expenses: Sequence[ExpenseView]
) -> PublishPreview:
    """The pure part of :func:`preview_publish` (tests drive it with hand-made versions)."""
    next_number = (versions[-1].number if versions else 0) + 1
    after_versions = [*versions, TemplateVersionSpec(next_number, proposed)]
    changes, after = compare(
        expenses, lambda e: code_with_versions(versions, e), lambda e: code_with_versions(after_versions, e)
    )
    return PublishPreview(
        template=template,
        next_version=next_number,
        effective_from=proposed.effective_from,
        diff=tuple(diff_templates(versions[-1].spec if versions else None, proposed)),
        changes=tuple(changes),
        examined=len(expenses),
        problems_after=tuple(group_problems(after)),
    )


def preview_rules(
    versions: Sequence[TemplateVersionSpec], rules: Sequence[RuleSpec], expenses: Sequence[ExpenseView]
) -> list[ExpenseChange]:
    """Expenses that ``rules`` would code differently from the rules now in effect on their date.

    Each expense keeps the mappings of the version in effect on its date; only the rules change,
    so the preview shows exactly what the rule edit does.
    """

    def after(expense: ExpenseView) -> CodingOutcome:
        version = select_version(versions, expense.date)
        return code_expense(version, rules, expense) if version else code_with_versions(versions, expense)

    changes, _ = compare(expenses, lambda e: code_with_versions(versions, e), after)
    return changes


def compare(
    expenses: Sequence[ExpenseView],
    before: Callable[[ExpenseView], CodingOutcome],
    after: Callable[[ExpenseView], CodingOutcome],
) -> tuple[list[ExpenseChange], list[CodingOutcome]]:
    """Code each expense both ways; return the differences and every "after" outcome."""
    changes = []
    outcomes = []
    for expense in expenses:
        old, new = before(expense), after(expense)
        outcomes.append(new)
        old_facts, new_facts = facts(old), facts(new)
        if old_facts == new_facts:
            continue
        details = tuple(
            f"{name}: {_show(old_facts[name])} → {_show(new_facts[name])}"
            for name in old_facts
            if old_facts[name] != new_facts[name]
        )
        changes.append(
            ExpenseChange(
                expense.id, expense.key, expense.date, expense.vendor, expense.amount.format(),
                summary(old), summary(new), details,
            )
        )
    return changes, outcomes


def facts(outcome: CodingOutcome) -> dict[str, Any]:
    """What a preview compares: everything about the coding except the version number."""
    coded = outcome.coded
    return {
        "status": outcome.status,
        "category": outcome.category,
        "lines": [_line_text(line) for line in coded.lines] if coded else [],
        "credit": f"{coded.posting_type.value} {coded.credit_account}" if coded else None,
        "flags": list(outcome.review_flags),
        "approval": list(outcome.approval_levels),
        "skip": outcome.skip_reason,
        "problems": [f"{p.kind.value} {p.subject}".strip() for p in outcome.problems],
        "rules": list(outcome.rules_fired),
    }


def summary(outcome: CodingOutcome) -> str:
    """One line: ``Dr 6100 37.26 [class=Truck 12] + Dr 6100 24.84 [...] / Cr 2210``, or why not."""
    if outcome.skip_reason is not None:
        return f"skipped: {outcome.skip_reason}"
    if outcome.coded is None:
        return "cannot be coded: " + "; ".join(p.message for p in outcome.problems)
    debits = " + ".join(f"Dr {_line_text(line)}" for line in outcome.coded.lines)
    text = f"{debits} / Cr {outcome.coded.credit_account}"
    if outcome.approval_levels:
        text += f" (approval: {', '.join(outcome.approval_levels)})"
    if outcome.review_flags:
        text += " (flagged)"
    return text


def _line_text(line: Any) -> str:
    text = f"{line.account} {line.amount:f}"
    if line.dimensions:
        text += " [" + ", ".join(f"{k}={v}" for k, v in line.dimensions.items()) + "]"
    if line.tax is not None:
        text += f" tax {line.tax.code}"
    return text


def _show(value: Any) -> str:
    if value is None or value == []:
        return "—"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)



def preview_rollback(
    session: Session, template: CodingTemplate, to_version: int, *, effective_from: date | None = None
) -> PublishPreview:
    """What publishing version ``to_version``'s content again (a rollback) would change.

    Raises:
        NotFound: there is no such version.
    """
    versions = load_versions(session, template)
    older = next((v for v in versions if v.number == to_version), None)
    if older is None:
        raise NotFound(f"Template '{template.name}' has no version {to_version} (versions 1 to {len(versions)}).")
    spec = older.spec if effective_from is None else replace(older.spec, effective_from=effective_from)
    return build_publish_preview(template.name, versions, spec, load_views(session))
