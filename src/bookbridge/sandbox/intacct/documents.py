"""What the sandbox's write functions do: validate as Intacct does, then store.

* ``create`` of ``GLBATCH`` (journal entries: journal, date in an open period, accounts and
  dimensions that exist and are active, debits equal to credits per currency), ``APBILL``
  (vendor, dates, lines, and a bill number unique per vendor when the AP preference asks for it)
  and ``VENDOR`` (unique VENDORID);
* ``create_expensereport`` (legacy: employee, date parts, lines by GL account with an optional
  expense payment type);
* ``update`` of a few header fields (and STATUS/NAME of list records); ``create_supdoc``.

Each returns what the answer carries (the created record's RECORDNO, or a ``key``) or raises
:class:`FunctionFailure`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bookbridge.sandbox.intacct import errors
from bookbridge.sandbox.intacct.checks import Checker, as_list
from bookbridge.sandbox.intacct.store import CompanyStore

CREATABLE = ("GLBATCH", "APBILL", "VENDOR")
UPDATABLE = {
    "GLBATCH": {"BATCH_TITLE", "REFERENCENO", "SUPDOCID"},
    "APBILL": {"DESCRIPTION", "SUPDOCID", "WHENDUE"},
    "EEXPENSES": {"DESCRIPTION", "SUPDOCID"},
    "GLACCOUNT": {"TITLE", "STATUS"},
    "VENDOR": {"NAME", "STATUS"},
    "CLASS": {"NAME", "STATUS"},
    "DEPARTMENT": {"TITLE", "STATUS"},
    "LOCATION": {"NAME", "STATUS"},
    "PROJECT": {"NAME", "STATUS"},
}
_KEY_FIELDS = {"GLACCOUNT": "ACCOUNTNO", "VENDOR": "VENDORID", "CLASS": "CLASSID", "DEPARTMENT": "DEPARTMENTID",
               "LOCATION": "LOCATIONID", "PROJECT": "PROJECTID"}


def _text(record: dict[str, Any], name: str) -> str:
    value = record.get(name)
    return value.strip() if isinstance(value, str) else ""


def create_glbatch(store: CompanyStore, fields: dict[str, Any]) -> dict[str, Any]:
    check = Checker(store)
    where = "the journal entry"
    check.reference("JOURNAL", fields.get("JOURNAL"), where)
    day = check.day(fields.get("BATCH_DATE"), "BATCH_DATE", where)
    entries = as_list((fields.get("ENTRIES") or {}).get("GLENTRY") if isinstance(fields.get("ENTRIES"), dict) else None)
    if not entries:
        raise errors.required("ENTRIES/GLENTRY", where)
    totals: dict[str, list[Decimal]] = {}
    lines = []
    for number, entry in enumerate(entries, start=1):
        line_where = f"journal entry line {number}"
        account = check.must("ACCOUNT", entry.get("ACCOUNTNO"), line_where)
        currency = check.currency(entry.get("CURRENCY"))
        amount = check.amount(entry.get("TRX_AMOUNT"), "TRX_AMOUNT", line_where, currency)
        tr_type = _text(entry, "TR_TYPE")
        if tr_type not in ("1", "-1"):
            raise errors.business(f"TR_TYPE on {line_where} must be 1 (debit) or -1 (credit), not '{tr_type}'.")
        check.dimensions(entry, line_where)
        check.tax_entries(entry.get("TAXENTRIES"), line_where)
        rate = check.rate(entry.get("EXCHANGE_RATE"), line_where)
        debit_credit = totals.setdefault(currency, [Decimal(0), Decimal(0)])
        debit_credit[0 if tr_type == "1" else 1] += amount
        lines.append({**entry, "LINE_NO": str(number), "ACCOUNTTITLE": account["TITLE"],
                      "CURRENCY": currency, "TRX_AMOUNT": format(amount, "f"),
                      **({"EXCHANGE_RATE": rate} if rate else {})})
    for debits, credits in totals.values():
        if debits != credits:  # exact: one cent off must be refused
            raise errors.unbalanced(format(debits, "f"), format(credits, "f"))
    check.open_period(day)
    batch_no = store.next_number(f"batchno:{fields['JOURNAL']}")
    record = {"BATCHNO": str(batch_no), "JOURNAL": _text(fields, "JOURNAL"), "BATCH_DATE": day.strftime("%m/%d/%Y"),
              "BATCH_TITLE": _text(fields, "BATCH_TITLE"), "REFERENCENO": _text(fields, "REFERENCENO"),
              "STATE": "Posted", "SUPDOCID": "", "MODULE": "2.GL", "ENTRIES": {"GLENTRY": lines}}
    return store.insert("GLBATCH", record)


def create_apbill(store: CompanyStore, fields: dict[str, Any]) -> dict[str, Any]:
    check = Checker(store)
    where = "the bill"
    vendor = check.must("VENDOR", fields.get("VENDORID"), where)
    day = check.day(fields.get("WHENCREATED"), "WHENCREATED", where)
    due = check.day(fields.get("WHENDUE"), "WHENDUE", where) if _text(fields, "WHENDUE") else None
    if due is None and not _text(fields, "TERMNAME"):
        raise errors.business("Either WHENDUE or TERMNAME is required on the bill.", "Give a due date or terms.")
    currency = check.currency(fields.get("CURRENCY"))
    check.rate(fields.get("EXCHANGE_RATE"), where)
    items = as_list((fields.get("APBILLITEMS") or {}).get("APBILLITEM")
                    if isinstance(fields.get("APBILLITEMS"), dict) else None)
    if not items:
        raise errors.required("APBILLITEMS/APBILLITEM", where)
    total = Decimal(0)
    lines = []
    for number, item in enumerate(items, start=1):
        line_where = f"bill line {number}"
        check.reference("ACCOUNT", item.get("ACCOUNTNO"), line_where)
        check.reference("ACCOUNT", item.get("OFFSETGLACCOUNTNO"), line_where, required=False)
        amount = check.amount(item.get("TRX_AMOUNT"), "TRX_AMOUNT", line_where, currency)
        check.dimensions(item, line_where)
        check.tax_entries(item.get("TAXENTRIES"), line_where)
        total += amount
        lines.append({**item, "LINE_NO": str(number), "TRX_AMOUNT": format(amount, "f")})
    check.open_period(day)
    bill_number = _text(fields, "RECORDID")
    if bill_number and store.preferences("AP").get("DUPLICATEBILLNUMBERCHECK") == "T":
        for other in store.records("APBILL"):
            if other.get("RECORDID") == bill_number and other.get("VENDORID") == vendor["VENDORID"]:
                raise errors.duplicate(bill_number)
    record = {"RECORDID": bill_number, "VENDORID": vendor["VENDORID"], "VENDORNAME": vendor["NAME"],
              "WHENCREATED": day.strftime("%m/%d/%Y"), "WHENPOSTED": day.strftime("%m/%d/%Y"),
              "WHENDUE": (due or day).strftime("%m/%d/%Y"), "DESCRIPTION": _text(fields, "DESCRIPTION"),
              "CURRENCY": currency, "BASECURR": check.home, "TOTALENTERED": format(total, "f"), "STATE": "Posted",
              "SUPDOCID": "", "APBILLITEMS": {"APBILLITEM": lines}}
    return store.insert("APBILL", record)


def create_vendor(store: CompanyStore, fields: dict[str, Any]) -> dict[str, Any]:
    vendor_id, name = _text(fields, "VENDORID"), _text(fields, "NAME")
    if not vendor_id:
        raise errors.required("VENDORID", "the vendor")  # the sandbox has no vendor numbering sequence
    if not name:
        raise errors.required("NAME", "the vendor")
    if store.find("VENDOR", "VENDORID", vendor_id) is not None:
        raise errors.duplicate(vendor_id)
    currency = Checker(store).currency(fields.get("CURRENCY")) if _text(fields, "CURRENCY") else ""
    raw_contact = fields.get("DISPLAYCONTACT")
    contact: dict[str, Any] = raw_contact if isinstance(raw_contact, dict) else {}
    return store.insert("VENDOR", {"VENDORID": vendor_id, "NAME": name, "STATUS": "active", "CURRENCY": currency,
                                   "PARENTKEY": "", "PARENTID": "", "PARENTNAME": "", "NAME1099": "",
                                   "DISPLAYCONTACT": {"PRINTAS": _text(contact, "PRINTAS") or name,
                                                      "EMAIL1": _text(contact, "EMAIL1")}})


CREATORS = {"GLBATCH": create_glbatch, "APBILL": create_apbill, "VENDOR": create_vendor}


def create_expense_report(store: CompanyStore, fields: dict[str, Any]) -> dict[str, Any]:
    check = Checker(store)
    where = "the expense report"
    employee = check.must("EMPLOYEE", fields.get("employeeid"), where)
    day = check.day(fields.get("datecreated"), "datecreated", where)
    currency = check.currency(fields.get("currency"))
    state = _text(fields, "state") or "Submitted"
    if state not in ("Draft", "Submitted"):
        raise errors.business(f"state '{state}' is not allowed on a new expense report; use Draft or Submitted.")
    expenses = as_list((fields.get("expenses") or {}).get("expense") if isinstance(fields.get("expenses"), dict) else None)
    if not expenses:
        raise errors.required("expenses/expense", where)
    total = Decimal(0)
    lines = []
    for number, expense in enumerate(expenses, start=1):
        line_where = f"expense line {number}"
        if _text(expense, "expensetype"):
            raise errors.invalid_reference("Expense Type", _text(expense, "expensetype"))
        check.reference("ACCOUNT", expense.get("glaccountno"), line_where)
        amount = check.amount(expense.get("amount"), "amount", line_where, currency)
        check.day(expense.get("expensedate"), "expensedate", line_where)
        check.dimensions(expense, line_where)
        check.reference("PAYMENTTYPE", expense.get("exppmttype"), line_where, required=False)
        total += amount
        lines.append({**expense, "LINE_NO": str(number), "amount": format(amount, "f")})
    check.open_period(day)
    number = store.next_number("expense-report")
    record = {"RECORDID": f"EXP-{number:05d}", "EMPLOYEEID": employee["EMPLOYEEID"],
              "WHENCREATED": day.strftime("%m/%d/%Y"), "WHENPOSTED": "", "DESCRIPTION": _text(fields, "description"),
              "STATE": state, "CURRENCY": currency, "BASECURR": check.home, "TOTALENTERED": format(total, "f"),
              "SUPDOCID": "", "EEXPENSESITEMS": {"EEXPENSESITEM": lines}}
    return store.insert("EEXPENSES", record)


def update(store: CompanyStore, obj: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Change allowed fields of one record, found by RECORDNO (or its list id)."""
    if obj not in UPDATABLE:
        raise errors.business(f"update of {obj} is not supported by this sandbox.")
    recordno = _text(fields, "RECORDNO")
    current = store.get(obj, recordno) if recordno else None
    if current is None and obj in _KEY_FIELDS and _text(fields, _KEY_FIELDS[obj]):
        current = store.find(obj, _KEY_FIELDS[obj], _text(fields, _KEY_FIELDS[obj]))
    if current is None:
        raise errors.business(f"No {obj} record with RECORDNO '{recordno}' was found.", "Read the record first.")
    changes = {k: v for k, v in fields.items() if k not in ("RECORDNO", _KEY_FIELDS.get(obj, "RECORDNO"))}
    refused = sorted(set(changes) - UPDATABLE[obj])
    if refused:
        raise errors.business(f"Field(s) {', '.join(refused)} of {obj} cannot be updated in this sandbox.")
    supdoc = changes.get("SUPDOCID")
    if isinstance(supdoc, str) and supdoc and store.supdoc(supdoc) is None:
        raise errors.invalid_reference("Attachment", supdoc)
    if "STATUS" in changes and changes["STATUS"] not in ("active", "inactive"):
        raise errors.business("STATUS must be active or inactive.")
    return store.update(obj, current["RECORDNO"], changes)


def create_supdoc(store: CompanyStore, fields: dict[str, Any]) -> str:
    supdoc_id = _text(fields, "supdocid")
    if not supdoc_id:
        raise errors.required("supdocid", "the attachment")
    if store.supdoc(supdoc_id) is not None:
        raise errors.duplicate(supdoc_id)
    attachments = as_list((fields.get("attachments") or {}).get("attachment")
                          if isinstance(fields.get("attachments"), dict) else None)
    if not attachments:
        raise errors.required("attachments/attachment", "the attachment")
    store.add_supdoc(supdoc_id, {"name": _text(fields, "supdocname"), "folder": _text(fields, "supdocfoldername"),
                                 "attachments": attachments, "created": store.now_stamp()})
    return supdoc_id
