"""The exchange-rate table: storage as exact text, lookups for an expense date, ECB import."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bookbridge.coding.fx import FxRate
from bookbridge.coding.rates import (
    MissingRate,
    RateTable,
    import_ecb_file,
    list_rates,
    max_rate_age_days,
    set_max_rate_age_days,
    set_rate,
)
from bookbridge.core.errors import ImportFileError, MoneyError

DATA = Path(__file__).resolve().parents[1] / "data"
ECB = DATA / "ecb"
MINE = DATA / "rates" / "ecb-handwritten.csv"


def _table(book) -> RateTable:
    with book.read() as session:
        return RateTable.load(session)


def test_rate_is_stored_as_exact_text(book) -> None:
    """A rate goes into SQLite as TEXT with every digit, never as a float."""
    set_rate(book, "EUR", "USD", Decimal("1.076923"), date(2026, 3, 2), actor="test")
    with book.engine.connect() as conn:
        kind, text = conn.exec_driver_sql("SELECT typeof(rate), rate FROM exchange_rates").one()
    assert (kind, text) == ("text", "1.076923")


def test_lookup_takes_latest_rate_on_or_before_the_date(book) -> None:
    """A Saturday expense takes Friday's rate, not Monday's."""
    for day, rate in ((date(2026, 3, 5), "1.07"), (date(2026, 3, 6), "1.08"), (date(2026, 3, 9), "1.09")):
        set_rate(book, "EUR", "USD", Decimal(rate), day, actor="test")
    found = _table(book).lookup("EUR", date(2026, 3, 7))
    assert isinstance(found, FxRate)
    assert (found.as_of, found.rate) == (date(2026, 3, 6), Decimal("1.08"))


def test_rate_older_than_max_age_is_missing_with_newest_date(book) -> None:
    """A rate older than the maximum age is not used; the miss names the newest rate's date."""
    set_rate(book, "EUR", "USD", Decimal("1.07"), date(2026, 2, 1), actor="test")
    found = _table(book).lookup("EUR", date(2026, 3, 2))
    assert found == MissingRate("EUR", "USD", date(2026, 3, 2), 7, date(2026, 2, 1))


def test_max_age_setting_widens_the_lookup(book) -> None:
    """Raising the book's maximum rate age lets coding use an older rate."""
    set_rate(book, "EUR", "USD", Decimal("1.07"), date(2026, 2, 1), actor="test")
    previous = set_max_rate_age_days(book, 40, actor="test")
    with book.read() as session:
        assert (previous, max_rate_age_days(session)) == (7, 40)
    found = _table(book).lookup("EUR", date(2026, 3, 2))
    assert isinstance(found, FxRate) and found.rate == Decimal("1.07")


def test_home_currency_needs_no_rate(book) -> None:
    """An expense in the home currency looks up nothing."""
    assert _table(book).lookup("USD", date(2026, 3, 2)) is None


def test_rate_stored_the_other_way_round_is_inverted(book) -> None:
    """A USD/EUR rate in a USD book prices EUR expenses as its inverse."""
    set_rate(book, "USD", "EUR", Decimal("0.8"), date(2026, 3, 2), actor="test")
    found = _table(book).lookup("EUR", date(2026, 3, 2))
    assert isinstance(found, FxRate)
    assert (found.base, found.quote, found.rate) == ("EUR", "USD", Decimal("1.25"))


def test_manual_rate_wins_over_ecb_on_the_same_date(book) -> None:
    """Of two rates for one day the manually entered one is used."""
    import_ecb_file(book, MINE, actor="test")
    set_rate(book, "EUR", "USD", Decimal("1.1"), date(2026, 3, 14), actor="test")
    found = _table(book).lookup("EUR", date(2026, 3, 14))
    assert isinstance(found, FxRate) and (found.rate, found.source) == (Decimal("1.1"), "manual")


def test_same_currency_rate_is_refused(book) -> None:
    """A rate from a currency into itself is refused."""
    with pytest.raises(MoneyError):
        set_rate(book, "USD", "USD", Decimal("1"), date(2026, 3, 2), actor="test")


def test_missing_rate_message_groups_dates_and_says_what_to_do() -> None:
    """The grouped message counts the expenses, spans their dates and names both fixes."""
    miss = MissingRate("EUR", "USD", date(2026, 3, 14), 7, None)
    text = miss.message(3, [date(2026, 3, 14), date(2026, 3, 2), date(2026, 3, 9)])
    assert text.startswith("3 expenses (2026-03-02 to 2026-03-14): no EUR/USD rate at most 7 days old")
    assert "bookbridge rates import" in text and "bookbridge rates set" in text


def test_ecb_xml_import_keeps_published_eur_rate_and_derives_crosses(book) -> None:
    """The real daily XML gives EUR→USD as published and GBP→USD as a cross rate."""
    result = import_ecb_file(book, ECB / "eurofxref-daily.xml", actor="test")
    assert (result.first_date, result.last_date) == (date(2022, 7, 8), date(2022, 7, 8))
    rates = {(r.base, r.source): r.rate for r in list_rates(book, quote="USD")}
    assert rates[("EUR", "ECB")] == Decimal("1.0163")
    # USD per GBP = (USD per EUR) / (GBP per EUR) = 1.0163 / 0.84585, kept to 12 significant digits.
    assert rates[("GBP", "ECB (derived)")] == Decimal("1.20151327067")
    assert result.added == len(rates)


