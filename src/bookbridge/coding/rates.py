"""The book's exchange-rate table: ECB import, manual entry, listing, and lookups for coding.

Rates are stored as given (``base``/``quote``/``rate``, see :class:`bookbridge.coding.fx.FxRate`
for the direction) with their source and as-of date. ECB files are read by the pure parsers in
:mod:`bookbridge.coding.fx` and stored as rates *into the home currency* (foreign → home), which
is what coding needs; the EUR → home rate is kept as the ECB published it, the others are
derived cross rates with source ``"ECB (derived)"``.

Lookup (:class:`RateTable`): the rate for an expense is the newest rate of its pair dated on or
before the expense date and at most ``max_age_days`` old (reference rates skip weekends and
holidays, so a Saturday expense takes Friday's rate). A rate stored the other way round (home →
foreign) is inverted. On the same date a manual rate wins over an imported one, because a person
entered it on purpose. A missing rate is a :class:`MissingRate` (data), grouped by pair for the
"what to do" message.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bookbridge.coding.fx import FxRate, find_rate, parse_ecb, rates_into
from bookbridge.core import clock
from bookbridge.core.currency import currency as _currency
from bookbridge.core.errors import ImportFileError, MoneyError, UsageError
from bookbridge.store import audit
from bookbridge.store.book import Book
from bookbridge.store.models import Company, ExchangeRate, Setting

MANUAL_SOURCE = "manual"


@dataclass(frozen=True, slots=True)
class BookSetting:
    """A per-book setting declared once: key, type, default and a label for people."""

    key: str
    type: type
    default: object
    label: str


MAX_RATE_AGE = BookSetting(
    "fx.max_rate_age_days",
    int,
    7,
    "Oldest exchange rate (in days before the expense) that coding may use",
)


def _priority(source: str) -> int:
    """Lower sorts first: on a tie of dates the first rate wins (see ``fx.find_rate``)."""
    if source == MANUAL_SOURCE:
        return 0
    return 1 if not source.endswith("(derived)") else 2


# --- settings --------------------------------------------------------------------------------


def max_rate_age_days(session: Session) -> int:
    """The book's maximum rate age in days (default 7)."""
    row = session.get(Setting, MAX_RATE_AGE.key)
    return int(json.loads(row.value_json)) if row is not None else int(MAX_RATE_AGE.default)  # type: ignore[call-overload]


def set_max_rate_age_days(book: Book, days: int, *, actor: str) -> int:
    """Change the maximum rate age; returns the previous value."""
    if days < 0:
        raise UsageError("The maximum rate age must be 0 days or more.")
    with book.unit_of_work() as session:
        before = max_rate_age_days(session)
        session.merge(Setting(key=MAX_RATE_AGE.key, value_json=json.dumps(days)))
        audit.record(session, "setting.change", actor=actor, entity_type="setting", entity_id=MAX_RATE_AGE.key,
                     before=before, after=days)
    return before


# --- writing rates -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RateImportResult:
    """What an import stored.

    Attributes:
        file: the file read.
        added: new rates stored.
        updated: rates whose value changed for the same pair, date and source.
        unchanged: rates already in the book with the same value.
        first_date: the earliest as-of date in the file (``None`` when nothing was read).
        last_date: the latest as-of date.
        currencies: the foreign currencies now priced in the home currency.
        skipped: one sentence per thing the file held that did not become a rate.
    """

    file: str
    added: int
    updated: int
    unchanged: int
    first_date: date | None
    last_date: date | None
    currencies: tuple[str, ...]
    skipped: tuple[str, ...]


