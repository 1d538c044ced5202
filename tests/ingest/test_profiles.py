"""Column profiles: built-ins, header binding, saved user profiles and their validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bookbridge.core.errors import NotFound, UsageError
from bookbridge.ingest.normalise import column_key
from bookbridge.ingest.profiles import (
    BUILTIN_PROFILES,
    CONCUR,
    EXPENSIFY,
    GENERIC,
    bind,
    get_profile,
    missing_required,
    profile_from_dict,
    profile_to_dict,
    save_profile,
    saved_profiles,
)

EXPENSIFY_HEADER = ["Timestamp", "Merchant", "Amount", "MCC", "Category", "Tag", "Comment", "Reimbursable",
                    "Original Currency", "Original Amount", "Receipt"]


def _keys(headers: list[str]) -> tuple[str, ...]:
    return tuple(column_key(h) for h in headers)


def test_expensify_profile_binds_every_default_column() -> None:
    """All eleven columns of the Expensify default export have a meaning; none is left over."""
    binding = bind(EXPENSIFY, _keys(EXPENSIFY_HEADER))
    assert missing_required(EXPENSIFY, binding) == []
    assert binding.unmapped == ()
    assert binding.columns["original_currency"] == ("original currency",)
    assert set(binding.fields) == {"mcc", "tag"}


def test_a_header_column_serves_one_field_only() -> None:
    """'Description' becomes the vendor of a bank export, and then is not also the memo."""
    binding = bind(GENERIC, _keys(["Date", "Description", "Amount"]))
    assert binding.columns["vendor"] == ("description",)
    assert "memo" not in binding.columns


def test_debit_credit_columns_satisfy_amount() -> None:
    """A split debit/credit export fits a profile that requires an amount."""
    binding = bind(GENERIC, _keys(["Date", "Payee", "Debit", "Credit"]))
    assert missing_required(GENERIC, binding) == []
    assert missing_required(GENERIC, bind(GENERIC, _keys(["Date", "Payee"]))) == ["amount"]


def test_concur_profile_reads_fields_the_concur_api_defines(shared_fixtures: Path) -> None:
    """Every Concur key the profile reads is a property of EntryGet in SAP's own swagger file."""
    spec = json.loads((shared_fixtures / "concur-expense-api" / "Entries.swagger2.json").read_text(encoding="utf-8"))
    defined = spec["definitions"]["EntryGet"]["properties"]
    journey = spec["definitions"]["Journey"]["properties"]
    custom = spec["definitions"]["CustomField"]["properties"]
    for alternatives in [*CONCUR.columns.values(), *CONCUR.fields.values()]:
        for name in alternatives:
            head, _, tail = name.partition(".")
            assert head in defined, name
            if head == "Journey":
                assert tail in journey, name
            elif tail:
                assert tail in custom, name


def test_saved_profile_round_trip(book) -> None:
    """A profile saved in the book comes back with its options, on top of its base."""
    definition = {"base": "generic", "columns": {"date": ["Buchungstag"], "amount": "Betrag"},
                  "date_formats": ["%d.%m.%Y"], "decimal_sep": ",", "thousands_sep": ".",
                  "amount_sign": "expense_negative", "default_currency": "EUR"}
    with book.unit_of_work() as session:
        save_profile(session.connection(), "sparkasse", definition)
    with book.read() as session:
        profile = get_profile(session.connection(), "sparkasse")
        assert list(saved_profiles(session.connection())) == ["sparkasse"]
    assert profile.columns["date"] == ("Buchungstag",) and profile.columns["vendor"] == GENERIC.columns["vendor"]
    assert (profile.decimal_sep, profile.amount_sign, profile.source_name) == (",", "expense_negative", "sparkasse")
    assert profile_to_dict(profile)["date_formats"] == ["%d.%m.%Y"]


def test_saving_twice_needs_replace(book) -> None:
    """An existing profile is only overwritten on request."""
    with book.unit_of_work() as session:
        save_profile(session.connection(), "mine", {"default_currency": "EUR"})
    with pytest.raises(UsageError, match="already exists"):
        with book.unit_of_work() as session:
            save_profile(session.connection(), "mine", {"default_currency": "GBP"})
    with book.unit_of_work() as session:
        save_profile(session.connection(), "mine", {"default_currency": "GBP"}, replace_existing=True)
    with book.read() as session:
        assert get_profile(session.connection(), "mine").default_currency == "GBP"


@pytest.mark.parametrize(
    "name,data,message",
    [
        ("expensify", {}, "built-in"),
        ("Bad Name", {}, "Profile name"),
        ("p", {"colums": {}}, "unknown key"),
        ("p", {"columns": {"datum": ["x"]}}, "not a field"),
        ("p", {"fields": {"Amount": ["x"]}}, "lower_snake_case"),
        ("p", {"base": "nope"}, "not a built-in"),
        ("p", {"decimal_sep": ";"}, "decimal_sep"),
        ("p", {"decimal_sep": ",", "thousands_sep": ","}, "must differ"),
        ("p", {"date_formats": ["dd/mm/yyyy"]}, "strftime"),
        ("p", {"default_currency": "EURO"}, "ISO 4217"),
        ("p", {"default_payment_method": "paypal"}, "payment methods"),
        ("p", {"delimiter": ":"}, "delimiter"),
        ("p", {"columns": {"date": []}}, "header names"),
    ],
)
def test_unclear_profiles_are_refused_with_the_reason(name: str, data: dict, message: str) -> None:
    """Each mistake in a profile definition is refused with a message naming it."""
    with pytest.raises(UsageError, match=message):
        profile_from_dict(name, data)


def test_unknown_profile_lists_the_known_ones(book) -> None:
    """Asking for a profile that does not exist names the ones that do."""
    with book.read() as session, pytest.raises(NotFound) as raised:
        get_profile(session.connection(), "quickbooks")
    assert all(name in raised.value.user_message for name in BUILTIN_PROFILES)


def test_payment_values_extend_the_base() -> None:
    """A profile's own payment words are added to the built-in ones, not instead of them."""
    profile = profile_from_dict("bank", {"payment_values": {"EC-Karte": "company_card"}})
    assert profile.payment_values["EC-Karte"] == "company_card" and profile.payment_values["cash"] == "cash"


def test_a_shown_profile_can_be_saved_back_under_a_new_name() -> None:
    """The JSON `profiles show` prints is accepted by `profiles save` (name and builtin are ignored)."""
    shown = profile_to_dict(EXPENSIFY)
    copy = profile_from_dict("my-expensify", {**shown, "base": "expensify", "default_currency": "CAD"})
    assert copy.columns == EXPENSIFY.columns and copy.default_currency == "CAD" and not copy.builtin
