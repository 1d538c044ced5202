"""Validation returns issues as data; the strict builder refuses; built entries are checked too."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from journal_helpers import D, coded

from bookbridge.core.errors import ValidationFailed
from bookbridge.journal.builder import build_entries, build_journal
from bookbridge.journal.model import (
    CodedLine,
    Entity,
    EntityKind,
    FxRate,
    Grouping,
    PostingType,
    TaxMode,
    TaxTreatment,
)
from bookbridge.journal.validation import Severity, validate_entry, validate_expense


def _codes(issues) -> set[str]:
    return {issue.code for issue in issues}


def test_missing_line_account_is_an_error() -> None:
    """A line without an account cannot be posted."""
    issues = validate_expense(coded("x", "10.00", CodedLine(" ", D("10.00"))), "USD")
    assert [(i.severity, i.code, i.field) for i in issues] == [(Severity.ERROR, "missing_account", "lines[0].account")]


def test_missing_credit_account_is_an_error() -> None:
    """No credit account for the posting type is reported against credit_account."""
    issues = validate_expense(coded("x", "10.00", credit=""), "USD")
    assert any(i.field == "credit_account" and i.code == "missing_account" for i in issues)


def test_lines_that_do_not_add_up_are_an_error() -> None:
    """Lines of 6.00 + 3.00 on a 10.00 expense would not balance: refused with both figures in the message."""
    expense = coded("x", "10.00", CodedLine("A", D("6.00")), CodedLine("B", D("3.00")))
    [issue] = validate_expense(expense, "USD")
    assert issue.code == "lines_do_not_add_up" and "9.00 USD" in issue.message and "10.00 USD" in issue.message


def test_foreign_expense_without_rate_is_an_error() -> None:
    """A EUR expense in a USD book needs a rate."""
    assert "missing_rate" in _codes(validate_expense(coded("x", "10.00", currency="EUR"), "USD"))


def test_rate_for_the_wrong_pair_is_an_error() -> None:
    """A GBP/USD rate on a EUR expense is refused."""
    rate = FxRate("GBP", "USD", D("1.27"), date(2024, 3, 1), "manual")
    assert "wrong_rate" in _codes(validate_expense(coded("x", "10.00", currency="EUR", rate=rate), "USD"))


def test_rate_dated_after_the_expense_is_a_warning() -> None:
    """Using tomorrow's rate is allowed but flagged."""
    rate = FxRate("EUR", "USD", D("1.1"), date(2024, 3, 5), "manual")
    [issue] = validate_expense(coded("x", "10.00", currency="EUR", rate=rate, on=date(2024, 3, 4)), "USD")
    assert (issue.severity, issue.code) == (Severity.WARNING, "rate_after_expense")


def test_reimbursable_without_employee_is_an_error() -> None:
    """Employee payable needs to know which employee."""
    expense = coded("x", "10.00", posting=PostingType.REIMBURSABLE, credit="Employee payable")
    assert "missing_entity" in _codes(validate_expense(expense, "USD"))


def test_bill_with_an_employee_instead_of_vendor_is_an_error() -> None:
    """A/P is owed to a vendor, not an employee."""
    expense = coded("x", "10.00", posting=PostingType.BILL, credit="Accounts payable",
                    entity=Entity("Ann", EntityKind.EMPLOYEE))
    assert "missing_entity" in _codes(validate_expense(expense, "USD"))


def test_amount_finer_than_the_currency_is_an_error() -> None:
    """JPY has no decimals: 100.5 yen is refused, not rounded silently."""
    assert "too_many_decimals" in _codes(validate_expense(coded("x", "100.5", currency="JPY"), "JPY"))


def test_recoverable_tax_without_account_is_an_error() -> None:
    """Reclaiming VAT needs a VAT account."""
    vat = TaxTreatment("VAT", D("0.2"), TaxMode.INCLUSIVE, D("1"), None)
    issues = validate_expense(coded("x", "12.00", CodedLine("Meals", D("12.00"), tax=vat)), "USD")
    assert [i.field for i in issues] == ["lines[0].tax.recoverable_account"]


