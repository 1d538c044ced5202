"""A coded expense survives the trip through the book's JSON exactly (what journal preview reads)."""

from __future__ import annotations

import json
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from bookbridge.coding.coded import CodedExpense, CodedLine, Entity, EntityKind, LineKind, PostingType
from bookbridge.coding.fx import FxRate
from bookbridge.coding.stored import coded_from_data, coded_to_data
from bookbridge.coding.tax import TaxMode, TaxTreatment
from bookbridge.core.keys import canonical_json

_money = st.decimals(min_value=-10**7, max_value=10**7, places=2, allow_nan=False, allow_infinity=False)
_fraction = st.decimals(min_value=0, max_value=1, places=4)
_text = st.text(min_size=1, max_size=12)
_dims = st.dictionaries(st.sampled_from(["class", "department", "location", "project"]), _text, max_size=3)
_tax = st.none() | st.builds(
    TaxTreatment, code=_text, rate=st.decimals(min_value=0, max_value=1, places=4), mode=st.sampled_from(TaxMode),
    recoverable=_fraction, recoverable_account=st.none() | _text,
)
_line = st.builds(
    CodedLine, account=_text, amount=_money, dimensions=_dims, memo=st.text(max_size=20),
    quantity=st.none() | st.decimals(min_value=0, max_value=10**4, places=3), unit=st.none() | _text,
    unit_price=st.none() | st.decimals(min_value=0, max_value=10, places=2), tax=_tax, kind=st.sampled_from(LineKind),
)
_rate = st.none() | st.builds(
    FxRate, base=st.just("EUR"), quote=st.just("USD"), rate=st.decimals(min_value="0.0001", max_value=1000, places=6),
    as_of=st.dates(), source=st.sampled_from(["ECB", "manual", "ECB (derived)"]),
)
_expense = st.builds(
    CodedExpense, expense_id=st.integers(1, 10**6).map(str), expense_key=_text, date=st.dates(min_value=date(2000, 1, 1)),
    currency=st.sampled_from(["USD", "EUR", "JPY"]), amount=_money, posting_type=st.sampled_from(PostingType),
    credit_account=_text, lines=st.lists(_line, max_size=4).map(tuple),
    credit_entity=st.none() | st.builds(Entity, name=_text, kind=st.sampled_from(EntityKind)),
    tax_amount=st.none() | _money, employee=st.none() | _text, vendor=st.none() | _text,
    report_id=st.none() | _text, memo=st.text(max_size=20), rate=_rate, template_version=st.integers(0, 99),
    rules_fired=st.lists(_text, max_size=3).map(tuple),
)


@settings(deadline=None)  # no per-example deadline: the suite runs on busy machines
@given(_expense)
def test_coded_expense_round_trips_through_stored_json(expense: CodedExpense) -> None:
    """to JSON text and back gives an equal coded expense, with no float anywhere."""
    text = canonical_json(coded_to_data(expense))
    data = json.loads(text)  # plain json.loads: any number written as a JSON number comes back typed
    assert coded_from_data(data) == expense
    assert not list(_floats(data))


def _floats(value: object):
    """Every float inside parsed JSON (money and rates must be strings, never JSON numbers)."""
    if isinstance(value, float):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _floats(item)
    elif isinstance(value, list):
        for item in value:
            yield from _floats(item)
