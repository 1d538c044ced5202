"""Foreign-currency arithmetic and exchange-rate records (pure: no database).

Rate direction, used everywhere in Bookbridge: an :class:`FxRate` with ``base="EUR"``,
``quote="USD"`` and ``rate=1.0769`` means **one EUR is worth 1.0769 USD** (market notation
EUR/USD). To turn a transaction amount into the home currency the rate's ``base`` is the
transaction currency and its ``quote`` the home currency: ``home = amount × rate``, rounded
half-up to the home currency's minor unit.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from xml.etree import ElementTree

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as DefusedET

from bookbridge.coding.tax import round_minor
from bookbridge.core.currency import currency as _currency
from bookbridge.core.currency import is_currency
from bookbridge.core.errors import ImportFileError, MoneyError


@dataclass(frozen=True, slots=True)
class FxRate:
    """How many ``quote`` units one ``base`` unit is worth on ``as_of``, and who said so.

    Attributes:
        base: ISO code of the currency being priced (the transaction currency).
        quote: ISO code the price is expressed in (the home currency).
        rate: quote units per one base unit, > 0.
        as_of: the date the rate applies to (the ECB publication date, the expense date...).
        source: where the rate came from: ``"ECB"``, ``"ECB (derived)"``, ``"manual"``, a
            connector name. Kept on every journal line for the audit trail.
    """

    base: str
    quote: str
    rate: Decimal
    as_of: date
    source: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "base", _currency(self.base).code)
        object.__setattr__(self, "quote", _currency(self.quote).code)
        if not isinstance(self.rate, Decimal):
            raise MoneyError(f"the {self.base}/{self.quote} rate must be a Decimal, not {type(self.rate).__name__}")
        if not self.rate.is_finite() or self.rate <= 0:
            raise MoneyError(f"the {self.base}/{self.quote} rate must be a positive number, got {self.rate}")

    def convert(self, amount: Decimal) -> Decimal:
        """Convert ``amount`` of ``base`` into ``quote``, rounded half-up to its minor unit."""
        return round_minor(amount * self.rate, self.quote)

    def inverted(self) -> "FxRate":
        """The same rate seen from the other side (base and quote swapped)."""
        return FxRate(self.quote, self.base, _derived(1 / self.rate), self.as_of, _derived_source(self.source))


# Derived (inverted or cross) rates keep 12 significant digits: far more than any published rate
# carries (ECB: 5-6), so converting amounts up to 10^9 is exact to the cent.
_DERIVED_DIGITS = 12


def _derived(value: Decimal) -> Decimal:
    """Round a computed rate to a fixed number of significant digits, deterministically."""
    if value == 0:
        return value
    exponent = value.adjusted() - _DERIVED_DIGITS + 1
    return value.quantize(Decimal(1).scaleb(exponent)).normalize()


def _derived_source(source: str) -> str:
    return source if source.endswith("(derived)") else f"{source} (derived)"


def to_home(amount: Decimal, currency_code: str, home_currency: str, rate: FxRate | None) -> Decimal:
    """The home-currency value of ``amount``, rounded half-up to the home minor unit.

    Raises:
        MoneyError: the currencies differ and no rate, or a rate for another pair, was given.
    """
    code, home = _currency(currency_code).code, _currency(home_currency).code
    if code == home:
        return round_minor(amount, home)
    if rate is None:
        raise MoneyError(f"no {code}/{home} exchange rate was given to convert {amount} {code}")
    if (rate.base, rate.quote) == (home, code):
        rate = rate.inverted()
    if (rate.base, rate.quote) != (code, home):
        raise MoneyError(f"a {rate.base}/{rate.quote} rate cannot convert {code} into {home}")
    return rate.convert(amount)


def find_rate(rates: Iterable[FxRate], base: str, quote: str, on: date, *, max_age_days: int = 7) -> FxRate | None:
    """The newest ``base``/``quote`` rate dated on or before ``on`` and at most ``max_age_days`` old.

    Reference rates are not published at weekends or on bank holidays, so an expense dated on a
    Saturday takes Friday's rate; a rate older than ``max_age_days`` is treated as missing rather
    than silently applied. Ties on the date keep the first rate given (callers order by priority).
    """
    base, quote = _currency(base).code, _currency(quote).code
    best: FxRate | None = None
    for rate in rates:
        if (rate.base, rate.quote) != (base, quote) or rate.as_of > on:
            continue
        if (on - rate.as_of).days > max_age_days:
            continue
        if best is None or rate.as_of > best.as_of:
            best = rate
    return best


@dataclass(frozen=True, slots=True)
class FxSettlement:
    """The home-currency figures of paying off a foreign-currency balance at a later rate.

    Attributes:
        booked_home: the balance's home value when it was booked (its carrying amount).
        paid_home: what settling it costs today: foreign amount × settlement rate, rounded.
        difference: ``paid_home - booked_home``. For a balance we owe (employee payable, A/P) a
            positive difference is a realised FX **loss** (we paid more home currency than booked)
            and a negative one a **gain**; the signs also hold for refunds, where both amounts are
            negative.
    """

    booked_home: Decimal
    paid_home: Decimal
    difference: Decimal


def settle_foreign_balance(foreign_amount: Decimal, booked_home: Decimal, settlement_rate: FxRate) -> FxSettlement:
    """Compute the realised FX difference when a foreign balance is paid at ``settlement_rate``.

    ACCOUNTING.md example 10: EUR 195.00 booked at USD 210.00, paid at 1.085 USD/EUR:
    paid 211.58 (211.575 rounded half-up), difference +1.58, a loss.
    """
    paid_home = settlement_rate.convert(foreign_amount)
    booked = round_minor(booked_home, settlement_rate.quote)
    return FxSettlement(booked_home=booked, paid_home=paid_home, difference=paid_home - booked)


# --- ECB euro foreign exchange reference rates ---------------------------------------------------

ECB_SOURCE = "ECB"
_ECB_NAMESPACE_FREE_TAG = "Cube"
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("january", "february", "march", "april", "may", "june", "july", "august", "september",
         "october", "november", "december"),
        start=1,
    )
}


@dataclass(frozen=True, slots=True)
class RateSet:
    """Rates read from a file (or derived from one), and what was left out and why.

    Attributes:
        rates: the rates, in file order.
        skipped: one sentence per thing not turned into a rate (withdrawn currency, "N/A"
            cells, a day without the home currency), so nothing disappears silently.
    """

    rates: tuple[FxRate, ...]
    skipped: tuple[str, ...] = ()

    def dates(self) -> tuple[date, ...]:
        """The distinct as-of dates, ascending."""
        return tuple(sorted({rate.as_of for rate in self.rates}))


def parse_ecb(data: bytes | str, *, name: str = "ECB file") -> RateSet:
    """Read an ECB reference-rate file, CSV or XML, into EUR-based rates.

    Accepts the files the ECB publishes, zipped (``eurofxref.zip``) or not: ``eurofxref.csv`` (one day, dates like
    ``25 January 2018``), ``eurofxref-hist.csv`` (one row per day, ISO dates, ``N/A`` for
    currencies not quoted that day) and the gesmes XML ``eurofxref-daily.xml`` /
    ``eurofxref-hist-90d.xml`` / ``eurofxref-hist.xml``. Every rate comes out as
    ``FxRate(base="EUR", quote=X, rate=X per EUR, source="ECB")``.

    Raises:
        ImportFileError: the file is not a readable ECB rate file or holds no rates.
    """
    if isinstance(data, bytes) and data.startswith(b"PK\x03\x04"):
        data, name = _unzip_single(data, name)
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.lstrip("\ufeff")
    if not text.strip():
        raise ImportFileError(f"{name} is empty; expected ECB reference rates (CSV or XML)", path=name)
    if text.lstrip().startswith("<"):
        result = _parse_ecb_xml(text, name)
    else:
        result = _parse_ecb_csv(text, name)
    if not result.rates:
        raise ImportFileError(f"{name} holds no exchange rates in the ECB format", path=name)
    return result


# The full history CSV is about 2 MB; anything far larger inside a zip is not an ECB file and
# could be a zip bomb, so it is refused before being inflated.
_MAX_UNZIPPED_BYTES = 64 * 1024 * 1024


def _unzip_single(data: bytes, name: str) -> tuple[bytes, str]:
    """The one CSV or XML member of an ECB zip (``eurofxref.zip`` holds ``eurofxref.csv``)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.infolist() if m.filename.lower().endswith((".csv", ".xml"))]
            if len(members) != 1:
                raise ImportFileError(f"{name} should hold exactly one CSV or XML rate file", path=name)
            if members[0].file_size > _MAX_UNZIPPED_BYTES:
                raise ImportFileError(f"{name}: {members[0].filename} is too large to be an ECB rate file", path=name)
            return archive.read(members[0]), f"{name}:{members[0].filename}"
    except zipfile.BadZipFile as error:
        raise ImportFileError(f"{name} is a damaged zip file ({error})", path=name) from error


