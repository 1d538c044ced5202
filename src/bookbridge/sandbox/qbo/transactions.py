"""Validation and shaping of the transactions Bookbridge posts: JournalEntry, Purchase, Bill.

Each ``prepare_*`` function takes the client's JSON (already parsed with Decimals) and returns the
object QBO would store, or raises the fault QBO would answer with. The order of checks follows
what a client meets in practice: shape and required fields, then references, then the business
rules (balance, closed books, duplicate numbers).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from bookbridge.sandbox.qbo import checks, errors
from bookbridge.sandbox.qbo.store import CompanyStore

_BILLABLE = ["Billable", "NotBillable", "HasBeenBilled"]
_PAYMENT_TYPES = ["Cash", "Check", "CreditCard"]
_TAX_CALCULATION = ["TaxInclusive", "TaxExcluded", "NotApplicable"]


def _header(store: CompanyStore, payload: dict[str, Any], entity: str, own_id: str | None, today: date) -> dict:
    """Fields every transaction shares: dates, numbers, notes, currency."""
    doc_number = checks.text(payload.get("DocNumber"), "DocNumber", max_length=checks.DOC_NUMBER_MAX)
    note = checks.text(payload.get("PrivateNote"), "PrivateNote", max_length=checks.NOTE_MAX)
    currency_ref, rate = checks.currency(store, payload.get("CurrencyRef"), payload.get("ExchangeRate"))
    header: dict[str, Any] = {"TxnDate": None, "CurrencyRef": currency_ref}
    if rate != 1 or payload.get("ExchangeRate") is not None:
        header["ExchangeRate"] = rate
    if doc_number:
        header["DocNumber"] = doc_number
    if note:
        header["PrivateNote"] = note
    if "GlobalTaxCalculation" in payload:
        header["GlobalTaxCalculation"] = checks.enum(
            payload["GlobalTaxCalculation"], "GlobalTaxCalculation", _TAX_CALCULATION
        )
    header["TxnDate"] = checks.txn_date(store, payload.get("TxnDate"), today)
    checks.doc_number_unique(store, entity, doc_number, own_id)
    return header


def _description(line: dict[str, Any], index: int) -> dict[str, str]:
    text = checks.text(line.get("Description"), f"Line[{index}].Description", max_length=checks.NOTE_MAX)
    return {"Description": text} if text else {}


def prepare_journal_entry(store: CompanyStore, payload: dict[str, Any], own_id: str | None, today: date) -> dict:
    """Validate a JournalEntry: balanced lines, live references, open period, unique number."""
    raw_lines = checks.lines(payload.get("Line"))
    shaped_lines: list[dict[str, Any]] = []
    debits = credits = Decimal(0)
    for index, line in enumerate(raw_lines):
        element = f"Line[{index}]"
        detail_type = line.get("DetailType")
        if detail_type == "DescriptionOnly":
            shaped_lines.append({"Id": str(index), "DetailType": "DescriptionOnly", **_description(line, index)})
            continue
        checks.enum(detail_type, f"{element}.DetailType", ["JournalEntryLineDetail", "DescriptionOnly"])
        value = checks.required_amount(line.get("Amount"), f"{element}.Amount")
        detail = line.get("JournalEntryLineDetail")
        if not isinstance(detail, dict):
            raise errors.required_missing(f"{element}.JournalEntryLineDetail")
        posting = checks.enum(detail.get("PostingType"), f"{element}.PostingType", ["Debit", "Credit"])
        account = checks.required_reference(store, detail.get("AccountRef"), "Account", f"{element}.AccountRef")
        shaped_detail: dict[str, Any] = {"PostingType": posting, "AccountRef": account}
        entity = _line_entity(store, detail.get("Entity"), element)
        account_type = (store.get("Account", account["value"]) or {}).get("AccountType")
        if account_type == "Accounts Payable" and (entity is None or entity.get("Type") != "Vendor"):
            raise errors.fault(
                "6000",
                "A business validation error has occurred while processing your request",
                "Business Validation Error: When you use Accounts Payable, you must choose a vendor in the Name field.",
                f"{element}.Entity",
            )
        if entity:
            shaped_detail["Entity"] = entity
        for field, target in (("ClassRef", "Class"), ("DepartmentRef", "Department"), ("TaxCodeRef", "TaxCode")):
            ref = checks.reference(store, detail.get(field), target, f"{element}.{field}")
            if ref:
                shaped_detail[field] = ref
        if "TaxApplicableOn" in detail:
            shaped_detail["TaxApplicableOn"] = checks.enum(
                detail["TaxApplicableOn"], f"{element}.TaxApplicableOn", ["Sales", "Purchase"]
            )
        if detail.get("TaxAmount") is not None:
            shaped_detail["TaxAmount"] = checks.required_amount(detail["TaxAmount"], f"{element}.TaxAmount")
        if posting == "Debit":
            debits += value
        else:
            credits += value
        shaped_lines.append(
            {
                "Id": str(index),
                "DetailType": "JournalEntryLineDetail",
                "Amount": value,
                **_description(line, index),
                "JournalEntryLineDetail": shaped_detail,
            }
        )
    # Exact comparison: a one-cent difference must be refused, as QBO refuses it.
    if debits != credits:
        raise errors.unbalanced(debits, credits)
    header = _header(store, payload, "JournalEntry", own_id, today)
    adjustment = bool(payload.get("Adjustment", False))
    return {
        **header,
        "Adjustment": adjustment,
        "TotalAmt": debits,
        "Line": shaped_lines,
        "TxnTaxDetail": payload.get("TxnTaxDetail") or {},
    }


def _line_entity(store: CompanyStore, value: Any, element: str) -> dict[str, Any] | None:
    """A JE line's ``Entity`` (only vendors exist in the sandbox company)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise errors.invalid_property(f"{element}.Entity", "Entity must be an object")
    kind = value.get("Type")
    checks.enum(kind, f"{element}.Entity.Type", ["Vendor", "Customer", "Employee"])
    target = {"Vendor": "Vendor", "Customer": "Customer", "Employee": "Employee"}[str(kind)]
    ref = checks.required_reference(store, value.get("EntityRef"), target, f"{element}.Entity.EntityRef")
    return {"Type": kind, "EntityRef": ref}


