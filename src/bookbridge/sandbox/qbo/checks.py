"""Field-level checks shared by every entity: amounts, dates, references, lengths.

Each check returns the cleaned value or raises the :class:`QboFault` QBO would answer with.
Amounts are Decimals throughout: JSON numbers arrive as Decimal (``parse_float=Decimal``) and
numeric strings are accepted as QBO's deserialiser accepts them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from bookbridge.sandbox.qbo import errors
from bookbridge.sandbox.qbo.entities import entity_type
from bookbridge.sandbox.qbo.seed import EXCHANGE_RATES, currency_ref
from bookbridge.sandbox.qbo.store import CompanyStore

DOC_NUMBER_MAX = 21  # QBO's DocNumber limit; longer values are refused, not truncated
NOTE_MAX = 4000


def amount(value: Any, element: str, *, required: bool = True) -> Decimal | None:
    """A Decimal from a JSON number or numeric string (None only when absent and optional)."""
    if value is None:
        if required:
            raise errors.required_missing(element)
        return None
    if isinstance(value, bool) or isinstance(value, float):
        raise errors.invalid_number(element, value)
    try:
        result = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise errors.invalid_number(element, value) from None
    if not result.is_finite():
        raise errors.invalid_number(element, value)
    return result


def text(value: Any, element: str, *, max_length: int, required: bool = False) -> str | None:
    """A string field, refused when longer than QBO allows."""
    if value is None or value == "":
        if required:
            raise errors.required_missing(element)
        return None
    if not isinstance(value, str):
        raise errors.invalid_property(element, f"{element} must be a string")
    if len(value) > max_length:
        raise errors.fault("2050", "Length exceeds limit", f"Length of the field exceeds {max_length} chars", element)
    return value


def iso_date(value: Any, element: str) -> str:
    """A ``YYYY-MM-DD`` date (QBO also sends dates this way)."""
    if not isinstance(value, str):
        raise errors.invalid_property(element, f"{element} must be a date as YYYY-MM-DD")
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        raise errors.invalid_property(element, f"{element}={value!r} is not a date (YYYY-MM-DD)") from None


def reference(store: CompanyStore, ref: Any, entity: str, element: str, *, required: bool = False) -> dict | None:
    """Check a ``{"value": id}`` reference to an existing, active ``entity``; add its name.

    Raises:
        QboFault: 2020 when required and missing, 2500 when the id is unknown, 610 when inactive.
    """
    if ref is None:
        if required:
            raise errors.required_missing(element)
        return None
    if not isinstance(ref, dict) or ref.get("value") in (None, ""):
        raise errors.required_missing(f"{element}.value")
    ref_id = str(ref["value"])
    target = store.get(entity, ref_id)
    known_type = entity_type(entity)
    plural = (known_type.ref_plural if known_type else "") or entity
    if target is None:
        raise errors.invalid_reference(plural, ref_id, element)
    if target.get("Active") is False:
        raise errors.inactive_reference(element)
    name = target.get("FullyQualifiedName") or target.get("DisplayName") or target.get("Name")
    result = {"value": ref_id}
    if name:
        result["name"] = name
    if "type" in ref:
        result["type"] = ref["type"]
    return result


def txn_date(store: CompanyStore, value: Any, today: date) -> str:
    """The transaction date (today when absent), refused on or before the books-closed date."""
    txn = iso_date(value, "TxnDate") if value is not None else today.isoformat()
    close = store.singleton("Preferences").get("AccountingInfoPrefs", {}).get("BookCloseDate")
    if close and txn <= str(close):
        raise errors.period_closed()
    return txn


def currency(store: CompanyStore, ref: Any, rate: Any) -> tuple[dict, Decimal]:
    """The transaction currency and exchange rate (home-currency units per foreign unit)."""
    prefs = store.singleton("Preferences").get("CurrencyPrefs", {})
    home = prefs.get("HomeCurrency", {}).get("value", "USD")
    if ref is None:
        return currency_ref(home), Decimal(1)
    if not isinstance(ref, dict) or not ref.get("value"):
        raise errors.required_missing("CurrencyRef.value")
    code = str(ref["value"]).upper()
    if code == home:
        return currency_ref(home), Decimal(1)
    if not prefs.get("MultiCurrencyEnabled"):
        raise errors.fault(
            "6000",
            "A business validation error has occurred while processing your request",
            "Business Validation Error: Multicurrency is not enabled for this company.",
            "CurrencyRef",
        )
    known = [c for c in store.all("CompanyCurrency") if c.get("Code") == code and c.get("Active") is not False]
    if not known:
        raise errors.invalid_reference("Currencies", code, "CurrencyRef")
    exchange = amount(rate, "ExchangeRate", required=False) or EXCHANGE_RATES.get(code, Decimal(1))
    if exchange <= 0:
        raise errors.invalid_number("ExchangeRate", rate)
    return currency_ref(code), exchange


def doc_number_unique(store: CompanyStore, entity: str, doc_number: str | None, own_id: str | None) -> None:
    """Refuse a DocNumber already used by another object of the same entity (6140)."""
    if not doc_number:
        return
    holder = store.doc_number_holder(entity, doc_number, own_id)
    if holder is not None:
        known_type = entity_type(entity)
        label = known_type.label if known_type else entity
        raise errors.duplicate_doc_number(doc_number, label, holder)


def lines(value: Any) -> list[dict]:
    """The ``Line`` array: present, a non-empty list of objects."""
    if value is None or value == []:
        raise errors.required_missing("Line")
    if not isinstance(value, list) or not all(isinstance(line, dict) for line in value):
        raise errors.invalid_property("Line", "Line must be a list of line objects")
    return value


def enum(value: Any, element: str, allowed: list[str], *, required: bool = True) -> str | None:
    if value is None:
        if required:
            raise errors.required_missing(element)
        return None
    if value not in allowed:
        raise errors.invalid_enumeration(element, value, allowed)
    return str(value)


def required_amount(value: Any, element: str) -> Decimal:
    """A Decimal that must be present (fault 2020 when it is not)."""
    result = amount(value, element, required=True)
    assert result is not None  # amount() raised already when it was missing
    return result


def required_reference(store: CompanyStore, ref: Any, entity: str, element: str) -> dict:
    """A reference that must be present, to an existing, active object."""
    result = reference(store, ref, entity, element, required=True)
    assert result is not None  # reference() raised already when it was missing
    return result
