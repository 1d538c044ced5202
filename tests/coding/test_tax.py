"""Per-line tax arithmetic: modes, recoverable fractions, rounding per currency, refunds."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bookbridge.coding.tax import TaxMode, TaxTreatment, gross_of, round_minor, split_line_tax
from bookbridge.core.errors import MoneyError

D = Decimal


def test_inclusive_tax_is_extracted_from_the_gross() -> None:
    """55.00 incl. 10 %: tax 5.00, net 50.00 (ACCOUNTING.md example 6)."""
    split = split_line_tax(D("55.00"), TaxTreatment("VAT10", D("0.10"), TaxMode.INCLUSIVE, D(1), "VAT"), "USD")
    assert (split.gross, split.net, split.tax, split.recoverable, split.expense) == (
        D("55.00"), D("50.00"), D("5.00"), D("5.00"), D("50.00"))


def test_partly_recoverable_tax_leaves_the_rest_in_the_expense() -> None:
    """50 % recoverable: 2.50 to the tax account, 52.50 stays in the expense (example 7)."""
    split = split_line_tax(D("55.00"), TaxTreatment("VAT10", D("0.10"), TaxMode.INCLUSIVE, D("0.5"), "VAT"), "USD")
    assert (split.recoverable, split.non_recoverable, split.expense) == (D("2.50"), D("2.50"), D("52.50"))


def test_exclusive_tax_is_added_on_top() -> None:
    """100.00 + 8.25 % = 108.25 gross (example 8)."""
    split = split_line_tax(D("100.00"), TaxTreatment("ST", D("0.0825"), TaxMode.EXCLUSIVE), "USD")
    assert (split.net, split.tax, split.gross, split.expense) == (D("100.00"), D("8.25"), D("108.25"), D("108.25"))


def test_tax_rounds_to_the_nearest_cent() -> None:
    """10.00 incl. 5 % is 0.476... -> 0.48 tax; 0.63 net at 5 % is 0.0315 -> 0.03."""
    assert split_line_tax(D("10.00"), TaxTreatment("V5", D("0.05"), TaxMode.INCLUSIVE), "USD").tax == D("0.48")
    assert split_line_tax(D("0.63"), TaxTreatment("V5", D("0.05"), TaxMode.EXCLUSIVE), "USD").tax == D("0.03")


def test_exact_half_cent_rounds_up() -> None:
    """0.10 net at 5 % exclusive is 0.005 tax: half-up gives 0.01, not banker's 0.00."""
    assert split_line_tax(D("0.10"), TaxTreatment("V5", D("0.05"), TaxMode.EXCLUSIVE), "USD").tax == D("0.01")


def test_yen_tax_rounds_to_whole_yen() -> None:
    """JPY 1,100 incl. 10 %: tax 100; JPY 1,005 net at 10 % exclusive: 100.5 -> 101 yen."""
    assert split_line_tax(D("1100"), TaxTreatment("C10", D("0.10"), TaxMode.INCLUSIVE), "JPY").tax == D("100")
    assert split_line_tax(D("1005"), TaxTreatment("C10", D("0.10"), TaxMode.EXCLUSIVE), "JPY").tax == D("101")


def test_bahraini_dinar_tax_keeps_three_decimals() -> None:
    """BHD 10.000 net at 10 % exclusive is 1.000 and 1.234 at 10 % is 0.123 (0.1234 rounded)."""
    tax = TaxTreatment("V10", D("0.10"), TaxMode.EXCLUSIVE)
    assert split_line_tax(D("10.000"), tax, "BHD").tax == D("1.000")
    assert split_line_tax(D("1.234"), tax, "BHD").tax == D("0.123")


def test_refund_tax_mirrors_the_purchase() -> None:
    """A -55.00 refund gives -5.00 tax and -50.00 net: the exact negative of the purchase."""
    vat = TaxTreatment("VAT10", D("0.10"), TaxMode.INCLUSIVE, D(1), "VAT")
    split = split_line_tax(D("-55.00"), vat, "USD")
    assert (split.gross, split.tax, split.expense) == (D("-55.00"), D("-5.00"), D("-50.00"))


def test_no_treatment_means_no_tax() -> None:
    """No tax code: the whole amount is the expense."""
    assert split_line_tax(D("12.34"), None, "USD").expense == D("12.34")
    assert gross_of(D("12.34"), TaxTreatment("NON", D("0.2"), TaxMode.NONE), "USD") == D("12.34")


def test_recoverable_fraction_outside_0_1_is_refused() -> None:
    """A recoverable fraction of 1.5 is a configuration error, caught at once."""
    with pytest.raises(MoneyError, match="between 0 and 1"):
        TaxTreatment("BAD", D("0.1"), TaxMode.INCLUSIVE, D("1.5"), "VAT")


def test_float_rate_is_refused() -> None:
    """Money rules: a float tax rate is refused."""
    with pytest.raises(MoneyError, match="Decimal"):
        TaxTreatment("BAD", 0.1)  # type: ignore[arg-type]


amounts = st.decimals(min_value=D("-100000"), max_value=D("100000"), places=2)
rates = st.decimals(min_value=D("0"), max_value=D("0.30"), places=4)
fractions = st.decimals(min_value=D("0"), max_value=D("1"), places=2)


@settings(max_examples=150, deadline=None)
@given(amounts, rates, fractions, st.sampled_from(list(TaxMode)))
def test_expense_plus_recoverable_is_the_gross(amount: Decimal, rate: Decimal, fraction: Decimal, mode: TaxMode) -> None:
    """For any amount, rate, fraction and mode: expense + recoverable == gross, all exact cents."""
    split = split_line_tax(amount, TaxTreatment("T", rate, mode, fraction, "Tax"), "USD")
    assert split.expense + split.recoverable == split.gross
    assert split.net + split.tax == split.gross
    assert all(round_minor(v, "USD") == v for v in (split.gross, split.tax, split.recoverable, split.expense))
    assert abs(split.recoverable) <= abs(split.tax)
