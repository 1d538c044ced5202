"""`bookbridge mapping ...` and `bookbridge rules ...` through the real command on a real book."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from bookbridge.coding.conditions import TextCondition
from bookbridge.coding.rules import RuleSpec, SetDimensions
from bookbridge.coding.spec import MappingSpec
from bookbridge.coding.yaml_io import dump_rules, dump_template, load_template
from bookbridge.store.book import create_book, open_book
from bookbridge.store.models import CodingTemplateDraft, CodingTemplateVersion
from template_helpers import FLEET_YAML, add_expense, seed_reference_data
from tests.conftest import TEST_PASSPHRASE


def _new_book(path: Path) -> Path:
    """A book with the chart of accounts, categories and three unposted fuel/meal expenses."""
    with create_book(path, TEST_PASSPHRASE, company="Test Haulage Ltd") as book, book.unit_of_work() as s:
        seed_reference_data(s)
        add_expense(s, "62.10", vendor="Shell", fields={"vehicle_id": "Truck 12"})
        add_expense(s, "41.00", vendor="BP", fields={"vehicle_id": "Truck 7"}, day=date(2026, 2, 10))
        add_expense(s, "55.00", category="Meals", vendor="Bistro", payment="reimbursable", employee="Ann")
    return path


def _ok(result) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def _run(*args: object, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real `bookbridge` command in a child process, with the test passphrase."""
    full_env = dict(os.environ, BOOKBRIDGE_PASSPHRASE=TEST_PASSPHRASE, **(env or {}))
    return subprocess.run([sys.executable, "-m", "bookbridge", *map(str, args)], capture_output=True, text=True,
                          env=full_env, timeout=120)


@pytest.fixture(scope="module")
def published_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A book whose fleet template (the commented example file) is published as version 1 by Ann.

    Built once per module (each command is a child process that opens an encrypted book);
    tests that change it work on a copy (:func:`published`).
    """
    book = _new_book(tmp_path_factory.mktemp("cli") / "fleet.bbk")
    _ok(_run("mapping", "import", book, FLEET_YAML, "--as", "Ann"))
    _ok(_run("mapping", "publish", book, "--yes", "--as", "Ann", "--note", "first version"))
    return book


@pytest.fixture
def published(published_once: Path, tmp_path: Path) -> Path:
    """A private copy of the published book for a test that changes it."""
    copy = tmp_path / "fleet.bbk"
    shutil.copyfile(published_once, copy)
    return copy


def _template_state(book_path: Path) -> tuple[list[tuple[int, str, str, int | None]], str | None]:
    """(number, author, note, rolled_back_from) per version, and who last saved the draft."""
    with open_book(book_path, TEST_PASSPHRASE) as book, book.unit_of_work() as s:
        versions = [(v.number, v.author, v.note, v.rolled_back_from) for v in s.scalars(sa.select(CodingTemplateVersion).order_by(CodingTemplateVersion.number))]
        draft = s.scalars(sa.select(CodingTemplateDraft.updated_by)).first()
    return versions, draft


def test_import_errors_name_file_and_line_and_save_nothing(tmp_path: Path) -> None:
    """A file with mistakes exits 2, prints FILE:LINE: messages and leaves the book without a template."""
    book = _new_book(tmp_path / "b.bbk")
    bad = tmp_path / "bad.yaml"
    bad.write_text(FLEET_YAML.read_text(encoding="utf-8").replace("    account: '6300'", "    acount: '6300'"), encoding="utf-8")
    result = _run("mapping", "import", book, bad, "--as", "Ann")
    line = next(i for i, text in enumerate(bad.read_text().splitlines(), 1) if "acount" in text)
    assert result.returncode == 2
    assert f"{bad}:{line}: mappings[2].acount: unknown key 'acount'; did you mean 'account'?" in result.stderr
    assert _template_state(book) == ([], None)


def test_publish_without_yes_only_shows_what_would_change(tmp_path: Path) -> None:
    """publish prints the preview, publishes nothing and exits 2 until --yes is given."""
    book = _new_book(tmp_path / "b.bbk")
    _ok(_run("mapping", "import", book, FLEET_YAML, "--as", "Ann"))
    result = _run("mapping", "publish", book, "--json")
    assert result.returncode == 2 and "re-run with --yes" in result.stderr
    shown = json.loads(result.stdout)
    assert (shown["published"], shown["version"], shown["examined"]) == (False, 1, 3)
    assert _template_state(book) == ([], "Ann")  # still only a draft


def test_history_records_author_and_note(published_once: Path) -> None:
    """history --json lists the published version with who published it and why."""
    versions = json.loads(_ok(_run("mapping", "history", published_once, "--json")))
    assert [(v["version"], v["author"], v["note"], v["effective_from"]) for v in versions] == [
        (1, "Ann", "first version", "2026-01-01")
    ]


def test_export_gives_back_the_imported_file(published_once: Path, tmp_path: Path) -> None:
    """Exporting the version writes the imported file byte for byte, comments included."""
    out = tmp_path / "exported.yaml"
    _ok(_run("mapping", "export", published_once, "--output", out))
    assert out.read_bytes() == FLEET_YAML.read_bytes()


def test_show_describes_the_mappings(published_once: Path) -> None:
    """show --json gives the version's mappings as the file states them."""
    shown = json.loads(_ok(_run("mapping", "show", published_once, "--json")))
    assert shown["which"] == "version 1" and len(shown["mappings"]) == 7 and shown["mappings"][0] == {
        "category": "Fuel", "account": "6100", "dimension_fields": {"class": "vehicle_id"},
        "quantity": {"field": "litres", "unit": "L"},
    }


