"""Vendor, name and column normalisation, and the vendor alias table."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from bookbridge.core.errors import NotFound, UsageError
from bookbridge.ingest.normalise import (
    add_vendor_alias,
    column_key,
    field_name,
    name_key,
    vendor_display_name,
    vendor_key,
)

from ingest_helpers import count, expensify_csv, rows, run_import


@pytest.mark.parametrize(
    "spellings",
    [
        ("SHELL OIL #12345", "Shell Oil 12345", "Shell Oil Co.", "shell oil"),
        ("Staples Inc.", "STAPLES, INC", "Staples"),
        ("Acme Widgets L.L.C.", "ACME WIDGETS LLC", "Acme Widgets, Ltd."),
        ("SQ *BLUE BOTTLE", "Blue Bottle", "TST* Blue Bottle"),
        ("McDonald's #4411", "MCDONALDS 4411", "McDonald’s"),
        ("Café de Flore", "CAFE DE FLORE"),
        ("Müller GmbH", "Muller"),
        ("The Home Depot #0620", "HOME DEPOT 0620"),
        ("Pilot Travel Center Store 412", "PILOT TRAVEL CENTER #412"),
    ],
)
def test_spellings_of_one_vendor_share_a_key(spellings: tuple[str, ...]) -> None:
    """Case, punctuation, store numbers, legal suffixes and POS prefixes fold to one key."""
    keys = {vendor_key(s) for s in spellings}
    assert len(keys) == 1 and keys != {""}


@pytest.mark.parametrize("a,b", [("Shell", "Chevron"), ("76", "Phillips 66"), ("7-Eleven", "Eleven")])
def test_different_vendors_keep_different_keys(a: str, b: str) -> None:
    """Folding stops short of merging different merchants (leading numbers are part of a name)."""
    assert vendor_key(a) != vendor_key(b)


def test_leading_numbers_survive() -> None:
    """A brand made of digits is not mistaken for a store number."""
    assert vendor_key("76 #1234") == "76"
    assert vendor_key("1-800-FLOWERS.COM") == "1 800 flowers com"


@given(st.text(max_size=40))
def test_vendor_key_is_idempotent(raw: str) -> None:
    """Normalising a key again changes nothing (keys are a fixed point)."""
    key = vendor_key(raw)
    assert vendor_key(key) == key


_VENDORISH = st.lists(
    st.one_of(
        st.sampled_from(["SHELL", "Oil", "#", "*", "sq", "TST", "store", "No.", "nr", "unit", "loc", "site", "The",
                         "Inc.", "co", "L.L.C.", "O'Brien", "76", "1-800", "7-Eleven", "&", "\u2460", "\u00b2", "\u0663"]),
        st.from_regex(r"#?[0-9]{1,7}[a-z]?", fullmatch=True),
        st.text(max_size=6),
    ),
    max_size=6,
).map(" ".join)


@given(_VENDORISH)
def test_folding_by_digit_shape_equals_folding_each_spelling(raw: str) -> None:
    """The shape shortcut (spellings differing only in digits fold once) gives the plain fold's key."""
    from bookbridge.ingest.normalise import _fold_by_shape, _fold_vendor

    assert _fold_by_shape(raw) == _fold_vendor(raw)


def test_spellings_differing_only_in_store_numbers_fold_once() -> None:
    """Different store numbers share one fold, and digits that are part of the name still count."""
    from bookbridge.ingest import normalise

    normalise._SHAPE_KEYS.clear()
    normalise._VENDOR_KEYS.clear()  # spellings other tests folded would skip the shape table
    keys = {vendor_key(f"PILOT TRAVEL CENTER #{n}") for n in (1234, 5678, 9012)}
    assert keys == {"pilot travel center"}
    assert len([s for s in normalise._SHAPE_KEYS if s.startswith("PILOT")]) == 1
    assert (vendor_key("76 #1234"), vendor_key("77 #1234")) == ("76", "77")


def test_display_name_drops_store_number_and_shouting() -> None:
    """A new vendor is named readably after its first spelling."""
    assert vendor_display_name("SHELL OIL #12345") == "Shell Oil"
    assert vendor_display_name("Blue Bottle Coffee 0042") == "Blue Bottle Coffee"
    assert vendor_display_name("iPhone Repair Co") == "iPhone Repair Co"


def test_name_and_column_keys() -> None:
    """Categories compare case- and space-insensitively; headers also ignore _ and -."""
    assert name_key("  Office   SUPPLIES ") == name_key("office supplies")
    assert column_key("\ufeffVehicle_ID") == column_key("vehicle-id") == column_key("Vehicle  ID") == "vehicle id"
    assert field_name("Cost Centre (EU)") == "cost_centre_eu"


def test_import_folds_spellings_into_one_vendor(book, tmp_path: Path) -> None:
    """SHELL OIL #12345 and Shell Oil 12345 land as one vendor with two expenses."""
    path = expensify_csv(tmp_path / "e.csv",
                         "2024-03-01 08:00:00,SHELL OIL #12345,85.40,5542,Fuel,,,No,,,",
                         "2024-03-02 08:00:00,Shell Oil 12345,60.00,5542,Fuel,,,No,,,")
    run_import(book, path)
    assert rows(book, "SELECT name, norm_key FROM vendors") == [("Shell Oil", "shell oil")]
    assert rows(book, "SELECT count(DISTINCT vendor_id), count(*) FROM expenses") == [(1, 2)]


def test_alias_maps_a_spelling_to_an_existing_vendor(book, tmp_path: Path) -> None:
    """After add_vendor_alias, a spelling the fold cannot know lands on the aliased vendor."""
    run_import(book, expensify_csv(tmp_path / "a.csv", "2024-03-01 08:00:00,Shell Oil,85.40,5542,Fuel,,,No,,,"))
    shell_id = rows(book, "SELECT id FROM vendors")[0][0]
    with book.unit_of_work() as session:
        add_vendor_alias(session.connection(), "SHELL 57444 HOUSTON TX", shell_id)
    run_import(book, expensify_csv(tmp_path / "b.csv",
                                   "2024-03-05 08:00:00,SHELL 57444 HOUSTON TX,40.00,5542,Fuel,,,No,,,"))
    assert count(book, "vendors") == 1
    assert rows(book, "SELECT DISTINCT vendor_id FROM expenses") == [(shell_id,)]


def test_alias_refuses_unknown_vendor_and_double_meaning(book) -> None:
    """An alias must point at an existing vendor and cannot mean two vendors."""
    with book.unit_of_work() as session:
        conn = session.connection()
        with pytest.raises(NotFound):
            add_vendor_alias(conn, "Anything", 999)
        conn.execute(sa.text("INSERT INTO vendors (id, name, norm_key, created_at) VALUES "
                             "(1, 'A', 'a', '2024-01-01T00:00:00+00:00'), (2, 'B', 'b', '2024-01-01T00:00:00+00:00')"))
        add_vendor_alias(conn, "A-Corp Dallas", 1)
        with pytest.raises(UsageError):
            add_vendor_alias(conn, "A CORP DALLAS", 2)
        with pytest.raises(UsageError):
            add_vendor_alias(conn, "#!!", 1)