def _expense_lines(store: CompanyStore, raw_lines: list[dict[str, Any]]) -> tuple[list[dict], Decimal]:
    """AccountBasedExpenseLineDetail lines of a Purchase or Bill, and their total."""
    shaped: list[dict[str, Any]] = []
    total = Decimal(0)
    for index, line in enumerate(raw_lines):
        element = f"Line[{index}]"
        checks.enum(line.get("DetailType"), f"{element}.DetailType", ["AccountBasedExpenseLineDetail"])
        value = checks.required_amount(line.get("Amount"), f"{element}.Amount")
        detail = line.get("AccountBasedExpenseLineDetail")
        if not isinstance(detail, dict):
            raise errors.required_missing(f"{element}.AccountBasedExpenseLineDetail")
        shaped_detail: dict[str, Any] = {
            "AccountRef": checks.required_reference(store, detail.get("AccountRef"), "Account", f"{element}.AccountRef")
        }
        for field, target in (("ClassRef", "Class"), ("TaxCodeRef", "TaxCode"), ("CustomerRef", "Customer")):
            ref = checks.reference(store, detail.get(field), target, f"{element}.{field}")
            if ref:
                shaped_detail[field] = ref
        shaped_detail["BillableStatus"] = (
            checks.enum(detail.get("BillableStatus"), f"{element}.BillableStatus", _BILLABLE, required=False)
            or "NotBillable"
        )
        if detail.get("TaxAmount") is not None:
            shaped_detail["TaxAmount"] = checks.required_amount(detail["TaxAmount"], f"{element}.TaxAmount")
        total += value
        shaped.append(
            {
                "Id": str(index + 1),
                "DetailType": "AccountBasedExpenseLineDetail",
                "Amount": value,
                **_description(line, index),
                "AccountBasedExpenseLineDetail": shaped_detail,
            }
        )
    return shaped, total


