"""Generating the month-end pack from the GUI: choose where, write it off the GUI thread, open it.

The pack is ``reports.pack.service.write_pack`` (what ``bookbridge pack`` runs): PDF written to a
temporary file and moved into place, its SHA-256 recorded in the audit log and the
``month_end_packs`` table, optional CSV files beside it. It runs on the book-write lane (it adds
the pack's row); when it is done the PDF opens in the system's viewer (``QDesktopServices``).
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QWidget

from bookbridge.reconcile.periods import Period
from bookbridge.reports.pack.service import PackResult, write_pack
from bookbridge.store.book import Book
from bookbridge.ui.errors import show_error
from bookbridge.ui.models.packs_model import remember_pack_path
from bookbridge.ui.models.reconcile_facts import ledger_source
from bookbridge.ui.pages.base import AppContext
from bookbridge.ui.sandboxes import host_of
from bookbridge.ui.tasks import Lane, TaskHandle

PACKS = "packs"  # the area a written pack changes (the Reports page shows it)


def pack_job(book: Book, period: Period, output: Path, *, preparer: str, csv_dir: Path | None = None,
             host=None, read_back: bool = False):
    """A task-runner job writing the pack of ``period`` to ``output``."""
    def job(progress, cancel) -> PackResult:
        progress(f"Writing the {period} pack")
        with ledger_source(book, host, read_back=read_back) as source:
            return write_pack(book, period, output, preparer=preparer, csv_dir=csv_dir, source=source)
    return job


def default_pack_path(company: str, period: Period) -> Path:
    """``<Documents>/<company>-<period>-reconciliation-pack.pdf`` (a name an auditor recognises)."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
    safe = re.sub(r"[^\w.-]+", "-", company).strip("-") or "book"
    return Path(folder) / f"{safe}-{period.label}-reconciliation-pack.pdf"


class PackFlow(QObject):
    """One "Generate pack" action: file dialog, job, then open the PDF.

    Signals:
        written(object): the :class:`PackResult`, after the PDF was opened.
    """

    written = Signal(object)

    def __init__(self, ctx: AppContext, parent_widget: QWidget) -> None:
        super().__init__(parent_widget)
        self.ctx = ctx
        self.widget = parent_widget
        self.handle: TaskHandle | None = None
        self.open_when_done = True

    def ask_path(self, period: Period) -> Path | None:
        """The native save dialog, starting at the default name."""
        company = self.ctx.book.company().name if self.ctx.book is not None else "book"
        chosen, _filter = QFileDialog.getSaveFileName(self.widget, f"Save the {period} reconciliation pack",
                                                      str(default_pack_path(company, period)), "PDF files (*.pdf)")
        if not chosen:
            return None
        return Path(chosen if chosen.lower().endswith(".pdf") else chosen + ".pdf")

    def start(self, period: Period, output: Path | None = None, *, csv_dir: Path | None = None,
              read_back: bool = False) -> TaskHandle | None:
        """Write the pack (asking where first when ``output`` is None); None when nothing started."""
        if self.ctx.book is None or self.handle is not None:
            return None
        output = output or self.ask_path(period)
        if output is None:
            return None
        job = pack_job(self.ctx.book, period, output, preparer=self.ctx.actor(), csv_dir=csv_dir,
                       host=host_of(self.ctx), read_back=read_back)
        self.handle = self.ctx.runner.submit(f"Writing the {period} pack", job, lane=Lane.BOOK_WRITE)
        self.handle.succeeded.connect(self._written)
        self.handle.failed.connect(self._failed)
        return self.handle

    def _written(self, result: PackResult) -> None:
        self.handle = None
        remember_pack_path(result.sha256, result.path)
        self.ctx.notify_changed(PACKS)
        self.ctx.say(f"Wrote {result.path.name} ({result.pages} pages); its SHA-256 is in the audit log.")
        if self.open_when_done:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(result.path)))
        self.written.emit(result)

    def _failed(self, exc: BaseException) -> None:
        self.handle = None
        show_error(self.widget, exc)
