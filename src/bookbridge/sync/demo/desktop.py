"""The desktop demo's preparation: the job "Try with demo data" runs off the GUI thread.

:func:`prepare_demo_book` creates the demo trucking company's book in the application's data
folder (or reuses the one made on an earlier try), opens it and gives it the Visa card
statement of its last month (:func:`~bookbridge.sync.demo.statement.add_demo_statement`), its
proposals left as suggestions for the newcomer to accept on the Reconcile page. The window
(``ui.demo_session``) then connects the book to its in-app sandbox.

The demo book uses the documented demo passphrase (``bookbridge demo --help``): it is a
throwaway company, not a place for real data.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable

from bookbridge.core.paths import data_dir
from bookbridge.store.book import Book, open_book
from bookbridge.sync.demo.data import create_demo_book
from bookbridge.sync.demo.headless import CONNECTION, DEMO_PASSPHRASE
from bookbridge.sync.demo.statement import add_demo_statement

DEMO_FILE = "Sandbox Trucking demo.bbk"


@dataclass(frozen=True)
class DemoBook:
    """The opened demo book and whether it was made just now."""

    book: Book
    created: bool
    connection: str = CONNECTION


def demo_path() -> Path:
    """Where the desktop demo keeps its book (the application's data folder)."""
    return data_dir() / "demo" / DEMO_FILE


def prepare_demo_book(
    path: Path | None = None, *, today: date | None = None,
) -> Callable[[Callable[..., None], threading.Event], DemoBook]:
    """A task-runner job: create (or reuse) the demo book, open it, add its card statement.

    The job opens the book and hands it over: the caller owns it from then on (and closes it).
    """
    def job(progress: Callable[..., None], cancel: threading.Event) -> DemoBook:
        target = Path(path) if path is not None else demo_path()
        target.parent.mkdir(parents=True, exist_ok=True)
        created = not target.exists()
        if created:
            progress("Creating the demo trucking company")
            create_demo_book(target, DEMO_PASSPHRASE, today=today)
        progress("Opening the demo book")
        book = open_book(target, DEMO_PASSPHRASE)
        progress("Adding a card statement to reconcile")
        add_demo_statement(book, target.parent, today=today)
        return DemoBook(book, created)
    return job