def _parse_ecb_csv(text: str, name: str) -> RateSet:
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if not rows or rows[0][0].strip().lower() != "date":
        raise ImportFileError(f"{name}: the first column must be 'Date' as in the ECB CSV files", path=name)
    header = [cell.strip() for cell in rows[0]]
    rates: list[FxRate] = []
    skipped = _Skipped()
    for line_number, row in enumerate(rows[1:], start=2):
        as_of = _ecb_date(row[0], name, line_number)
        for code, cell in zip(header[1:], row[1:]):
            if code:
                _add_ecb_rate(rates, skipped, code, cell.strip(), as_of, f"{name} line {line_number}")
    return RateSet(tuple(rates), skipped.notes())


def _parse_ecb_xml(text: str, name: str) -> RateSet:
    try:
        root = DefusedET.fromstring(text.encode("utf-8"))
    except DefusedXmlException as error:
        # Entity declarations and external references are how XML bombs and file-disclosure
        # attacks work; the ECB never uses them, so a file that does is refused outright.
        raise ImportFileError(
            f"{name} declares XML entities or external references, which are refused for safety", path=name
        ) from error
    except ElementTree.ParseError as error:
        raise ImportFileError(f"{name} is not well-formed XML ({error})", path=name) from error
    rates: list[FxRate] = []
    skipped = _Skipped()
    for day in root.iter():
        if _local(day.tag) != _ECB_NAMESPACE_FREE_TAG or "time" not in day.attrib:
            continue
        as_of = _ecb_date(day.attrib["time"], name, None)
        for cube in day:
            if _local(cube.tag) == _ECB_NAMESPACE_FREE_TAG and "currency" in cube.attrib:
                where = f"{name} day {as_of.isoformat()}"
                _add_ecb_rate(rates, skipped, cube.attrib["currency"], cube.attrib.get("rate", ""), as_of, where)
    return RateSet(tuple(rates), skipped.notes())


