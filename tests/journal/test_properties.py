"""Property tests: any mix of expenses builds balanced entries in both currencies; reversals net to zero."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bookbridge.coding.tax import gross_of
from bookbridge.core.currency import currency as iso
from bookbridge.core.money import Money, allocate
from bookbridge.journal.builder import build_entries
from bookbridge.journal.model import (
    CodedExpense,
    CodedLine,
    Entity,
    EntityKind,
    FxRate,
    Grouping,
    JournalEntry,
    LineRole,
    PostingType,
    TaxMode,
    TaxTreatment,
)
from bookbridge.journal.reversal import reverse_entry

CURRENCIES = ["USD", "EUR", "JPY", "BHD", "KWD", "GBP"]  # 2, 0 and 3 decimals
HOMES = ["USD", "JPY", "BHD", "EUR"]
ACCOUNTS = ["Fuel", "Tolls", "Meals", "Lodging", "Repairs"]
START = date(2024, 1, 25)


def _amount(currency: str, low: str = "-20000", high: str = "20000") -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=Decimal(low), max_value=Decimal(high), places=iso(currency).exponent)


taxes = st.one_of(
    st.none(),
    st.builds(
        TaxTreatment,
        code=st.sampled_from(["VAT", "GST", "ST"]),
        rate=st.decimals(min_value=Decimal("0"), max_value=Decimal("0.27"), places=4),
        mode=st.sampled_from(list(TaxMode)),
        recoverable=st.decimals(min_value=Decimal("0"), max_value=Decimal("1"), places=2),
        recoverable_account=st.just("Tax receivable"),
    ),
)
dimensions = st.fixed_dictionaries({}, optional={"class": st.sampled_from(["Truck 7", "Truck 12"]),
                                                 "location": st.sampled_from(["North", "South"])})


@st.composite
def expenses(draw: st.DrawFn, index: int, home: str) -> CodedExpense:
    """One coded expense: free lines or a percentage split, any tax, any posting type, maybe foreign."""
    currency = draw(st.sampled_from(CURRENCIES))
    if draw(st.booleans()):
        total = draw(_amount(currency))
        weights = draw(st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=4))
        tax = draw(taxes)
        shares = allocate(Money(total, currency), weights)
        lines = [CodedLine(draw(st.sampled_from(ACCOUNTS)), s.amount, draw(dimensions), tax=tax) for s in shares]
    else:
        lines = [
            CodedLine(draw(st.sampled_from(ACCOUNTS)), draw(_amount(currency)), draw(dimensions), tax=draw(taxes))
            for _ in range(draw(st.integers(min_value=1, max_value=4)))
        ]
    amount = sum((gross_of(line.amount, line.tax, currency) for line in lines), Decimal(0))
    posting = draw(st.sampled_from(list(PostingType)))
    entity = {
        PostingType.REIMBURSABLE: Entity(draw(st.sampled_from(["Ann", "Bob"])), EntityKind.EMPLOYEE),
        PostingType.BILL: Entity("Bridgestone", EntityKind.VENDOR),
    }.get(posting)
    rate = None
    if currency != home:
        value = draw(st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("5000"), places=6))
        rate = FxRate(currency, home, value, START, "ECB")
        if draw(st.booleans()):
            rate = FxRate(home, currency, value, START, "manual")  # given the other way round
    employee = entity.name if entity is not None and entity.kind is EntityKind.EMPLOYEE else None
    return CodedExpense(
        expense_id=str(index),
        expense_key=f"k{index}",
        date=START + timedelta(days=draw(st.integers(min_value=0, max_value=45))),
        currency=currency,
        amount=amount,
        posting_type=posting,
        credit_account=f"Credit {posting.value}",
        lines=tuple(lines),
        credit_entity=entity,
        employee=employee,
        report_id=draw(st.sampled_from([None, "R1", "R2"])),
        rate=rate,
        template_version=draw(st.integers(min_value=1, max_value=3)),
    )


@st.composite
def books(draw: st.DrawFn) -> tuple[str, list[CodedExpense], Grouping]:
    home = draw(st.sampled_from(HOMES))
    count = draw(st.integers(min_value=1, max_value=8))
    return home, [draw(expenses(i, home)) for i in range(count)], draw(st.sampled_from(list(Grouping)))


def _exact(amount: Decimal, currency: str) -> bool:
    return amount == amount.quantize(Decimal(1).scaleb(-iso(currency).exponent))


def _assert_sound(entry: JournalEntry) -> None:
    assert entry.total_debit == entry.total_credit
    assert entry.home_total_debit == entry.home_total_credit
    for line in entry.lines:
        assert line.currency == entry.currency
        assert min(line.debit, line.credit, line.home_debit, line.home_credit) >= 0
        assert not (line.debit and line.credit) and not (line.home_debit and line.home_credit)
        assert not (line.debit and line.home_credit) and not (line.credit and line.home_debit)
        assert _exact(line.debit - line.credit, entry.currency)
        assert _exact(line.home_debit - line.home_credit, entry.home_currency)


@settings(max_examples=250, deadline=None)
@given(books())
def test_every_entry_balances_in_both_currencies(book: tuple[str, list[CodedExpense], Grouping]) -> None:
    """Any amounts, signs, 0/2/3-decimal currencies, tax modes, rates, splits and groupings: balanced entries."""
    home, coded, grouping = book
    for entry in build_entries(coded, home, grouping):
        _assert_sound(entry)


@settings(max_examples=150, deadline=None)
@given(books())
def test_every_expense_lands_in_exactly_one_entry_and_no_money_is_lost(
    book: tuple[str, list[CodedExpense], Grouping],
) -> None:
    """Lineage covers each expense once, and the credit lines carry exactly the amounts paid per currency."""
    home, coded, grouping = book
    entries = build_entries(coded, home, grouping)
    keys = [key for entry in entries for key in entry.source_expense_keys]
    assert sorted(keys) == sorted(expense.expense_key for expense in coded)
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for expense in coded:
        paid[expense.currency] += expense.amount
    credited: dict[str, Decimal] = defaultdict(Decimal)
    for entry in entries:
        for line in entry.lines:
            if line.role is LineRole.CREDIT:
                credited[entry.currency] -= line.amount
    assert {c: v for c, v in credited.items() if v} == {c: v for c, v in paid.items() if v}


@settings(max_examples=100, deadline=None)
@given(books())
def test_reversal_nets_to_zero(book: tuple[str, list[CodedExpense], Grouping]) -> None:
    """Each entry plus its reversal sums to zero per account, dimensions and entity, in both currencies."""
    home, coded, grouping = book
    for entry in build_entries(coded, home, grouping):
        reversal = reverse_entry(entry)
        _assert_sound(reversal)
        net: dict[tuple, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
        for line in (*entry.lines, *reversal.lines):
            bucket = net[(line.account, line.dimensions, line.entity)]
            bucket[0] += line.amount
            bucket[1] += line.home_amount
        assert all(values == [0, 0] for values in net.values())
