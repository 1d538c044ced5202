"""Change data capture: what changed (or was deleted) since a moment, within 30 days.

The answer nests one ``QueryResponse`` per requested entity inside ``CDCResponse``, as QBO does;
deleted objects appear as ``{"Id", "status": "Deleted", "domain", "MetaData"}``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bookbridge.sandbox.qbo import errors
from bookbridge.sandbox.qbo.entities import entity_type
from bookbridge.sandbox.qbo.store import CompanyStore
from bookbridge.sandbox.qbo.timefmt import parse_time

LOOKBACK = timedelta(days=30)
MAX_OBJECTS = 1000  # per answer, as documented; clients should ask for short windows


def _parse_since(changed_since: str, now: datetime) -> datetime:
    if not changed_since:
        raise errors.required_missing("changedSince")
    try:
        since = parse_time(changed_since)
    except ValueError:
        raise errors.invalid_property("changedSince", f"changedSince={changed_since!r} is not an ISO 8601 date-time") from None
    if since < now - LOOKBACK:
        raise errors.fault(
            "4001",
            "Invalid query",
            "QueryValidationError: changedSince must be within the last 30 days",
            "changedSince",
        )
    return since


def run_cdc(store: CompanyStore, entities: str, changed_since: str, now: datetime) -> dict[str, Any]:
    """Objects of ``entities`` (comma-separated) changed at or after ``changed_since``."""
    since = _parse_since(changed_since, now)
    names = [name.strip() for name in entities.split(",") if name.strip()]
    if not names:
        raise errors.required_missing("entities")
    responses: list[dict[str, Any]] = []
    budget = MAX_OBJECTS
    for name in names:
        entity = entity_type(name)
        if entity is None:
            raise errors.invalid_property("entities", f"{name} is not an entity this company supports for CDC")
        changed = [
            obj for obj in store.all(entity.name) if parse_time(obj["MetaData"]["LastUpdatedTime"]) >= since
        ]
        deleted = [
            {
                "Id": tombstone["Id"],
                "status": "Deleted",
                "domain": "QBO",
                "MetaData": {"LastUpdatedTime": tombstone["deleted_at"]},
            }
            for tombstone in store.deleted(entity.name)
            if parse_time(tombstone["deleted_at"]) >= since
        ]
        objects = sorted(changed + deleted, key=lambda o: parse_time(o["MetaData"]["LastUpdatedTime"]))[: max(budget, 0)]
        budget -= len(objects)
        if objects:
            responses.append({entity.name: objects, "startPosition": 1, "maxResults": len(objects)})
        else:
            responses.append({})
    return {"CDCResponse": [{"QueryResponse": responses}]}
