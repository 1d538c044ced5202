"""The CSV profile editor: which column is which, delimiter, date format, decimal comma.

It edits the same JSON definition ``bookbridge profiles save`` stores and saves it through the
ingest profiles service (:func:`bookbridge.ingest.profiles.save_profile`), which validates it and
says what is wrong; the dialog only gathers the answers.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bookbridge.core.currency import CURRENCIES
from bookbridge.ingest.profiles import BUILTIN_PROFILES, CANONICAL_FIELDS, save_profile
from bookbridge.store.book import Book
from bookbridge.store.models import CsvProfile
from bookbridge.ui.errors import show_error
from bookbridge.ui.tasks import Lane, TaskRunner

DELIMITERS = (("Detect", None), ("Comma ,", ","), ("Semicolon ;", ";"), ("Tab", "\t"), ("Pipe |", "|"))


def saved_definition(book: Book, name: str) -> dict[str, Any] | None:
    """The stored JSON definition of a saved profile (what the editor edits), or None."""
    with book.engine.connect() as conn:
        text = conn.execute(sa.select(CsvProfile.definition_json).where(CsvProfile.name == name)).scalar()
    return None if text is None else json.loads(text)


def save_profile_job(book: Book, name: str, data: dict[str, Any], replace_existing: bool):
    """A book-writing job that saves the profile in one transaction; returns the profile's name."""
    def job(progress, cancel) -> str:
        progress(f"Saving profile {name}")
        with book.unit_of_work() as session:
            profile = save_profile(session.connection(), name, data, replace_existing=replace_existing)
        return profile.name
    return job


class ProfileEditor(QDialog):
    """Create or edit a saved profile; emits ``saved(name)`` after the book stored it."""

    saved = Signal(str)

    def __init__(self, book: Book, runner: TaskRunner, name: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("profileEditor")
        self.setWindowTitle("Import profile")
        self._book, self._runner = book, runner
        self._editing = name is not None
        definition = saved_definition(book, name) if name else None
        data = definition or {}

        self.name = QLineEdit(name or "")
        self.name.setObjectName("profileName")
        self.name.setPlaceholderText("e.g. bank-card-export")
        self.name.setReadOnly(self._editing)
        self.base = QComboBox()
        self.base.setObjectName("profileBase")
        for builtin in BUILTIN_PROFILES:
            self.base.addItem(builtin, builtin)
        self.base.setCurrentIndex(max(0, self.base.findData(data.get("base", "generic"))))
        self.delimiter = QComboBox()
        self.delimiter.setObjectName("profileDelimiter")
        for label, value in DELIMITERS:
            self.delimiter.addItem(label, value)
        self.delimiter.setCurrentIndex(max(0, self.delimiter.findData(data.get("delimiter"))))
        self.date_formats = QLineEdit(", ".join(data.get("date_formats", [])))
        self.date_formats.setObjectName("profileDateFormats")
        self.date_formats.setPlaceholderText("%d/%m/%Y  (several: separate with commas)")
        self.decimal_comma = QCheckBox("Amounts use a decimal comma (1.234,56)")
        self.decimal_comma.setObjectName("profileDecimalComma")
        self.decimal_comma.setChecked(data.get("decimal_sep") == ",")
        self.currency = QComboBox()
        self.currency.setObjectName("profileCurrency")
        self.currency.addItem("The book's home currency", None)
        for code in sorted(CURRENCIES):
            self.currency.addItem(code, code)
        self.currency.setCurrentIndex(max(0, self.currency.findData(data.get("default_currency"))))

        self.columns = QTableWidget(len(CANONICAL_FIELDS), 2)
        self.columns.setObjectName("profileColumns")
        self.columns.setHorizontalHeaderLabels(["Field", "Column headers in your file (comma-separated)"])
        self.columns.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.columns.verticalHeader().hide()
        saved_columns = data.get("columns", {})
        for row, (field, meaning) in enumerate(CANONICAL_FIELDS.items()):
            item = QTableWidgetItem(field)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            item.setToolTip(meaning)
            self.columns.setItem(row, 0, item)
            headers = saved_columns.get(field, [])
            self.columns.setItem(row, 1, QTableWidgetItem(", ".join([headers] if isinstance(headers, str) else headers)))

        form = QFormLayout()
        form.addRow("Name:", self.name)
        form.addRow("Start from:", self.base)
        form.addRow("Delimiter:", self.delimiter)
        form.addRow("Date format:", self.date_formats)
        form.addRow("", self.decimal_comma)
        form.addRow("Currency when the file has none:", self.currency)
        hint = QLabel("Fill only the fields your file names differently; the rest come from the profile you "
                      "start from. Unknown columns are kept as custom fields.")
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("profileSave")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.columns, 1)
        layout.addWidget(buttons)
        self.resize(640, 620)

    def definition(self) -> dict[str, Any]:
        """The profile as the ingest service's JSON definition."""
        data: dict[str, Any] = {"base": self.base.currentData()}
        columns = {}
        for row in range(self.columns.rowCount()):
            field = self.columns.item(row, 0).text()
            text = self.columns.item(row, 1).text() if self.columns.item(row, 1) else ""
            headers = [h.strip() for h in text.split(",") if h.strip()]
            if headers:
                columns[field] = headers
        if columns:
            data["columns"] = columns
        if self.delimiter.currentData() is not None:
            data["delimiter"] = self.delimiter.currentData()
        formats = [f.strip() for f in self.date_formats.text().split(",") if f.strip()]
        if formats:
            data["date_formats"] = formats
        if self.decimal_comma.isChecked():
            data["decimal_sep"], data["thousands_sep"] = ",", "."
        if self.currency.currentData():
            data["default_currency"] = self.currency.currentData()
        return data

    def save(self) -> None:
        name = self.name.text().strip()
        self.save_button.setEnabled(False)
        handle = self._runner.submit(f"Saving profile {name}",
                                     save_profile_job(self._book, name, self.definition(), self._editing),
                                     lane=Lane.BOOK_WRITE)
        handle.succeeded.connect(self._saved)
        handle.failed.connect(self._failed)

    def _saved(self, name: str) -> None:
        self.saved.emit(name)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        show_error(self, exc)
