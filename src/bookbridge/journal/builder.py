"""The journal builder: coded, approved expenses → balanced journal entries (pure).

Two entry points:

* :func:`build_journal` builds what it can and returns, as data, the issues that kept some
  expenses out — what a preview or the GUI wants.
* :func:`build_entries` is strict: it raises :class:`ValidationFailed` when any expense has an
  error — what posting wants ("services raise only when refusing to act").

Each expense contributes its draft lines (``journal.lines``); a group's drafts are merged by
account + role + dimensions + entity + tax code + rate, converted to the home currency with the
residue rule of ``journal.balance``, and checked by ``journal.validation.validate_entry`` before
the entry is returned. The caller passes only approved expenses; approval lives in ``coding``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bookbridge.coding.coded import CodedExpense
from bookbridge.core.currency import currency as _currency
from bookbridge.core.errors import ValidationFailed
from bookbridge.journal.balance import journal_lines
from bookbridge.journal.grouping import GroupKey, entry_date, entry_key, entry_memo, group_key
from bookbridge.journal.lines import draft_lines, expense_memo
from bookbridge.journal.model import Grouping, JournalEntry
from bookbridge.journal.validation import Issue, Severity, has_errors, validate_batch, validate_entry, validate_expense


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build produced.

    Attributes:
        entries: the balanced entries, ordered by date, currency, then key.
        issues: every issue found (errors for the expenses left out, warnings for the rest).
        excluded_expense_keys: expenses left out because of an error, sorted.
    """

    entries: tuple[JournalEntry, ...]
    issues: tuple[Issue, ...]
    excluded_expense_keys: tuple[str, ...]


def build_journal(
    expenses: Iterable[CodedExpense], home_currency: str, grouping: Grouping = Grouping.PER_EXPENSE
) -> BuildResult:
    """Build entries for every valid expense; report the others as issues.

    Raises:
        ValidationFailed: only if a *built* entry fails its own checks, which would be a bug in
            the builder: we refuse to hand out an unbalanced entry.
    """
    home = _currency(home_currency).code
    grouping = Grouping(grouping)
    expenses = list(expenses)
    issues: list[Issue] = validate_batch(expenses)
    duplicated = {issue.subject for issue in issues}
    excluded: set[str] = set(duplicated)
    groups: dict[GroupKey, list[CodedExpense]] = {}
    for expense in expenses:
        found = validate_expense(expense, home)
        issues.extend(found)
        if has_errors(found) or expense.expense_key in duplicated:
            excluded.add(expense.expense_key)
            continue
        groups.setdefault(group_key(expense, grouping), []).append(expense)
    entries = [_build_entry(key, members, home) for key, members in groups.items()]
    for entry in entries:
        if not entry.lines:
            # Everything in it netted to zero (a purchase and its refund in one batch, a 0.00
            # expense): the entry is kept so its expenses keep their lineage, and flagged so the
            # poster skips it instead of sending an empty journal.
            issues.append(Issue(
                Severity.WARNING, "nothing_to_post", "lines",
                f"entry {entry.key[:12]} ({entry.memo}) nets to zero and has no lines to post",
                entry.key,
            ))
    entries.sort(key=lambda entry: (entry.date, entry.currency, entry.key))
    return BuildResult(tuple(entries), tuple(issues), tuple(sorted(excluded)))


def build_entries(
    expenses: Iterable[CodedExpense], home_currency: str, grouping: Grouping = Grouping.PER_EXPENSE
) -> list[JournalEntry]:
    """Build entries, refusing if any expense has an error.

    Raises:
        ValidationFailed: with every issue; the message counts the expenses and quotes the
            first problems so a bookkeeper knows where to look.
    """
    result = build_journal(expenses, home_currency, grouping)
    errors = [issue for issue in result.issues if issue.severity is Severity.ERROR]
    if errors:
        shown = "; ".join(issue.message for issue in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        raise ValidationFailed(
            f"{len(result.excluded_expense_keys)} expense(s) cannot be journalised: {shown}{more}",
            list(result.issues),
        )
    return list(result.entries)


def _build_entry(key: GroupKey, members: list[CodedExpense], home: str) -> JournalEntry:
    """One balanced entry from the expenses of one group (already validated)."""
    members = sorted(members, key=lambda expense: (expense.date, expense.expense_key))
    drafts = [draft for expense in members for draft in draft_lines(expense, home)]
    expense_keys = tuple(sorted(expense.expense_key for expense in members))
    entry = JournalEntry(
        key=entry_key(key, expense_keys),
        date=entry_date(key, members),
        memo=entry_memo(key, members, expense_memo(members[0])),
        currency=key.currency,
        home_currency=home,
        lines=tuple(journal_lines(drafts, key.currency, home)),
        template_versions=tuple(sorted({expense.template_version for expense in members})),
        source_expense_keys=expense_keys,
        grouping=key.grouping,
    )
    problems = validate_entry(entry)
    if has_errors(problems):
        raise ValidationFailed(
            "the journal builder produced an entry that does not pass its own checks "
            f"({problems[0].message}); nothing was posted — please report this",
            problems,
        )
    return entry
