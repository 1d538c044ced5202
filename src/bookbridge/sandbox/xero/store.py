"""One sandbox organisation's data: collections by id, the idempotency memory, attachments' metadata.

One re-entrant lock guards everything, so a write runs as one serial step. Every change is saved
to the state file before the answer is sent (when the sandbox has a data directory): another
process reading the file sees what a client was told was posted, and a "response lost after
commit" fault really did commit. The idempotency memory lives in the same file, so a stored
answer and the objects it reports are saved together.
"""

from __future__ import annotations

import copy
import threading
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterator

from bookbridge.sandbox.common.statefile import JsonStateFile
from bookbridge.sandbox.xero.seed import seed_organisation
from bookbridge.sandbox.xero.timefmt import ms_datetime

STATE_VERSION = 1


class OrganisationStore:
    """Thread-safe storage for one sandbox organisation (tenant).

    Args:
        tenant_id: the tenant id clients send in ``Xero-Tenant-Id``.
        name: the organisation's name on first start.
        now: the sandbox clock.
        state_file: where to persist; ``None`` keeps everything in memory.
    """

    def __init__(self, tenant_id: str, name: str, now: Callable[[], datetime], state_file: JsonStateFile | None) -> None:
        self.tenant_id = tenant_id
        self._now = now
        self._state_file = state_file
        self.lock = threading.RLock()
        self._dirty = False
        self._depth = 0
        loaded = state_file.load() if state_file else None
        if loaded and loaded.get("tenant_id") == tenant_id:
            self._data = loaded
        else:
            self._data = {"version": STATE_VERSION, "tenant_id": tenant_id, "collections": seed_organisation(tenant_id, name),
                          "idempotency": {}, "attachments": {}}
            self._dirty = True
            self._save_if_dirty()

    # --- transactions -----------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator["OrganisationStore"]:
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
            self._state_file.save(self._data)
        self._dirty = False

    def _touch(self) -> None:
        self._dirty = True
        if self._depth == 0:
            self._save_if_dirty()

    # --- reads -------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        with self.lock:
            return str(self._data["collections"]["Organisation"]["Name"])

    def organisation(self) -> dict[str, Any]:
        with self.lock:
            return copy.deepcopy(self._data["collections"]["Organisation"])

    def all(self, collection: str) -> list[dict[str, Any]]:
        """Copies of every object of ``collection`` in the order they were created."""
        with self.lock:
            return copy.deepcopy(list(self._data["collections"].get(collection, {}).values()))

    def get(self, collection: str, object_id: str) -> dict[str, Any] | None:
        with self.lock:
            found = self._data["collections"].get(collection, {}).get(str(object_id))
            return copy.deepcopy(found) if found is not None else None

    def counts(self) -> dict[str, int]:
        with self.lock:
            return {name: len(items) for name, items in self._data["collections"].items() if isinstance(items, dict)
                    and name != "Organisation"}

    # --- writes --------------------------------------------------------------------------------
    def insert(self, collection: str, id_field: str, obj: dict[str, Any]) -> dict[str, Any]:
        """Store a new object with a fresh id and ``UpdatedDateUTC``; returns a copy."""
        with self.lock:
            stored = {id_field: str(uuid.uuid4()), **obj, "UpdatedDateUTC": ms_datetime(self._now())}
            self._data["collections"].setdefault(collection, {})[stored[id_field]] = stored
            self._touch()
            return copy.deepcopy(stored)

    def update(self, collection: str, object_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Change fields of an existing object (``UpdatedDateUTC`` moves on); returns a copy."""
        with self.lock:
            stored = self._data["collections"][collection][object_id]
            stored.update(changes)
            stored["UpdatedDateUTC"] = ms_datetime(self._now())
            self._touch()
            return copy.deepcopy(stored)

    def set_lock_dates(self, period: str | None, end_of_year: str | None) -> None:
        """For tests and demos: move the organisation's lock dates (``/Date(...)/`` text or None)."""
        with self.lock:
            org = self._data["collections"]["Organisation"]
            for field, value in (("PeriodLockDate", period), ("EndOfYearLockDate", end_of_year)):
                if value is None:
                    org.pop(field, None)
                else:
                    org[field] = value
            self._touch()

    # --- idempotency ---------------------------------------------------------------------------
    def recall(self, key: str, window: timedelta) -> dict[str, Any] | None:
        """The stored answer for ``key`` if it is younger than ``window`` (older ones are forgotten)."""
        with self.lock:
            self._forget_older_than(window)
            found = self._data["idempotency"].get(key)
            return copy.deepcopy(found) if found else None

    def remember(self, key: str, fingerprint: str, status: int, body: str) -> None:
        with self.lock:
            self._data["idempotency"][key] = {"at": self._now().isoformat(), "fingerprint": fingerprint,
                                              "status": status, "body": body}
            self._touch()

    def _forget_older_than(self, window: timedelta) -> None:
        cutoff = self._now() - window
        stale = [k for k, v in self._data["idempotency"].items() if datetime.fromisoformat(v["at"]) < cutoff]
        for key in stale:
            del self._data["idempotency"][key]
        if stale:
            self._touch()

    def idempotency_count(self) -> int:
        with self.lock:
            return len(self._data["idempotency"])

    # --- attachments' metadata -----------------------------------------------------------------------
    def attachments_of(self, object_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return copy.deepcopy(self._data["attachments"].get(object_id, []))

    def add_attachment(self, object_id: str, meta: dict[str, Any]) -> None:
        with self.lock:
            listed = self._data["attachments"].setdefault(object_id, [])
            listed[:] = [m for m in listed if m["FileName"] != meta["FileName"]] + [meta]
            self._touch()


def state_paths(data_dir: Path, tenant_id: str) -> tuple[Path, Path]:
    """(organisation state file, attachments directory) inside ``data_dir``."""
    base = Path(data_dir)
    return base / f"xero-{tenant_id}.json", base / f"xero-{tenant_id}-attachments"


def token_path(data_dir: Path) -> Path:
    return Path(data_dir) / "xero-tokens.json"
