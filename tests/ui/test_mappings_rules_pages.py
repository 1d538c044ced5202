"""The Mappings and Rules pages on a real book: edit with line-numbered errors, diff, publish after a
preview, rollback, and a rule's preview before it is saved."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt

from bookbridge.coding.templates import get_template, history, load_draft
from bookbridge.store.models import Expense
from bookbridge.ui.main_window import MainWindow
from bookbridge.ui.models.template_models import ExpenseChangesModel, MappingsModel, RulesModel, VersionHistoryModel
from tests.coding.coding_book import FLEET_TEMPLATE, add_expense, publish_template, status_of
from tests.ui.conftest import settle

MEALS_TO_6410 = FLEET_TEMPLATE.replace('account: "6400"', 'account: "6410"')
BROKEN = FLEET_TEMPLATE.replace('  - category: Lodging\n    account: "6500"\n', '  - category: Lodging\n')


def _fleet(book) -> list[int]:
    """The Fleet template published once and three imported expenses (fuel, meals, lodging)."""
    publish_template(book, FLEET_TEMPLATE)
    with book.unit_of_work() as session:
        return [add_expense(session, day=date(2026, 1, 5 + n), category=category, amount=amount, vendor=vendor)
                for n, (category, amount, vendor) in enumerate(
                    [("Fuel", "84.20", "Shell"), ("Meals", "23.75", "Denny's"), ("Lodging", "212.00", "Marriott")])]


def _versions(book) -> list[int]:
    with book.unit_of_work() as session:
        return [v.number for v in history(session, get_template(session, "Fleet"))]


def _loaded(qtbot, window: MainWindow, key: str):
    page = window.go_to(key)
    qtbot.waitUntil(lambda: page.state is not None and page.state.name == "Fleet", timeout=10_000)
    settle(qtbot, window)
    return page


def test_mappings_table_shows_the_published_version(qtbot, window: MainWindow, book) -> None:
    """The newest version's mappings are listed category → account, with its history."""
    _fleet(book)
    page = _loaded(qtbot, window, "mappings")
    rows = {page.model.index(r, 0).data(): page.model.index(r, 2).data() for r in range(page.model.rowCount())}
    assert rows == {"Fuel": "6100", "Meals": "6400", "Lodging": "6500"}
    assert page.browser.model.rowCount() == 1 and "version 1 in force" in page.browser.summary.text()
    assert "template: Fleet" in page.editor.text()


def test_check_lists_errors_with_their_line_and_saves_nothing(qtbot, window: MainWindow, book) -> None:
    """A mapping without an account is an error on its line; the draft is not written."""
    _fleet(book)
    page = _loaded(qtbot, window, "mappings")
    page.editor.set_text(BROKEN)
    page.save()
    qtbot.waitUntil(lambda: page.editor.issues.count() > 0, timeout=10_000)
    first = page.editor.issues.item(0)
    line = BROKEN.splitlines().index("  - category: Lodging") + 1
    assert first.text().startswith("Error, line ") and "account" in first.text()
    assert abs(int(first.text().split("line ")[1].split(":")[0]) - line) <= 1
    page.editor.issues.itemClicked.emit(first)
    assert abs(page.editor.editor.textCursor().blockNumber() + 1 - line) <= 1
    with book.unit_of_work() as session:
        assert load_draft(session, get_template(session, "Fleet")) is None
    assert "nothing was saved" in page.edit_message.text()
    settle(qtbot, window)


def test_save_draft_compare_then_publish_after_the_preview(qtbot, window: MainWindow, book) -> None:
    """Saving a change makes a draft; Compare shows it; Publish previews the recoded expense, then publishes and codes."""
    ids = _fleet(book)
    page = _loaded(qtbot, window, "mappings")
    page.editor.set_text(MEALS_TO_6410)
    page.save()
    qtbot.waitUntil(lambda: page.state is not None and page.state.draft_base == 1, timeout=10_000)
    settle(qtbot, window)
    assert page.browser.model.item(0).is_draft and page.publish_button.isEnabled()
    assert "Mapping Meals" in page.diff.toPlainText() and "6400 → 6410" in page.diff.toPlainText()
    dialog = page.open_publish()
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.publish_button.isEnabled(), timeout=20_000)
    assert "version 2" in dialog.heading.text() and dialog.changes.rowCount() == 1
    assert dialog.changes.item(0).vendor == "Denny's" and "6410" in dialog.changes.item(0).after
    dialog.note.setText("meals to 6410")
    with qtbot.waitSignal(dialog.published, timeout=30_000) as published:
        qtbot.mouseClick(dialog.publish_button, Qt.MouseButton.LeftButton)
    assert published.args[0].info.number == 2 and _versions(book) == [1, 2]
    assert all(status_of(book, i) != "imported" for i in ids)
    qtbot.waitUntil(lambda: page.state is not None and page.state.latest == 2 and page.state.draft_base is None,
                    timeout=10_000)
    settle(qtbot, window)