def test_reimporting_the_same_file_adds_nothing(book) -> None:
    """A second import of the same file stores no duplicate."""
    first = import_ecb_file(book, ECB / "eurofxref-hist-head.csv", actor="test")
    second = import_ecb_file(book, ECB / "eurofxref-hist-head.csv", actor="test")
    assert (second.added, second.updated, second.unchanged) == (0, 0, first.added)
    assert len(list_rates(book)) == first.added


def test_history_csv_import_reports_not_quoted_currencies(book) -> None:
    """Currencies shown as N/A in the ECB history CSV are listed as skipped, not lost silently."""
    result = import_ecb_file(book, ECB / "eurofxref-hist-head.csv", actor="test")
    assert (result.first_date, result.last_date) == (date(2025, 5, 7), date(2025, 5, 9))
    assert any(note.startswith("CYP:") for note in result.skipped)
    assert "CYP" not in result.currencies and "JPY" in result.currencies


def test_single_day_csv_with_spelled_out_date_imports(book) -> None:
    """The ECB one-day CSV ("25 January 2018") imports rates dated that day."""
    result = import_ecb_file(book, ECB / "eurofxref.csv", actor="test")
    assert result.first_date == date(2018, 1, 25)
    assert {r.rate for r in list_rates(book, base="EUR", quote="USD")} == {Decimal("1.2407")}


def test_changed_value_for_same_day_is_updated(book, tmp_path: Path) -> None:
    """Re-importing a corrected file updates the day's rate instead of duplicating it."""
    import_ecb_file(book, MINE, actor="test")
    corrected = tmp_path / "corrected.csv"
    corrected.write_text(MINE.read_text().replace("1.0850", "1.0860"))
    result = import_ecb_file(book, corrected, actor="test")
    assert result.updated >= 1
    assert [r.rate for r in list_rates(book, base="EUR", quote="USD")] == [Decimal("1.0860")]


def test_eur_home_book_gets_inverted_ecb_rates(tmp_path: Path) -> None:
    """In a EUR book the ECB's USD per EUR becomes EUR per USD."""
    from bookbridge.store.book import create_book

    with create_book(tmp_path / "eur.bbk", "test passphrase 1234", company="EU", home_currency="EUR") as eur_book:
        import_ecb_file(eur_book, MINE, actor="test")
        found = _table(eur_book).lookup("USD", date(2026, 3, 16))
    assert isinstance(found, FxRate)
    assert found.rate == Decimal("0.921658986175")  # 1 / 1.0850 to 12 significant digits


def test_file_that_is_not_ecb_is_refused(book, tmp_path: Path) -> None:
    """A CSV without the ECB 'Date' column is refused with the file named."""
    other = tmp_path / "bank.csv"
    other.write_text("Posted,Amount\n2026-03-01,12.00\n")
    with pytest.raises(ImportFileError, match="bank.csv"):
        import_ecb_file(book, other, actor="test")
    assert list_rates(book) == []


def test_import_is_audited(book) -> None:
    """Every rate import writes one audit entry with its counts."""
    import sqlalchemy as sa

    from bookbridge.store.models import AuditEntry

    import_ecb_file(book, MINE, actor="Bea")
    with book.read() as session:
        entries = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "rates.import")).all()
    assert [(e.actor, '"added":4' in (e.detail_json or "")) for e in entries] == [("Bea", True)]


_days = st.integers(min_value=0, max_value=60)


@settings(max_examples=200, deadline=None)
@given(
    rate_days=st.lists(st.tuples(_days, st.sampled_from(["ECB", "manual"])), max_size=12),
    on_day=_days,
    max_age=st.integers(min_value=0, max_value=10),
)
def test_lookup_returns_the_newest_rate_within_the_age_window(rate_days, on_day, max_age) -> None:
    """Whatever rates exist, a lookup gives the newest within [date - max age, date] or a miss."""
    start = date(2026, 1, 1)
    rates = [FxRate("EUR", "USD", Decimal(1) + Decimal(i) / 100, start + timedelta(d), src)
             for i, (d, src) in enumerate(rate_days)]
    on = start + timedelta(on_day)
    found = RateTable(rates, "USD", max_age).lookup("EUR", on)
    usable = [r for r in rates if on - timedelta(max_age) <= r.as_of <= on]
    if not usable:
        assert isinstance(found, MissingRate)
        older = [r.as_of for r in rates if r.as_of <= on]
        assert found.newest_before == (max(older) if older else None)
    else:
        assert isinstance(found, FxRate)
        assert found.as_of == max(r.as_of for r in usable)
        same_day = [r for r in usable if r.as_of == found.as_of]
        if any(r.source == "manual" for r in same_day):
            assert found.source == "manual"
