"""Grouping options: per expense, report, employee-day, day, ISO week (cut at month end), month."""

from __future__ import annotations

from datetime import date

from journal_helpers import D, coded, rows

from bookbridge.journal.builder import build_entries
from bookbridge.journal.model import CodedLine, Entity, EntityKind, FxRate, Grouping, PostingType

ANN = Entity("Ann", EntityKind.EMPLOYEE)
BOB = Entity("Bob", EntityKind.EMPLOYEE)


def _reimbursable(key: str, amount: str, who: Entity, on: date, report: str | None = None):
    return coded(key, amount, CodedLine("Meals", D(amount)), posting=PostingType.REIMBURSABLE,
                 credit="Employee payable", entity=who, on=on, employee=who.name, report_id=report)


def test_per_expense_gives_one_entry_each() -> None:
    """Three expenses, three entries, each dated as its expense."""
    expenses = [coded(f"k{n}", "10.00", on=date(2024, 3, n)) for n in (1, 2, 3)]
    entries = build_entries(expenses, "USD", Grouping.PER_EXPENSE)
    assert [entry.date for entry in entries] == [date(2024, 3, 1), date(2024, 3, 2), date(2024, 3, 3)]


def test_per_report_groups_a_report_and_keeps_loose_expenses_apart() -> None:
    """Two expenses of report R-7 share an entry dated at the later one; an expense without a report stands alone."""
    expenses = [
        _reimbursable("a", "12.00", ANN, date(2024, 3, 1), "R-7"),
        _reimbursable("b", "8.00", ANN, date(2024, 3, 5), "R-7"),
        _reimbursable("c", "5.00", ANN, date(2024, 3, 2)),
    ]
    entries = build_entries(expenses, "USD", Grouping.PER_REPORT)
    by_sources = {entry.source_expense_keys: entry for entry in entries}
    assert set(by_sources) == {("a", "b"), ("c",)}
    report = by_sources[("a", "b")]
    assert report.date == date(2024, 3, 5)
    assert rows(report) == [("Meals", "20.00", "0.00"), ("Employee payable", "0.00", "20.00")]
    assert report.memo == "Expense report R-7 (2 expenses, USD)"


def test_per_employee_day_keeps_each_employee_payable_apart() -> None:
    """Ann and Bob on the same day get one entry each; Ann's two meals share hers."""
    day = date(2024, 3, 4)
    expenses = [_reimbursable("a1", "10.00", ANN, day), _reimbursable("a2", "5.00", ANN, day),
                _reimbursable("b1", "7.00", BOB, day)]
    entries = build_entries(expenses, "USD", Grouping.PER_EMPLOYEE_DAY)
    assert sorted(entry.source_expense_keys for entry in entries) == [("a1", "a2"), ("b1",)]


def test_monthly_batch_keeps_one_payable_line_per_employee() -> None:
    """A month batch sums Meals but keeps Ann's and Bob's payable lines separate (entity is part of the key)."""
    expenses = [_reimbursable("a1", "10.00", ANN, date(2024, 3, 4)), _reimbursable("b1", "7.00", BOB, date(2024, 3, 9))]
    [entry] = build_entries(expenses, "USD", Grouping.MONTH)
    assert rows(entry) == [("Meals", "17.00", "0.00"), ("Employee payable", "0.00", "10.00"),
                           ("Employee payable", "0.00", "7.00")]
    assert [line.entity for line in entry.lines[1:]] == [ANN, BOB]


def test_daily_batch_per_day() -> None:
    """Two days give two daily entries."""
    expenses = [coded("a", "1.00", on=date(2024, 3, 4)), coded("b", "2.00", on=date(2024, 3, 4)),
                coded("c", "3.00", on=date(2024, 3, 5))]
    entries = build_entries(expenses, "USD", Grouping.DAY)
    assert [(e.date, e.source_expense_keys) for e in entries] == [(date(2024, 3, 4), ("a", "b")), (date(2024, 3, 5), ("c",))]


def test_week_batch_is_cut_at_the_month_end() -> None:
    """ISO week 2024-W18 (Mon 29 Apr - Sun 5 May) gives an April entry dated 30 Apr and a May one dated 5 May."""
    expenses = [coded("apr", "1.00", on=date(2024, 4, 29)), coded("may", "2.00", on=date(2024, 5, 2))]
    entries = build_entries(expenses, "USD", Grouping.WEEK)
    assert [(e.date, e.source_expense_keys) for e in entries] == [(date(2024, 4, 30), ("apr",)), (date(2024, 5, 5), ("may",))]