def test_rollback_publishes_the_older_content_as_a_new_version(qtbot, window: MainWindow, book) -> None:
    """Rolling back to version 1 (after a preview) adds version 3 equal to version 1."""
    _fleet(book)
    publish_template(book, MEALS_TO_6410)
    page = _loaded(qtbot, window, "mappings")
    page.browser.select_number(1)
    assert page.rollback_button.isEnabled()
    dialog = page.open_publish(rollback=True)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.publish_button.isEnabled(), timeout=20_000)
    assert "rolls back to version 1" in dialog.heading.text()
    with qtbot.waitSignal(dialog.published, timeout=30_000):
        qtbot.mouseClick(dialog.publish_button, Qt.MouseButton.LeftButton)
    assert _versions(book) == [1, 2, 3]
    with book.unit_of_work() as session:
        rolled = history(session, get_template(session, "Fleet"))[-1]
    assert rolled.rolled_back_from == 1
    settle(qtbot, window)


def test_rule_preview_lists_changed_expenses_before_saving(qtbot, window: MainWindow, book) -> None:
    """A new rule is previewed (the Shell fuel would be flagged) and only then can be saved in the draft."""
    _fleet(book)
    page = _loaded(qtbot, window, "rules")
    assert [page.model.index(r, 1).data() for r in range(page.model.rowCount())] == ["fuel-over-300-litres",
                                                                                   "skip-personal"]
    text = page.editor.text() + ("  - id: review-shell\n    precedence: 30\n    when:\n      vendor: {equals: Shell}\n"
                                 "    then:\n      - flag: check the Shell receipt\n")
    page.editor.set_text(text)
    assert not page.save_button.isEnabled()
    page.run_preview()
    qtbot.waitUntil(lambda: page.preview is not None, timeout=20_000)
    assert page.preview.ok and not page.preview.saved
    assert page.changes.rowCount() == 1 and page.changes.item(0).vendor == "Shell"
    with book.unit_of_work() as session:
        assert load_draft(session, get_template(session, "Fleet")) is None
    assert page.save_button.isEnabled()
    page.save()
    qtbot.waitUntil(lambda: page.state is not None and page.state.draft_base == 1, timeout=20_000)
    with book.unit_of_work() as session:
        draft = load_draft(session, get_template(session, "Fleet"))
    assert [r.id for r in draft.spec.rules][-1] == "review-shell"
    settle(qtbot, window)


def test_template_models_keep_qts_contract(qtmodeltester, qtbot, window: MainWindow, book) -> None:
    """Versions, mappings, rules and changed-expenses models pass qtmodeltester with real rows."""
    _fleet(book)
    page = _loaded(qtbot, window, "mappings")
    rules = _loaded(qtbot, window, "rules")
    rules.editor.set_text(rules.editor.text().replace("precedence: 20", "precedence: 5"))
    rules.editor.set_text(rules.editor.text().replace("contains: personal", "contains: diesel"))
    rules.run_preview()
    qtbot.waitUntil(lambda: rules.preview is not None, timeout=20_000)
    changes = ExpenseChangesModel()
    changes.set_items(list(rules.preview.changes) or [])
    for model in (page.browser.model, page.model, rules.model):
        assert model.rowCount() > 0
        qtmodeltester.check(model, force_py=True)
    qtmodeltester.check(changes, force_py=True)
    assert isinstance(page.browser.model, VersionHistoryModel) and isinstance(page.model, MappingsModel)
    assert isinstance(rules.model, RulesModel)
    with book.read() as session:
        assert session.query(Expense).count() == 3
    settle(qtbot, window)
