"""Template versions in a real book: drafts, publish, immutability, rollback, diff, effective dates,
and the impact and rule previews over not-yet-posted expenses."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from bookbridge.coding.diff import Change, diff_templates, format_diff
from bookbridge.coding.edits import import_rules, import_template
from bookbridge.coding.engine import code_with_versions
from bookbridge.coding.impact import preview_publish, preview_rollback
from bookbridge.coding.loading import load_views
from bookbridge.coding.spec import MappingSpec
from bookbridge.coding.templates import (
    NothingToPublish,
    StaleDraft,
    get_template,
    history,
    load_versions,
    publish,
    rollback,
    save_draft,
)
from bookbridge.coding.yaml_io import dump_rules, dump_template
from bookbridge.core import clock
from bookbridge.core.errors import NotFound
from bookbridge.coding.conditions import TextCondition
from bookbridge.coding.rules import FlagForReview, RuleSpec, SetDimensions
from bookbridge.store.models import AuditEntry, CodingTemplateVersion, ExpenseStatus
from template_helpers import FLEET_YAML, add_expense, fleet_spec, seed_reference_data


@pytest.fixture
def fleet_book(book):
    """A book with reference data and version 1 of the fleet template published by Ann."""
    clock.set_clock(lambda: datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc))
    with book.unit_of_work() as s:
        seed_reference_data(s)
        save_draft(s, fleet_spec(), actor="Ann")
        publish(s, get_template(s, "Fleet"), actor="Ann", note="first")
    yield book
    clock.set_clock(None)


def _publish(book, spec, actor: str = "Bob", note: str = "", effective: date | None = None):
    with book.unit_of_work() as s:
        save_draft(s, spec, actor=actor)
        return publish(s, get_template(s, spec.name), actor=actor, note=note, effective_from=effective)


def test_publish_records_author_time_and_note(fleet_book) -> None:
    """Each publish is a new numbered version with who, when and why, and the draft is gone."""
    info = _publish(fleet_book, fleet_spec(description="v2"), note="add description")
    with fleet_book.unit_of_work() as s:
        versions = history(s, get_template(s))
        audit = s.scalars(sa.select(AuditEntry.action).where(AuditEntry.entity_id == "Fleet")).all()
    assert [(v.number, v.author, v.note) for v in versions] == [(1, "Ann", "first"), (2, "Bob", "add description")]
    assert versions[1].published_at == datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc) and info.number == 2
    assert audit.count("template.published") == 2


@pytest.mark.parametrize("statement", [
    "UPDATE coding_template_versions SET note = 'edited'",
    "UPDATE coding_template_versions SET content_json = '{}'",
    "DELETE FROM coding_template_versions",
])
def test_published_versions_are_immutable(fleet_book, statement: str) -> None:
    """Even raw SQL cannot change or delete a published version."""
    with pytest.raises(sa.exc.DatabaseError, match="immutable"):
        with fleet_book.unit_of_work() as s:
            s.execute(sa.text(statement))
    with fleet_book.unit_of_work() as s:
        assert s.scalars(sa.select(CodingTemplateVersion.note)).all() == ["first"]


def test_publishing_identical_content_is_refused(fleet_book) -> None:
    """A draft equal to the newest version publishes nothing."""
    with pytest.raises(NothingToPublish):
        _publish(fleet_book, fleet_spec())


def test_publish_without_draft_is_refused(fleet_book) -> None:
    """There must be a draft to publish."""
    with pytest.raises(NothingToPublish), fleet_book.unit_of_work() as s:
        publish(s, get_template(s), actor="Bob")


def test_stale_draft_is_refused(fleet_book) -> None:
    """A draft started before a rollback was published would undo it, so publishing it is refused."""
    _publish(fleet_book, fleet_spec(description="v2"))
    with fleet_book.unit_of_work() as s:
        save_draft(s, fleet_spec(description="Carl's edit"), actor="Carl")  # based on version 2
        rollback(s, get_template(s), 1, actor="Ann")  # version 3 published meanwhile
    with pytest.raises(StaleDraft, match="version 3"), fleet_book.unit_of_work() as s:
        publish(s, get_template(s), actor="Carl")


def test_rollback_publishes_a_copy_of_the_older_version(fleet_book) -> None:
    """Rolling back to 1 adds version 3 with version 1's content; 1 and 2 stay in the history."""
    _publish(fleet_book, fleet_spec(mappings=(MappingSpec("Fuel", "6150"),)))
    with fleet_book.unit_of_work() as s:
        info = rollback(s, get_template(s), 1, actor="Ann")
        versions = load_versions(s, get_template(s))
        infos = history(s, get_template(s))
    assert info.number == 3 and infos[2].rolled_back_from == 1 and infos[2].note == "rollback to version 1"
    assert versions[2].spec == versions[0].spec != versions[1].spec
    assert infos[2].content_sha256 == infos[0].content_sha256


