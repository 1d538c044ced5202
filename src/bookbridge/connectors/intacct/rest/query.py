"""The REST query service: ``POST /services/core/query``, paged with ``start``/``size`` [Sage's query guide].

A request names one ``object``, the ``fields`` to return (dotted for related objects:
``audit.modifiedDateTime``), ``filters`` such as ``{"$gte": {"audit.modifiedDateTime": ...}}`` (all
ANDed unless a ``filterExpression`` says otherwise), ``orderBy``, ``start`` (1-based) and ``size``.
The answer is ``{"ia::result": [rows], "ia::meta": {"totalCount", "start", "pageSize", "next",
"previous"}}``; ``next`` is the start of the following page, ``null`` on the last one. Rows list
the requested fields by their dotted names.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Mapping, Sequence

from bookbridge.connectors.errors import ServerError
from bookbridge.connectors.intacct.rest.config import LABEL, PROVIDER

Filter = Mapping[str, Mapping[str, Any]]
PageFetcher = Callable[[Mapping[str, Any]], Any]


def eq(field: str, value: Any) -> Filter:
    return {"$eq": {field: value}}


def gte(field: str, value: Any) -> Filter:
    return {"$gte": {field: value}}


def contains(field: str, value: str) -> Filter:
    return {"$contains": {field: value}}


def query_body(obj: str, fields: Sequence[str], filters: Sequence[Filter] = (), *, start: int = 1,
               size: int = 100) -> dict[str, Any]:
    """One page's request; ordered by ``key`` so pages never overlap or skip while paging."""
    body: dict[str, Any] = {"object": obj, "fields": list(fields)}
    if filters:
        body["filters"] = [dict(f) for f in filters]
    body.update({"orderBy": [{"key": "asc"}], "start": start, "size": size})
    return body


def paged(fetch: PageFetcher, obj: str, fields: Sequence[str], filters: Sequence[Filter] = (), *,
          size: int) -> Iterator[dict[str, Any]]:
    """Every row of a query, fetching the next page only when the previous one is consumed."""
    start = 1
    while True:
        answer = fetch(query_body(obj, fields, filters, start=start, size=size))
        rows = answer.get("ia::result") if isinstance(answer, dict) else None
        if not isinstance(rows, list):
            raise ServerError(f"{LABEL} answered a query for {obj} without a list of results", provider=PROVIDER,
                              code="answer-shape", retryable=False)
        yield from (row for row in rows if isinstance(row, dict))
        meta = answer.get("ia::meta") or {}
        following = meta.get("next") if isinstance(meta, dict) else None
        if not following or not rows or int(following) <= start:
            return
        start = int(following)
