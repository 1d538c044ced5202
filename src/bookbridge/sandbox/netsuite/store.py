"""The sandbox account's data: SuiteQL tables, REST records, deletions, async jobs.

One re-entrant lock guards everything, so each write runs as one serial step. Records created
through REST live twice: as the record body REST returns, and as a row in the SuiteQL table that
lists them (``transaction``, ``vendor``), kept in step by :meth:`AccountStore.save_record`. Every
change is written to the state file before the answer goes out, so a "response lost after commit"
fault really did commit, and another process can read what was posted.
"""

from __future__ import annotations

import copy
import threading
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Iterator

from bookbridge.sandbox.common.statefile import JsonStateFile
from bookbridge.sandbox.netsuite.seed import seed_tables
from bookbridge.sandbox.netsuite.values import search_error

STATE_VERSION = 1
FIRST_NEW_ID = 1000
# Tables without seeded rows still have columns.
EMPTY_TABLE_COLUMNS = {
    "transaction": {"id", "recordtype", "tranid", "externalid", "trandate", "createddate", "lastmodifieddate",
                    "subsidiary", "currency", "entity", "memo", "foreigntotal"},
    "deletedrecord": {"recordid", "recordtype", "name", "deleteddate", "externalid"},
}
ENTITY_COLUMNS = {"id", "entityid", "isinactive", "type", "lastmodifieddate", "datecreated"}


