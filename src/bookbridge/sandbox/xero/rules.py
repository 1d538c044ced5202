"""Xero's business rules for the documents the sandbox accepts, and the objects it stores.

Each ``build_*`` function checks one element of a request against the organisation's reference
data and returns ``(messages, stored_object)``: no messages means Xero would accept it. Texts:

* quoted from Xero's OpenAPI examples: "The total debits (100.00) must equal total credits (-10.00)";
* from public client code and tests [X8, 3rd-party]: "The document date cannot be before the end
  of year lock date", "Account code '429' has been archived, or has been deleted. Each line item
  must reference a valid account.", "Account code 'X' is not a valid code for this document.",
  "Contact requires a valid ContactId or ContactName", "Invoice # must be unique.";
* modelled on those (no public source found): the period lock date, system accounts in manual
  journals, tracking, tax type, bank account, currency and duplicate contact name texts.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from bookbridge.sandbox.xero.checks import Checker, Reference, money
from bookbridge.sandbox.xero.timefmt import ms_date

def _tax_amount(amount: Decimal, rate: dict[str, Any] | None, mode: str, given: Any) -> Decimal:
    if given is not None:
        return money(Decimal(str(given)))
    percent = Decimal(str((rate or {}).get("EffectiveRate", 0))) / 100
    if mode == "NoTax" or percent == 0:
        return Decimal("0.00")
    if mode == "Exclusive":
        return money(amount * percent)
    return money(amount - amount / (1 + percent))


def build_manual_journal(ref: Reference, item: dict[str, Any], today: date) -> tuple[list[str], dict[str, Any]]:
    check = Checker(ref, today)
    if not str(item.get("Narration") or "").strip():
        check.fail("Narration cannot be empty")
    status = str(item.get("Status") or "DRAFT")
    if status not in ("DRAFT", "POSTED"):
        check.fail(f"A manual journal cannot be created with status {status}")
    day = check.day(item, "Date", today)
    check.lock_dates(day)
    mode = check.line_amount_types(item, "NoTax")
    check.url(item)
    lines = item.get("JournalLines") or []
    if status == "POSTED" and len(lines) < 2:
        check.fail("A posted manual journal must have at least two journal lines")
    built_lines, debits, credits = [], Decimal(0), Decimal(0)
    for line in lines:
        account = check.account(line, manual_journal=True)
        tax = check.tax(line, account)
        if line.get("LineAmount") is None:
            check.fail("Each journal line must have a LineAmount")
            continue
        amount = money(Decimal(str(line["LineAmount"])))
        tax_amount = _tax_amount(abs(amount), tax, mode, line.get("TaxAmount"))
        signed_tax = tax_amount if amount >= 0 else -tax_amount
        gross = amount + signed_tax if mode == "Exclusive" else amount
        debits += gross if gross > 0 else 0
        credits += gross if gross < 0 else 0
        built_lines.append({
            "Description": line.get("Description", ""), "TaxType": (tax or {}).get("TaxType", line.get("TaxType")),
            "LineAmount": amount, "AccountCode": (account or {}).get("Code", line.get("AccountCode")),
            "AccountID": (account or {}).get("AccountID", line.get("AccountID")), "Tracking": check.tracking(line),
            "TaxAmount": signed_tax, "IsBlank": False,
        })
    if status == "POSTED" and debits + credits != 0:
        check.fail(f"The total debits ({money(debits)}) must equal total credits ({money(credits)})")
    stored = {"Date": ms_date(day or today), "Status": status, "LineAmountTypes": mode,
              "Narration": item.get("Narration", ""), "JournalLines": built_lines,
              "ShowOnCashBasisReports": item.get("ShowOnCashBasisReports", True), "HasAttachments": False}
    if item.get("Url"):
        stored["Url"] = item["Url"]
    return check.messages, stored


def _line_items(check: Checker, item: dict[str, Any], mode: str) -> tuple[list[dict[str, Any]], Decimal, Decimal]:
    built, subtotal, total_tax = [], Decimal(0), Decimal(0)
    for line in item.get("LineItems") or []:
        account = check.account(line)
        tax = check.tax(line, account)
        quantity = Decimal(str(line.get("Quantity", 1)))
        if line.get("LineAmount") is not None:
            amount = money(Decimal(str(line["LineAmount"])))
        elif line.get("UnitAmount") is not None:
            amount = money(quantity * Decimal(str(line["UnitAmount"])))
        else:
            check.fail("Each line item must have a UnitAmount or a LineAmount")
            continue
        if not str(line.get("Description") or "").strip():
            check.fail("Description needs to be at least 1 char long")
        tax_amount = _tax_amount(amount, tax, mode, line.get("TaxAmount"))
        subtotal += amount - tax_amount if mode == "Inclusive" else amount
        total_tax += tax_amount
        built.append({
            "LineItemID": line.get("LineItemID") or str(uuid.uuid4()), "Description": line.get("Description", ""),
            "Quantity": quantity, "UnitAmount": Decimal(str(line.get("UnitAmount", amount))),
            "AccountCode": (account or {}).get("Code", line.get("AccountCode")),
            "AccountID": (account or {}).get("AccountID", line.get("AccountID")),
            "TaxType": (tax or {}).get("TaxType", line.get("TaxType")), "TaxAmount": tax_amount, "LineAmount": amount,
            "Tracking": check.tracking(line),
        })
    if not built and not check.messages:
        check.fail("At least one line item is required")
    return built, money(subtotal), money(total_tax)


def _contact_summary(contact: dict[str, Any] | None, given: Any) -> dict[str, Any]:
    if contact is None:
        return dict(given or {})
    return {"ContactID": contact["ContactID"], "Name": contact["Name"], "ContactStatus": contact["ContactStatus"]}


def build_invoice(ref: Reference, item: dict[str, Any], today: date) -> tuple[list[str], dict[str, Any]]:
    check = Checker(ref, today)
    kind = str(item.get("Type") or "")
    if kind not in ("ACCPAY", "ACCREC"):
        check.fail(f"Invoice type '{kind}' is not supported by this sandbox (ACCPAY and ACCREC are)")
    contact = check.contact(item)
    day = check.day(item, "Date", today)
    due = check.day(item, "DueDate", (day or today) + timedelta(days=30))
    check.lock_dates(day)
    check.url(item)
    status = str(item.get("Status") or "DRAFT")
    if status not in ("DRAFT", "SUBMITTED", "AUTHORISED"):
        check.fail(f"An invoice cannot be created with status {status}")
    number = item.get("InvoiceNumber")
    if kind == "ACCREC" and number and number in ref.invoice_numbers:
        check.fail("Invoice # must be unique.")
    currency, rate = check.currency(item)
    mode = check.line_amount_types(item, "Exclusive")
    lines, subtotal, total_tax = _line_items(check, item, mode)
    total = subtotal + total_tax
    stored = {
        "Type": kind, "Contact": _contact_summary(contact, item.get("Contact")), "Date": ms_date(day or today),
        "DueDate": ms_date(due or today), "Status": status, "LineAmountTypes": mode, "LineItems": lines,
        "SubTotal": subtotal, "TotalTax": total_tax, "Total": total, "TotalDiscount": Decimal("0.00"),
        "CurrencyCode": currency, "CurrencyRate": rate, "InvoiceNumber": number or "", "Reference": item.get("Reference", ""),
        "AmountDue": total, "AmountPaid": Decimal("0.00"), "AmountCredited": Decimal("0.00"), "HasAttachments": False,
        "IsDiscounted": False, "Payments": [], "CreditNotes": [],
    }
    if item.get("Url"):
        stored["Url"] = item["Url"]
    if kind == "ACCREC" and number and not check.messages:
        ref.invoice_numbers.add(number)  # a second element of the same request with this number clashes
    return check.messages, stored


def build_bank_transaction(ref: Reference, item: dict[str, Any], today: date) -> tuple[list[str], dict[str, Any]]:
    check = Checker(ref, today)
    kind = str(item.get("Type") or "")
    if kind not in ("SPEND", "RECEIVE"):
        check.fail(f"Bank transaction type '{kind}' is not supported by this sandbox (SPEND and RECEIVE are)")
    contact = check.contact(item)
    bank = _bank_account(check, item.get("BankAccount") or {})
    day = check.day(item, "Date", today)
    check.lock_dates(day)
    check.url(item)
    currency, rate = check.currency(item)
    if bank is not None and bank.get("CurrencyCode") and currency != bank["CurrencyCode"]:
        check.fail(f"The currency {currency} does not match the bank account's currency {bank['CurrencyCode']}")
    status = str(item.get("Status") or "AUTHORISED")
    if status != "AUTHORISED":
        check.fail(f"A bank transaction cannot be created with status {status}")
    mode = check.line_amount_types(item, "Exclusive")
    lines, subtotal, total_tax = _line_items(check, item, mode)
    stored = {
        "Type": kind, "Contact": _contact_summary(contact, item.get("Contact")),
        "BankAccount": {"AccountID": bank["AccountID"], "Code": bank.get("Code", ""), "Name": bank["Name"]}
        if bank else dict(item.get("BankAccount") or {}),
        "Date": ms_date(day or today), "Reference": item.get("Reference", ""), "IsReconciled": False,
        "Status": status, "LineAmountTypes": mode, "LineItems": lines, "SubTotal": subtotal, "TotalTax": total_tax,
        "Total": subtotal + total_tax, "CurrencyCode": currency, "CurrencyRate": rate, "HasAttachments": False,
    }
    if item.get("Url"):
        stored["Url"] = item["Url"]
    return check.messages, stored


def _bank_account(check: Checker, given: dict[str, Any]) -> dict[str, Any] | None:
    found = None
    if given.get("AccountID"):
        found = check.ref.accounts_by_id.get(str(given["AccountID"]).lower())
    elif given.get("Code"):
        found = check.ref.accounts_by_code.get(str(given["Code"]).upper())
    shown = given.get("Code") or given.get("AccountID") or ""
    if found is None or found.get("Type") != "BANK":
        check.fail(f"Bank account '{shown}' is not a valid bank account for this transaction")
        return None
    if found.get("Status") != "ACTIVE":
        check.fail(f"Bank account '{found.get('Code') or shown}' has been archived")
        return None
    return found


def build_contact(ref: Reference, item: dict[str, Any], today: date) -> tuple[list[str], dict[str, Any]]:
    check = Checker(ref, today)
    name = str(item.get("Name") or "").strip()
    if not name:
        check.fail("The contact name must be specified")
    elif name.casefold() in ref.contacts_by_name:
        check.fail(f"The contact name {name} is already assigned to another contact. "
                   "The contact name must be unique across all active contacts.")
    currency = item.get("DefaultCurrency")
    if currency and str(currency).upper() not in ref.currencies:
        check.fail(f"The currency '{currency}' has not been added to this organisation")
    stored = {"ContactStatus": "ACTIVE", "Name": name, "EmailAddress": item.get("EmailAddress", ""),
              "IsSupplier": False, "IsCustomer": False, "DefaultCurrency": currency or ref.base_currency,
              "Addresses": [], "Phones": [], "HasAttachments": False}
    # The name is taken as soon as it is accepted, so a second element of the same request clashes.
    if not check.messages:
        ref.contacts_by_name[name.casefold()] = stored
    return check.messages, stored