def _local(tag: object) -> str:
    """Element name without its namespace, so a changed namespace URI cannot break the import."""
    return str(tag).rsplit("}", 1)[-1]


def _ecb_date(text: str, name: str, line_number: int | None) -> date:
    raw = text.strip()
    where = f"{name} line {line_number}" if line_number else name
    try:
        if raw[:4].isdigit():
            return date.fromisoformat(raw)
        # "25 January 2018": month names parsed here, not with strptime, whose %B follows the
        # process locale (a French desktop would read "janvier").
        day_text, month_text, year_text = raw.split()
        return date(int(year_text), _MONTHS[month_text.lower()], int(day_text))
    except (ValueError, KeyError):
        raise ImportFileError(f"{where}: {raw!r} is not a date in the ECB format", path=name) from None


class _Skipped:
    """Collects what a parse left out, one summary sentence per reason and currency."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str], int] = {}

    def add(self, code: str, reason: str) -> None:
        self._counts[(code, reason)] = self._counts.get((code, reason), 0) + 1

    def notes(self) -> tuple[str, ...]:
        return tuple(f"{code}: {count} value(s) skipped, {reason}" for (code, reason), count in self._counts.items())


def _add_ecb_rate(rates: list[FxRate], skipped: _Skipped, code: str, cell: str, as_of: date, where: str) -> None:
    code = code.strip().upper()
    if cell.upper() in ("", "N/A"):
        skipped.add(code, "not quoted (N/A)")
        return
    if not is_currency(code):
        skipped.add(code, "not an active ISO 4217 currency (withdrawn before the euro or since)")
        return
    try:
        value = Decimal(cell)
    except InvalidOperation:
        raise ImportFileError(f"{where}: the {code} rate {cell!r} is not a number") from None
    rates.append(FxRate(base="EUR", quote=code, rate=value, as_of=as_of, source=ECB_SOURCE))


def rates_into(eur_rates: RateSet | Iterable[FxRate], home_currency: str) -> RateSet:
    """Turn EUR-based ECB rates into rates *into* ``home_currency`` (foreign → home).

    The ECB quotes X per EUR. A USD-home book needs USD per X: for each day,
    ``USD per X = (USD per EUR) / (X per EUR)``, and ``USD per EUR`` is the ECB's own figure.
    A EUR-home book gets ``EUR per X = 1 / (X per EUR)``. Derived rates keep 12 significant
    digits and say ``"ECB (derived)"`` as their source; the one rate quoted as published keeps
    ``"ECB"``.
    """
    home = _currency(home_currency).code
    source = eur_rates.rates if isinstance(eur_rates, RateSet) else tuple(eur_rates)
    notes = list(eur_rates.skipped) if isinstance(eur_rates, RateSet) else []
    by_day: dict[date, dict[str, FxRate]] = {}
    for rate in source:
        if rate.base != "EUR":
            raise MoneyError(f"expected EUR-based reference rates, got a {rate.base}/{rate.quote} rate")
        by_day.setdefault(rate.as_of, {})[rate.quote] = rate
    derived: list[FxRate] = []
    for as_of in sorted(by_day):
        quotes = by_day[as_of]
        if home == "EUR":
            derived.extend(rate.inverted() for rate in quotes.values())
            continue
        home_per_eur = quotes.get(home)
        if home_per_eur is None:
            notes.append(f"{as_of.isoformat()}: no {home} rate that day, so no rates into {home}")
            continue
        derived.append(home_per_eur)  # EUR -> home is the ECB's own figure, kept as published
        for code, rate in quotes.items():
            if code != home:
                cross = _derived(home_per_eur.rate / rate.rate)
                derived.append(FxRate(code, home, cross, as_of, _derived_source(rate.source)))
    return RateSet(tuple(derived), tuple(notes))
