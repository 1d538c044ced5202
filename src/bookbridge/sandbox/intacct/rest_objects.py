"""The sandbox company's records as REST objects, and REST bodies as the records the XML side stores.

REST and XML share one :class:`~.store.CompanyStore`: a journal entry created over REST is a
``GLBATCH`` an XML ``readByQuery`` finds, and the other way round. Writes are translated to the
XML field names and run through the same validation (:mod:`.documents`), so both transports
refuse the same things with the same texts.

Field names: the journal entry's follow Sage's REST reference [I11]; the others are UNCONFIRMED
and match what the connector reads (:mod:`bookbridge.connectors.intacct.rest.records`). Decimals
are strings, as in Sage's REST examples; dates ISO; times ISO 8601 UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable

from bookbridge.sandbox.intacct import documents
from bookbridge.sandbox.intacct.store import CompanyStore

XML_DAY = "%m/%d/%Y"


class BadRequest(Exception):
    """A body that does not fit the object's schema (REST answers 400 before any business check)."""


def iso_time(stamp: Any) -> str | None:
    if not isinstance(stamp, str) or not stamp:
        return None
    return datetime.strptime(stamp, "%m/%d/%Y %H:%M:%S").strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_day(text: Any) -> str | None:
    if not isinstance(text, str) or not text:
        return None
    return datetime.strptime(text, XML_DAY).date().isoformat()


