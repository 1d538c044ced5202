"""Create, read, update and delete, as QBO does them; shared by the REST routes and batch.

Updates need the current ``SyncToken`` (a stale one is fault 5010) and re-run the same
validation as a create. ``"sparse": true`` merges the sent fields into the stored object; a full
update replaces it. Deleting a transaction leaves a tombstone that CDC reports as ``Deleted``.
A transaction dated in a closed period can be neither changed nor deleted (6210).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Callable

from bookbridge.sandbox.qbo import errors, namelists, transactions
from bookbridge.sandbox.qbo.entities import TRANSACTION, EntityType
from bookbridge.sandbox.qbo.store import CompanyStore

Preparer = Callable[[CompanyStore, dict[str, Any], "str | None", date], dict[str, Any]]
PREPARERS: dict[str, Preparer] = {**transactions.PREPARERS, **namelists.PREPARERS}
_SERVER_FIELDS = ("Id", "SyncToken", "MetaData", "domain", "sparse", "status")


def _payload(body: Any, entity: EntityType) -> dict[str, Any]:
    """The entity object of a request body; QBO accepts it bare or wrapped in its name."""
    if not isinstance(body, dict):
        raise errors.malformed_body(f"expected a {entity.name} JSON object")
    wrapped = body.get(entity.name)
    return wrapped if isinstance(wrapped, dict) else body


def read(store: CompanyStore, entity: EntityType, object_id: str) -> dict[str, Any]:
    found = store.get(entity.name, object_id)
    if found is None:
        raise errors.object_not_found(entity.name, object_id)
    return found


def create(store: CompanyStore, entity: EntityType, body: Any, today: date) -> dict[str, Any]:
    """Validate and store a new object; returns it as QBO would."""
    payload = _payload(body, entity)
    if payload.get("Id"):
        # A body with an Id sent to the create route is an update in QBO's API.
        return update(store, entity, payload, today)
    if not entity.creatable or entity.name not in PREPARERS:
        raise errors.unsupported_operation(f"create {entity.name}")
    with store.transaction():
        prepared = PREPARERS[entity.name](store, payload, None, today)
        return store.insert(entity.name, prepared)


def _current_for_write(store: CompanyStore, entity: EntityType, payload: dict[str, Any]) -> dict[str, Any]:
    object_id = payload.get("Id")
    if object_id in (None, ""):
        raise errors.required_missing("Id")
    if payload.get("SyncToken") in (None, ""):
        raise errors.required_missing("SyncToken")
    current = store.get(entity.name, str(object_id))
    if current is None:
        raise errors.object_not_found(entity.name, str(object_id))
    if str(payload["SyncToken"]) != current["SyncToken"]:
        raise errors.stale_object(current["SyncToken"])
    return current


def _check_period_open(store: CompanyStore, entity: EntityType, current: dict[str, Any]) -> None:
    if entity.kind != TRANSACTION:
        return
    close = store.singleton("Preferences").get("AccountingInfoPrefs", {}).get("BookCloseDate")
    if close and str(current.get("TxnDate", "")) <= str(close):
        raise errors.period_closed()


def update(store: CompanyStore, entity: EntityType, body: Any, today: date) -> dict[str, Any]:
    """Validate and store a new version of an existing object."""
    if not entity.updatable or entity.name not in PREPARERS:
        raise errors.unsupported_operation(f"update {entity.name}")
    payload = _payload(body, entity)
    with store.transaction():
        current = _current_for_write(store, entity, payload)
        _check_period_open(store, entity, current)
        if payload.get("sparse") is True:
            merged = {k: v for k, v in current.items() if k not in _SERVER_FIELDS}
            merged.update({k: v for k, v in payload.items() if k not in _SERVER_FIELDS})
        else:
            merged = {k: v for k, v in payload.items() if k not in _SERVER_FIELDS}
        prepared = PREPARERS[entity.name](store, merged, current["Id"], today)
        prepared["Id"] = current["Id"]
        return store.replace(entity.name, prepared)


def delete(store: CompanyStore, entity: EntityType, body: Any) -> dict[str, Any]:
    """Delete a transaction or attachment; returns QBO's ``status: Deleted`` stub."""
    if not entity.deletable:
        raise errors.unsupported_operation(f"delete {entity.name} (make it inactive instead)")
    payload = _payload(body, entity)
    with store.transaction():
        current = _current_for_write(store, entity, payload)
        _check_period_open(store, entity, current)
        store.delete(entity.name, current["Id"])
    return {"Id": current["Id"], "status": "Deleted", "domain": "QBO"}
