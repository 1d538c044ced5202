"""Validation of coded expenses (before building) and of built entries (before returning).

Validation returns data (ARCHITECTURE.md principle 4): a list of :class:`Issue`. The builder
refuses to return an entry when any issue is an error; warnings travel with the result so the
GUI can show them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from bookbridge.coding.coded import CodedExpense, EntityKind, PostingType
from bookbridge.coding.tax import split_line_tax
from bookbridge.core.currency import currency as _currency
from bookbridge.journal.model import JournalEntry


class Severity(StrEnum):
    ERROR = "error"  # the builder refuses to produce the entry
    WARNING = "warning"  # the entry is built; a person should look


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found by validation.

    Attributes:
        severity: error or warning.
        code: a stable machine name (``"unbalanced"``, ``"missing_account"``, ``"mixed_currencies"``...).
        field: the field at fault (``"lines[1].account"``, ``"rate"``), empty for the whole record.
        message: a sentence a bookkeeper can act on.
        subject: the expense id or entry key the issue is about.
    """

    severity: Severity
    code: str
    field: str
    message: str
    subject: str


def has_errors(issues: Iterable[Issue]) -> bool:
    """True when any issue is an error."""
    return any(issue.severity is Severity.ERROR for issue in issues)


def _is_exact(amount: Decimal, currency_code: str) -> bool:
    scaled = amount.scaleb(_currency(currency_code).exponent)
    return scaled == scaled.to_integral_value()


_ENTITY_NEEDED = {
    PostingType.REIMBURSABLE: EntityKind.EMPLOYEE,
    PostingType.BILL: EntityKind.VENDOR,
}


def validate_expense(expense: CodedExpense, home_currency: str) -> list[Issue]:
    """Check that a coded expense can be turned into a balanced entry."""
    issues: list[Issue] = []
    subject = f"expense {expense.expense_id}"

    def add(severity: Severity, code: str, field: str, message: str) -> None:
        issues.append(Issue(severity, code, field, f"{subject}: {message}", expense.expense_id))

    if not expense.lines:
        add(Severity.ERROR, "no_lines", "lines", "it has no coded lines; check the mapping template")
    if not expense.credit_account.strip():
        add(
            Severity.ERROR,
            "missing_account",
            "credit_account",
            f"no credit account for posting type '{expense.posting_type}'; set it in the mapping template",
        )
    needed = _ENTITY_NEEDED.get(expense.posting_type)
    if needed is not None and (expense.credit_entity is None or expense.credit_entity.kind is not needed):
        add(
            Severity.ERROR,
            "missing_entity",
            "credit_entity",
            f"a '{expense.posting_type}' expense must name the {needed.value} it is owed to",
        )
    if not _is_exact(expense.amount, expense.currency):
        add(
            Severity.ERROR,
            "too_many_decimals",
            "amount",
            f"{expense.amount} has more decimals than {expense.currency} allows",
        )
    gross_total = Decimal(0)
    tax_total = Decimal(0)
    for index, line in enumerate(expense.lines):
        where = f"lines[{index}]"
        if not line.account.strip():
            add(Severity.ERROR, "missing_account", f"{where}.account", f"line {index + 1} has no account")
        if not _is_exact(line.amount, expense.currency):
            add(
                Severity.ERROR,
                "too_many_decimals",
                f"{where}.amount",
                f"line {index + 1} amount {line.amount} has more decimals than {expense.currency} allows",
            )
        tax = line.tax
        if tax is not None and tax.recoverable > 0 and tax.rate > 0 and not (tax.recoverable_account or "").strip():
            add(
                Severity.ERROR,
                "missing_account",
                f"{where}.tax.recoverable_account",
                f"tax code {tax.code!r} is partly recoverable but names no tax account",
            )
        split = split_line_tax(line.amount, tax, expense.currency)
        gross_total += split.gross
        tax_total += split.tax
    if expense.lines and gross_total != expense.amount:
        add(
            Severity.ERROR,
            "lines_do_not_add_up",
            "lines",
            f"the lines come to {gross_total} {expense.currency} with tax but the expense is "
            f"{expense.amount} {expense.currency}; re-check the split or the tax mode",
        )
    if expense.tax_amount is not None and expense.tax_amount != tax_total:
        add(
            Severity.WARNING,
            "tax_differs_from_source",
            "tax_amount",
            f"the source states tax of {expense.tax_amount} but the tax code gives {tax_total}",
        )
    for problem in _rate_problems(expense, home_currency):
        add(*problem)
    return issues