def _tax_total(payload: dict[str, Any]) -> Decimal:
    detail = payload.get("TxnTaxDetail") or {}
    if not isinstance(detail, dict):
        raise errors.invalid_property("TxnTaxDetail", "TxnTaxDetail must be an object")
    if payload.get("GlobalTaxCalculation") != "TaxExcluded":
        return Decimal(0)  # inclusive or no tax: the lines already hold the whole amount
    return checks.amount(detail.get("TotalTax"), "TxnTaxDetail.TotalTax", required=False) or Decimal(0)


def prepare_purchase(store: CompanyStore, payload: dict[str, Any], own_id: str | None, today: date) -> dict:
    """Validate a Purchase (an expense paid by bank, cash or card)."""
    payment_type = checks.enum(payload.get("PaymentType"), "PaymentType", _PAYMENT_TYPES)
    paying = checks.required_reference(store, payload.get("AccountRef"), "Account", "AccountRef")
    paying_type = (store.get("Account", paying["value"]) or {}).get("AccountType")
    wanted = "Credit Card" if payment_type == "CreditCard" else "Bank"
    if paying_type != wanted and not (payment_type == "Cash" and paying_type == "Other Current Asset"):
        raise errors.fault(
            "6000",
            "A business validation error has occurred while processing your request",
            f"Business Validation Error: A {payment_type} expense must be paid from a {wanted} account; "
            f"account {paying['value']} is {paying_type}.",
            "AccountRef",
        )
    shaped_lines, total = _expense_lines(store, checks.lines(payload.get("Line")))
    result: dict[str, Any] = {"PaymentType": payment_type, "AccountRef": paying}
    entity = payload.get("EntityRef")
    if entity is not None:
        kind = entity.get("type", "Vendor") if isinstance(entity, dict) else "Vendor"
        result["EntityRef"] = checks.reference(store, entity, str(kind), "EntityRef")
    department = checks.reference(store, payload.get("DepartmentRef"), "Department", "DepartmentRef")
    if department:
        result["DepartmentRef"] = department
    if payload.get("Credit") is not None:
        result["Credit"] = bool(payload["Credit"])
    header = _header(store, payload, "Purchase", own_id, today)
    tax = _tax_total(payload)
    return {**header, **result, "TotalAmt": total + tax, "Line": shaped_lines, "TxnTaxDetail": payload.get("TxnTaxDetail") or {}}


def prepare_bill(store: CompanyStore, payload: dict[str, Any], own_id: str | None, today: date) -> dict:
    """Validate a Bill (a vendor's invoice to pay later, posted to A/P)."""
    vendor = checks.required_reference(store, payload.get("VendorRef"), "Vendor", "VendorRef")
    ap_ref = payload.get("APAccountRef") or {"value": _default_ap_account(store)}
    ap_account = checks.required_reference(store, ap_ref, "Account", "APAccountRef")
    if (store.get("Account", ap_account["value"]) or {}).get("AccountType") != "Accounts Payable":
        raise errors.fault(
            "6000",
            "A business validation error has occurred while processing your request",
            "Business Validation Error: APAccountRef must be an Accounts Payable account.",
            "APAccountRef",
        )
    shaped_lines, total = _expense_lines(store, checks.lines(payload.get("Line")))
    header = _header(store, payload, "Bill", own_id, today)
    due = checks.iso_date(payload["DueDate"], "DueDate") if payload.get("DueDate") else header["TxnDate"]
    result: dict[str, Any] = {"VendorRef": vendor, "APAccountRef": ap_account, "DueDate": due}
    department = checks.reference(store, payload.get("DepartmentRef"), "Department", "DepartmentRef")
    if department:
        result["DepartmentRef"] = department
    amount_due = total + _tax_total(payload)
    return {
        **header,
        **result,
        "TotalAmt": amount_due,
        "Balance": amount_due,
        "Line": shaped_lines,
        "TxnTaxDetail": payload.get("TxnTaxDetail") or {},
    }


def _default_ap_account(store: CompanyStore) -> str:
    for account in store.all("Account"):
        if account.get("AccountType") == "Accounts Payable" and account.get("Active") is not False:
            return str(account["Id"])
    raise errors.required_missing("APAccountRef")


PREPARERS = {"JournalEntry": prepare_journal_entry, "Purchase": prepare_purchase, "Bill": prepare_bill}
