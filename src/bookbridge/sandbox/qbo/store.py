"""The sandbox company's data: objects by entity and Id, deletions, and replayable answers.

One re-entrant lock guards everything, so a write (or a whole batch) runs as one serial step, as
QBO runs batch items serially. Every change is saved to the state file before the answer is sent
(when the sandbox has a data directory), so another process reading the file sees what a client
was told was posted; and a "response lost after commit" fault really did commit.
"""

from __future__ import annotations

import copy
import threading
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator

from bookbridge.sandbox.common.statefile import JsonStateFile
from bookbridge.sandbox.qbo.seed import seed_company
from bookbridge.sandbox.qbo.timefmt import metadata_time

STATE_VERSION = 1
FIRST_NEW_ID = 100  # new objects get Ids above the seeded ones, like a company that has history


class CompanyStore:
    """Thread-safe storage for one sandbox company.

    Args:
        realm_id: the company id (realmId).
        now: the sandbox clock.
        state_file: where to persist; ``None`` keeps everything in memory.
    """

    def __init__(self, realm_id: str, now: Callable[[], datetime], state_file: JsonStateFile | None) -> None:
        self.realm_id = realm_id
        self._now = now
        self._state_file = state_file
        self.lock = threading.RLock()
        self._dirty = False
        self._depth = 0
        loaded = state_file.load() if state_file else None
        if loaded and loaded.get("realm_id") == realm_id:
            self._data = loaded
            # A state file from an older sandbox may lack lists seeded since: add them, keep the rest.
            for entity, objects in seed_company(realm_id).items():
                self._data["entities"].setdefault(entity, objects)
        else:
            self._data = {
                "version": STATE_VERSION,
                "realm_id": realm_id,
                "entities": seed_company(realm_id),
                "deleted": [],
                "next_id": FIRST_NEW_ID,
                "requestids": {},
            }
            self._dirty = True
            self._save_if_dirty()
        # DocNumber -> Ids per entity, so the uniqueness check of each create is a lookup rather
        # than a scan (and copy) of every stored object: creates stay linear in a long sync.
        self._doc_numbers: dict[tuple[str, str], set[str]] = {}
        for entity, objects in self._data["entities"].items():
            for object_id, obj in objects.items():
                self._index(entity, object_id, obj)

    def _index(self, entity: str, object_id: str, obj: dict[str, Any]) -> None:
        if obj.get("DocNumber"):
            self._doc_numbers.setdefault((entity, obj["DocNumber"]), set()).add(object_id)

    def _unindex(self, entity: str, object_id: str, obj: dict[str, Any]) -> None:
        if obj.get("DocNumber"):
            self._doc_numbers.get((entity, obj["DocNumber"]), set()).discard(object_id)

    # --- transactions ---------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator["CompanyStore"]:
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

    # --- reads -----------------------------------------------------------------------------
    def get(self, entity: str, object_id: str) -> dict[str, Any] | None:
        """A copy of one object, or None."""
        with self.lock:
            found = self._data["entities"].get(entity, {}).get(str(object_id))
            return copy.deepcopy(found) if found is not None else None

    def all(self, entity: str) -> list[dict[str, Any]]:
        """Copies of every stored object of ``entity`` (inactive ones included), in Id order."""
        with self.lock:
            objects = list(self._data["entities"].get(entity, {}).values())
            return copy.deepcopy(sorted(objects, key=_id_order))

    def live(self, entity: str) -> list[dict[str, Any]]:
        """The stored objects themselves (no copies), in Id order: only while holding :attr:`lock`.

        For reads that select a few objects out of many (queries): copying every object on each
        query made a lookup cost ~50 ms in a company of a few hundred entries.
        """
        objects = list(self._data["entities"].get(entity, {}).values())
        return sorted(objects, key=_id_order)

    def deleted(self, entity: str) -> list[dict[str, Any]]:
        """Tombstones of deleted objects: ``{"Id", "deleted_at"}``."""
        with self.lock:
            return [copy.deepcopy(t) for t in self._data["deleted"] if t["entity"] == entity]

    def doc_number_holder(self, entity: str, doc_number: str, own_id: str | None) -> str | None:
        """The Id of another ``entity`` object already carrying ``doc_number``, or None."""
        with self.lock:
            others = self._doc_numbers.get((entity, doc_number), set()) - {own_id}
            return min(others, key=lambda i: _id_order({"Id": i})) if others else None

    def counts(self) -> dict[str, int]:
        with self.lock:
            return {name: len(objects) for name, objects in self._data["entities"].items()}

    def singleton(self, entity: str) -> dict[str, Any]:
        with self.lock:
            return copy.deepcopy(next(iter(self._data["entities"][entity].values())))

    # --- writes ----------------------------------------------------------------------------
    def insert(self, entity: str, obj: dict[str, Any], object_id: str | None = None) -> dict[str, Any]:
        """Store a new object with a fresh Id, SyncToken 0 and MetaData; returns a copy."""
        with self.lock:
            if object_id is None:
                object_id = str(self._data["next_id"])
                self._data["next_id"] += 1
            stamp = metadata_time(self._now())
            stored = dict(obj)
            stored.update(
                {
                    "Id": object_id,
                    "SyncToken": "0",
                    "domain": "QBO",
                    "sparse": False,
                    "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp},
                }
            )
            self._data["entities"].setdefault(entity, {})[object_id] = stored
            self._index(entity, object_id, stored)
            self._touch()
            return copy.deepcopy(stored)

    def replace(self, entity: str, obj: dict[str, Any]) -> dict[str, Any]:
        """Store a new version of an existing object: SyncToken + 1, LastUpdatedTime now."""
        with self.lock:
            current = self._data["entities"][entity][obj["Id"]]
            stored = dict(obj)
            stored["SyncToken"] = str(int(current["SyncToken"]) + 1)
            stored["domain"] = "QBO"
            stored["sparse"] = False
            stored["MetaData"] = {
                "CreateTime": current["MetaData"]["CreateTime"],
                "LastUpdatedTime": metadata_time(self._now()),
            }
            self._data["entities"][entity][obj["Id"]] = stored
            self._unindex(entity, obj["Id"], current)
            self._index(entity, obj["Id"], stored)
            self._touch()
            return copy.deepcopy(stored)

    def delete(self, entity: str, object_id: str) -> dict[str, Any]:
        """Remove an object, keep a tombstone for CDC; returns the tombstone."""
        with self.lock:
            self._unindex(entity, object_id, self._data["entities"][entity].pop(object_id))
            tombstone = {"entity": entity, "Id": object_id, "deleted_at": metadata_time(self._now())}
            self._data["deleted"].append(tombstone)
            self._touch()
            return copy.deepcopy(tombstone)

    # --- requestid replay ------------------------------------------------------------------
    def recall(self, request_id: str) -> tuple[int, str] | None:
        """The stored (status, body) of an earlier request with this requestid, if any."""
        with self.lock:
            found = self._data["requestids"].get(request_id)
            return (found["status"], found["body"]) if found else None

    def remember(self, request_id: str, status: int, body: str) -> None:
        with self.lock:
            self._data["requestids"][request_id] = {"status": status, "body": body}
            self._touch()

    def requestid_count(self) -> int:
        with self.lock:
            return len(self._data["requestids"])


def _id_order(obj: dict[str, Any]) -> tuple[int, int, str]:
    object_id = str(obj.get("Id", ""))
    return (0, int(object_id), "") if object_id.isdigit() else (1, 0, object_id)


def state_paths(data_dir: Path, realm_id: str) -> tuple[Path, Path, Path]:
    """(company state file, token file, attachments directory) inside ``data_dir``."""
    base = Path(data_dir)
    return base / f"qbo-{realm_id}.json", base / "qbo-tokens.json", base / f"qbo-{realm_id}-attachments"
