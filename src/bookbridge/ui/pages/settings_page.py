"""Settings: the user's preferences, built from their one declaration in ``ui.settings``."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from bookbridge.ui.pages.base import AppContext, Page
from bookbridge.ui.settings import PREFERENCES, Preference, preference, set_preference


class SettingsPage(Page):
    """One field per declared preference; changes apply at once."""

    key = "settings"
    title = "Settings"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.editors: dict[str, QWidget] = {}
        form = QFormLayout()
        for spec in PREFERENCES:
            editor = self._editor(spec)
            editor.setObjectName(f"pref_{spec.key}")
            self.editors[spec.key] = editor
            form.addRow(spec.label + ":", editor)
            if spec.help:
                hint = QLabel(spec.help)
                hint.setWordWrap(True)
                form.addRow("", hint)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)

    def _editor(self, spec: Preference) -> QWidget:
        value = preference(spec.key)
        if spec.choices:
            combo = QComboBox()
            for code, label in spec.choices:
                combo.addItem(label, code)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            combo.currentIndexChanged.connect(lambda _i, c=combo, k=spec.key: self._changed(k, c.currentData()))
            return combo
        if spec.kind is bool:
            box = QCheckBox()
            box.setChecked(bool(value))
            box.toggled.connect(lambda checked, k=spec.key: self._changed(k, checked))
            return box
        edit = QLineEdit(str(value))
        edit.editingFinished.connect(lambda e=edit, k=spec.key: self._changed(k, e.text().strip()))
        return edit

    def _changed(self, key: str, value: object) -> None:
        set_preference(key, value)
        if key == "theme":
            window = self.window()
            theme = getattr(window, "theme", None)
            if theme is not None:
                theme.apply(str(value))
        self.ctx.say("Preference saved.")
