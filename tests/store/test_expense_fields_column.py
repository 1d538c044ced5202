"""Expense.fields_json: the custom fields as one canonical JSON text, read and written through the model."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from hypothesis import given, strategies as st

from bookbridge.core import clock
from bookbridge.core.keys import canonical_json
from bookbridge.store.models import Expense, PaymentMethod

field_maps = st.dictionaries(st.text(min_size=1, max_size=12), st.text(max_size=20), max_size=6)


def _expense(fields_json: str | None = None) -> Expense:
    return Expense(key="k", source_system="test", content_hash="0" * 64, txn_date=date(2026, 3, 2), amount_minor=100,
                   currency="USD", payment_method=PaymentMethod.CASH, created_at=clock.now(), fields_json=fields_json)


def test_no_fields_reads_as_an_empty_dict() -> None:
    """A NULL column is no fields: an empty dict, and no value for any name."""
    expense = _expense(fields_json=None)
    assert expense.fields == {} and expense.field("vehicle_id") is None


@given(field_maps)
def test_set_fields_writes_canonical_json_and_reads_it_back(fields: dict[str, str]) -> None:
    """Any text -> text mapping is stored as canonical_json (NULL when empty) and read back equal."""
    expense = _expense()
    expense.set_fields(fields)
    assert expense.fields_json == (canonical_json(fields) if fields else None)
    assert expense.fields == fields
    assert all(expense.field(name) == value for name, value in fields.items())


def test_empty_fields_are_null_never_an_empty_object() -> None:
    """Clearing the fields stores NULL, not "{}"."""
    expense = _expense(fields_json='{"mcc":"5542"}')
    expense.set_fields({})
    assert expense.fields_json is None


def test_the_fields_dict_is_a_copy() -> None:
    """Editing the dict returned by ``fields`` does not change the stored text."""
    expense = _expense(fields_json='{"mcc":"5542"}')
    expense.fields["mcc"] = "0000"
    assert expense.fields_json == '{"mcc":"5542"}' and expense.field("mcc") == "5542"


def test_numbers_are_refused() -> None:
    """Field values are canonical text; a number (which JSON would store unquoted) is refused."""
    expense = _expense()
    with pytest.raises(TypeError, match="canonical text"):
        expense.set_fields({"litres": 61.5})  # type: ignore[dict-item]
    assert expense.fields_json is None


def test_fields_survive_the_book(book) -> None:
    """Fields set on a new expense are in the column as sorted, compact, UTF-8 JSON after a commit."""
    expense = _expense()
    expense.set_fields({"vehicle_id": "Truck 12", "note": "Café \"B\""})
    with book.unit_of_work() as session:
        session.add(expense)
    with book.read() as session:
        stored = session.scalars(sa.select(Expense)).one()
        assert stored.fields_json == '{"note":"Café \\"B\\"","vehicle_id":"Truck 12"}'
        assert stored.fields == {"note": 'Café "B"', "vehicle_id": "Truck 12"}
