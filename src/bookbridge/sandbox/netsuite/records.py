"""REST record operations on the sandbox account: create, upsert by externalId, read, patch, delete.

``POST /record/v1/{type}`` creates (a repeated ``externalId`` is refused); ``PUT
/record/v1/{type}/eid:{externalId}`` creates or replaces, which is the documented way to avoid
duplicates [N9]; ``GET`` returns the record with ``links`` and ``refName`` on references (sublists
only when ``expandSubResources=true``); ``PATCH`` changes fields; ``DELETE`` removes and leaves a
``deletedrecord`` row. Checks are in :mod:`.validation`; the server adds authentication, limits,
faults and the 204 + ``Location`` answers.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable

from bookbridge.sandbox.netsuite import errors
from bookbridge.sandbox.netsuite.store import AccountStore
from bookbridge.sandbox.netsuite.validation import SPECS, Checker

RECORD_PATH = "/services/rest/record/v1"
CENT = Decimal("0.01")
_REF_TABLES = {"subsidiary": "subsidiary", "currency": "currency", "account": "account", "entity": "entity",
               "expenseAccount": "account",
               "department": "department", "class": "classification", "location": "location",
               "taxCode": "salestaxitem", "category": "expensecategory", "customer": "customer"}
_NAME_COLUMNS = ("name", "entityid", "companyname", "accountsearchdisplaynamecopy", "itemid", "symbol")


@dataclass(slots=True)
class RecordContext:
    """What record operations need: the account, the clock and the server's address (for links)."""

    store: AccountStore
    now: Callable[[], datetime]
    base_url: str

    def stamp(self) -> str:
        return self.now().astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")

    def href(self, record_type: str, record_id: str) -> str:
        return f"{self.base_url}{RECORD_PATH}/{record_type}/{record_id}"


def spec_for(record_type: str):
    spec = SPECS.get(record_type)
    if spec is None:
        raise errors.NsError(404, "INVALID_RCRD_TYPE", f"Record type '{record_type}' does not exist or is not "
                             "supported by REST web services in this sandbox.")
    return spec


def save(ctx: RecordContext, record_type: str, body: Any, *, strict_names: bool, external_id: str | None = None,
         record_id: str | None = None) -> tuple[str, bool]:
    """Check and store a record; returns (internal id, created).

    ``external_id`` comes from an ``eid:`` path (upsert); ``record_id`` from a PATCH (update).
    """
    spec = spec_for(record_type)
    if not isinstance(body, dict):
        raise errors.invalid_content("The request body must be a JSON object.")
    body = copy.deepcopy(body)
    store = ctx.store
    with store.transaction():
        if external_id is not None:
            if body.get("externalId") not in (None, external_id):
                raise errors.invalid_content("The externalId in the body differs from the one in the URL.", "externalId")
            body["externalId"] = external_id
            record_id = store.by_external_id(record_type, external_id)
        elif record_id is None and body.get("externalId") and store.by_external_id(record_type, str(body["externalId"])):
            raise errors.user_error("A record with the same external ID already exists. This record already exists.",
                                    "externalId")
        previous = store.record(record_type, record_id) if record_id else None
        created = previous is None
        checker = Checker(store, spec, strict_names=strict_names)
        checker.unknown_fields(body)
        checker.required(body)
        checker.header_references(body)
        record_id = record_id or store.new_id()
        stamp = ctx.stamp()
        stored = {**body, "id": record_id, "createdDate": previous["createdDate"] if previous else stamp,
                  "lastModifiedDate": stamp}
        if record_type == "vendor":
            row = _vendor(checker, stored, ctx)
        else:
            row = _transaction(checker, record_type, stored, ctx)
        store.save_record(record_type, stored, spec.table, row)
        return record_id, created


