"""Validation of name-list writes: Vendor, Account, Class, Department, CompanyCurrency, Preferences.

Bookbridge only creates vendors; the other writes exist so tests can change the company "in
QBO" (make an account inactive, move the books-closed date) and see the client react.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bookbridge.sandbox.qbo import checks, errors
from bookbridge.sandbox.qbo.seed import CURRENCY_NAMES
from bookbridge.sandbox.qbo.store import CompanyStore

NAME_MAX = 100
_ACCOUNT_CLASSIFICATION = {
    "Bank": "Asset",
    "Other Current Asset": "Asset",
    "Fixed Asset": "Asset",
    "Other Asset": "Asset",
    "Accounts Receivable": "Asset",
    "Accounts Payable": "Liability",
    "Credit Card": "Liability",
    "Other Current Liability": "Liability",
    "Long Term Liability": "Liability",
    "Equity": "Equity",
    "Income": "Revenue",
    "Other Income": "Revenue",
    "Expense": "Expense",
    "Other Expense": "Expense",
    "Cost of Goods Sold": "Expense",
}


def _unique_name(store: CompanyStore, entity: str, field: str, name: str, own_id: str | None) -> None:
    for other in store.all(entity):
        if str(other.get(field, "")).casefold() == name.casefold() and other["Id"] != own_id:
            raise errors.duplicate_name(name)


def _active(payload: dict[str, Any]) -> bool:
    return payload.get("Active", True) is not False


def prepare_vendor(store: CompanyStore, payload: dict[str, Any], own_id: str | None, today: date) -> dict:
    """A vendor needs a unique DisplayName (or names to build one from)."""
    display = payload.get("DisplayName") or payload.get("CompanyName") or " ".join(
        part for part in (payload.get("GivenName"), payload.get("FamilyName")) if part
    )
    name = checks.text(display or None, "DisplayName", max_length=500, required=True)
    assert name is not None  # required=True guarantees it; narrows the type
    _unique_name(store, "Vendor", "DisplayName", name, own_id)
    currency, _ = checks.currency(store, payload.get("CurrencyRef"), None)
    kept = {k: v for k, v in payload.items() if k not in ("Id", "SyncToken", "MetaData", "domain", "sparse")}
    return {
        **kept,
        "DisplayName": name,
        "PrintOnCheckName": payload.get("PrintOnCheckName") or name,
        "Active": _active(payload),
        "Vendor1099": bool(payload.get("Vendor1099", False)),
        "Balance": checks.amount(payload.get("Balance"), "Balance", required=False) or 0,
        "CurrencyRef": currency,
    }


def prepare_account(store: CompanyStore, payload: dict[str, Any], own_id: str | None, today: date) -> dict:
    """An account needs a unique Name and a known AccountType."""
    name = checks.text(payload.get("Name"), "Name", max_length=NAME_MAX, required=True)
    assert name is not None
    _unique_name(store, "Account", "Name", name, own_id)
    account_type = checks.enum(payload.get("AccountType"), "AccountType", sorted(_ACCOUNT_CLASSIFICATION))
    currency, _ = checks.currency(store, payload.get("CurrencyRef"), None)
    kept = {k: v for k, v in payload.items() if k not in ("Id", "SyncToken", "MetaData", "domain", "sparse")}
    return {
        **kept,
        "Name": name,
        "FullyQualifiedName": name,
        "SubAccount": False,
        "Active": _active(payload),
        "AccountType": account_type,
        "Classification": _ACCOUNT_CLASSIFICATION[str(account_type)],
        "CurrentBalance": checks.amount(payload.get("CurrentBalance"), "CurrentBalance", required=False) or 0,
        "CurrentBalanceWithSubAccounts": 0,
        "CurrencyRef": currency,
    }


def _prepare_simple(entity: str, sub_field: str):  # type: ignore[no-untyped-def]
    def prepare(store: CompanyStore, payload: dict[str, Any], own_id: str | None, today: date) -> dict:
        name = checks.text(payload.get("Name"), "Name", max_length=NAME_MAX, required=True)
        assert name is not None
        _unique_name(store, entity, "Name", name, own_id)
        return {"Name": name, "FullyQualifiedName": name, "Active": _active(payload), sub_field: False}

    prepare.__doc__ = f"A {entity} needs a unique Name."
    return prepare


def prepare_company_currency(store: CompanyStore, payload: dict[str, Any], own_id: str | None, today: date) -> dict:
    """A company currency is an ISO code the company may transact in."""
    code = checks.text(payload.get("Code"), "Code", max_length=3, required=True)
    assert code is not None
    _unique_name(store, "CompanyCurrency", "Code", code, own_id)
    return {"Code": code.upper(), "Name": CURRENCY_NAMES.get(code.upper(), code.upper()), "Active": _active(payload)}


def prepare_preferences(store: CompanyStore, payload: dict[str, Any], own_id: str | None, today: date) -> dict:
    """Preferences update section by section (a sparse update), e.g. a new BookCloseDate."""
    current = store.singleton("Preferences")
    merged = {k: v for k, v in current.items() if k not in ("Id", "SyncToken", "MetaData", "domain", "sparse")}
    for section, values in payload.items():
        if section in ("Id", "SyncToken", "MetaData", "domain", "sparse"):
            continue
        if isinstance(values, dict) and isinstance(merged.get(section), dict):
            merged[section] = {**merged[section], **values}
        else:
            merged[section] = values
    close = merged.get("AccountingInfoPrefs", {}).get("BookCloseDate")
    if close:
        merged["AccountingInfoPrefs"]["BookCloseDate"] = checks.iso_date(close, "AccountingInfoPrefs.BookCloseDate")
    return merged


PREPARERS = {
    "Vendor": prepare_vendor,
    "Account": prepare_account,
    "Class": _prepare_simple("Class", "SubClass"),
    "Department": _prepare_simple("Department", "SubDepartment"),
    "CompanyCurrency": prepare_company_currency,
    "Preferences": prepare_preferences,
}
