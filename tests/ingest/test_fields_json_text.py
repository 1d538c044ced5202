"""The import writer's fields_json: the same text Expense.set_fields stores, cached per combination."""

from __future__ import annotations

from hypothesis import given, strategies as st

from bookbridge.core.keys import canonical_json
from bookbridge.ingest.writer import fields_json
from bookbridge.store.models import Expense


@given(st.dictionaries(st.text(min_size=1, max_size=12), st.text(max_size=20), min_size=1, max_size=6))
def test_fields_json_is_canonical_json_of_the_fields(fields: dict[str, str]) -> None:
    """For any non-empty fields, sorted as a draft holds them, the text is canonical_json of the dict."""
    pairs = tuple(sorted(fields.items()))
    text = fields_json(pairs)
    expense = Expense()
    expense.set_fields(fields)
    assert text == canonical_json(fields) == expense.fields_json


def test_quotes_backslashes_and_non_ascii_are_kept_exactly() -> None:
    """Quotes and backslashes are escaped, non-ASCII stays UTF-8, keys sorted, no spaces."""
    text = fields_json((("note", 'say "hi" \\ ok'), ("ville", "Zürich ☕")))
    assert text == '{"note":"say \\"hi\\" \\\\ ok","ville":"Zürich ☕"}'


def test_no_fields_is_null() -> None:
    """A draft without fields stores NULL, never "{}"."""
    assert fields_json(()) is None


def test_a_repeated_combination_is_served_from_the_cache() -> None:
    """The second row with the same fields gets the very same string back, without encoding again."""
    pairs = (("mcc", "5542"), ("tag", "Truck 4711-cache"))
    first = fields_json(pairs)
    hits = fields_json.cache_info().hits
    assert fields_json(tuple(list(pairs))) is first
    assert fields_json.cache_info().hits == hits + 1