def test_rollback_to_the_current_content_is_refused(fleet_book) -> None:
    """Rolling back to a version equal to the newest one changes nothing and is refused."""
    with pytest.raises(NothingToPublish), fleet_book.unit_of_work() as s:
        rollback(s, get_template(s), 1, actor="Ann")


def test_rollback_to_a_missing_version_is_not_found(fleet_book) -> None:
    """Naming a version that does not exist says which versions there are."""
    with pytest.raises(NotFound, match="versions 1 to 1"), fleet_book.unit_of_work() as s:
        rollback(s, get_template(s), 7, actor="Ann")


def test_effective_dates_pick_the_version_per_expense(fleet_book) -> None:
    """A version effective from March codes March expenses; February keeps version 1."""
    _publish(fleet_book, fleet_spec(mappings=(MappingSpec("Fuel", "6150"),)), effective=date(2026, 3, 1))
    with fleet_book.unit_of_work() as s:
        add_expense(s, "10.00", day=date(2026, 2, 27))
        add_expense(s, "10.00", day=date(2026, 3, 2))
        versions = load_versions(s, get_template(s))
        outcomes = [code_with_versions(versions, v) for v in load_views(s)]
    assert [(o.template_version, o.coded.lines[0].account) for o in outcomes] == [(1, "6100"), (2, "6150")]  # type: ignore[union-attr]
    assert versions[1].effective_from == date(2026, 3, 1)


def test_diff_is_per_mapping_and_field() -> None:
    """Changing one mapping's account and adding another shows exactly those two entries."""
    old = fleet_spec()
    new = replace(old, mappings=(replace(old.mappings[0], account="6150"), *old.mappings[1:], MappingSpec("Tolls", "6700")))
    entries = diff_templates(old, new)
    assert [(e.section, e.key, e.change) for e in entries] == [("mappings", "Fuel", Change.CHANGED), ("mappings", "Tolls", Change.ADDED)]
    assert entries[0].details == ("account: 6100 → 6150",)
    assert "~ mappings Fuel\n    account: 6100 → 6150" in format_diff(entries)


def test_publish_preview_lists_the_expenses_whose_coding_changes(fleet_book) -> None:
    """The impact preview shows before → after for changed, not-yet-posted expenses only."""
    with fleet_book.unit_of_work() as s:
        changed = add_expense(s, "62.10", fields={"vehicle_id": "Truck 12"})
        add_expense(s, "55.00", category="Meals", payment="reimbursable", employee="Ann")  # unaffected
        add_expense(s, "70.00", status=ExpenseStatus.POSTED)  # posted: never recoded
        save_draft(s, fleet_spec(mappings=(MappingSpec("Fuel", "6150"), *fleet_spec().mappings[1:])), actor="Bob")
        preview = preview_publish(s, get_template(s))
    assert preview.examined == 2 and [c.expense_id for c in preview.changes] == [str(changed)]
    change = preview.changes[0]
    assert change.before.startswith("Dr 6100 62.10 [class=Truck 12]") and change.after.startswith("Dr 6150 62.10 / Cr 2210")
    assert preview.next_version == 2