def xml_day(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise BadRequest(f"{field} is required and must be a date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(value).strftime(XML_DAY)
    except ValueError:
        raise BadRequest(f"{field} '{value}' is not a date (YYYY-MM-DD)") from None


def _status(record: dict[str, Any]) -> str | None:
    return record.get("STATUS")


def _audit(record: dict[str, Any]) -> dict[str, Any]:
    return {"createdDateTime": iso_time(record.get("WHENCREATED")) if " " in str(record.get("WHENCREATED", ""))
            else iso_time(record.get("WHENMODIFIED")), "modifiedDateTime": iso_time(record.get("WHENMODIFIED"))}


def _ref(value: Any) -> dict[str, Any]:
    return {"id": value or None}


@dataclass(frozen=True, slots=True)
class RestObject:
    """One REST object backed by one stored object."""

    name: str
    stored: str
    to_rest: Callable[[dict[str, Any]], dict[str, Any]]
    create: Callable[[CompanyStore, dict[str, Any]], dict[str, Any]] | None = None

    def render(self, record: dict[str, Any]) -> dict[str, Any]:
        return {"key": record.get("RECORDNO"), **self.to_rest(record),
                "href": f"/objects/{self.name}/{record.get('RECORDNO')}"}


def _account(r: dict[str, Any]) -> dict[str, Any]:
    kind = str(r.get("ACCOUNTTYPE") or "")
    return {"id": r.get("ACCOUNTNO"), "name": r.get("TITLE"),
            "accountType": {"balancesheet": "balanceSheet", "incomestatement": "incomeStatement"}.get(kind, kind or None),
            "normalBalance": r.get("NORMALBALANCE"), "category": r.get("CATEGORY"), "status": _status(r),
            "audit": _audit(r)}


def _vendor(r: dict[str, Any]) -> dict[str, Any]:
    raw = r.get("DISPLAYCONTACT")
    contact: dict[str, Any] = raw if isinstance(raw, dict) else {}
    return {"id": r.get("VENDORID"), "name": r.get("NAME"), "status": _status(r), "currency": r.get("CURRENCY") or None,
            "contacts": {"default": {"printAs": contact.get("PRINTAS"), "email1": contact.get("EMAIL1") or None}},
            "audit": _audit(r)}


def _dimension(id_field: str, name_field: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def render(r: dict[str, Any]) -> dict[str, Any]:
        return {"id": r.get(id_field), "name": r.get(name_field), "status": _status(r),
                "parent": _ref(r.get("PARENTID")), "audit": _audit(r)}
    return render


def _tax_detail(r: dict[str, Any]) -> dict[str, Any]:
    return {"id": r.get("DETAILID"), "description": r.get("DESCRIPTION"), "taxType": (r.get("TAXTYPE") or "").lower()
            or None, "taxRate": r.get("VALUE"), "taxAuthority": r.get("TAXAUTHORITY"), "status": _status(r),
            "audit": _audit(r)}


def _currency(r: dict[str, Any]) -> dict[str, Any]:
    return {"id": r.get("CODE"), "name": r.get("DESCRIPTION"), "status": _status(r)}


def _rate(r: dict[str, Any]) -> dict[str, Any]:
    return {"fromCurrency": r.get("FROM_CURRENCY"), "toCurrency": r.get("TO_CURRENCY"), "rate": r.get("RATE"),
            "effectiveDate": iso_day(r.get("EFFECTIVE_START_DATE"))}


_GL_DIMENSIONS = {"department": "DEPARTMENT", "location": "LOCATION", "class": "CLASSID", "project": "PROJECTID",
                  "customer": "CUSTOMERID", "vendor": "VENDORID", "employee": "EMPLOYEEID"}
_BILL_DIMENSIONS = {**_GL_DIMENSIONS, "department": "DEPARTMENTID", "location": "LOCATIONID"}


def _dimensions_out(line: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    return {kind: {"id": line[field]} for kind, field in names.items() if line.get(field)}


def _lines(record: dict[str, Any], owner: str, item: str) -> list[dict[str, Any]]:
    block = record.get(owner)
    found = block.get(item) if isinstance(block, dict) else None
    return found if isinstance(found, list) else [found] if isinstance(found, dict) else []


def _journal_entry(r: dict[str, Any]) -> dict[str, Any]:
    lines = [{"lineNumber": int(e.get("LINE_NO") or n), "glAccount": {"id": e.get("ACCOUNTNO")},
              "txnType": "debit" if e.get("TR_TYPE") == "1" else "credit", "txnAmount": e.get("TRX_AMOUNT"),
              "description": e.get("DESCRIPTION"), "dimensions": _dimensions_out(e, _GL_DIMENSIONS),
              "currency": {"txnCurrency": e.get("CURRENCY"), "exchangeRate": e.get("EXCHANGE_RATE")}}
             for n, e in enumerate(_lines(r, "ENTRIES", "GLENTRY"), start=1)]
    return {"id": r.get("RECORDNO"), "glJournal": {"id": r.get("JOURNAL")}, "postingDate": iso_day(r.get("BATCH_DATE")),
            "description": r.get("BATCH_TITLE"), "referenceNumber": r.get("REFERENCENO") or None,
            "state": (r.get("STATE") or "").lower() or None, "audit": _audit(r), **({"lines": lines} if lines else {})}


def _bill(r: dict[str, Any]) -> dict[str, Any]:
    lines = [{"lineNumber": int(i.get("LINE_NO") or n), "glAccount": {"id": i.get("ACCOUNTNO")},
              "txnAmount": i.get("TRX_AMOUNT"), "memo": i.get("ENTRYDESCRIPTION"),
              "dimensions": _dimensions_out(i, _BILL_DIMENSIONS)}
             for n, i in enumerate(_lines(r, "APBILLITEMS", "APBILLITEM"), start=1)]
    return {"id": r.get("RECORDNO"), "billNumber": r.get("RECORDID") or None,
            "vendor": {"id": r.get("VENDORID"), "name": r.get("VENDORNAME")},
            "createdDate": iso_day(r.get("WHENCREATED")), "dueDate": iso_day(r.get("WHENDUE")),
            "description": r.get("DESCRIPTION"), "currency": {"txnCurrency": r.get("CURRENCY"),
                                                              "baseCurrency": r.get("BASECURR")},
            "totalTxnAmount": r.get("TOTALENTERED"), "state": (r.get("STATE") or "").lower() or None,
            "audit": _audit(r), **({"lines": lines} if lines else {})}


# --- writes: REST bodies to the stored (XML) field names -----------------------------------------

def _object(value: Any, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRequest(f"{field} must be an object")
    return value


def _only(body: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise BadRequest(f"{', '.join(unknown)} {'is not a property' if len(unknown) == 1 else 'are not properties'} "
                         f"of {where}")


def _amount(value: Any, field: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise BadRequest(f"{field} must be a decimal string such as \"100.00\"")
    return str(value)


def _dimensions_in(line: dict[str, Any], names: dict[str, str], where: str) -> dict[str, str]:
    dims = _object(line.get("dimensions"), f"{where}.dimensions")
    _only(dims, set(names), f"{where}.dimensions")
    return {names[kind]: str(_object(ref, f"{where}.dimensions.{kind}").get("id") or "") for kind, ref in dims.items()}


def _lines_in(body: dict[str, Any], minimum: int) -> list[dict[str, Any]]:
    lines = body.get("lines")
    if not isinstance(lines, list) or len(lines) < minimum or not all(isinstance(x, dict) for x in lines):
        raise BadRequest(f"lines is required: an array of at least {minimum} line object(s)")
    return lines


def create_journal_entry(store: CompanyStore, body: dict[str, Any]) -> dict[str, Any]:
    _only(body, {"glJournal", "postingDate", "description", "referenceNumber", "lines", "state"}, "journal-entry")
    if not isinstance(body.get("description"), str) or not body["description"].strip():
        raise BadRequest("description is required")
    entries = []
    for n, line in enumerate(_lines_in(body, 2), start=1):
        where = f"lines[{n}]"
        _only(line, {"glAccount", "txnType", "txnAmount", "description", "dimensions", "currency", "documentId"}, where)
        if line.get("txnType") not in ("debit", "credit"):
            raise BadRequest(f"{where}.txnType must be debit or credit")
        currency = _object(line.get("currency"), f"{where}.currency")
        entry = {"ACCOUNTNO": str(_object(line.get("glAccount"), f"{where}.glAccount").get("id") or ""),
                 "TR_TYPE": "1" if line["txnType"] == "debit" else "-1",
                 "TRX_AMOUNT": _amount(line.get("txnAmount"), f"{where}.txnAmount"),
                 "DESCRIPTION": str(line.get("description") or ""), "CURRENCY": str(currency.get("txnCurrency") or ""),
                 **_dimensions_in(line, _GL_DIMENSIONS, where)}
        if currency.get("exchangeRate") is not None:
            entry["EXCHANGE_RATE"] = _amount(currency["exchangeRate"], f"{where}.currency.exchangeRate")
        entries.append(entry)
    fields = {"JOURNAL": str(_object(body.get("glJournal"), "glJournal").get("id") or ""),
              "BATCH_DATE": xml_day(body.get("postingDate"), "postingDate"), "BATCH_TITLE": body["description"],
              "REFERENCENO": str(body.get("referenceNumber") or ""), "ENTRIES": {"GLENTRY": entries}}
    return documents.create_glbatch(store, fields)


def create_bill(store: CompanyStore, body: dict[str, Any]) -> dict[str, Any]:
    _only(body, {"vendor", "createdDate", "dueDate", "billNumber", "description", "currency", "lines",
                 "referenceNumber"}, "bill")
    currency = _object(body.get("currency"), "currency")
    items = []
    for n, line in enumerate(_lines_in(body, 1), start=1):
        where = f"lines[{n}]"
        _only(line, {"glAccount", "txnAmount", "memo", "dimensions"}, where)
        items.append({"ACCOUNTNO": str(_object(line.get("glAccount"), f"{where}.glAccount").get("id") or ""),
                      "TRX_AMOUNT": _amount(line.get("txnAmount"), f"{where}.txnAmount"),
                      "ENTRYDESCRIPTION": str(line.get("memo") or ""), **_dimensions_in(line, _BILL_DIMENSIONS, where)})
    fields = {"VENDORID": str(_object(body.get("vendor"), "vendor").get("id") or ""),
              "WHENCREATED": xml_day(body.get("createdDate"), "createdDate"),
              "WHENDUE": xml_day(body["dueDate"], "dueDate") if body.get("dueDate") else "",
              "RECORDID": str(body.get("billNumber") or ""), "DESCRIPTION": str(body.get("description") or ""),
              "CURRENCY": str(currency.get("txnCurrency") or ""), "APBILLITEMS": {"APBILLITEM": items}}
    if currency.get("exchangeRate") is not None:
        fields["EXCHANGE_RATE"] = _amount(currency["exchangeRate"], "currency.exchangeRate")
    return documents.create_apbill(store, fields)


def create_vendor(store: CompanyStore, body: dict[str, Any]) -> dict[str, Any]:
    _only(body, {"id", "name", "currency", "contacts", "status"}, "vendor")
    contact = _object(_object(body.get("contacts"), "contacts").get("default"), "contacts.default")
    return documents.create_vendor(store, {
        "VENDORID": str(body.get("id") or ""), "NAME": str(body.get("name") or ""),
        "CURRENCY": str(body.get("currency") or ""),
        "DISPLAYCONTACT": {"PRINTAS": str(contact.get("printAs") or ""), "EMAIL1": str(contact.get("email1") or "")}})


OBJECTS = {obj.name: obj for obj in (
    RestObject("general-ledger/account", "GLACCOUNT", _account),
    RestObject("accounts-payable/vendor", "VENDOR", _vendor, create_vendor),
    RestObject("company-config/department", "DEPARTMENT", _dimension("DEPARTMENTID", "TITLE")),
    RestObject("company-config/location", "LOCATION", _dimension("LOCATIONID", "NAME")),
    RestObject("company-config/class", "CLASS", _dimension("CLASSID", "NAME")),
    RestObject("projects/project", "PROJECT", _dimension("PROJECTID", "NAME")),
    RestObject("tax/tax-detail", "TAXDETAIL", _tax_detail),
    RestObject("company-config/currency", "TRXCURRENCIES", _currency),
    RestObject("company-config/exchange-rate", "EXCHANGERATEENTRY", _rate),
    RestObject("general-ledger/journal-entry", "GLBATCH", _journal_entry, create_journal_entry),
    RestObject("accounts-payable/bill", "APBILL", _bill, create_bill),
)}
COMPANY_OBJECT = "company-config/company"


def company_row(store: CompanyStore) -> dict[str, Any]:
    """The one company record, from the preferences the XML side serves through get_companyprefs."""
    general, ledger = store.preferences("GEN"), store.preferences("GL")
    return {"key": "1", "id": store.company_id, "name": general.get("COMPANYNAME"), "country": general.get("COUNTRY"),
            "baseCurrency": general.get("BASECURRENCY"), "isMultiCurrency": general.get("MULTICURRENCY") == "T",
            "booksClosedThroughDate": iso_day(ledger.get("BOOKSCLOSEDTHROUGH"))}
