"""Totals of the pack's tables: exact, per currency, whatever the rows."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, strategies as st

from bookbridge.reports.pack.model import totals_by_currency

_amounts = st.decimals(min_value=Decimal("-99999.99"), max_value=Decimal("99999.99"), places=2)
_rows = st.lists(st.tuples(st.sampled_from(["USD", "EUR", "JPY"]), _amounts), max_size=30)


@given(_rows)
def test_totals_are_exact_sums_per_currency(rows: list[tuple[str, Decimal]]) -> None:
    """One total row per currency present, sorted, with the row count and the exact sum (JPY rounded to units)."""
    table = [("line", code, format(amount if code != "JPY" else amount.quantize(Decimal(1)), "f")) for code, amount in rows]
    totals = totals_by_currency(table, currency_col=1, amount_cols=[2], width=3)
    assert [t[1] for t in totals] == sorted({code for code, _ in rows})
    for label, code, total in totals:
        mine = [Decimal(r[2]) for r in table if r[1] == code]
        assert label == f"Total {code} ({len(mine)})"
        assert Decimal(total) == sum(mine, Decimal(0))
