"""Changes since a time, read through SuiteQL on ``lastmodifieddate`` (NetSuite has no change feed).

Reference lists are read where ``lastmodifieddate`` is at or after the time; the transactions we
post come from the ``transaction`` table; deletions from ``deletedrecord`` (NetSuite's deleted
record search type, as a SuiteQL table). SuiteQL compares times in the account's time zone, which
REST web services do not report: the window starts :data:`CHANGE_WINDOW_MARGIN` earlier, so an
account in another zone sees a change twice rather than never (callers compare versions).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Iterable, Iterator, Mapping

from bookbridge.connectors.dto import ChangeRecord
from bookbridge.connectors.netsuite import records
from bookbridge.connectors.netsuite.config import ACCOUNT_TIMEZONE, CHANGE_WINDOW_MARGIN, LABEL
from bookbridge.connectors.netsuite.suiteql import iso_datetime, quote, timestamp_literal
from bookbridge.core.errors import UsageError

SuiteQL = Callable[[str], Iterator[dict[str, Any]]]
DOCUMENT_KINDS = {kind.value: record_type for record_type, kind in records.TRANSACTION_KINDS.items()}
ALL_KINDS = (*records.CHANGE_LISTINGS, *DOCUMENT_KINDS)


def _wanted(kinds: Iterable[str] | None) -> tuple[str, ...]:
    if kinds is None:
        return ALL_KINDS
    wanted = tuple(kinds)
    unknown = [k for k in wanted if k not in ALL_KINDS]
    if unknown:
        raise UsageError(f"{LABEL} change tracking does not cover {', '.join(map(repr, unknown))}")
    return wanted


def change_rows(
    suiteql: SuiteQL, since: datetime, kinds: Iterable[str] | None, codes: Mapping[str, str]
) -> Iterator[ChangeRecord]:
    """Every created, changed or deleted object of ``kinds`` since ``since`` (aware)."""
    wanted = _wanted(kinds)
    moment = timestamp_literal((since - CHANGE_WINDOW_MARGIN).astimezone(ACCOUNT_TIMEZONE).replace(tzinfo=None))
    for kind in wanted:
        listing = records.CHANGE_LISTINGS.get(kind)
        if listing is not None:
            for row in suiteql(listing.statement(f"lastmodifieddate >= {moment}")):
                yield records.reference_change(listing, row, codes)
    record_types = [DOCUMENT_KINDS[k] for k in wanted if k in DOCUMENT_KINDS]
    if record_types:
        types = ", ".join(quote(t) for t in record_types)
        where = f"recordtype IN ({types}) AND lastmodifieddate >= {moment}"
        for row in suiteql(records.TRANSACTIONS.statement(where)):
            yield records.transaction_change(row)
    statement = (f"SELECT recordid, recordtype, {iso_datetime('deleteddate')} FROM deletedrecord "
                 f"WHERE deleteddate >= {moment} ORDER BY recordid")
    for row in suiteql(statement):
        deleted = records.deletion(row)
        if deleted is not None and deleted.kind in wanted:
            yield deleted
