"""Checks every connector runs before sending a document."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bookbridge.connectors.dto import BillDocument, ExpenseLine, JournalDocument, JournalLine, Ref, Severity
from bookbridge.connectors.validation import check_document, errors_only


def journal(*lines: JournalLine, currency: str = "USD") -> JournalDocument:
    return JournalDocument(key="k", date=date(2025, 1, 31), currency=currency, lines=lines)


def fields_of(issues) -> list[str]:
    return [i.field for i in errors_only(issues)]


def test_balanced_journal_has_no_issues():
    """A balanced two-line entry passes."""
    assert check_document(journal(JournalLine(Ref("1"), debit=Decimal("5.00")), JournalLine(Ref("2"), credit=Decimal("5.00")))) == []


def test_unbalanced_journal_is_an_error():
    """Debits that differ from credits are reported on 'lines'."""
    doc = journal(JournalLine(Ref("1"), debit=Decimal("5.00")), JournalLine(Ref("2"), credit=Decimal("4.99")))
    assert fields_of(check_document(doc)) == ["lines"]


def test_line_with_both_sides_is_an_error():
    """A line must be a debit or a credit, not both."""
    doc = journal(JournalLine(Ref("1"), debit=Decimal("5"), credit=Decimal("5")), JournalLine(Ref("2")))
    assert "lines[1]" in fields_of(check_document(doc))


def test_amount_finer_than_the_currency_is_an_error():
    """0.001 USD cannot be posted; JPY takes no decimals at all."""
    usd = journal(JournalLine(Ref("1"), debit=Decimal("0.001")), JournalLine(Ref("2"), credit=Decimal("0.001")))
    jpy = journal(JournalLine(Ref("1"), debit=Decimal("1.5")), JournalLine(Ref("2"), credit=Decimal("1.5")), currency="JPY")
    assert "lines[1].debit" in fields_of(check_document(usd)) and "lines[1].debit" in fields_of(check_document(jpy))


def test_unknown_currency_is_an_error():
    """A made-up currency code is refused."""
    assert fields_of(check_document(journal(JournalLine(Ref("1")), currency="XXY"))) == ["currency"]


def test_bill_due_before_its_date_is_only_a_warning():
    """A due date before the bill date is suspicious but postable."""
    doc = BillDocument(key="k", date=date(2025, 2, 1), currency="USD", vendor=Ref("1"), due_date=date(2025, 1, 1),
                       lines=(ExpenseLine(Ref("2"), Decimal("1.00")),))
    issues = check_document(doc)
    assert [i.severity for i in issues] == [Severity.WARNING] and errors_only(issues) == []


def test_non_positive_expense_amount_is_an_error():
    """Expense lines are positive; refunds use is_refund."""
    doc = BillDocument(key="k", date=date(2025, 2, 1), currency="USD", vendor=Ref("1"),
                       lines=(ExpenseLine(Ref("2"), Decimal("-1.00")),))
    assert fields_of(check_document(doc)) == ["lines[1].amount"]
