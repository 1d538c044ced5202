"""Exact Decimal JSON both ways."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookbridge.connectors import jsonwire

decimals = st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-10**9, max_value=10**9)


@given(st.lists(decimals, max_size=10))
def test_decimals_round_trip_exactly(values: list[Decimal]):
    """Every Decimal written comes back equal when read with parse_float=Decimal."""
    payload = {"Line": [{"Amount": v} for v in values]}
    assert [line["Amount"] for line in jsonwire.loads(jsonwire.dumps(payload))["Line"]] == values


def test_decimals_are_written_as_numbers_not_strings():
    """QBO wants "Amount": 100.00 as a JSON number."""
    assert jsonwire.dumps({"Amount": Decimal("100.00")}) == '{"Amount":100.00}'


def test_strings_are_escaped_like_the_standard_library():
    """Quotes, backslashes and non-ASCII text survive."""
    text = 'Taxi "airport" \\ café\n'
    assert json.loads(jsonwire.dumps({"Description": text})) == {"Description": text}


def test_floats_are_refused():
    """A float near money is a bug, so writing one fails loudly."""
    with pytest.raises(TypeError):
        jsonwire.dumps({"Amount": 1.5})


def test_non_finite_decimals_are_refused():
    """NaN has no JSON form."""
    with pytest.raises(ValueError):
        jsonwire.dumps({"Amount": Decimal("NaN")})
