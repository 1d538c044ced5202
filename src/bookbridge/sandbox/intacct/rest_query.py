"""The sandbox's REST query service: ``POST /ia/api/v1/services/core/query``.

Body: ``object``, ``fields`` (dotted names for related values), ``filters`` (a list of
``{"$op": {"field": value}}``: ``$eq $ne $lt $lte $gt $gte $in $notIn $contains $startsWith
$endsWith``), an optional ``filterExpression`` (the sandbox takes only an all-``and`` one),
``orderBy`` (``[{"field": "asc"|"desc"}]``), ``start`` (1-based) and ``size`` (at most 4000).
Answer: ``ia::result`` rows with the requested fields under their dotted names, and ``ia::meta``
``totalCount``, ``start``, ``pageSize``, ``next``, ``previous`` [Sage's query guide].
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from bookbridge.sandbox.intacct.rest_objects import BadRequest

MAX_SIZE = 4000
_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "$eq": lambda a, b: a == b, "$ne": lambda a, b: a != b,
    "$lt": lambda a, b: a is not None and a < b, "$lte": lambda a, b: a is not None and a <= b,
    "$gt": lambda a, b: a is not None and a > b, "$gte": lambda a, b: a is not None and a >= b,
    "$in": lambda a, b: a in b, "$notIn": lambda a, b: a not in b,
    "$contains": lambda a, b: isinstance(a, str) and b in a,
    "$startsWith": lambda a, b: isinstance(a, str) and a.startswith(b),
    "$endsWith": lambda a, b: isinstance(a, str) and a.endswith(b),
}
_AND_ONLY = re.compile(r"^\s*\d+(\s+and\s+\d+)*\s*$", re.I)


def flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects as dotted names (lists, such as lines, are left out: they are not queryable here)."""
    flat: dict[str, Any] = {}
    for name, value in record.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{name}."))
        elif not isinstance(value, list):
            flat[f"{prefix}{name}"] = value
    return flat


def _comparable(field: str, value: Any) -> Any:
    """Times compare as instants, numbers as Decimals, the rest as given."""
    if value is None or isinstance(value, bool):
        return value
    if field.endswith("DateTime") and isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise BadRequest(f"{value!r} is not a date-time for {field}") from None
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if field in ("key", "taxRate", "rate") and isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return value
    return value


def _matches(row: dict[str, Any], condition: Any, known: set[str]) -> bool:
    if not isinstance(condition, dict) or len(condition) != 1:
        raise BadRequest("each filter is one {\"$operator\": {\"field\": value}} object")
    operator, operand = next(iter(condition.items()))
    if operator not in _OPERATORS or not isinstance(operand, dict) or len(operand) != 1:
        raise BadRequest(f"{operator} is not a filter operator of the query service")
    field, wanted = next(iter(operand.items()))
    if field not in known:
        raise BadRequest(f"{field} is not a field of this object")
    have = _comparable(field, row.get(field))
    if operator in ("$in", "$notIn"):
        if not isinstance(wanted, list):
            raise BadRequest(f"{operator} takes a list")
        return _OPERATORS[operator](have, [_comparable(field, w) for w in wanted])
    return _OPERATORS[operator](have, _comparable(field, wanted))


def run(body: Any, rows: list[dict[str, Any]], known: set[str]) -> dict[str, Any]:
    """Filter, order and page ``rows`` (already flattened) as the query ``body`` asks."""
    if not isinstance(body, dict):
        raise BadRequest("the query must be a JSON object")
    fields = body.get("fields")
    if not isinstance(fields, list) or not fields or not all(isinstance(f, str) for f in fields):
        raise BadRequest("fields is required: a list of field names")
    unknown = [f for f in fields if f not in known]
    if unknown:
        raise BadRequest(f"{', '.join(unknown)} not a field of {body.get('object')}")
    filters = body.get("filters") or []
    expression = body.get("filterExpression")
    if not isinstance(filters, list) or (expression is not None and not _AND_ONLY.match(str(expression))):
        raise BadRequest("this sandbox takes a list of filters joined by 'and' only")
    start, size = body.get("start", 1), body.get("size", 100)
    if not isinstance(start, int) or start < 1 or not isinstance(size, int) or not 1 <= size <= MAX_SIZE:
        raise BadRequest(f"start must be 1 or more and size between 1 and {MAX_SIZE}")
    chosen = [row for row in rows if all(_matches(row, condition, known) for condition in filters)]
    for order in reversed(body.get("orderBy") or []):
        if not isinstance(order, dict) or len(order) != 1:
            raise BadRequest("orderBy is a list of {\"field\": \"asc\"|\"desc\"} objects")
        field, direction = next(iter(order.items()))
        if field not in known or direction not in ("asc", "desc"):
            raise BadRequest(f"cannot order by {field} {direction}")
        chosen.sort(key=lambda r: (r.get(field) is None, _comparable(field, r.get(field)) if r.get(field) is not None
                                   else 0), reverse=direction == "desc")
    page = chosen[start - 1:start - 1 + size]
    following = start + size if start - 1 + size < len(chosen) else None
    return {"ia::result": [{f: row.get(f) for f in fields} for row in page],
            "ia::meta": {"totalCount": len(chosen), "start": start, "pageSize": size, "next": following,
                         "previous": max(1, start - size) if start > 1 else None}}
