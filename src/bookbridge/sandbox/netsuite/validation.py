"""How NetSuite checks a transaction or vendor before saving it, and what it says when it refuses.

One :class:`Checker` per write: it knows the record type's fields, required fields, references
and business rules (balanced journal entries, open accounting periods, active references), and
raises the first refusal as NetSuite would, in NetSuite's words (see :mod:`.errors`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from bookbridge.sandbox.netsuite import errors
from bookbridge.sandbox.netsuite.store import AccountStore

CUSTOM_PREFIXES = ("custbody", "custcol", "cseg", "custentity")


@dataclass(frozen=True, slots=True)
class RecordSpec:
    """One record type: its header fields, its sublist (if any) and what they reference."""

    name: str
    table: str  # the SuiteQL table its rows appear in
    header: frozenset[str]
    required: tuple[tuple[str, str], ...]  # (field, label NetSuite shows)
    references: dict[str, str]  # header field -> table
    sublist: str | None = None
    item_fields: frozenset[str] = frozenset()
    item_references: dict[str, str] | None = None


_DIMENSIONS = {"department": "department", "class": "classification", "location": "location"}
_TAX = {"taxCode": "salestaxitem"}

SPECS: dict[str, RecordSpec] = {
    "journalEntry": RecordSpec(
        "journalEntry", "transaction",
        frozenset({"externalId", "subsidiary", "currency", "exchangeRate", "tranDate", "tranId", "memo", "line"}),
        (("subsidiary", "Subsidiary"), ("tranDate", "Date")),
        {"subsidiary": "subsidiary", "currency": "currency"},
        "line", frozenset({"account", "debit", "credit", "memo", "department", "class", "location", "entity", "taxCode",
                           "tax1Amt"}),
        {"account": "account", "entity": "entity", **_DIMENSIONS, **_TAX},
    ),
    "vendorBill": RecordSpec(
        "vendorBill", "transaction",
        frozenset({"externalId", "entity", "subsidiary", "account", "tranDate", "dueDate", "tranId", "memo", "currency",
                   "exchangeRate", "department", "class", "location", "expense"}),
        (("entity", "Vendor"), ("subsidiary", "Subsidiary"), ("tranDate", "Date")),
        {"entity": "vendor", "subsidiary": "subsidiary", "account": "account", "currency": "currency", **_DIMENSIONS},
        "expense", frozenset({"account", "amount", "memo", "department", "class", "location", "taxCode", "tax1Amt",
                              "customer", "isBillable"}),
        {"account": "account", "customer": "customer", **_DIMENSIONS, **_TAX},
    ),
    "expenseReport": RecordSpec(
        "expenseReport", "transaction",
        frozenset({"externalId", "entity", "subsidiary", "account", "tranDate", "tranId", "memo", "department", "class",
                   "location", "expense"}),
        (("entity", "Employee"), ("subsidiary", "Subsidiary"), ("tranDate", "Date")),
        {"entity": "employee", "subsidiary": "subsidiary", "account": "account", **_DIMENSIONS},
        "expense", frozenset({"expenseDate", "category", "amount", "foreignAmount", "currency", "exchangeRate", "memo",
                              "department", "class", "location", "taxCode", "tax1Amt", "customer", "isBillable",
                              "isNonReimbursable", "expenseAccount"}),
        {"category": "expensecategory", "currency": "currency", "customer": "customer", **_DIMENSIONS, **_TAX},
    ),
    "vendor": RecordSpec(
        "vendor", "vendor",
        frozenset({"externalId", "companyName", "entityId", "isPerson", "subsidiary", "currency", "email", "isInactive"}),
        (("companyName", "Company Name"), ("subsidiary", "Primary Subsidiary")),
        {"subsidiary": "subsidiary", "currency": "currency"},
    ),
}


def _custom(name: str) -> bool:
    return name.startswith(CUSTOM_PREFIXES)


class Checker:
    """Checks one record body against the account (the caller holds the store's lock)."""

    def __init__(self, store: AccountStore, spec: RecordSpec, *, strict_names: bool) -> None:
        self.store = store
        self.spec = spec
        self.strict_names = strict_names

    def unknown_fields(self, body: dict[str, Any]) -> None:
        """With ``X-NetSuite-PropertyNameValidation: error``, an unknown field name is refused."""
        if not self.strict_names:
            return
        for name in body:
            if name not in self.spec.header and not _custom(name) and name not in ("id", "links"):
                raise errors.invalid_content(f"Invalid field '{name}' on record '{self.spec.name}'. The field does "
                                             "not exist or you do not have access to it.", name)
        if self.spec.sublist and isinstance(body.get(self.spec.sublist), dict):
            for n, item in enumerate(body[self.spec.sublist].get("items") or []):
                for name in item if isinstance(item, dict) else ():
                    if name not in self.spec.item_fields and not _custom(name):
                        raise errors.invalid_content(
                            f"Invalid field '{name}' on sublist '{self.spec.sublist}'.", f"{self.spec.sublist}.items[{n}].{name}")

    def required(self, body: dict[str, Any]) -> None:
        missing = [label for field, label in self.spec.required if body.get(field) in (None, "", {})]
        if missing:
            raise errors.missing_fields(missing)

    def reference_id(self, value: Any, field: str, path: str) -> str:
        if not isinstance(value, dict) or value.get("id") in (None, ""):
            raise errors.invalid_content(f"Invalid value for the resource or sub-resource field '{field}'. Provide a "
                                         "reference as {\"id\": ...}.", path)
        return str(value["id"])

    def active_row(self, table: str, row_id: str) -> dict[str, Any] | None:
        row = self.store.row(table, row_id)
        return None if row is None or row.get("isinactive") else row

    def header_references(self, body: dict[str, Any]) -> None:
        for field, table in self.spec.references.items():
            if body.get(field) is None:
                continue
            row_id = self.reference_id(body[field], field, field)
            if self.active_row(table, row_id) is None:
                raise errors.invalid_reference(field, row_id)

    def items(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        """The sublist's items, each reference checked."""
        name = self.spec.sublist
        assert name is not None
        sub = body.get(name)
        items = sub.get("items") if isinstance(sub, dict) else None
        if not items:
            raise errors.missing_fields(["Items" if name == "line" else "Expenses"], name)
        for n, item in enumerate(items):
            if not isinstance(item, dict):
                raise errors.invalid_content(f"Each item of '{name}' must be an object.", f"{name}.items[{n}]")
            for field, table in (self.spec.item_references or {}).items():
                if item.get(field) is None:
                    continue
                path = f"{name}.items[{n}].{field}"
                row_id = self.reference_id(item[field], field, path)
                if self.active_row(table, row_id) is None:
                    raise errors.invalid_field_value(field, row_id, path)
        return items

    # --- values ------------------------------------------------------------------------------------
    @staticmethod
    def amount(value: Any, field: str, path: str) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            raise errors.invalid_content(f"Invalid value {value!r} for field '{field}': a number is required.", path)
        return Decimal(value)

    @staticmethod
    def date_value(value: Any, field: str) -> date:
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise errors.invalid_content(f"Invalid value for the resource or sub-resource field '{field}'. Provide a "
                                         "valid value (YYYY-MM-DD).", field) from None

    def open_period(self, day: date, *, payables: bool) -> None:
        """The date must fall in a posting period that is neither closed nor locked (A/P locks bills)."""
        for period in self.store.rows("accountingperiod"):
            if period["isyear"] or period["isquarter"] or period["isadjust"]:
                continue
            if period["startdate"] <= day <= period["enddate"]:
                locked = period["closed"] or period["alllocked"] or (payables and period["aplocked"])
                if not locked:
                    return
        raise errors.closed_period()

    def balanced(self, items: list[dict[str, Any]]) -> tuple[Decimal, Decimal]:
        debits = credits = Decimal(0)
        for n, item in enumerate(items):
            path = f"line.items[{n}]"
            if item.get("account") is None:
                raise errors.missing_fields(["Account"], f"{path}.account")
            has_debit, has_credit = item.get("debit") is not None, item.get("credit") is not None
            if has_debit == has_credit:
                raise errors.user_error("Each journal line needs an amount in either Debit or Credit.", path)
            side = "debit" if has_debit else "credit"
            value = self.amount(item[side], side, f"{path}.{side}")
            if value < 0:
                raise errors.invalid_content(f"Invalid value {value} for field '{side}': amounts cannot be negative.",
                                             f"{path}.{side}")
            debits, credits = (debits + value, credits) if has_debit else (debits, credits + value)
        if debits != credits:
            raise errors.user_error(f"The journal entry is not balanced: debits total {debits} and credits total {credits}.",
                                    "line")
        return debits, credits

    def exchange_rate(self, currency_id: str, subsidiary: dict[str, Any], day: date, given: Any) -> Decimal:
        """1 for the subsidiary's own currency, else the rate given or the account's rate on ``day``."""
        if str(subsidiary["currency"]) == currency_id:
            return Decimal(1)
        if given is not None:
            rate = self.amount(given, "exchangeRate", "exchangeRate")
            if rate <= 0:
                raise errors.invalid_content("Invalid value for field 'exchangeRate': it must be positive.", "exchangeRate")
            return rate
        rates = [r for r in self.store.rows("currencyrate") if str(r["basecurrency"]) == str(subsidiary["currency"])
                 and str(r["transactioncurrency"]) == currency_id and r["effectivedate"] <= day]
        if not rates:
            raise errors.user_error("No exchange rate exists for this currency on the transaction date.", "exchangeRate")
        return max(rates, key=lambda r: r["effectivedate"])["exchangerate"]