def test_change_preview_diff_and_rollback(published: Path, tmp_path: Path) -> None:
    """A remapped category shows its recoded expenses, publishes as v2, diffs, and rolls back as v3."""
    spec, _ = load_template(FLEET_YAML.read_text(encoding="utf-8"))
    assert spec is not None
    remapped = tuple(MappingSpec("Fuel", "6150") if m.category == "Fuel" else m for m in spec.mappings)
    v2 = tmp_path / "v2.yaml"
    v2.write_text(dump_template(replace(spec, mappings=remapped)), encoding="utf-8")
    _ok(_run("mapping", "import", published, v2, "--as", "Bob"))
    preview = json.loads(_ok(_run("mapping", "publish", published, "--yes", "--as", "Bob", "--json")))
    assert preview["published"] is True and {c["vendor"] for c in preview["changes"]} == {"Shell", "BP"}
    diff = json.loads(_ok(_run("mapping", "diff", published, "1", "2", "--json")))["diff"]
    assert [(d["key"], d["change"], d["details"]) for d in diff] == [("Fuel", "changed", [
        "account: 6100 → 6150", "dimension_fields: {\"class\": \"vehicle_id\"} → —",
        "quantity: {\"field\": \"litres\", \"unit\": \"L\"} → —",
    ])]
    text = _ok(_run("mapping", "rollback", published, "1", "--yes", "--as", "Ann"))
    assert "Published 'Fleet' version 3" in text and "before: Dr 6150 62.10" in text
    versions, _ = _template_state(published)
    assert [(n, author, back) for n, author, _, back in versions] == [(1, "Ann", None), (2, "Bob", None), (3, "Ann", 1)]


def test_actor_defaults_to_the_os_user(published: Path) -> None:
    """Without --as, the change is recorded under the operating-system user name."""
    rules_file = published.with_name("rules.yaml")
    rules_file.write_text(dump_rules("Fleet", ()), encoding="utf-8")
    _ok(_run("rules", "import", published, rules_file, env={"LOGNAME": "os-user", "USER": "os-user"}))
    assert _template_state(published)[1] == "os-user"


def test_rules_preview_import_and_export(published: Path, tmp_path: Path) -> None:
    """rules preview lists the recoded expense, import puts the rule in the draft, export shows it."""
    rule = RuleSpec("shell-is-truck-7", 1, TextCondition("vendor", "equals", "Shell"), (SetDimensions({"class": "Truck 7"}),))
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(dump_rules("Fleet", (rule,)), encoding="utf-8")
    preview = json.loads(_ok(_run("rules", "preview", published, rules_file, "--json")))
    assert preview["saved"] is False and [c["vendor"] for c in preview["changes"]] == ["Shell"]
    assert "class=Truck 7" in preview["changes"][0]["after"]
    _ok(_run("rules", "import", published, rules_file, "--as", "Bob"))
    exported = _ok(_run("rules", "export", published, "--draft"))
    assert "id: shell-is-truck-7" in exported and "precedence: 1" in exported
    versions, drafted_by = _template_state(published)
    assert len(versions) == 1 and drafted_by == "Bob"  # in the draft only, until published


def test_rules_import_with_errors_exits_2(published_once: Path, tmp_path: Path) -> None:
    """A rules file with a bad regex is refused with its line number."""
    bad = tmp_path / "bad-rules.yaml"
    bad.write_text("rules:\n  - id: x\n    precedence: 1\n    when:\n      vendor: {regex: '('}\n    then:\n      - flag: x\n")
    result = _run("rules", "import", published_once, bad, "--as", "Bob", "--check")
    assert result.returncode == 2 and f"{bad}:5: rules[0].when.vendor.regex" in result.stderr
