"""Field checks the sandbox's functions share: references, dates, periods, amounts, currencies.

Each check returns the clean value or raises the :class:`FunctionFailure` Intacct would answer
with: an unknown id is "Invalid <thing> '<id>' specified.", an inactive one "<thing> '<id>' is
inactive.", a date in a closed period "Your transaction date is within a period that's been
closed" (the texts of ERP_FACTS §3.8).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from bookbridge.core.currency import currency as iso_currency, is_currency
from bookbridge.sandbox.intacct import errors
from bookbridge.sandbox.intacct.store import CompanyStore

# Reference fields: where the id lives and how Intacct names the thing in messages.
REFERENCES = {
    "ACCOUNT": ("GLACCOUNT", "ACCOUNTNO", "Account"),
    "VENDOR": ("VENDOR", "VENDORID", "Vendor"),
    "CUSTOMER": ("CUSTOMER", "CUSTOMERID", "Customer"),
    "EMPLOYEE": ("EMPLOYEE", "EMPLOYEEID", "Employee"),
    "CLASS": ("CLASS", "CLASSID", "Class"),
    "DEPARTMENT": ("DEPARTMENT", "DEPARTMENTID", "Department"),
    "LOCATION": ("LOCATION", "LOCATIONID", "Location"),
    "PROJECT": ("PROJECT", "PROJECTID", "Project"),
    "TAXDETAIL": ("TAXDETAIL", "DETAILID", "Tax detail"),
    "JOURNAL": ("GLJOURNAL", "SYMBOL", "Journal"),
    "PAYMENTTYPE": ("EXPENSEPAYMENTTYPE", "NAME", "Expense payment type"),
}
# Line fields naming a dimension, per spelling (GLENTRY, bill lines, legacy lower case).
DIMENSION_FIELDS = {
    "DEPARTMENT": "DEPARTMENT", "DEPARTMENTID": "DEPARTMENT", "LOCATION": "LOCATION", "LOCATIONID": "LOCATION",
    "CLASSID": "CLASS", "PROJECTID": "PROJECT", "CUSTOMERID": "CUSTOMER", "VENDORID": "VENDOR",
    "EMPLOYEEID": "EMPLOYEE",
}


class Checker:
    """Checks against one company's lists and settings."""

    def __init__(self, store: CompanyStore) -> None:
        self.store = store
        self.home = store.preferences("GEN").get("BASECURRENCY", "USD")

    def reference(self, kind: str, value: Any, where: str, *, required: bool = True) -> dict[str, Any] | None:
        obj, field, label = REFERENCES[kind]
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            if required:
                raise errors.required(field, where)
            return None
        record = self.store.find(obj, field, text)
        if record is None:
            raise errors.invalid_reference(label, text)
        if record.get("STATUS", "active") != "active":
            raise errors.inactive_reference(label, text)
        return record

    def must(self, kind: str, value: Any, where: str) -> dict[str, Any]:
        """A required reference: the record, or the failure Intacct answers."""
        record = self.reference(kind, value, where)
        if record is None:  # reference() raises for a missing required value; this keeps types exact
            raise errors.required(REFERENCES[kind][1], where)
        return record

    def dimensions(self, line: dict[str, Any], where: str) -> dict[str, str]:
        """Check every dimension field on a line (upper or lower case); returns them as sent."""
        found = {}
        for name, value in line.items():
            kind = DIMENSION_FIELDS.get(name.upper())
            if kind is not None and isinstance(value, str) and value.strip():
                self.reference(kind, value, where)
                found[name] = value.strip()
        return found

    def day(self, value: Any, field: str, where: str) -> date:
        if isinstance(value, dict):  # legacy functions: <year>, <month>, <day>
            try:
                return date(int(value.get("year", "")), int(value.get("month", "")), int(value.get("day", "")))
            except ValueError:
                raise errors.business(f"{field} on {where} is not a valid date.") from None
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            raise errors.required(field, where)
        try:
            return datetime.strptime(text, "%m/%d/%Y").date()
        except ValueError:
            raise errors.business(f"{field} '{text}' on {where} is not a valid date; use MM/DD/YYYY.") from None

    def open_period(self, day: date) -> None:
        closed = self.store.preferences("GL").get("BOOKSCLOSEDTHROUGH")
        if closed and day <= datetime.strptime(closed, "%m/%d/%Y").date():
            raise errors.closed_period(day.strftime("%m/%d/%Y"), closed)

    def currency(self, value: Any) -> str:
        code = (value.strip().upper() if isinstance(value, str) else "") or self.home
        if code == self.home:
            return code
        if self.store.preferences("GEN").get("MULTICURRENCY") != "T":
            raise errors.business(f"Currency {code} cannot be used: the company is not multi-currency.")
        enabled = self.store.find("TRXCURRENCIES", "CODE", code)
        if enabled is None or enabled.get("STATUS") != "active":
            raise errors.invalid_reference("Currency", code)
        return code

    def amount(self, value: Any, field: str, where: str, currency: str, *, positive: bool = True) -> Decimal:
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            raise errors.required(field, where)
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise errors.business(f"{field} '{text}' on {where} is not a number.") from None
        if not amount.is_finite() or (positive and amount <= 0):
            raise errors.business(f"{field} on {where} must be a positive amount, not {text}.")
        exponent = iso_currency(currency).exponent if is_currency(currency) else 2
        if amount != amount.quantize(Decimal(1).scaleb(-exponent)):
            raise errors.business(f"{field} {text} on {where} has more than {exponent} decimals for {currency}.")
        return amount

    def rate(self, value: Any, where: str) -> str | None:
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            return None
        try:
            if Decimal(text) <= 0:
                raise InvalidOperation
        except InvalidOperation:
            raise errors.business(f"EXCHANGE_RATE '{text}' on {where} must be a positive number.") from None
        return text

    def tax_entries(self, value: Any, where: str) -> None:
        if not isinstance(value, dict):
            return
        entries = value.get("TAXENTRY") or value.get("taxentry") or []
        for entry in entries if isinstance(entries, list) else [entries]:
            self.reference("TAXDETAIL", (entry or {}).get("DETAILID") or (entry or {}).get("detailid"), where)


def as_list(value: Any) -> list[dict[str, Any]]:
    """Repeated child elements as a list of records (one element parses as a dict)."""
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return [value] if isinstance(value, dict) else []