def import_ecb_file(book: Book, path: Path, *, actor: str) -> RateImportResult:
    """Import an ECB reference-rate file (CSV or XML, daily or history) into the book.

    Raises:
        ImportFileError: the file cannot be read or is not an ECB rate file.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImportFileError(f"Cannot read {path}: {error.strerror}.", path=str(path)) from error
    home = book.company().home_currency
    rate_set = rates_into(parse_ecb(data, name=path.name), home)
    result = _store_rates(book, rate_set.rates, actor=actor, what=f"ECB file {path.name}")
    dates = rate_set.dates()
    return RateImportResult(
        file=str(path),
        added=result[0],
        updated=result[1],
        unchanged=result[2],
        first_date=dates[0] if dates else None,
        last_date=dates[-1] if dates else None,
        currencies=tuple(sorted({rate.base for rate in rate_set.rates if rate.quote == home})),
        skipped=rate_set.skipped,
    )


def set_rate(book: Book, base: str, quote: str, rate: Decimal, as_of: date, *, actor: str,
             source: str = MANUAL_SOURCE) -> FxRate:
    """Store one rate by hand (or from a connector); replaces the same pair, date and source.

    Raises:
        MoneyError: a currency is unknown, the two are the same, or the rate is not positive.
    """
    fx = FxRate(base, quote, rate, as_of, source)
    if fx.base == fx.quote:
        raise MoneyError(f"a rate needs two different currencies, got {fx.base} twice")
    _store_rates(book, [fx], actor=actor, what=f"{source} rate {fx.base}/{fx.quote} {as_of.isoformat()}")
    return fx


def _store_rates(book: Book, rates: Sequence[FxRate], *, actor: str, what: str) -> tuple[int, int, int]:
    """Insert or update rates in one transaction; returns (added, updated, unchanged)."""
    added = updated = unchanged = 0
    with book.unit_of_work() as session:
        pairs = {(rate.base, rate.quote) for rate in rates}
        existing: dict[tuple[str, str, date, str], ExchangeRate] = {}
        for base, quote in pairs:
            for stored in session.scalars(
                sa.select(ExchangeRate).where(ExchangeRate.base == base, ExchangeRate.quote == quote)
            ):
                existing[(stored.base, stored.quote, stored.as_of, stored.source)] = stored
        now = clock.now()
        new_rows: dict[tuple[str, str, date, str], dict[str, object]] = {}
        for rate in rates:
            key = (rate.base, rate.quote, rate.as_of, rate.source)
            row = existing.get(key)
            if row is None:
                if key not in new_rows:
                    added += 1
                # A file quoting the same day twice: the later value wins, counted once.
                new_rows[key] = {"base": rate.base, "quote": rate.quote, "rate": rate.rate, "as_of": rate.as_of,
                                 "source": rate.source, "recorded_at": now}
            elif row.rate != rate.rate:
                row.rate, row.recorded_at = rate.rate, now
                updated += 1
            else:
                unchanged += 1
        if new_rows:
            session.execute(sa.insert(ExchangeRate), list(new_rows.values()))
        audit.record(session, "rates.import", actor=actor, entity_type="exchange_rates", what=what,
                     added=added, updated=updated, unchanged=unchanged)
    return added, updated, unchanged


# --- reading rates -------------------------------------------------------------------------------


def list_rates(book: Book, *, base: str | None = None, quote: str | None = None,
               since: date | None = None, until: date | None = None) -> list[FxRate]:
    """Stored rates, filtered, ordered by pair then date then source priority."""
    query = sa.select(ExchangeRate)
    if base:
        query = query.where(ExchangeRate.base == _currency(base).code)
    if quote:
        query = query.where(ExchangeRate.quote == _currency(quote).code)
    if since:
        query = query.where(ExchangeRate.as_of >= since)
    if until:
        query = query.where(ExchangeRate.as_of <= until)
    with book.read() as session:
        rows = [_fx(row) for row in session.scalars(query)]
    return sorted(rows, key=lambda r: (r.base, r.quote, r.as_of, _priority(r.source), r.source))


def _fx(row: ExchangeRate) -> FxRate:
    return FxRate(row.base, row.quote, row.rate, row.as_of, row.source)


@dataclass(frozen=True, slots=True)
class MissingRate:
    """No usable rate converts ``currency`` into ``home`` on ``on``.

    Attributes:
        currency: the expense currency.
        home: the home currency.
        on: the expense date.
        max_age_days: how old a rate may be.
        newest_before: the newest rate of the pair on or before ``on``, too old to use (or None).
    """

    currency: str
    home: str
    on: date
    max_age_days: int
    newest_before: date | None

    @property
    def group(self) -> str:
        """What expenses missing a rate have in common: the pair."""
        return f"{self.currency}/{self.home}"

    def message(self, count: int = 1, dates: Sequence[date] = ()) -> str:
        """The actionable sentence for ``count`` expenses of this pair on ``dates``."""
        dates = sorted(set(dates) or {self.on})
        span = dates[0].isoformat() if len(dates) == 1 else f"{dates[0].isoformat()} to {dates[-1].isoformat()}"
        newest = (f"the newest is dated {self.newest_before.isoformat()}, too old"
                  if self.newest_before else "the book has none on or before that date")
        noun = "expense" if count == 1 else "expenses"
        return (f"{count} {noun} ({span}): no {self.currency}/{self.home} rate at most {self.max_age_days} "
                f"days old ({newest}); import ECB rates with `bookbridge rates import` or enter one with "
                f"`bookbridge rates set`")


class RateTable:
    """Rates into the home currency, loaded once for a coding run (lookups are then pure)."""

    def __init__(self, rates: Iterable[FxRate], home_currency: str, max_age_days: int) -> None:
        self.home = _currency(home_currency).code
        self.max_age_days = max_age_days
        self._by_currency: dict[str, list[FxRate]] = {}
        for rate in rates:
            if rate.quote == self.home:
                foreign, oriented = rate.base, rate
            elif rate.base == self.home:
                foreign, oriented = rate.quote, rate.inverted()  # source becomes "... (derived)"
            else:
                continue
            self._by_currency.setdefault(foreign, []).append(oriented)
        for values in self._by_currency.values():
            values.sort(key=lambda r: (_priority(r.source), r.source))

    @classmethod
    def load(cls, session: Session, currencies: Iterable[str] | None = None) -> "RateTable":
        """Load the rates touching the home currency (only ``currencies`` when given)."""
        home = session.scalars(sa.select(Company.home_currency)).one()
        query = sa.select(ExchangeRate).where(sa.or_(ExchangeRate.quote == home, ExchangeRate.base == home))
        if currencies is not None:
            wanted = sorted({_currency(c).code for c in currencies})
            query = query.where(sa.or_(ExchangeRate.base.in_(wanted), ExchangeRate.quote.in_(wanted)))
        rates = [_fx(row) for row in session.scalars(query)]
        return cls(rates, home, max_rate_age_days(session))

    def lookup(self, currency_code: str, on: date) -> FxRate | MissingRate | None:
        """The rate converting ``currency_code`` into home on ``on``; None for the home currency."""
        code = _currency(currency_code).code
        if code == self.home:
            return None
        candidates = self._by_currency.get(code, [])
        found = find_rate(candidates, code, self.home, on, max_age_days=self.max_age_days)
        if found is not None:
            return found
        older = [rate.as_of for rate in candidates if rate.as_of <= on]
        return MissingRate(code, self.home, on, self.max_age_days, max(older) if older else None)
