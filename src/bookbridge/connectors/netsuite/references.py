"""Telling an inactive reference from an unknown one, which NetSuite's messages do not.

NetSuite answers "Invalid {field} reference key {id}" or "Invalid Field Value {id} for the
following field: {field}" whether the id never existed or names a record made inactive. The
bookkeeper's fix differs (reactivate it, or map to another), so after such a refusal the connector
looks the id up once through SuiteQL and raises :class:`InactiveReference` when it is there but
inactive. A failed lookup leaves the original error as it was.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Iterator

from bookbridge.connectors.errors import ConnectorError, InactiveReference, UnknownReference
from bookbridge.connectors.netsuite import records
from bookbridge.connectors.netsuite.config import LABEL
from bookbridge.connectors.netsuite.faults import referenced_field
from bookbridge.connectors.netsuite.suiteql import quote

log = logging.getLogger(__name__)

# Record field → SuiteQL table holding the referenced records.
FIELD_TABLES = {
    "account": "account", "entity": "entity", "customer": "entity", "vendor": "vendor", "employee": "employee",
    "department": "department", "class": "classification", "location": "location", "subsidiary": "subsidiary",
    "currency": "currency", "taxcode": "salestaxitem", "category": "expensecategory",
}


def reclassify(error: UnknownReference, suiteql: Callable[[str], Iterator[dict[str, Any]]]) -> ConnectorError:
    """``error``, or an :class:`InactiveReference` when the record it names exists but is inactive."""
    found = next((r for r in map(referenced_field, error.details) if r is not None), None)
    if found is None:
        return error
    field, value = found
    table = FIELD_TABLES.get(field.lower())
    if table is None or not value.isdigit():
        return error
    try:
        row = next(suiteql(f"SELECT id, isinactive FROM {table} WHERE id = {quote(value)} ORDER BY id"), None)
    except ConnectorError as lookup_failed:
        log.info("could not check whether %s %s is inactive: %s", field, value, lookup_failed.user_message)
        return error
    if row is None or not records.flag(row.get("isinactive")):
        return error
    inactive = InactiveReference(
        f"the document uses {field} {value}, which is inactive in {LABEL}: reactivate it there or map to another "
        f"({error.vendor_message})",
        element=error.element, vendor_message=error.vendor_message, provider=error.provider, code=error.code,
        http_status=error.http_status, details=error.details,
    )
    inactive.attempts = error.attempts
    return inactive
