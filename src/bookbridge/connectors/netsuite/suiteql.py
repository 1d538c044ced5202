"""SuiteQL statements and paging (ERP_FACTS.md §4.4).

``POST /services/rest/query/v1/suiteql?limit=&offset=`` with ``{"q": "..."}`` and
``Prefer: transient`` answers ``{"items", "hasMore", "offset", "count", "totalResults", "links"}``.
Values come back as text ("T"/"F" for booleans, dates in the user's date format), so every
statement here asks for dates through ``TO_CHAR`` in ISO form and every row is read as text.
Paging needs a unique ``ORDER BY`` (rows may otherwise repeat or vanish between pages) and an
offset that is a multiple of the limit.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Callable, Iterator, Mapping

ISO_DATE = "YYYY-MM-DD"
ISO_DATETIME = "YYYY-MM-DD HH24:MI:SS"

PageFetcher = Callable[[str, int, int], Mapping[str, Any]]


def quote(value: str) -> str:
    """A SuiteQL string literal (single quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def date_literal(value: date) -> str:
    return f"TO_DATE({quote(value.isoformat())}, {quote(ISO_DATE)})"


def timestamp_literal(value: datetime) -> str:
    """A timestamp literal for comparisons with ``lastmodifieddate`` (naive: NetSuite's own time zone)."""
    return f"TO_TIMESTAMP({quote(value.strftime('%Y-%m-%d %H:%M:%S'))}, {quote(ISO_DATETIME)})"


def iso_date(column: str, alias: str | None = None) -> str:
    """A select item returning ``column`` as ``YYYY-MM-DD``."""
    return f"TO_CHAR({column}, {quote(ISO_DATE)}) AS {alias or column}"


def iso_datetime(column: str, alias: str | None = None) -> str:
    return f"TO_CHAR({column}, {quote(ISO_DATETIME)}) AS {alias or column}"


def paged(fetch: PageFetcher, statement: str, *, page_size: int) -> Iterator[dict[str, Any]]:
    """Every row of ``statement``, fetching pages of ``page_size`` as the iterator is consumed."""
    offset = 0
    while True:
        body = fetch(statement, page_size, offset)
        items = body.get("items") or []
        for item in items:
            yield {key: value for key, value in item.items() if key != "links"}
        if not body.get("hasMore") or not items:
            return
        offset += page_size
