"""FX: home conversion, settlement differences, ECB reference-rate files (real ones) and cross rates."""

from __future__ import annotations

import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from bookbridge.coding.fx import FxRate, find_rate, parse_ecb, rates_into, settle_foreign_balance, to_home
from bookbridge.core.errors import ImportFileError, MoneyError

D = Decimal
ECB_DIR = Path(__file__).resolve().parents[1] / "data" / "ecb"


def _ecb(name: str):
    return parse_ecb((ECB_DIR / name).read_bytes(), name=name)


def _rate(result, base: str, quote: str, on: date) -> FxRate:
    [found] = [r for r in result.rates if (r.base, r.quote, r.as_of) == (base, quote, on)]
    return found


def test_home_amount_rounds_half_up() -> None:
    """EUR 195.00 at 1.076923 USD/EUR is USD 209.999985 -> 210.00 (ACCOUNTING.md example 9)."""
    rate = FxRate("EUR", "USD", D("1.076923"), date(2024, 3, 11), "ECB")
    assert to_home(D("195.00"), "EUR", "USD", rate) == D("210.00")


def test_home_amount_in_yen_has_no_decimals() -> None:
    """USD 12.34 into a JPY book at 151.37 JPY/USD is 1867.9058 -> JPY 1868."""
    rate = FxRate("USD", "JPY", D("151.37"), date(2024, 3, 11), "manual")
    assert to_home(D("12.34"), "USD", "JPY", rate) == D("1868")


def test_rate_given_the_other_way_round_is_inverted() -> None:
    """A USD/EUR rate of 0.5 converts EUR 10.00 into USD 20.00."""
    rate = FxRate("USD", "EUR", D("0.5"), date(2024, 3, 11), "manual")
    assert to_home(D("10.00"), "EUR", "USD", rate) == D("20.00")


def test_rate_for_another_pair_is_refused() -> None:
    """A GBP/USD rate cannot convert EUR."""
    rate = FxRate("GBP", "USD", D("1.27"), date(2024, 3, 11), "manual")
    with pytest.raises(MoneyError, match="cannot convert EUR"):
        to_home(D("10.00"), "EUR", "USD", rate)


def test_missing_rate_is_refused() -> None:
    """Converting a foreign amount without a rate is an error, not a silent 1:1."""
    with pytest.raises(MoneyError, match="no EUR/USD exchange rate"):
        to_home(D("10.00"), "EUR", "USD", None)


def test_non_positive_rate_is_refused() -> None:
    """A zero rate is refused when the record is made."""
    with pytest.raises(MoneyError, match="positive"):
        FxRate("EUR", "USD", D("0"), date(2024, 3, 11), "manual")


def test_settlement_at_a_higher_rate_is_a_loss() -> None:
    """EUR 195.00 booked at 210.00 and paid at 1.085: paid 211.58 (211.575 half-up), difference +1.58."""
    result = settle_foreign_balance(D("195.00"), D("210.00"), FxRate("EUR", "USD", D("1.085"), date(2024, 4, 2), "ECB"))
    assert (result.paid_home, result.difference) == (D("211.58"), D("1.58"))


def test_settlement_of_a_refund_keeps_the_sign_convention() -> None:
    """Employee repays EUR 195.00 booked at -210.00, rate 1.085: paid -211.58, difference -1.58 (a gain)."""
    result = settle_foreign_balance(D("-195.00"), D("-210.00"), FxRate("EUR", "USD", D("1.085"), date(2024, 4, 2), "ECB"))
    assert (result.paid_home, result.difference) == (D("-211.58"), D("-1.58"))


def test_ecb_daily_xml_reads_every_quoted_currency() -> None:
    """The real eurofxref-daily.xml of 2022-07-08: USD 1.0163 and JPY 138.05 per EUR, source ECB."""
    result = _ecb("eurofxref-daily.xml")
    assert result.dates() == (date(2022, 7, 8),)
    assert _rate(result, "EUR", "USD", date(2022, 7, 8)).rate == D("1.0163")
    assert _rate(result, "EUR", "JPY", date(2022, 7, 8)).rate == D("138.05")
    assert {r.source for r in result.rates} == {"ECB"}
    assert len(result.rates) == 30  # 31 currencies in the file, HRK (withdrawn 2023) left out


def test_ecb_withdrawn_currency_is_reported_not_dropped_silently() -> None:
    """HRK in the 2022 file is not an active ISO code: it is skipped with a note saying so."""
    result = _ecb("eurofxref-daily.xml")
    assert any(note.startswith("HRK:") and "ISO 4217" in note for note in result.skipped)


def test_ecb_daily_csv_with_spelled_out_date() -> None:
    """The real eurofxref.csv ('25 January 2018', trailing comma): USD 1.2407 and the last column ILS 4.2229."""
    result = _ecb("eurofxref.csv")
    assert result.dates() == (date(2018, 1, 25),)
    assert _rate(result, "EUR", "USD", date(2018, 1, 25)).rate == D("1.2407")
    assert _rate(result, "EUR", "ILS", date(2018, 1, 25)).rate == D("4.2229")


def test_ecb_history_csv_skips_na_cells() -> None:
    """eurofxref-hist.csv rows: three days read, GBP 0.8476 on 2025-05-08, N/A currencies noted."""
    result = _ecb("eurofxref-hist-head.csv")
    assert result.dates() == (date(2025, 5, 7), date(2025, 5, 8), date(2025, 5, 9))
    assert _rate(result, "EUR", "GBP", date(2025, 5, 8)).rate == D("0.8476")
    assert "CYP: 3 value(s) skipped, not quoted (N/A)" in result.skipped


