"""How a page reads and writes the book off the GUI thread: only the newest read counts, one write at a time.

Every page that lists something from the book reloads it on a worker, and a reload can finish
after a newer one started (F5 twice, a filter typed fast, a write announcing a change): the older
result must not overwrite the newer one. :class:`LatestRead` numbers the reads and drops the
stale ones. Pages that act on the selected row (approve, resolve...) must not start a second
decision while the first is on the book-write lane: :class:`OneWrite` keeps the "busy" flag the
buttons follow, and shows a refusal or failure in the one error dialog.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtWidgets import QWidget

from bookbridge.ui.errors import show_error
from bookbridge.ui.tasks import Lane, TaskRunner

Job = Callable[[Callable[[str], None], Callable[[], bool]], Any]


class LatestRead:
    """Reads whose results count only while no newer read (or :meth:`forget`) came after them."""

    def __init__(self, owner: QWidget, runner: TaskRunner) -> None:
        self._owner = owner
        self._runner = runner
        self._generation = 0

    def submit(self, name: str, job: Job, on_loaded: Callable[[Any], None]) -> None:
        """Run ``job`` on the read lane; ``on_loaded(result)`` only if it is still the newest read."""
        self._generation += 1
        generation = self._generation
        handle = self._runner.submit(name, job)
        handle.succeeded.connect(lambda result: on_loaded(result) if generation == self._generation else None)
        handle.failed.connect(lambda exc: show_error(self._owner, exc))

    def forget(self) -> None:
        """Drop whatever is still being read (the book was closed)."""
        self._generation += 1


class OneWrite:
    """One write at a time on the book-write lane, with the busy flag the page's buttons follow.

    Args:
        owner: the page (error dialogs open over it).
        runner: the task runner.
        busy_changed: called whenever :attr:`busy` changes, to enable or disable the buttons.
    """

    def __init__(self, owner: QWidget, runner: TaskRunner, busy_changed: Callable[[], None]) -> None:
        self._owner = owner
        self._runner = runner
        self._busy_changed = busy_changed
        self.busy = False

    def submit(self, name: str, job: Job, on_done: Callable[[Any], None],
               on_failed: Callable[[], None] | None = None) -> None:
        """Run ``job``; ``on_done(result)`` when it succeeds, else ``on_failed()`` then the error dialog."""
        self.busy = True
        self._busy_changed()
        handle = self._runner.submit(name, job, lane=Lane.BOOK_WRITE)
        handle.succeeded.connect(lambda result: self._succeeded(result, on_done))
        handle.failed.connect(lambda exc: self._failed(exc, on_failed))

    def _succeeded(self, result: Any, on_done: Callable[[Any], None]) -> None:
        self.busy = False
        on_done(result)

    def _failed(self, exc: BaseException, on_failed: Callable[[], None] | None) -> None:
        self.busy = False
        if on_failed is not None:
            on_failed()
        self._busy_changed()
        show_error(self._owner, exc)