def _rate_problems(expense: CodedExpense, home_currency: str) -> list[tuple[Severity, str, str, str]]:
    """Problems with the transaction-to-home rate, as (severity, code, field, message)."""
    home = _currency(home_currency).code
    if expense.currency == home:
        return []
    rate = expense.rate
    if rate is None:
        return [(
            Severity.ERROR,
            "missing_rate",
            "rate",
            f"no {expense.currency}/{home} rate for {expense.date.isoformat()}; import or enter one",
        )]
    if (rate.base, rate.quote) not in ((expense.currency, home), (home, expense.currency)):
        return [(
            Severity.ERROR,
            "wrong_rate",
            "rate",
            f"its rate is {rate.base}/{rate.quote} but {expense.currency}/{home} is needed",
        )]
    if rate.as_of > expense.date:
        return [(
            Severity.WARNING,
            "rate_after_expense",
            "rate",
            f"the rate is dated {rate.as_of.isoformat()}, after the expense ({expense.date.isoformat()})",
        )]
    return []


def validate_batch(expenses: Iterable[CodedExpense]) -> list[Issue]:
    """Issues that only show across expenses: the same expense twice would post twice."""
    counts = Counter(expense.expense_key for expense in expenses)
    return [
        Issue(
            Severity.ERROR,
            "duplicate_expense",
            "expense_key",
            f"expense key {key} appears {count} times in one build; it would be posted twice",
            key,
        )
        for key, count in counts.items()
        if count > 1
    ]


def validate_entry(entry: JournalEntry) -> list[Issue]:
    """Check a built entry: balanced in both currencies, one currency, accounts, exact amounts."""
    issues: list[Issue] = []

    def add(code: str, field: str, message: str) -> None:
        issues.append(Issue(Severity.ERROR, code, field, f"entry {entry.key[:12]}: {message}", entry.key))

    for index, line in enumerate(entry.lines):
        where = f"lines[{index}]"
        if not line.account.strip():
            add("missing_account", f"{where}.account", f"line {index + 1} has no account")
        if line.currency != entry.currency:
            add(
                "mixed_currencies",
                f"{where}.currency",
                f"line {index + 1} is in {line.currency} but the entry is in {entry.currency}",
            )
        amounts = (line.debit, line.credit, line.home_debit, line.home_credit)
        if any(amount < 0 for amount in amounts):
            add("negative_amount", where, f"line {index + 1} has a negative debit or credit")
        if line.debit and line.credit or line.home_debit and line.home_credit:
            add("both_sides", where, f"line {index + 1} is both a debit and a credit")
        if (line.debit and line.home_credit) or (line.credit and line.home_debit):
            add("side_mismatch", where, f"line {index + 1} is a debit in one currency and a credit in the other")
        exact = all(_is_exact(a, entry.currency) for a in amounts[:2]) and all(
            _is_exact(a, entry.home_currency) for a in amounts[2:]
        )
        if not exact:
            add("too_many_decimals", where, f"line {index + 1} has amounts finer than the minor unit")
    if entry.total_debit != entry.total_credit:
        add(
            "unbalanced",
            "lines",
            f"debits {entry.total_debit} and credits {entry.total_credit} {entry.currency} differ",
        )
    if entry.home_total_debit != entry.home_total_credit:
        add(
            "unbalanced_home",
            "lines",
            f"home debits {entry.home_total_debit} and credits {entry.home_total_credit} "
            f"{entry.home_currency} differ",
        )
    return issues