def test_week_batch_groups_monday_to_sunday() -> None:
    """Mon 4 and Sun 10 March 2024 share week W10, dated Sunday; Mon 11 starts W11."""
    expenses = [coded("mon", "1.00", on=date(2024, 3, 4)), coded("sun", "2.00", on=date(2024, 3, 10)),
                coded("next", "3.00", on=date(2024, 3, 11))]
    entries = build_entries(expenses, "USD", Grouping.WEEK)
    assert [(e.date, e.source_expense_keys) for e in entries] == [
        (date(2024, 3, 10), ("mon", "sun")), (date(2024, 3, 17), ("next",))]


def test_batches_split_by_currency() -> None:
    """A month with USD and EUR expenses gives one entry per currency."""
    rate = FxRate("EUR", "USD", D("1.1"), date(2024, 3, 1), "ECB")
    expenses = [coded("usd", "10.00"), coded("eur", "10.00", currency="EUR", rate=rate)]
    entries = build_entries(expenses, "USD", Grouping.MONTH)
    assert sorted(entry.currency for entry in entries) == ["EUR", "USD"]


def test_batched_lines_with_different_rates_stay_apart() -> None:
    """EUR tolls at two rates keep two lines, each with its own rate and date."""
    r1 = FxRate("EUR", "USD", D("1.10"), date(2024, 3, 1), "ECB")
    r2 = FxRate("EUR", "USD", D("1.20"), date(2024, 3, 8), "ECB")
    expenses = [coded("t1", "10.00", CodedLine("Tolls", D("10.00")), currency="EUR", rate=r1, on=date(2024, 3, 1)),
                coded("t2", "10.00", CodedLine("Tolls", D("10.00")), currency="EUR", rate=r2, on=date(2024, 3, 8))]
    [entry] = build_entries(expenses, "USD", Grouping.MONTH)
    tolls = [(l.rate, str(l.home_debit)) for l in entry.lines if l.account == "Tolls"]
    assert tolls == [(D("1.10"), "11.00"), (D("1.20"), "12.00")]


def test_purchase_and_refund_in_one_batch_net_out() -> None:
    """A 23.99 purchase and its refund cancel: no Office supplies line, card line gone, lineage kept."""
    expenses = [coded("buy", "23.99", CodedLine("Office supplies", D("23.99"))),
                coded("back", "-23.99", CodedLine("Office supplies", D("-23.99"))),
                coded("fuel", "40.00", CodedLine("Fuel", D("40.00")))]
    [entry] = build_entries(expenses, "USD", Grouping.MONTH)
    assert rows(entry) == [("Fuel", "40.00", "0.00"), ("Visa 4444", "0.00", "40.00")]
    assert entry.source_expense_keys == ("back", "buy", "fuel")


def test_entry_key_ignores_input_order() -> None:
    """The same expenses in another order give the same batch key (the outbox relies on it)."""
    expenses = [coded("a", "1.00"), coded("b", "2.00"), coded("c", "3.00")]
    first = build_entries(expenses, "USD", Grouping.MONTH)[0].key
    second = build_entries(list(reversed(expenses)), "USD", Grouping.MONTH)[0].key
    assert first == second


def test_entry_key_changes_when_the_batch_changes() -> None:
    """Adding an expense to a month gives a different key: it is a different entry."""
    base = [coded("a", "1.00"), coded("b", "2.00")]
    before = build_entries(base, "USD", Grouping.MONTH)[0].key
    after = build_entries([*base, coded("c", "3.00")], "USD", Grouping.MONTH)[0].key
    assert before != after


def test_batch_records_every_template_version() -> None:
    """A batch coded by versions 3 and 4 lists both; template_version reports the newest."""
    expenses = [coded("a", "1.00", template_version=3), coded("b", "2.00", template_version=4)]
    [entry] = build_entries(expenses, "USD", Grouping.MONTH)
    assert (entry.template_versions, entry.template_version) == ((3, 4), 4)


def test_merged_fuel_lines_sum_their_litres() -> None:
    """Two fills of 40.5 L and 30 L on Truck 12 give one Fuel line of 70.5 L."""
    fills = [coded(f"f{n}", amount, CodedLine("Fuel", D(amount), {"class": "Truck 12"}, quantity=D(litres), unit="L"))
             for n, (amount, litres) in enumerate([("60.75", "40.5"), ("45.00", "30")])]
    [entry] = build_entries(fills, "USD", Grouping.MONTH)
    assert (entry.lines[0].quantity, entry.lines[0].unit, entry.lines[0].memo) == (D("70.5"), "L", "2 expenses")
