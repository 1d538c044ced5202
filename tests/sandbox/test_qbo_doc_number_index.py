"""The sandbox's DocNumber index follows creates, updates, deletions and a restart from its file."""

from __future__ import annotations

from datetime import datetime, timezone

from bookbridge.sandbox.common.statefile import JsonStateFile
from bookbridge.sandbox.qbo.store import CompanyStore


def _store(state_file: JsonStateFile | None = None) -> CompanyStore:
    return CompanyStore("4620816365", lambda: datetime(2026, 11, 21, tzinfo=timezone.utc), state_file)


def test_a_created_doc_number_is_held_by_its_entry() -> None:
    """After a create, the number is held by that entry, but not against the entry itself."""
    store = _store()
    entry = store.insert("JournalEntry", {"DocNumber": "EXP-1", "Line": []})
    assert store.doc_number_holder("JournalEntry", "EXP-1", None) == entry["Id"]
    assert store.doc_number_holder("JournalEntry", "EXP-1", entry["Id"]) is None
    assert store.doc_number_holder("Purchase", "EXP-1", None) is None


def test_an_update_frees_the_old_number_and_takes_the_new() -> None:
    """Renumbering an entry releases its old DocNumber."""
    store = _store()
    entry = store.insert("JournalEntry", {"DocNumber": "EXP-1", "Line": []})
    store.replace("JournalEntry", {**entry, "DocNumber": "EXP-2"})
    assert store.doc_number_holder("JournalEntry", "EXP-1", None) is None
    assert store.doc_number_holder("JournalEntry", "EXP-2", None) == entry["Id"]


def test_a_deleted_entry_frees_its_number() -> None:
    """A deleted entry's DocNumber may be used again."""
    store = _store()
    entry = store.insert("JournalEntry", {"DocNumber": "EXP-1", "Line": []})
    store.delete("JournalEntry", entry["Id"])
    assert store.doc_number_holder("JournalEntry", "EXP-1", None) is None


def test_the_index_is_rebuilt_from_the_state_file(tmp_path) -> None:
    """A sandbox restarted on its state file still refuses numbers posted before the restart."""
    state = JsonStateFile(tmp_path / "company.json")
    entry = _store(state).insert("JournalEntry", {"DocNumber": "EXP-7", "Line": []})
    assert _store(JsonStateFile(tmp_path / "company.json")).doc_number_holder("JournalEntry", "EXP-7", None) == entry["Id"]
