"""The Batch API: up to 30 operations in one request, run one after another, each on its own.

Items cannot see each other's results and one item's failure does not stop the rest: each
answer is either the entity (or ``QueryResponse``) or that item's ``Fault``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bookbridge.sandbox.qbo import errors, operations
from bookbridge.sandbox.qbo.entities import entity_type
from bookbridge.sandbox.qbo.query import execute
from bookbridge.sandbox.qbo.store import CompanyStore

MAX_ITEMS = 30
BID_MAX_WITH_REQUEST_ID = 10  # QBO's limit on bId length when the batch carries a requestid
_OPERATIONS = ("create", "update", "delete")


def _validate_envelope(body: Any, has_request_id: bool) -> list[dict[str, Any]]:
    if not isinstance(body, dict) or not isinstance(body.get("BatchItemRequest"), list):
        raise errors.required_missing("BatchItemRequest")
    items = body["BatchItemRequest"]
    if not items:
        raise errors.required_missing("BatchItemRequest")
    if len(items) > MAX_ITEMS:
        raise errors.fault(
            "2050",
            "Length exceeds limit",
            f"A batch holds at most {MAX_ITEMS} BatchItemRequest items; this one has {len(items)}",
            "BatchItemRequest",
        )
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, dict) or not item.get("bId"):
            raise errors.required_missing("BatchItemRequest.bId")
        bid = str(item["bId"])
        if bid in seen:
            raise errors.invalid_property("bId", f"bId {bid} is used twice in one batch")
        if has_request_id and len(bid) > BID_MAX_WITH_REQUEST_ID:
            raise errors.fault(
                "2050",
                "Length exceeds limit",
                f"bId {bid} is longer than {BID_MAX_WITH_REQUEST_ID} characters (requestid is set)",
                "bId",
            )
        seen.add(bid)
    return items


def _run_item(store: CompanyStore, item: dict[str, Any], today: date) -> dict[str, Any]:
    if "Query" in item:
        return {"QueryResponse": execute(store, str(item["Query"]))}
    operation = str(item.get("operation", "")).lower()
    if operation not in _OPERATIONS:
        raise errors.invalid_enumeration("operation", item.get("operation"), list(_OPERATIONS))
    names = [key for key in item if key not in ("bId", "operation", "optionsData")]
    entity = entity_type(names[0]) if len(names) == 1 else None
    if entity is None:
        raise errors.invalid_property("BatchItemRequest", "each item needs exactly one entity object")
    payload = item[names[0]]
    if operation == "create":
        result = operations.create(store, entity, payload, today)
    elif operation == "update":
        result = operations.update(store, entity, payload, today)
    else:
        result = operations.delete(store, entity, payload)
    return {entity.name: result}


def run_batch(store: CompanyStore, body: Any, today: date, *, has_request_id: bool) -> dict[str, Any]:
    """Run every item serially; returns ``{"BatchItemResponse": [...]}``."""
    items = _validate_envelope(body, has_request_id)
    responses: list[dict[str, Any]] = []
    with store.transaction():
        for item in items:
            try:
                answer = _run_item(store, item, today)
            except errors.QboFault as fault:
                # One item's refusal is that item's answer; the batch goes on.
                answer = {"Fault": fault.fault_json()}
            responses.append({"bId": str(item["bId"]), **answer})
    return {"BatchItemResponse": responses}
