"""The approval policy editor on the Approvals page: shown from the book, edited, checked by the
approvals service, saved, and the queue then asks for the new level."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookbridge.coding.approval_policy import parse_policy_text, policy_to_document
from bookbridge.coding.approvals import load_policy
from bookbridge.ui.main_window import MainWindow
from bookbridge.ui.models.policy_facts import (
    LevelForm,
    PersonForm,
    PolicyForm,
    document_from_form,
    form_from_document,
    policy_problems,
)
from bookbridge.ui.settings import set_preference
from tests.ui.conftest import settle


@pytest.fixture
def policy_page(qtbot, coded_book):
    set_preference("actor_name", "Olga Owner")
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.set_book(coded_book)
    page = window.go_to("approvals")
    qtbot.waitUntil(lambda: page.model.rowCount() == 4 and page.policy.levels.rowCount() == 3, timeout=15_000)
    page.tabs.setCurrentWidget(page.policy)
    yield page
    settle(qtbot, window)
    window.close()


def _level_names(page) -> list[str]:
    return [page.policy.levels.item(row, 0).text() for row in range(page.policy.levels.rowCount())]


def _controller(page) -> None:
    """Type a new level, 'controller', for amounts over 100.00, and Carl Controller holding that role."""
    editor = page.policy
    editor.add_level(LevelForm())
    row = editor.levels.rowCount() - 1
    for column, text in ((0, "controller"), (1, "100.00"), (5, "controller")):
        editor.levels.item(row, column).setText(text)
    editor.add_person(PersonForm("Carl Controller", "controller"))


def test_editor_shows_the_policy_in_the_book(policy_page, coded_book) -> None:
    """Every level of the book's policy is a row, with its threshold, conditions and approvers."""
    page = policy_page
    assert _level_names(page) == ["manager", "second approver", "fleet manager"]
    second = page.policy.form().levels[1]
    assert second.amount_over == "500.00" and second.roles == "manager, finance"
    fleet = page.policy.form().levels[2]
    assert fleet.categories == "Fuel" and fleet.fields == "litres > 300" and fleet.names == "Dana Fleet"
    with coded_book.read() as session:
        assert document_from_form(page.policy.form()) == policy_to_document(load_policy(session))


def test_saving_a_new_level_makes_expenses_over_its_threshold_wait_for_it(qtbot, policy_page, coded_book) -> None:
    """A level added in the editor is saved through the service; after coding, the expenses above its
    threshold wait for it in the queue and the cheaper one does not."""
    page = policy_page
    _controller(page)
    page.policy.save_button.click()
    qtbot.waitUntil(lambda: "Approval policy saved" in page.policy.message.text(), timeout=30_000)
    with coded_book.read() as session:
        assert [level.name for level in load_policy(session).levels][-1] == "controller"
    qtbot.waitUntil(lambda: any("controller" in (page.model.index(r, 5).data() or "")
                                for r in range(page.model.rowCount())), timeout=15_000)
    waiting = {page.model.item(r)["vendor"]: [p["level"] for p in page.model.item(r)["pending"]]
               for r in range(page.model.rowCount())}
    assert "controller" in waiting["Marriott"] and "controller" in waiting["Pilot Flying J"]
    assert "controller" not in waiting["Shell"]
    page.tabs.setCurrentIndex(0)
    row = next(r for r in range(page.proxy.rowCount()) if page.proxy.index(r, 1).data() == "Marriott")
    page.select_row(row)
    assert "controller" in page.detail.text()


def test_a_level_without_approvers_is_refused_with_the_services_reason(qtbot, policy_page, coded_book) -> None:
    """The service's problem (no approver named) is listed and the book's policy stays as it was."""
    page = policy_page
    page.policy.add_level(LevelForm(name="audit"))
    page.policy.save_button.click()
    assert "Not saved" in page.policy.message.text()
    assert "level 'audit': name at least one approver" in page.policy.message.text()
    qtbot.wait(100)
    with coded_book.read() as session:
        assert [level.name for level in load_policy(session).levels] == ["manager", "second approver",
                                                                         "fleet manager"]


def test_moving_a_level_up_changes_its_place(policy_page) -> None:
    """Move up puts the current level before the one above it."""
    page = policy_page
    page.policy.levels.setCurrentCell(2, 0)
    page.policy.findChild(type(page.policy.save_button), "levelUp").click()
    assert _level_names(page) == ["manager", "fleet manager", "second approver"]


def test_a_field_condition_without_an_operator_is_the_services_problem() -> None:
    """Text with no comparison reaches the service, which names the level and the condition."""
    form = PolicyForm((LevelForm(name="fuel", fields="litres 300", names="Dana Fleet"),))
    problems = policy_problems(form)
    assert problems and "level 'fuel'" in problems[0] and "fields[1]" in problems[0]


_words = st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll")), min_size=1, max_size=8)


@given(names=st.lists(_words, min_size=1, max_size=4, unique_by=str.casefold),
       amount=st.decimals(min_value=0, max_value=10**6, places=2),
       roles=st.lists(_words, min_size=1, max_size=3), flagged=st.booleans())
def test_form_and_document_round_trip(names, amount, roles, flagged) -> None:
    """A policy the service accepts comes back unchanged through the editor's rows."""
    levels = "".join(f"  - name: {n}\n    when: {{amount_over: \"{amount}\", flagged: {str(flagged).lower()}}}\n"
                     f"    approvers: {{roles: [{', '.join(roles)}]}}\n" for n in names)
    document = policy_to_document(parse_policy_text(f"levels:\n{levels}people:\n  Ann: [{roles[0]}]\n"))
    assert document_from_form(form_from_document(document)) == document
    assert not policy_problems(form_from_document(document))