def test_source_tax_that_differs_is_a_warning() -> None:
    """The receipt says 5.01 tax but the code gives 5.00: built, with a warning."""
    vat = TaxTreatment("VAT", D("0.1"), TaxMode.INCLUSIVE, D("1"), "VAT")
    expense = coded("x", "55.00", CodedLine("Meals", D("55.00"), tax=vat), tax_amount=D("5.01"))
    result = build_journal([expense], "USD")
    assert len(result.entries) == 1
    assert [(i.severity, i.code) for i in result.issues] == [(Severity.WARNING, "tax_differs_from_source")]


def test_duplicate_expense_is_refused() -> None:
    """The same expense key twice in one build would post twice: both copies are left out."""
    result = build_journal([coded("dup", "1.00"), coded("dup", "1.00"), coded("ok", "2.00")], "USD")
    assert result.excluded_expense_keys == ("dup",)
    assert [entry.source_expense_keys for entry in result.entries] == [("ok",)]


def test_lenient_build_keeps_good_expenses_and_reports_bad_ones() -> None:
    """One bad expense does not stop the others in a preview."""
    result = build_journal([coded("bad", "10.00", credit=""), coded("good", "5.00")], "USD")
    assert result.excluded_expense_keys == ("bad",)
    assert [entry.source_expense_keys for entry in result.entries] == [("good",)]


def test_strict_build_refuses_with_every_issue() -> None:
    """build_entries raises ValidationFailed carrying the issues, with a count a bookkeeper can read."""
    with pytest.raises(ValidationFailed) as caught:
        build_entries([coded("bad1", "10.00", credit=""), coded("bad2", "1.00", currency="EUR")], "USD")
    assert caught.value.user_message.startswith("2 expense(s) cannot be journalised")
    assert _codes(caught.value.issues) == {"missing_account", "missing_rate"}


def test_entry_check_finds_an_unbalanced_entry() -> None:
    """Tampering with a built entry's debit makes validate_entry report it unbalanced in both currencies."""
    [entry] = build_entries([coded("x", "10.00")], "USD")
    broken = replace(entry, lines=(replace(entry.lines[0], debit=D("10.01"), home_debit=D("10.01")), entry.lines[1]))
    assert _codes(validate_entry(broken)) == {"unbalanced", "unbalanced_home"}


def test_entry_check_finds_mixed_currencies() -> None:
    """A line in another currency than its entry is reported."""
    [entry] = build_entries([coded("x", "10.00")], "USD")
    mixed = replace(entry, lines=(replace(entry.lines[0], currency="EUR"), entry.lines[1]))
    assert _codes(validate_entry(mixed)) == {"mixed_currencies"}


def test_entry_check_finds_a_line_on_both_sides() -> None:
    """A line that debits and credits at once is reported."""
    [entry] = build_entries([coded("x", "10.00")], "USD")
    both = replace(entry, lines=(replace(entry.lines[0], credit=D("1.00")), entry.lines[1]))
    assert "both_sides" in _codes(validate_entry(both))


def test_float_amount_is_refused_at_construction() -> None:
    """Money is never a float: a CodedLine with a float amount is refused."""
    with pytest.raises(ValueError, match="Decimal"):
        CodedLine("Fuel", 85.4)  # type: ignore[arg-type]


def test_batch_that_nets_to_zero_is_kept_and_flagged() -> None:
    """A purchase and its refund alone in a month: an entry with no lines, lineage kept, a 'nothing_to_post' warning."""
    result = build_journal([coded("buy", "9.99"), coded("back", "-9.99")], "USD", Grouping.MONTH)
    [entry] = result.entries
    assert (entry.lines, entry.source_expense_keys) == ((), ("back", "buy"))
    assert [(i.severity, i.code) for i in result.issues] == [(Severity.WARNING, "nothing_to_post")]
