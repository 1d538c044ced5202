"""What the connector reads about an account once per session: subsidiary, currencies, categories.

NetSuite references currencies by internal id, OneWorld transactions need a subsidiary, and
expense-report lines need an expense category, so building any payload needs these. They are
small lists, read once through SuiteQL and kept for the connector's life.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Iterator, Mapping

from bookbridge.connectors.netsuite import records
from bookbridge.connectors.netsuite.payloads import PayloadContext

Rows = Callable[[records.Listing, str | None], Iterator[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """The account's root subsidiary, currencies and expense categories."""

    subsidiary: Mapping[str, Any] | None
    currency_codes: Mapping[str, str]  # internal id -> ISO code
    base_currencies: frozenset[str] = field(default_factory=frozenset)  # ISO codes flagged isbasecurrency
    active_currencies: tuple[str, ...] = ()
    categories: Mapping[str, str] = field(default_factory=dict)  # expense account id -> category id

    @property
    def home_currency(self) -> str | None:
        currency_id = (self.subsidiary or {}).get("currency")
        if currency_id is not None and str(currency_id) in self.currency_codes:
            return self.currency_codes[str(currency_id)]
        return next(iter(sorted(self.base_currencies)), None)

    def payload_context(self) -> PayloadContext:
        ids = {code: currency_id for currency_id, code in self.currency_codes.items() if code in self.active_currencies}
        subsidiary_id = str(self.subsidiary["id"]) if self.subsidiary else None
        return PayloadContext(subsidiary_id=subsidiary_id, currency_ids=ids, categories=dict(self.categories))


def root_subsidiary(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The top of the subsidiary tree (the parent company), skipping elimination subsidiaries."""
    candidates = [r for r in rows if not records.flag(r.get("iselimination")) and not records.flag(r.get("isinactive"))]
    roots = [r for r in candidates if not records.text(r, "parent")] or candidates
    return min(roots, key=lambda r: int(str(r["id"]))) if roots else None


def read_facts(rows: Rows) -> AccountFacts:
    subsidiary = root_subsidiary(list(rows(records.SUBSIDIARIES, None)))
    currencies = list(rows(records.CURRENCIES, None))
    codes = {str(r["id"]): str(r.get("symbol") or "").upper() for r in currencies}
    base = frozenset(codes[str(r["id"])] for r in currencies if records.flag(r.get("isbasecurrency")))
    active = tuple(codes[str(r["id"])] for r in currencies if not records.flag(r.get("isinactive")))
    categories: dict[str, str] = {}
    for row in rows(records.CATEGORIES, "isinactive = 'F'"):
        # Rows come in id order: the oldest category of an account is the one used.
        if records.text(row, "expenseacct"):
            categories.setdefault(str(row["expenseacct"]), str(row["id"]))
    return AccountFacts(subsidiary, codes, base, active, categories)


class FactsCache:
    """Reads :class:`AccountFacts` on first use and keeps them (thread-safe)."""

    def __init__(self, rows: Rows) -> None:
        self._rows = rows
        self._facts: AccountFacts | None = None
        self._lock = threading.Lock()

    def get(self) -> AccountFacts:
        with self._lock:
            if self._facts is None:
                self._facts = read_facts(self._rows)
            return self._facts

    def forget(self) -> None:
        with self._lock:
            self._facts = None


def closed_through(periods: list[dict[str, Any]]) -> date | None:
    """The end of the last closed (or fully locked) posting period, from ``accountingperiod`` rows.

    Years, quarters and adjustment periods are summaries: only base periods decide. NetSuite closes
    periods in order, so every date up to this one is closed.
    """
    ends = [
        records.parse_date(row.get("enddate"))
        for row in periods
        if not any(records.flag(row.get(name)) for name in ("isyear", "isquarter", "isadjust"))
        and (records.flag(row.get("closed")) or records.flag(row.get("alllocked")))
    ]
    known = [end for end in ends if end is not None]
    return max(known) if known else None