def test_publish_preview_groups_what_still_cannot_be_coded(fleet_book) -> None:
    """Unmapped categories after the publish are listed, grouped, with the new version number."""
    with fleet_book.unit_of_work() as s:
        for _ in range(3):
            add_expense(s, "4.50", category="Tolls")
        save_draft(s, fleet_spec(description="v2"), actor="Bob")
        preview = preview_publish(s, get_template(s))
    assert [g.message for g in preview.problems_after] == ["3 expenses: category 'Tolls' has no account in template 'Fleet', version 2"]


def test_rollback_preview_shows_the_effect(fleet_book) -> None:
    """Previewing a rollback lists the expenses it would recode."""
    _publish(fleet_book, fleet_spec(mappings=(MappingSpec("Fuel", "6150"),)))
    with fleet_book.unit_of_work() as s:
        add_expense(s, "20.00")
        preview = preview_rollback(s, get_template(s), 1)
    assert len(preview.changes) == 1 and "6150" in preview.changes[0].before and "6100" in preview.changes[0].after


def test_import_file_saves_a_draft_and_reports_the_diff(book) -> None:
    """Importing the fleet file creates the template with a draft and a 'new template' diff."""
    with book.unit_of_work() as s:
        seed_reference_data(s)
        result = import_template(s, FLEET_YAML.read_text(encoding="utf-8"), actor="Ann")
        template = get_template(s)
    assert result.ok and result.saved and template.name == "Fleet" and template.is_default
    assert [(e.section, e.change) for e in result.diff] == [("template", Change.ADDED)]


def test_import_check_saves_nothing(book) -> None:
    """--check validates and diffs but leaves the book without a template."""
    with book.unit_of_work() as s:
        result = import_template(s, FLEET_YAML.read_text(encoding="utf-8"), actor="Ann", check_only=True)
    with pytest.raises(NotFound), book.unit_of_work() as s:
        get_template(s)
    assert result.ok and not result.saved


def test_import_warns_about_accounts_not_in_the_chart(fleet_book) -> None:
    """An account the chart of accounts lacks is a warning, not an error."""
    text = dump_template(fleet_spec(mappings=(MappingSpec("Fuel", "9999"),)))
    with fleet_book.unit_of_work() as s:
        result = import_template(s, text, actor="Bob")
    assert result.ok and result.saved
    assert [(i.severity.value, i.field) for i in result.issues] == [("warning", "mappings[0].account")]


def test_rules_import_previews_changes_and_goes_into_the_draft(fleet_book) -> None:
    """A new rule shows the expenses it recodes before it is kept, and lands in the draft only."""
    rule = RuleSpec("shell-truck-7", 10, TextCondition("vendor", "equals", "Shell"), (SetDimensions({"class": "Truck 7"}),))
    with fleet_book.unit_of_work() as s:
        hit = add_expense(s, "30.00", vendor="Shell", fields={"vehicle_id": "Truck 12"})
        add_expense(s, "30.00", vendor="BP", fields={"vehicle_id": "Truck 12"})
        result = import_rules(s, dump_rules("Fleet", (rule,)), actor="Bob")
        published = load_versions(s, get_template(s))
    assert result.ok and result.saved and [c.expense_id for c in result.changes] == [str(hit)]
    assert "class: Truck 12 → Truck 7" in " ".join(result.changes[0].changes) or "Truck 7" in result.changes[0].after
    assert published[-1].spec.rules == ()  # nothing codes differently until published


def test_rules_import_keeps_the_files_comments(book) -> None:
    """Rules imported into a template that came from a commented file keep those comments on export."""
    from bookbridge.coding.templates import load_draft

    with book.unit_of_work() as s:
        import_template(s, FLEET_YAML.read_text(encoding="utf-8"), actor="Ann")
        publish(s, get_template(s), actor="Ann")
        rule = RuleSpec("flag-all", 1, actions=(FlagForReview("look"),))
        import_rules(s, dump_rules("Fleet", (rule,)), actor="Ann")
        draft = load_draft(s, get_template(s))
    assert draft is not None and draft.source_text is not None
    assert "# meals are half recoverable here" in draft.source_text and [r.id for r in draft.spec.rules] == ["flag-all"]