def _encode(value: Any) -> Any:
    """Typed values tagged for JSON (dates and times have no JSON form of their own)."""
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$dt"}:
            return datetime.fromisoformat(value["$dt"])
        if set(value) == {"$date"}:
            return date.fromisoformat(value["$date"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


class AccountStore:
    """Thread-safe storage for one sandbox account.

    Args:
        account_id: the account id (``company`` on the authorization redirect).
        now: the sandbox clock.
        state_file: where to persist; ``None`` keeps everything in memory.
    """

    def __init__(self, account_id: str, now: Callable[[], datetime], state_file: JsonStateFile | None) -> None:
        self.account_id = account_id
        self._now = now
        self._state_file = state_file
        self.lock = threading.RLock()
        self._depth = 0
        self._dirty = False
        loaded = state_file.load() if state_file else None
        if loaded and loaded.get("account_id") == account_id:
            self._data = _decode(loaded)
        else:
            self._data = {"version": STATE_VERSION, "account_id": account_id, "tables": seed_tables(),
                          "records": {}, "external_ids": {}, "next_id": FIRST_NEW_ID, "jobs": {}, "idempotency": {}}
            self._dirty = True
            self._save_if_dirty()

    # --- transactions -----------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator["AccountStore"]:
        """Hold the lock for a unit of work; save once at the end if anything changed."""
        with self.lock:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._save_if_dirty()

    def _save_if_dirty(self) -> None:
        if self._dirty and self._state_file is not None:
            self._state_file.save(_encode(self._data))
        self._dirty = False

    def _touch(self) -> None:
        self._dirty = True
        if self._depth == 0:
            self._save_if_dirty()

    # --- SuiteQL tables ---------------------------------------------------------------------------------
    def columns(self, table: str) -> set[str]:
        """A table's column names.

        Raises:
            NsError: no such table (NetSuite's "Record ... was not found").
        """
        with self.lock:
            if table == "entity":
                return set(ENTITY_COLUMNS)
            rows = self._data["tables"].get(table)
            if rows is None:
                raise search_error(f"Record '{table}' was not found.")
            if rows:
                return set().union(*(row.keys() for row in rows))
            return set(EMPTY_TABLE_COLUMNS.get(table, {"id"}))

    def rows(self, table: str) -> list[dict[str, Any]]:
        """Copies of a table's rows (``entity`` is vendors, employees and customers together)."""
        with self.lock:
            if table == "entity":
                tables = self._data["tables"]
                return [{**{k: row.get(k) for k in ENTITY_COLUMNS - {"type"}}, "type": kind}
                        for name, kind in (("vendor", "Vendor"), ("employee", "Employee"), ("customer", "CustJob"))
                        for row in tables[name]]
            return copy.deepcopy(self._data["tables"][table])

    def row(self, table: str, row_id: str) -> dict[str, Any] | None:
        """One row by id, or ``None`` (``entity`` included)."""
        return next((r for r in self.rows(table) if str(r.get("id")) == str(row_id)), None)

    def counts(self) -> dict[str, int]:
        with self.lock:
            tables = {name: len(rows) for name, rows in self._data["tables"].items()}
            records = {name: len(items) for name, items in self._data["records"].items()}
            return {**tables, **{f"record:{k}": v for k, v in records.items()}}

    # --- REST records ------------------------------------------------------------------------------------
    def new_id(self) -> str:
        with self.lock:
            value = self._data["next_id"]
            self._data["next_id"] += 1
            self._touch()
            return str(value)

    def record(self, record_type: str, record_id: str) -> dict[str, Any] | None:
        with self.lock:
            found = self._data["records"].get(record_type, {}).get(str(record_id))
            return copy.deepcopy(found) if found is not None else None

    def records(self, record_type: str) -> list[dict[str, Any]]:
        """Copies of every record of a type created through REST, in id order."""
        with self.lock:
            items = self._data["records"].get(record_type, {})
            return [copy.deepcopy(items[k]) for k in sorted(items, key=int)]

    def by_external_id(self, record_type: str, external_id: str) -> str | None:
        with self.lock:
            return self._data["external_ids"].get(record_type, {}).get(external_id)

    def save_record(self, record_type: str, body: dict[str, Any], table: str, row: dict[str, Any]) -> None:
        """Store a record body and its SuiteQL row (replacing both when the id exists)."""
        with self.lock:
            record_id = str(body["id"])
            self._data["records"].setdefault(record_type, {})[record_id] = copy.deepcopy(body)
            if body.get("externalId"):
                self._data["external_ids"].setdefault(record_type, {})[body["externalId"]] = record_id
            rows = self._data["tables"][table]
            rows[:] = [r for r in rows if str(r.get("id")) != record_id] + [copy.deepcopy(row)]
            self._touch()

    def delete_record(self, record_type: str, record_id: str, table: str) -> dict[str, Any]:
        """Remove a REST record and its row; a ``deletedrecord`` row remembers it."""
        with self.lock:
            body = self._data["records"][record_type].pop(str(record_id))
            if body.get("externalId"):
                self._data["external_ids"].get(record_type, {}).pop(body["externalId"], None)
            rows = self._data["tables"][table]
            rows[:] = [r for r in rows if str(r.get("id")) != str(record_id)]
            tombstone = {"recordid": str(record_id), "recordtype": record_type.lower(), "name": body.get("tranId"),
                         "externalid": body.get("externalId"), "deleteddate": self._now()}
            self._data["tables"]["deletedrecord"].append(tombstone)
            self._touch()
            return copy.deepcopy(tombstone)

    def update_row(self, table: str, row_id: str, changes: dict[str, Any]) -> None:
        """Change a seeded row (tests use it to make lists change remotely)."""
        with self.lock:
            for row in self._data["tables"][table]:
                if str(row.get("id")) == str(row_id):
                    row.update(changes)
                    row["lastmodifieddate"] = self._now()
                    self._touch()
                    return
            raise KeyError(f"{table} {row_id}")

    # --- async jobs and idempotency keys ----------------------------------------------------------------
    def job(self, job_id: str) -> dict[str, Any] | None:
        with self.lock:
            found = self._data["jobs"].get(job_id)
            return copy.deepcopy(found) if found else None

    def job_for_key(self, key: str) -> str | None:
        with self.lock:
            return self._data["idempotency"].get(key)

    def save_job(self, job_id: str, job: dict[str, Any], key: str | None) -> None:
        with self.lock:
            self._data["jobs"][job_id] = copy.deepcopy(job)
            if key:
                self._data["idempotency"][key] = job_id
            self._touch()


def state_paths(data_dir: Path, account_id: str) -> tuple[Path, Path]:
    """(account state file, token file) inside ``data_dir``."""
    base = Path(data_dir)
    return base / f"netsuite-{account_id}.json", base / "netsuite-tokens.json"
