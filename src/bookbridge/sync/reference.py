"""Reference data pulled from the accounting system: stored per connection, and looked up when posting.

Step 2 of a run (issue 5 §3) reads accounts, vendors, classes, departments, tax codes and rates,
currencies and the closed-books date through the connector and keeps them in
``remote_references`` / ``sync_state``. Vendors and accounts that exist only in the accounting
system also appear in the book's own lists, so mappings can use them.

:class:`ReferenceIndex` answers the questions building a document asks: which remote account is
"6200" (by number, then name), which vendor is "Pilot Flying J", which class is "Truck 7".

Nothing here knows which system it talks to: an account's kind comes from the connector's
neutral :class:`~bookbridge.connectors.dto.AccountClass`, and a dimension kind filed under
another name (QBO's Department shown as "Location") from the connector's ``dimension_aliases``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bookbridge.connectors.dto import (
    AccountRecord,
    CompanyRecord,
    CurrencyRecord,
    DimensionRecord,
    TaxCodeRecord,
    TaxRateRecord,
    VendorRecord,
)
from bookbridge.connectors.protocol import NO_ALIASES, Connector, dimension_aliases
from bookbridge.core import clock
from bookbridge.core.keys import canonical_json
from bookbridge.ingest.normalise import vendor_key
from bookbridge.store.models import AccountKind, LedgerAccount, RemoteReference, SyncState, Vendor

@dataclass(frozen=True, slots=True)
class RemoteRecord:
    """One list entry of the accounting system, whatever its kind."""

    kind: str
    remote_id: str
    name: str
    active: bool
    number: str | None = None
    detail: dict[str, Any] = field(default_factory=dict, compare=False)


def record_of(item: object) -> RemoteRecord | None:
    """Our uniform record for a connector reference DTO (``None`` for kinds we do not keep)."""
    if isinstance(item, AccountRecord):
        detail = {"type": item.type, "currency": item.currency, "full_name": item.full_name}
        if item.account_class is not None:
            detail["account_class"] = item.account_class.value
        return RemoteRecord("account", item.id, item.name, item.active, item.number, detail)
    if isinstance(item, VendorRecord):
        return RemoteRecord("vendor", item.id, item.name, item.active, None, {"currency": item.currency})
    if isinstance(item, DimensionRecord):
        return RemoteRecord(item.kind, item.id, item.name, item.active, None, {"full_name": item.full_name})
    if isinstance(item, TaxCodeRecord):
        return RemoteRecord("tax_code", item.id, item.name, item.active, None, {"taxable": item.taxable})
    if isinstance(item, TaxRateRecord):
        return RemoteRecord("tax_rate", item.id, item.name, item.active, None, {"rate": format(item.rate, "f")})
    if isinstance(item, CurrencyRecord):
        return RemoteRecord("currency", item.code, item.name, item.active, item.code)
    return None


@dataclass(frozen=True, slots=True)
class ReferenceSnapshot:
    """Everything one pull read."""

    company: CompanyRecord
    records: tuple[RemoteRecord, ...]
    dimension_aliases: Mapping[str, str] = field(default_factory=lambda: NO_ALIASES)


def pull_reference(connector: Connector) -> ReferenceSnapshot:
    """Read every reference list through the connector (paging is the connector's business)."""
    company = connector.company()
    items: list[object] = [*connector.accounts(), *connector.vendors(), *connector.dimensions(),
                           *connector.tax_codes(), *connector.tax_rates(), *connector.currencies()]
    records = tuple(r for r in map(record_of, items) if r is not None)
    return ReferenceSnapshot(company, records, dimension_aliases(connector))


def store_records(session: Session, connection_id: int, records: Iterable[RemoteRecord]) -> int:
    """Insert or update remote records; returns how many were new or changed."""
    existing = {
        (row.kind, row.remote_id): row
        for row in session.scalars(sa.select(RemoteReference).where(RemoteReference.connection_id == connection_id))
    }
    changed = 0
    now = clock.now()
    for record in records:
        detail = canonical_json(record.detail) if record.detail else None
        row = existing.get((record.kind, record.remote_id))
        if row is None:
            row = RemoteReference(connection_id=connection_id, kind=record.kind, remote_id=record.remote_id,
                                  name=record.name, number=record.number, active=record.active,
                                  detail_json=detail, updated_at=now)
            session.add(row)
            existing[(record.kind, record.remote_id)] = row
            changed += 1
        elif (row.name, row.number, row.active, row.detail_json) != (record.name, record.number, record.active, detail):
            row.name, row.number, row.active, row.detail_json, row.updated_at = (
                record.name, record.number, record.active, detail, now)
            changed += 1
    return changed


def store_snapshot(session: Session, connection_id: int, snapshot: ReferenceSnapshot) -> int:
    """Keep a full pull: the records, the company settings, and new vendors/accounts in the book's lists."""
    changed = store_records(session, connection_id, snapshot.records)
    state = session.get(SyncState, connection_id) or SyncState(connection_id=connection_id)
    state.home_currency = snapshot.company.home_currency
    state.multicurrency = snapshot.company.multicurrency
    state.closed_books_date = snapshot.company.closed_books_date
    state.reference_pulled_at = clock.now()
    session.add(state)
    mirror_locally(session, snapshot.records)
    return changed


def mirror_locally(session: Session, records: Iterable[RemoteRecord]) -> tuple[int, int]:
    """Vendors and accounts of the accounting system that the book lacks, added to its own lists.

    Returns (vendors added, accounts added). Accounts are keyed by number, else by name.
    """
    vendor_keys = set(session.scalars(sa.select(Vendor.norm_key)))
    account_codes = {code.casefold() for code in session.scalars(sa.select(LedgerAccount.code))}
    vendors = accounts = 0
    now = clock.now()
    for record in records:
        if record.kind == "vendor" and record.active:
            key = vendor_key(record.name)
            if key and key not in vendor_keys:
                session.add(Vendor(name=record.name, norm_key=key, created_at=now))
                vendor_keys.add(key)
                vendors += 1
        elif record.kind == "account":
            code = record.number or record.name
            kind = _account_kind(record.detail.get("account_class"))
            if kind is not None and code.casefold() not in account_codes:
                session.add(LedgerAccount(code=code, name=record.name, kind=kind,
                                          currency=record.detail.get("currency"), active=record.active))
                account_codes.add(code.casefold())
                accounts += 1
    return vendors, accounts


def _account_kind(account_class: object) -> AccountKind | None:
    """The book's kind for a connector's neutral account class (the two enums share their values)."""
    try:
        return AccountKind(account_class) if account_class else None
    except ValueError:
        return None  # a class this book version does not know: leave the account out of its list


def _fold(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


class ReferenceIndex:
    """Lookups over one connection's reference data (in memory, for one run)."""

    def __init__(self, records: Iterable[RemoteRecord], *, home_currency: str | None, multicurrency: bool,
                 closed_books_date: date | None, dimension_aliases: Mapping[str, str] = NO_ALIASES) -> None:
        self.dimension_aliases = dimension_aliases
        self.home_currency = home_currency
        self.multicurrency = multicurrency
        self.closed_books_date = closed_books_date
        self._by_kind: dict[str, dict[str, RemoteRecord]] = {}
        self._lookups: dict[tuple[str, int], dict[str, list[RemoteRecord]]] = {}
        for record in records:
            self.add(record)

    @classmethod
    def from_snapshot(cls, snapshot: ReferenceSnapshot) -> "ReferenceIndex":
        company = snapshot.company
        return cls(snapshot.records, home_currency=company.home_currency, multicurrency=company.multicurrency,
                   closed_books_date=company.closed_books_date, dimension_aliases=snapshot.dimension_aliases)

    @classmethod
    def load(cls, session: Session, connection_id: int, *,
             dimension_aliases: Mapping[str, str] = NO_ALIASES) -> "ReferenceIndex":
        """The index of what the last pull stored (aliases from the connection's connector)."""
        rows = session.scalars(sa.select(RemoteReference).where(RemoteReference.connection_id == connection_id))
        records = [RemoteRecord(r.kind, r.remote_id, r.name, r.active, r.number,
                                json.loads(r.detail_json) if r.detail_json else {}) for r in rows]
        state = session.get(SyncState, connection_id)
        return cls(records, home_currency=state.home_currency if state else None,
                   multicurrency=bool(state.multicurrency) if state else False,
                   closed_books_date=state.closed_books_date if state else None,
                   dimension_aliases=dimension_aliases)

    def add(self, record: RemoteRecord) -> None:
        self._by_kind.setdefault(record.kind, {})[record.remote_id] = record
        self._lookups.clear()  # rebuilt on the next lookup (adds are rare: a vendor created, a change)

    def records(self, kind: str) -> list[RemoteRecord]:
        return list(self._by_kind.get(kind, {}).values())

    def _first(self, kind: str, wanted: str, *keys) -> RemoteRecord | None:
        for n, key in enumerate(keys):
            lookup = self._lookups.get((kind, n))
            if lookup is None:
                # One dict per kind and key, built once: a first sync looks up thousands of names.
                lookup = {}
                for record in self._by_kind.get(kind, {}).values():
                    value = key(record)
                    if value:
                        lookup.setdefault(value, []).append(record)
                self._lookups[(kind, n)] = lookup
            matches = lookup.get(wanted)
            if matches:
                # Active entries win over inactive namesakes; an inactive match is still returned so
                # the caller can say "inactive" rather than "unknown".
                return next((r for r in matches if r.active), matches[0])
        return None

    def account(self, code_or_name: str) -> RemoteRecord | None:
        """By account number, then name, then fully qualified name (case and spacing ignored)."""
        wanted = _fold(code_or_name)
        return self._first("account", wanted, lambda r: _fold(r.number), lambda r: _fold(r.name),
                           lambda r: _fold(r.detail.get("full_name")))

    def vendor(self, name: str) -> RemoteRecord | None:
        """By display name, then by the folded vendor key ("Shell Oil Co." is "Shell Oil")."""
        found = self._first("vendor", _fold(name), lambda r: _fold(r.name))
        return found or self._first("vendor", vendor_key(name), lambda r: vendor_key(r.name))

    def dimension_kind(self, kind: str) -> str:
        """The kind the accounting system files ``kind`` under (``location`` is QBO's ``department``)."""
        return self.dimension_aliases.get(kind, kind)

    def dimension(self, kind: str, value: str) -> RemoteRecord | None:
        kind = self.dimension_kind(kind)
        return self._first(kind, _fold(value), lambda r: _fold(r.name), lambda r: _fold(r.detail.get("full_name")))

    def tax_code(self, code: str) -> RemoteRecord | None:
        return self._first("tax_code", _fold(code), lambda r: _fold(r.name), lambda r: _fold(r.remote_id))

    def has_dimension_kind(self, kind: str) -> bool:
        return self.dimension_kind(kind) in self._by_kind
