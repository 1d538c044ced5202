"""The sandbox company's data: records by object and RECORDNO, preferences, and the control ids run.

One re-entrant lock guards everything: a whole request (all its functions) runs as one serial
step, and the state file is written once at its end, before the answer goes out. So another
process reading the file sees what a client was told, and a "response lost after commit" fault
really did commit. Control ids of functions that ran under ``uniqueid=true`` are kept with the
record they made, so a repeat is refused as already executed.
"""

from __future__ import annotations

import copy
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from bookbridge.sandbox.common.statefile import JsonStateFile
from bookbridge.sandbox.intacct.seed import EXTRA_FIELDS, company_preferences, seed_objects

STATE_VERSION = 1
FIRST_RECORDNO = 1000
TIMESTAMP = "%m/%d/%Y %H:%M:%S"
# Related records readByQuery leaves out (Intacct returns owned lines on ``read`` only).
OWNED = {"GLBATCH": "ENTRIES", "APBILL": "APBILLITEMS", "EEXPENSES": "EEXPENSESITEMS"}


def stamp(moment: datetime) -> str:
    """Intacct's timestamp text, in UTC."""
    return moment.astimezone(timezone.utc).strftime(TIMESTAMP)


class CompanyStore:
    """Thread-safe storage for one sandbox company (see the module docstring)."""

    def __init__(self, company_id: str, now: Callable[[], datetime], state_file: JsonStateFile | None) -> None:
        self.company_id = company_id
        self._now = now
        self._state_file = state_file
        self.lock = threading.RLock()
        self._depth = 0
        self._dirty = False
        loaded = state_file.load() if state_file else None
        if loaded and loaded.get("company_id") == company_id:
            self._data = loaded
        else:
            self._data = {"version": STATE_VERSION, "company_id": company_id, "objects": {}, "controlids": {},
                          "supdocs": {}, "prefs": company_preferences(), "next_recordno": FIRST_RECORDNO,
                          "counters": {}}
            for obj, records in seed_objects().items():
                self._data["objects"][obj] = {}
                for record in records:
                    self._insert(obj, record, stamped=False)
            self._dirty = True
            self._save_if_dirty()

    # --- transactions ---------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator["CompanyStore"]:
        """Hold the lock for one request; save once at the end if anything changed."""
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
            self._state_file.save(self._data)
        self._dirty = False

    def _touch(self) -> None:
        self._dirty = True
        if self._depth == 0:
            self._save_if_dirty()

    def now_stamp(self) -> str:
        return stamp(self._now())

    # --- reads -----------------------------------------------------------------------------------
    def objects(self) -> set[str]:
        with self.lock:
            return set(self._data["objects"])

    def records(self, obj: str, *, owned: bool = False) -> list[dict[str, Any]]:
        """Copies of every record of ``obj`` in RECORDNO order (owned lines only when asked)."""
        with self.lock:
            rows = sorted(self._data["objects"].get(obj, {}).values(), key=lambda r: int(r["RECORDNO"]))
            result = copy.deepcopy(rows)
        if not owned and obj in OWNED:
            for row in result:
                row.pop(OWNED[obj], None)
        return result

    def get(self, obj: str, recordno: str) -> dict[str, Any] | None:
        with self.lock:
            found = self._data["objects"].get(obj, {}).get(str(recordno))
            return copy.deepcopy(found) if found is not None else None

    def find(self, obj: str, field: str, value: str) -> dict[str, Any] | None:
        """The first record of ``obj`` whose ``field`` equals ``value``."""
        with self.lock:
            for record in self._data["objects"].get(obj, {}).values():
                if record.get(field) == value:
                    return copy.deepcopy(record)
        return None

    def fields(self, obj: str) -> set[str]:
        """The field names of ``obj`` (for query checks)."""
        with self.lock:
            names = set(EXTRA_FIELDS.get(obj, set())) | {"RECORDNO", "WHENCREATED", "WHENMODIFIED"}
            for record in self._data["objects"].get(obj, {}).values():
                names.update(k for k, v in record.items() if not isinstance(v, (dict, list)))
            return names

    def counts(self) -> dict[str, int]:
        with self.lock:
            return {obj: len(records) for obj, records in self._data["objects"].items()}

    def preferences(self, application: str) -> dict[str, str]:
        with self.lock:
            return dict(self._data["prefs"].get(application.upper(), {}))

    # --- writes ----------------------------------------------------------------------------------
    def _insert(self, obj: str, record: dict[str, Any], *, stamped: bool = True) -> dict[str, Any]:
        recordno = str(self._data["next_recordno"])
        self._data["next_recordno"] += 1
        stored = {"RECORDNO": recordno, **copy.deepcopy(record)}
        if stamped:
            now = self.now_stamp()
            stored.setdefault("WHENCREATED", now)
            stored["WHENMODIFIED"] = now
        self._data["objects"].setdefault(obj, {})[recordno] = stored
        return stored

    def insert(self, obj: str, record: dict[str, Any]) -> dict[str, Any]:
        """Store a new record with the next RECORDNO and fresh timestamps; returns a copy."""
        with self.lock:
            stored = self._insert(obj, record)
            self._touch()
            return copy.deepcopy(stored)

    def update(self, obj: str, recordno: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Change fields of an existing record (WHENMODIFIED moves); returns a copy."""
        with self.lock:
            record = self._data["objects"][obj][str(recordno)]
            record.update(copy.deepcopy(changes))
            record["WHENMODIFIED"] = self.now_stamp()
            self._touch()
            return copy.deepcopy(record)

    def next_number(self, counter: str, start: int = 1) -> int:
        with self.lock:
            value = self._data["counters"].get(counter, start)
            self._data["counters"][counter] = value + 1
            self._touch()
            return value

    def set_preference(self, application: str, name: str, value: str) -> None:
        with self.lock:
            self._data["prefs"].setdefault(application.upper(), {})[name.upper()] = value
            self._touch()

    def add_supdoc(self, supdoc_id: str, record: dict[str, Any]) -> None:
        with self.lock:
            self._data["supdocs"][supdoc_id] = record
            self._touch()

    def supdoc(self, supdoc_id: str) -> dict[str, Any] | None:
        with self.lock:
            found = self._data["supdocs"].get(supdoc_id)
            return copy.deepcopy(found) if found else None

    # --- operation transactions (transaction="true") ------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """A copy of everything, to put back when an all-or-nothing operation fails."""
        with self.lock:
            return copy.deepcopy(self._data)

    def restore(self, snapshot: dict[str, Any]) -> None:
        with self.lock:
            self._data = snapshot
            self._dirty = True

    # --- uniqueid --------------------------------------------------------------------------------
    def has_run(self, controlid: str) -> bool:
        with self.lock:
            return controlid in self._data["controlids"]

    def remember_run(self, controlid: str, function: str, key: str | None) -> None:
        with self.lock:
            self._data["controlids"][controlid] = {"function": function, "key": key, "at": self.now_stamp()}
            self._touch()

    def runs(self) -> int:
        with self.lock:
            return len(self._data["controlids"])


def state_paths(data_dir: Path, company_id: str) -> tuple[Path, Path]:
    """(company state file, session file) inside ``data_dir``."""
    base = Path(data_dir)
    return base / f"intacct-{company_id}.json", base / "intacct-sessions.json"