def test_ecb_90_day_xml_reads_each_day() -> None:
    """eurofxref-hist-90d.xml holds one Cube per day: both days come out with their own USD rate."""
    result = _ecb("eurofxref-hist-90d-head.xml")
    assert _rate(result, "EUR", "USD", date(2017, 3, 3)).rate == D("1.0565")
    assert _rate(result, "EUR", "USD", date(2017, 3, 2)).rate == D("1.0514")


def test_ecb_csv_with_byte_order_mark_reads() -> None:
    """A CSV saved by a spreadsheet with a UTF-8 BOM still reads."""
    data = b"\xef\xbb\xbf" + (ECB_DIR / "eurofxref.csv").read_bytes()
    assert len(parse_ecb(data).rates) == 30


def test_ecb_xml_with_entity_expansion_is_refused() -> None:
    """An XML bomb is refused by defusedxml and reported as an unreadable file."""
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        "<Envelope><Cube><Cube time='2024-01-02'><Cube currency='USD' rate='&b;'/></Cube></Cube></Envelope>"
    )
    with pytest.raises(ImportFileError, match="bomb.xml declares XML entities"):
        parse_ecb(bomb, name="bomb.xml")


def test_ecb_malformed_xml_is_an_import_error() -> None:
    """Truncated XML names the file in the error."""
    with pytest.raises(ImportFileError, match="rates.xml is not well-formed XML"):
        parse_ecb("<Envelope><Cube><Cube time='2024-01-02'>", name="rates.xml")


def test_ecb_csv_with_a_bad_date_is_an_import_error() -> None:
    """A date the ECB never writes ('2024/01/02') is reported with its line number."""
    with pytest.raises(ImportFileError, match="line 2"):
        parse_ecb("Date, USD,\n2024/01/02, 1.09,\n", name="rates.csv")


def test_file_without_rates_is_an_import_error() -> None:
    """A CSV with a header and only N/A cells holds no rates: refused rather than imported empty."""
    with pytest.raises(ImportFileError, match="holds no exchange rates"):
        parse_ecb("Date,USD,\n2024-01-02,N/A,\n", name="rates.csv")


def test_cross_rates_into_usd() -> None:
    """USD per JPY = 1.0163 / 138.05 = 0.00736182542557 (12 significant digits), marked derived."""
    result = rates_into(_ecb("eurofxref-daily.xml"), "USD")
    jpy = _rate(result, "JPY", "USD", date(2022, 7, 8))
    assert (jpy.rate, jpy.source) == (D("0.00736182542557"), "ECB (derived)")


def test_cross_rate_keeps_the_published_eur_rate() -> None:
    """The EUR -> USD rate of a USD book is the ECB's own 1.0163, source ECB."""
    eur = _rate(rates_into(_ecb("eurofxref-daily.xml"), "USD"), "EUR", "USD", date(2022, 7, 8))
    assert (eur.rate, eur.source) == (D("1.0163"), "ECB")


def test_cross_rates_into_eur_are_inverses() -> None:
    """A EUR book gets EUR per USD = 1 / 1.0163 = 0.983961428712."""
    usd = _rate(rates_into(_ecb("eurofxref-daily.xml"), "EUR"), "USD", "EUR", date(2022, 7, 8))
    assert usd.rate == D("0.983961428712")


def test_cross_rate_converts_yen_to_dollars() -> None:
    """JPY 10,000 at 0.00736182542557 USD/JPY is USD 73.6182... -> 73.62."""
    jpy = _rate(rates_into(_ecb("eurofxref-daily.xml"), "USD"), "JPY", "USD", date(2022, 7, 8))
    assert to_home(D("10000"), "JPY", "USD", jpy) == D("73.62")


def test_cross_rates_note_days_without_the_home_currency() -> None:
    """A day whose file lacks the home currency gives no rates and says so."""
    eur_only = parse_ecb("Date,JPY,\n2024-01-02,160.1,\n")
    result = rates_into(eur_only, "USD")
    assert result.rates == ()
    assert result.skipped == ("2024-01-02: no USD rate that day, so no rates into USD",)


def test_find_rate_uses_fridays_rate_on_saturday() -> None:
    """ECB publishes no weekend rates: an expense on Saturday 2022-07-09 takes Friday's."""
    result = rates_into(_ecb("eurofxref-daily.xml"), "USD")
    found = find_rate(result.rates, "GBP", "USD", date(2022, 7, 9))
    assert found is not None and found.as_of == date(2022, 7, 8)


def test_find_rate_refuses_a_stale_rate() -> None:
    """A rate more than a week old is not applied."""
    result = rates_into(_ecb("eurofxref-daily.xml"), "USD")
    assert find_rate(result.rates, "GBP", "USD", date(2022, 7, 20)) is None


def test_ecb_zip_reads_the_csv_inside(tmp_path: Path) -> None:
    """eurofxref.zip as downloaded from the ECB (one CSV inside) reads like the CSV itself."""
    archive = tmp_path / "eurofxref.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(ECB_DIR / "eurofxref.csv", "eurofxref.csv")
    result = parse_ecb(archive.read_bytes(), name="eurofxref.zip")
    assert _rate(result, "EUR", "USD", date(2018, 1, 25)).rate == D("1.2407")


def test_ecb_zip_with_two_rate_files_is_refused(tmp_path: Path) -> None:
    """A zip holding two rate files is ambiguous and refused."""
    archive = tmp_path / "rates.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(ECB_DIR / "eurofxref.csv", "a.csv")
        zf.write(ECB_DIR / "eurofxref-daily.xml", "b.xml")
    with pytest.raises(ImportFileError, match="exactly one"):
        parse_ecb(archive.read_bytes(), name="rates.zip")
