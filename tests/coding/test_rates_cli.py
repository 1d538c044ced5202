"""`bookbridge rates` through the real CLI: import, set, list, max-age."""

from __future__ import annotations

import json
from pathlib import Path

ECB_XML = Path(__file__).resolve().parents[1] / "data" / "ecb" / "eurofxref-daily.xml"


def test_import_then_list_shows_rates_into_home_currency(book, book_path, run_cli) -> None:
    """`rates import` of the real ECB XML stores EUR→USD as published; `rates list` shows it."""
    imported = run_cli("rates", "import", book_path, ECB_XML, "--json")
    assert imported.returncode == 0, imported.stderr
    summary = json.loads(imported.stdout)
    assert (summary["first_date"], summary["added"] > 25, "GBP" in summary["currencies"]) == ("2022-07-08", True, True)
    listed = json.loads(run_cli("rates", "list", book_path, "--base", "EUR", "--quote", "USD", "--json").stdout)
    assert listed == [{"base": "EUR", "quote": "USD", "rate": "1.0163", "as_of": "2022-07-08", "source": "ECB"}]


def test_set_stores_a_manual_rate_exactly(book, book_path, run_cli) -> None:
    """`rates set` keeps every digit of the rate and marks it manual."""
    result = run_cli("rates", "set", book_path, "--base", "eur", "--quote", "usd", "--rate", "1.076923",
                     "--date", "2026-03-16", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"base": "EUR", "quote": "USD", "rate": "1.076923", "as_of": "2026-03-16",
                                         "source": "manual"}


def test_set_refuses_a_rate_that_is_not_a_number(book, book_path, run_cli) -> None:
    """A rate with letters is refused (exit 2) and nothing is stored."""
    result = run_cli("rates", "set", book_path, "--base", "EUR", "--quote", "USD", "--rate", "1.07abc",
                     "--date", "2026-03-16")
    assert (result.returncode, "--rate" in result.stderr) == (2, True)
    assert json.loads(run_cli("rates", "list", book_path, "--json").stdout) == []


def test_max_age_is_shown_and_changed(book, book_path, run_cli) -> None:
    """`rates max-age BOOK 10` changes the setting from its default of 7."""
    changed = json.loads(run_cli("rates", "max-age", book_path, "10", "--json").stdout)
    assert changed == {"max_age_days": 10, "previous": 7}
    assert json.loads(run_cli("rates", "max-age", book_path, "--json").stdout)["max_age_days"] == 10
