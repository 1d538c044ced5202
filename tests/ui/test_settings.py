"""Preferences are declared once and kept apart from window state."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QComboBox, QLineEdit

from bookbridge.ui.pages.base import AppContext
from bookbridge.ui.settings import PREFERENCES, preference, qsettings, save_splitter, set_preference
from bookbridge.ui.tasks import TaskRunner


def test_every_preference_has_a_default_and_a_field(qtbot) -> None:
    """Each declared preference reads as its default until set, and the Settings page edits it."""
    from bookbridge.ui.pages.settings_page import SettingsPage

    page = SettingsPage(AppContext(TaskRunner()))
    qtbot.addWidget(page)
    for spec in PREFERENCES:
        assert preference(spec.key) == spec.default
        assert spec.key in page.editors
    assert isinstance(page.editors["theme"], QComboBox) and isinstance(page.editors["actor_name"], QLineEdit)


def test_actor_name_typed_in_settings_is_who_decides(qtbot) -> None:
    """The name typed on the Settings page is the actor recorded for approvals and imports."""
    from bookbridge.ui.pages.settings_page import SettingsPage

    ctx = AppContext(TaskRunner())
    page = SettingsPage(ctx)
    qtbot.addWidget(page)
    edit = page.editors["actor_name"]
    qtbot.keyClicks(edit, "Dana Fleet")
    edit.editingFinished.emit()
    assert preference("actor_name") == "Dana Fleet" and ctx.actor() == "Dana Fleet"


def test_a_choice_outside_the_declaration_is_refused(qtbot) -> None:
    """Setting a preference to a value it does not offer is a programming error, caught at once."""
    with pytest.raises(ValueError):
        set_preference("theme", "purple")
    qsettings().setValue("preferences/theme", "purple")  # a hand-edited settings file
    assert preference("theme") == "system"


def test_window_state_lives_apart_from_preferences(qtbot) -> None:
    """Window state is stored under window/, preferences under preferences/."""
    from PySide6.QtWidgets import QSplitter, QWidget

    splitter = QSplitter()
    splitter.addWidget(QWidget())
    splitter.addWidget(QWidget())
    qtbot.addWidget(splitter)
    save_splitter(splitter, "probe")
    set_preference("actor_name", "Olga Owner")
    keys = qsettings().allKeys()
    assert "window/splitter/probe" in keys and "preferences/actor_name" in keys
    assert not any(k.startswith("preferences/") and "splitter" in k for k in keys)
