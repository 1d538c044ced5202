"""First dialog: open a recent or existing book, or create a new one."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from bookbridge.core.currency import CURRENCIES
from bookbridge.store.book import MIN_PASSPHRASE_LENGTH, Book, create_book, open_book
from bookbridge.store.secrets import keyring_available, remember_passphrase, remembered_passphrase
from bookbridge.ui.errors import show_error
from bookbridge.ui.settings import add_recent_book, recent_books


def passphrase_strength(text: str) -> str:
    """A short, honest hint: length and variety matter, nothing else is measured."""
    if len(text) < MIN_PASSPHRASE_LENGTH:
        return f"Too short: at least {MIN_PASSPHRASE_LENGTH} characters."
    kinds = sum(any(f(c) for c in text) for f in (str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum()))
    if len(text) >= 20 or (len(text) >= 14 and kinds >= 3):
        return "Strong."
    if len(text) >= 12 or kinds >= 3:
        return "Fair: a few more words make it much stronger."
    return "Weak: use a longer phrase of several words."


class OpenBookDialog(QDialog):
    """Open an existing book or create a new one; ``book`` holds the result after accept()."""

    book_opened = Signal(object)
    demo_requested = Signal()  # "Try with demo data": the window builds and connects the demo book

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open or create a book")
        self.setObjectName("openBookDialog")
        self.book: Book | None = None
        self.tabs = QTabWidget()
        self.tabs.addTab(self._open_tab(), "Open a book")
        self.tabs.addTab(self._create_tab(), "Create a book")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        self.demo_button = QPushButton("Try with demo data")
        self.demo_button.setObjectName("tryDemo")
        self.demo_button.setToolTip("A demo trucking company connected to a QuickBooks Online sandbox inside "
                                    "Bookbridge: no account needed, ready to sync in under a minute.")
        self.demo_button.clicked.connect(self._demo_clicked)
        buttons.addButton(self.demo_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout.addWidget(buttons)
        self.resize(560, 420)
        if not recent_books():
            self.tabs.setCurrentIndex(1)

    # --- open ----------------------------------------------------------------------------
    def _open_tab(self) -> QWidget:
        tab = QWidget()
        self.recent_list = QListWidget()
        self.recent_list.setObjectName("recentBooks")
        for path in recent_books():
            item = QListWidgetItem(f"{path.name}  —  {path.parent}")
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            self.recent_list.addItem(item)
        self.recent_list.itemDoubleClicked.connect(lambda _item: self._open_clicked())
        self.recent_list.currentItemChanged.connect(self._recent_selected)
        self.open_path = QLineEdit()
        self.open_path.setObjectName("openPath")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_open)
        self.open_passphrase = QLineEdit()
        self.open_passphrase.setObjectName("openPassphrase")
        self.open_passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.open_button = QPushButton("Open")
        self.open_button.setObjectName("openButton")
        self.open_button.setDefault(True)
        self.open_button.clicked.connect(self._open_clicked)
        row = QHBoxLayout()
        row.addWidget(self.open_path)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Book file:", row)
        form.addRow("Passphrase:", self.open_passphrase)
        layout = QVBoxLayout(tab)
        layout.addWidget(QLabel("Recent books:"))
        layout.addWidget(self.recent_list)
        layout.addLayout(form)
        layout.addWidget(self.open_button, alignment=Qt.AlignmentFlag.AlignRight)
        return tab

    def _recent_selected(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.open_path.setText(item.data(Qt.ItemDataRole.UserRole))

    def _browse_open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a book", "", "Bookbridge books (*.bbk);;All files (*)")
        if path:
            self.open_path.setText(path)

    def _open_clicked(self) -> None:
        path = Path(self.open_path.text().strip())
        passphrase = self.open_passphrase.text() or remembered_passphrase(path) or ""
        try:
            book = open_book(path, passphrase)
        except Exception as exc:  # shown to the user by the one error presenter
            show_error(self, exc)
            return
        self._accept_book(book)

    # --- create --------------------------------------------------------------------------
    def _create_tab(self) -> QWidget:
        tab = QWidget()
        self.create_path = QLineEdit()
        self.create_path.setObjectName("createPath")
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse_create)
        self.company = QLineEdit()
        self.company.setObjectName("companyName")
        self.currency = QComboBox()
        self.currency.setObjectName("homeCurrency")
        self.currency.addItems(sorted(CURRENCIES))
        self.currency.setCurrentText("USD")
        self.new_passphrase = QLineEdit()
        self.new_passphrase.setObjectName("newPassphrase")
        self.new_passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm_passphrase = QLineEdit()
        self.confirm_passphrase.setObjectName("confirmPassphrase")
        self.confirm_passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.strength = QLabel(passphrase_strength(""))
        self.strength.setObjectName("strengthHint")
        self.new_passphrase.textChanged.connect(lambda t: self.strength.setText(passphrase_strength(t)))
        self.remember = QCheckBox("Remember on this computer (OS keyring)")
        self.remember.setObjectName("rememberPassphrase")
        if not keyring_available():
            self.remember.setEnabled(False)
            self.remember.setToolTip("No OS keyring is available on this computer.")
        self.create_button = QPushButton("Create book")
        self.create_button.setObjectName("createButton")
        self.create_button.clicked.connect(self._create_clicked)
        row = QHBoxLayout()
        row.addWidget(self.create_path)
        row.addWidget(browse)
        form = QFormLayout(tab)
        form.addRow("New book file:", row)
        form.addRow("Company name:", self.company)
        form.addRow("Home currency:", self.currency)
        form.addRow("Passphrase:", self.new_passphrase)
        form.addRow("", self.strength)
        form.addRow("Repeat passphrase:", self.confirm_passphrase)
        form.addRow("", self.remember)
        form.addRow("", self.create_button)
        return tab

    def _browse_create(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Create a book", "", "Bookbridge books (*.bbk)")
        if path:
            self.create_path.setText(path if path.endswith(".bbk") else path + ".bbk")

    def _create_clicked(self) -> None:
        from bookbridge.core.errors import UsageError

        path = Path(self.create_path.text().strip())
        passphrase = self.new_passphrase.text()
        try:
            if not self.create_path.text().strip():
                raise UsageError("Choose where to save the new book.")
            if passphrase != self.confirm_passphrase.text():
                raise UsageError("The two passphrases differ.")
            company = self.company.text().strip() or path.stem
            book = create_book(path, passphrase, company=company, home_currency=self.currency.currentText())
            if self.remember.isChecked():
                remember_passphrase(path, passphrase)
        except Exception as exc:  # shown to the user by the one error presenter
            show_error(self, exc)
            return
        self._accept_book(book)

    def _demo_clicked(self) -> None:
        self.demo_requested.emit()
        self.accept()

    def _accept_book(self, book: Book) -> None:
        self.book = book
        add_recent_book(book.path)
        self.book_opened.emit(book)
        self.accept()
