"""Checks every connector runs on an outgoing document before sending it.

They catch what would otherwise come back as a vendor fault after a network round trip (or,
worse, be accepted: an unbalanced entry some systems silently fix). Provider-specific limits
(QBO's 21-character DocNumber, Xero's two tracking categories...) live with each connector.
"""

from __future__ import annotations

from decimal import Decimal

from bookbridge.connectors.dto import (
    BillDocument,
    Document,
    ExpenseLine,
    Issue,
    JournalDocument,
    PaymentType,
    PurchaseDocument,
    Severity,
)
from bookbridge.core.currency import is_currency
from bookbridge.core.money import Money


def _error(field: str, message: str) -> Issue:
    return Issue(Severity.ERROR, field, message)


def _exact(amount: Decimal, currency: str) -> bool:
    return Money(amount, currency).is_exact()


def check_document(doc: Document) -> list[Issue]:
    """Return every problem that makes ``doc`` unfit to post (an empty list means fit)."""
    issues: list[Issue] = []
    if not doc.key.strip():
        issues.append(_error("key", "the document has no idempotency key"))
    if not is_currency(doc.currency):
        # Later checks need a valid currency to know its minor unit.
        return issues + [_error("currency", f"{doc.currency!r} is not an ISO 4217 currency code")]
    if doc.exchange_rate is not None and doc.exchange_rate <= 0:
        issues.append(_error("exchange_rate", f"exchange rate {doc.exchange_rate} must be positive"))
    if not doc.lines:
        issues.append(_error("lines", "the document has no lines"))
    if isinstance(doc, JournalDocument):
        issues += _check_journal(doc)
    else:
        issues += _check_expense_lines(doc.lines, doc.currency)
    if isinstance(doc, PurchaseDocument) and doc.is_refund and doc.payment_type is not PaymentType.CARD:
        issues.append(_error("is_refund", "only card purchases can be posted as refunds (credits)"))
    if isinstance(doc, BillDocument) and doc.due_date and doc.due_date < doc.date:
        issues.append(Issue(Severity.WARNING, "due_date", f"due date {doc.due_date} is before the bill date {doc.date}"))
    return issues


def _check_journal(doc: JournalDocument) -> list[Issue]:
    issues: list[Issue] = []
    if len(doc.lines) == 1:
        issues.append(_error("lines", "a journal entry needs at least two lines"))
    for n, line in enumerate(doc.lines, start=1):
        where = f"lines[{n}]"
        if line.debit < 0 or line.credit < 0:
            issues.append(_error(where, "debit and credit must not be negative (swap the side instead)"))
        elif (line.debit > 0) == (line.credit > 0):
            issues.append(_error(where, "a line needs exactly one of debit or credit"))
        for name, amount in (("debit", line.debit), ("credit", line.credit), ("tax_amount", line.tax_amount)):
            if amount is not None and not _exact(amount, doc.currency):
                issues.append(_error(f"{where}.{name}", f"{amount} has more decimals than {doc.currency} allows"))
    debits = sum((line.debit for line in doc.lines), Decimal(0))
    credits = sum((line.credit for line in doc.lines), Decimal(0))
    if debits != credits:
        issues.append(_error("lines", f"debits {debits} and credits {credits} do not balance"))
    return issues


def _check_expense_lines(lines: tuple[ExpenseLine, ...], currency: str) -> list[Issue]:
    issues: list[Issue] = []
    for n, line in enumerate(lines, start=1):
        where = f"lines[{n}]"
        if line.amount <= 0:
            issues.append(_error(f"{where}.amount", f"amount {line.amount} must be positive"))
        for name, amount in (("amount", line.amount), ("tax_amount", line.tax_amount)):
            if amount is not None and not _exact(amount, currency):
                issues.append(_error(f"{where}.{name}", f"{amount} has more decimals than {currency} allows"))
    return issues


def errors_only(issues: list[Issue]) -> list[Issue]:
    """The issues that forbid posting."""
    return [i for i in issues if i.severity is Severity.ERROR]