def _moment(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _vendor(checker: Checker, stored: dict[str, Any], ctx: RecordContext) -> dict[str, Any]:
    subsidiary = checker.store.row("subsidiary", stored["subsidiary"]["id"])
    assert subsidiary is not None
    currency = stored.get("currency", {}).get("id") if isinstance(stored.get("currency"), dict) else None
    stored["currency"] = {"id": str(currency or subsidiary["currency"])}
    stored.setdefault("entityId", stored["companyName"])
    return {"id": stored["id"], "entityid": stored["entityId"], "companyname": stored["companyName"],
            "isinactive": bool(stored.get("isInactive", False)), "currency": stored["currency"]["id"],
            "email": stored.get("email"), "subsidiary": str(subsidiary["id"]), "externalid": stored.get("externalId"),
            "datecreated": _moment(stored["createdDate"]), "lastmodifieddate": _moment(stored["lastModifiedDate"])}


def _transaction(checker: Checker, record_type: str, stored: dict[str, Any], ctx: RecordContext) -> dict[str, Any]:
    subsidiary = checker.store.row("subsidiary", stored["subsidiary"]["id"])
    assert subsidiary is not None
    day = checker.date_value(stored["tranDate"], "tranDate")
    if stored.get("dueDate") is not None:
        checker.date_value(stored["dueDate"], "dueDate")
    items = checker.items(stored)
    if record_type == "journalEntry":
        total, _ = checker.balanced(items)
    elif record_type == "vendorBill":
        total = sum((_positive(checker, item, "amount", f"expense.items[{n}]") for n, item in enumerate(items)), Decimal(0))
    else:
        total = _expense_lines(checker, items, subsidiary, day)
    checker.open_period(day, payables=record_type == "vendorBill")
    if record_type != "expenseReport":
        currency = stored["currency"]["id"] if isinstance(stored.get("currency"), dict) else str(subsidiary["currency"])
        stored["currency"] = {"id": currency}
        stored["exchangeRate"] = checker.exchange_rate(currency, subsidiary, day, stored.get("exchangeRate"))
    if record_type == "vendorBill":
        stored["userTotal"] = total
    if record_type == "expenseReport":
        stored["total"] = total
    if not stored.get("tranId") and record_type != "vendorBill":
        stored["tranId"] = f"{'JE' if record_type == 'journalEntry' else 'ER'}{stored['id']}"
    entity = stored.get("entity", {}).get("id") if isinstance(stored.get("entity"), dict) else None
    return {"id": stored["id"], "recordtype": record_type.lower(), "tranid": stored.get("tranId"),
            "externalid": stored.get("externalId"), "trandate": day, "createddate": _moment(stored["createdDate"]),
            "lastmodifieddate": _moment(stored["lastModifiedDate"]), "subsidiary": str(subsidiary["id"]),
            "currency": stored["currency"]["id"] if "currency" in stored else str(subsidiary["currency"]),
            "entity": entity, "memo": stored.get("memo"), "foreigntotal": total}


def _positive(checker: Checker, item: dict[str, Any], field: str, path: str) -> Decimal:
    if item.get(field) is None:
        raise errors.missing_fields(["Amount"], f"{path}.{field}")
    value = checker.amount(item[field], field, f"{path}.{field}")
    if value <= 0:
        raise errors.invalid_content(f"Invalid value {value} for field '{field}': it must be positive.", f"{path}.{field}")
    return value


def _expense_lines(checker: Checker, items: list[dict[str, Any]], subsidiary: dict[str, Any], day) -> Decimal:
    """Expense-report lines: a category each; ``amount`` (subsidiary currency) from ``foreignAmount``."""
    total = Decimal(0)
    for n, item in enumerate(items):
        path = f"expense.items[{n}]"
        if item.get("category") is None:
            raise errors.missing_fields(["Category"], f"{path}.category")
        currency = item["currency"]["id"] if isinstance(item.get("currency"), dict) else str(subsidiary["currency"])
        item["currency"] = {"id": currency}
        rate = checker.exchange_rate(currency, subsidiary, day, item.get("exchangeRate"))
        item["exchangeRate"] = rate
        foreign = _positive(checker, item, "foreignAmount" if item.get("foreignAmount") is not None else "amount", path)
        item["foreignAmount"] = foreign
        item["amount"] = (foreign * rate).quantize(CENT, rounding=ROUND_HALF_UP)
        item.setdefault("expenseDate", day.isoformat())
        category = checker.store.row("expensecategory", item["category"]["id"])
        if category is not None:  # the category decides the expense account the line posts to
            item["expenseAccount"] = {"id": str(category["expenseacct"])}
        total += item["amount"]
    return total


def find(ctx: RecordContext, record_type: str, key: str) -> tuple[str, dict[str, Any]]:
    """A stored record by internal id or ``eid:externalId``.

    Raises:
        NsError: 404 NONEXISTENT_ID.
    """
    spec_for(record_type)
    record_id = ctx.store.by_external_id(record_type, key[4:]) if key.startswith("eid:") else key
    body = ctx.store.record(record_type, record_id) if record_id else None
    if body is None:
        raise errors.not_found()
    return str(record_id), body


def represent(ctx: RecordContext, record_type: str, body: dict[str, Any], *, fields: list[str] | None = None,
              expand: bool = False) -> dict[str, Any]:
    """The record as ``GET`` returns it: links, references with ``refName``, sublists collapsed to links."""
    href = ctx.href(record_type, body["id"])
    shown: dict[str, Any] = {"links": [{"rel": "self", "href": href}]}
    for name, value in body.items():
        if fields is not None and name not in fields and name != "id":
            continue
        if isinstance(value, dict) and "items" in value:
            sub: dict[str, Any] = {"links": [{"rel": "self", "href": f"{href}/{name}"}]}
            if expand:
                items = [_with_names(ctx, item) for item in value["items"]]
                sub.update({"items": items, "totalResults": len(items), "count": len(items), "hasMore": False,
                            "offset": 0})
            shown[name] = sub
        elif isinstance(value, dict) and "id" in value:
            shown[name] = _reference(ctx, name, value)
        else:
            shown[name] = value
    return shown


def _with_names(ctx: RecordContext, item: dict[str, Any]) -> dict[str, Any]:
    return {name: _reference(ctx, name, value) if isinstance(value, dict) and "id" in value else value
            for name, value in item.items()}


def _reference(ctx: RecordContext, field: str, value: dict[str, Any]) -> dict[str, Any]:
    table = _REF_TABLES.get(field)
    row = ctx.store.row(table, value["id"]) if table else None
    name = next((str(row[c]) for c in _NAME_COLUMNS if row and row.get(c)), None)
    reference = {"links": [], "id": str(value["id"])}
    if name:
        reference["refName"] = name
    return reference


def patch(ctx: RecordContext, record_type: str, record_id: str, changes: Any, *, strict_names: bool) -> None:
    """Change fields of an existing record (sublists given are replaced whole)."""
    _, current = find(ctx, record_type, record_id)
    if not isinstance(changes, dict):
        raise errors.invalid_content("The request body must be a JSON object.")
    merged = {k: v for k, v in current.items() if k not in ("createdDate", "lastModifiedDate", "userTotal", "total")}
    merged.update(changes)
    save(ctx, record_type, merged, strict_names=strict_names, record_id=record_id)


def delete(ctx: RecordContext, record_type: str, record_id: str) -> None:
    record_id, _ = find(ctx, record_type, record_id)
    ctx.store.delete_record(record_type, record_id, spec_for(record_type).table)
