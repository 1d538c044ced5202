"""The main window. Issue 7 fills it with pages; for now it shows the open book."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QVBoxLayout, QWidget

from bookbridge.store.book import Book
from bookbridge.ui.dialogs.open_book import OpenBookDialog


class MainWindow(QMainWindow):
    """Top-level window: a book, a status bar, and the open/create action."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("Bookbridge")
        self.book: Book | None = None
        self.summary = QLabel("No book is open. Use File → Open or create a book.")
        self.summary.setObjectName("bookSummary")
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.summary)
        layout.addStretch(1)
        self.setCentralWidget(central)
        self.open_action = QAction("&Open or create a book…", self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self.show_open_dialog)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        menu = self.menuBar().addMenu("&File")
        menu.addAction(self.open_action)
        menu.addAction(quit_action)
        self.statusBar().showMessage("No book open")
        self.resize(1100, 720)

    def show_open_dialog(self) -> OpenBookDialog:
        dialog = OpenBookDialog(self)
        dialog.book_opened.connect(self.set_book)
        dialog.open()
        return dialog

    def set_book(self, book: Book) -> None:
        if self.book is not None:
            self.book.close()
        self.book = book
        company = book.company()
        self.setWindowTitle(f"Bookbridge — {company.name}")
        self.summary.setText(f"{company.name} · home currency {company.home_currency} · {book.path}")
        self.statusBar().showMessage(f"Book: {book.path}")

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        if self.book is not None:
            self.book.close()
        super().closeEvent(event)
