"""`bookbridge journal preview` through the real CLI: the JSON shape, balance, filters, groupings."""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "coding"))

from coding_book import FLEET_TEMPLATE, POLICY, add_expense, publish_template, set_policy  # noqa: E402

from bookbridge.coding.rates import set_rate  # noqa: E402
from bookbridge.coding.service import code_expenses  # noqa: E402

ENTRY_KEYS = ["key", "date", "memo", "currency", "template_version", "lines"]
LINE_KEYS = ["account", "debit", "credit", "home_debit", "home_credit", "dimensions"]
DECIMALS = {"USD": 2, "EUR": 2, "JPY": 0}


@pytest.fixture
def month_book(book):
    """Fuel, meals, a refund, a EUR hotel and a JPY meal over March and April, all coded and
    (no approval policy) approved."""
    publish_template(book, FLEET_TEMPLATE)
    set_rate(book, "EUR", "USD", Decimal("1.076923"), date(2026, 3, 16), actor="test")
    set_rate(book, "JPY", "USD", Decimal("0.0067"), date(2026, 3, 20), actor="test")
    rows = [
        dict(day=date(2026, 3, 2), category="Fuel", amount="85.40", card="Visa 4444",
             fields={"vehicle_id": "Truck 12", "litres": "45.5"}, memo="Fuel T12"),
        dict(day=date(2026, 3, 2), category="Fuel", amount="62.10", card="Visa 4444",
             fields={"vehicle_id": "Truck 7", "litres": "30"}, memo="Fuel T7"),
        dict(day=date(2026, 3, 3), category="Meals", amount="-23.99", card="Visa 4444", memo="Refund"),
        dict(day=date(2026, 3, 16), category="Lodging", amount="195.00", currency="EUR", payment="reimbursable",
             employee="Pat Sales", memo="Hotel Paris"),
        dict(day=date(2026, 3, 20), category="Meals", amount="12000", currency="JPY", payment="reimbursable",
             employee="Pat Sales", memo="Dinner Tokyo"),
        dict(day=date(2026, 4, 1), category="Meals", amount="30.00", card="Visa 4444", memo="April lunch"),
    ]
    with book.unit_of_work() as session:
        for row in rows:
            add_expense(session, **row)
    code_expenses(book)
    return book


def _preview(run_cli, book_path: Path, *args: str, code: int = 0) -> list[dict]:
    result = run_cli("journal", "preview", book_path, "--json", *args)
    assert result.returncode == code, result.stderr
    return json.loads(result.stdout)


def test_preview_prints_the_documented_shape_with_decimal_strings(month_book, book_path, run_cli) -> None:
    """Entries and lines carry exactly the documented keys; amounts have the currency's decimals."""
    entries = _preview(run_cli, book_path)
    assert len(entries) == 6
    for entry in entries:
        assert list(entry) == ENTRY_KEYS
        assert entry["template_version"] == 1 and date.fromisoformat(entry["date"])
        for line in entry["lines"]:
            assert list(line) == LINE_KEYS
            for name, currency in (("debit", entry["currency"]), ("credit", entry["currency"]),
                                   ("home_debit", "USD"), ("home_credit", "USD")):
                text = line[name]
                assert isinstance(text, str) and -Decimal(text).as_tuple().exponent == DECIMALS[currency], text
    [tokyo] = [e for e in entries if e["memo"] == "Dinner Tokyo"]
    assert (tokyo["currency"], tokyo["lines"][0]["debit"], tokyo["lines"][0]["home_debit"]) == ("JPY", "12000", "80.40")


def _balanced(entry: dict) -> bool:
    totals = defaultdict(Decimal)
    for line in entry["lines"]:
        for name in ("debit", "credit", "home_debit", "home_credit"):
            totals[name] += Decimal(line[name])
    return totals["debit"] == totals["credit"] and totals["home_debit"] == totals["home_credit"]


@pytest.mark.parametrize("group_by", ["expense", "employee-day", "week", "month"])
def test_every_printed_entry_balances(month_book, book_path, run_cli, group_by) -> None:
    """Debits equal credits in both currencies in every entry, whatever the grouping."""
    entries = _preview(run_cli, book_path, "--group-by", group_by)
    assert entries and all(_balanced(entry) for entry in entries)


def test_month_batch_sums_the_per_expense_lines(month_book, book_path, run_cli) -> None:
    """A month batch carries, per account and currency, the net of the per-expense entries."""
    def net(entries: list[dict]) -> dict:
        sums: dict = defaultdict(Decimal)
        for entry in entries:
            for line in entry["lines"]:
                sums[(entry["currency"], line["account"])] += Decimal(line["debit"]) - Decimal(line["credit"])
        return {k: v for k, v in sums.items() if v}

    single = _preview(run_cli, book_path, "--period", "2026-03")
    batched = _preview(run_cli, book_path, "--period", "2026-03", "--group-by", "month")
    assert sorted((e["currency"], e["date"]) for e in batched) == [
        ("EUR", "2026-03-31"), ("JPY", "2026-03-31"), ("USD", "2026-03-31")]
    assert net(batched) == net(single)


def test_period_keeps_only_that_months_expenses(month_book, book_path, run_cli) -> None:
    """--period 2026-04 shows the April lunch only."""
    assert [e["memo"] for e in _preview(run_cli, book_path, "--period", "2026-04")] == ["April lunch"]


def test_only_approved_expenses_unless_asked(book, book_path, run_cli) -> None:
    """Expenses awaiting approval are left out, and shown with --include-awaiting."""
    publish_template(book, FLEET_TEMPLATE)
    set_policy(book, POLICY)
    with book.unit_of_work() as session:
        add_expense(session, day=date(2026, 3, 2), category="Meals", amount="20.00", card="Visa 4444")
    code_expenses(book)
    assert _preview(run_cli, book_path) == []
    assert [e["lines"][0]["debit"] for e in _preview(run_cli, book_path, "--include-awaiting")] == ["20.00"]


def test_expense_the_builder_refuses_is_reported_on_stderr(book, book_path, run_cli) -> None:
    """A reimbursable expense with no employee is left out, named on stderr, exit 1."""
    publish_template(book, FLEET_TEMPLATE)
    with book.unit_of_work() as session:
        add_expense(session, day=date(2026, 3, 2), category="Meals", amount="20.00", payment="reimbursable")
        add_expense(session, day=date(2026, 3, 2), category="Meals", amount="30.00", card="Visa 4444")
    code_expenses(book)
    result = run_cli("journal", "preview", book_path, "--json")
    assert result.returncode == 1
    assert "must name the employee it is owed to" in result.stderr
    assert [e["lines"][0]["debit"] for e in json.loads(result.stdout)] == ["30.00"]


def test_bad_period_changes_nothing(month_book, book_path, run_cli) -> None:
    """A period that is not YYYY-MM is refused with exit 2 and the expected form."""
    result = run_cli("journal", "preview", book_path, "--period", "March")
    assert (result.returncode, "write it as YYYY-MM" in result.stderr, result.stdout) == (2, True, "")
