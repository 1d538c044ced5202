"""The import's row loop pauses the cyclic garbage collector and always puts it back as it was."""

from __future__ import annotations

import gc

import pytest

from bookbridge.core.gcpause import paused_gc


def test_collector_is_off_inside_and_back_on_after() -> None:
    """Inside the block the collector is disabled; afterwards it is enabled again."""
    assert gc.isenabled()
    with paused_gc():
        inside = gc.isenabled()
    assert (inside, gc.isenabled()) == (False, True)


def test_collector_comes_back_when_the_loop_raises() -> None:
    """An error (a cancel, a failed write) does not leave the process without a collector."""
    with pytest.raises(RuntimeError), paused_gc():
        raise RuntimeError("write failed")
    assert gc.isenabled()


def test_a_collector_disabled_by_the_caller_stays_disabled() -> None:
    """The previous state is restored, not forced on."""
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_import_leaves_the_collector_enabled(book, tmp_path) -> None:
    """A real import through the service ends with the collector enabled."""
    from bookbridge.ingest.service import ImportOptions, import_file

    path = tmp_path / "e.csv"
    path.write_text("Timestamp,Merchant,Amount\n2024-03-01 08:00:00,Blue Bottle,4.50\n", encoding="utf-8")
    result = import_file(book, ImportOptions(path, profile="expensify"))
    assert (result.new, gc.isenabled()) == (1, True)


def test_cycles_the_job_made_are_collected_when_it_ends() -> None:
    """Pausing delays collection, it never leaks: a cycle made inside is gone after the block,
    and objects from before the block are no longer frozen."""
    import weakref

    class Node:
        pass

    with paused_gc():
        node = Node()
        node.self = node  # type: ignore[attr-defined]
        alive = weakref.ref(node)
        del node
        assert alive() is not None  # the collector is paused: the cycle waits
    assert alive() is None
    assert gc.get_freeze_count() == 0
