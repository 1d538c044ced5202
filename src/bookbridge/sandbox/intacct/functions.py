"""The functions a request's ``<content>`` may call, run one by one against the company store.

Reads: ``readByQuery`` (``pagesize`` 1..1000, default 100; further pages through ``readMore``
with the ``resultId`` while ``numremaining`` is above zero), ``readMore``, ``read`` (by
RECORDNO), ``get_companyprefs``. Writes: ``create``, ``update``, ``create_expensereport``,
``create_supdoc`` (see :mod:`.documents`). ``getAPISession`` is answered by the server itself,
which owns the sessions.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from bookbridge.sandbox.intacct import documents, errors
from bookbridge.sandbox.intacct.query import compile_query
from bookbridge.sandbox.intacct.store import OWNED, CompanyStore
from bookbridge.sandbox.intacct.wire import Function, fields_of

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
RESULT_LIFETIME_SECONDS = 3600
WRITES = frozenset({"create", "update", "delete", "create_expensereport", "create_supdoc"})


@dataclass(slots=True)
class Outcome:
    """What a successful function answers: a ``<data>`` block, a ``<key>``, or nothing."""

    listtype: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    records: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    key: str | None = None


@dataclass(slots=True)
class _ResultSet:
    obj: str
    rows: list[dict[str, Any]]
    page_size: int
    expires: float


class ResultSets:
    """Open ``readByQuery`` results waiting for ``readMore`` (in memory; they expire, as Intacct's do)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sets: dict[str, _ResultSet] = {}

    def page(self, obj: str, rows: list[dict[str, Any]], page_size: int, *, result_id: str | None = None) -> Outcome:
        first, rest = rows[:page_size], rows[page_size:]
        attributes = {"count": str(len(first)), "totalcount": str(len(rows)), "numremaining": str(len(rest))}
        with self._lock:
            now = time.monotonic()
            for stale in [k for k, v in self._sets.items() if v.expires <= now]:
                del self._sets[stale]
            if rest:
                result_id = result_id or secrets.token_hex(12)
                self._sets[result_id] = _ResultSet(obj, rest, page_size, now + RESULT_LIFETIME_SECONDS)
                attributes["resultId"] = result_id
            elif result_id:
                self._sets.pop(result_id, None)
        return Outcome(listtype=obj, attributes=attributes, records=[(obj, row) for row in first])

    def more(self, result_id: str) -> Outcome:
        with self._lock:
            found = self._sets.pop(result_id, None)
        if found is None or found.expires <= time.monotonic():
            raise errors.business(f"resultId '{result_id}' is unknown or has expired.", "Run the readByQuery again.")
        outcome = self.page(found.obj, found.rows, found.page_size, result_id=result_id)
        outcome.attributes.pop("totalcount", None)
        return outcome


def _text(node_fields: dict[str, Any], name: str) -> str:
    value = node_fields.get(name)
    return value.strip() if isinstance(value, str) else ""


def _object(store: CompanyStore, name: str) -> str:
    obj = name.strip().upper()
    if obj not in store.objects():
        raise errors.query_failed(f"Object definition {name.strip()} not found")
    return obj


def _project(store: CompanyStore, obj: str, rows: list[dict[str, Any]], fields: str) -> list[dict[str, Any]]:
    wanted = [f.strip().upper() for f in fields.split(",") if f.strip()] if fields.strip() not in ("", "*") else None
    if wanted is None:
        return rows
    known = store.fields(obj)
    unknown = [f for f in wanted if f not in known]
    if unknown:
        raise errors.query_failed(f"Invalid field(s) {', '.join(unknown)} for {obj}")
    return [{f: row.get(f, "") for f in wanted} for row in rows]


def read_by_query(store: CompanyStore, results: ResultSets, args: dict[str, Any]) -> Outcome:
    obj = _object(store, _text(args, "object"))
    size_text = _text(args, "pagesize") or str(DEFAULT_PAGE_SIZE)
    if not size_text.isdigit() or not 1 <= int(size_text) <= MAX_PAGE_SIZE:
        raise errors.business(f"pagesize {size_text} is not allowed; use a number from 1 to {MAX_PAGE_SIZE}.")
    predicate = compile_query(_text(args, "query"), store.fields(obj))
    rows = [row for row in store.records(obj) if predicate(row)]
    return results.page(obj, _project(store, obj, rows, _text(args, "fields")), int(size_text))


def read(store: CompanyStore, args: dict[str, Any]) -> Outcome:
    obj = _object(store, _text(args, "object"))
    keys = [k.strip() for k in _text(args, "keys").split(",") if k.strip()]
    rows = [row for row in (store.get(obj, key) for key in keys) if row is not None] if keys else store.records(obj)
    rows = _project(store, obj, rows, _text(args, "fields")) if keys else rows
    return Outcome(listtype=obj, attributes={"count": str(len(rows))}, records=[(obj, row) for row in rows])


def company_preferences(store: CompanyStore, node_attributes: dict[str, str]) -> Outcome:
    application = (node_attributes.get("application") or "").upper()
    prefs = store.preferences(application)
    return Outcome(listtype="companypref", records=[
        ("companypref", {"application": application, "preference": name, "prefvalue": value})
        for name, value in prefs.items()])


def create(store: CompanyStore, function: Function) -> Outcome:
    created = []
    for child in function.node:
        obj = child.tag.upper()
        creator = documents.CREATORS.get(obj)
        if creator is None:
            raise errors.business(f"create of {child.tag} is not supported by this sandbox.")
        created.append((child.tag.lower(), {"RECORDNO": creator(store, fields_of(child))["RECORDNO"]}))
    if not created:
        raise errors.required("an object to create", "the create function")
    return Outcome(listtype="objects", attributes={"count": str(len(created))}, records=created)


def update(store: CompanyStore, function: Function) -> Outcome:
    updated = [(child.tag.lower(), {"RECORDNO": documents.update(store, child.tag.upper(), fields_of(child))["RECORDNO"]})
               for child in function.node]
    return Outcome(listtype="objects", attributes={"count": str(len(updated))}, records=updated)


def run(store: CompanyStore, results: ResultSets, function: Function) -> Outcome:
    """Run one function (not ``getAPISession``); raises :class:`FunctionFailure` to refuse."""
    args = fields_of(function.node)
    name = function.name
    if name == "readByQuery":
        return read_by_query(store, results, args)
    if name == "readMore":
        return results.more(_text(args, "resultId"))
    if name == "read":
        return read(store, args)
    if name == "get_companyprefs":
        return company_preferences(store, dict(function.node.attrib))
    if name == "create":
        return create(store, function)
    if name == "update":
        return update(store, function)
    if name == "create_expensereport":
        return Outcome(key=documents.create_expense_report(store, args)["RECORDNO"])
    if name == "create_supdoc":
        return Outcome(key=documents.create_supdoc(store, args))
    raise errors.business(f"The function {name} is not supported by this sandbox.")


__all__ = ["OWNED", "Outcome", "ResultSets", "WRITES", "run"]
