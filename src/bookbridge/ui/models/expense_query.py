"""The Expenses grid's reads: typed filters and typed sort keys in SQL, rows as plain tuples.

Why sorting and filtering happen in SQL rather than in a ``QSortFilterProxyModel``: the grid
fetches lazily, so a proxy would only ever see the rows fetched so far and would sort the first
500 of 100,000 expenses. Instead :func:`ordered_ids` asks the book for the id of every matching
expense in the chosen order (one indexed query, ids only), and :func:`fetch_rows` reads the
displayed columns of one chunk of those ids. Every sort key is typed in SQL:

* dates are ISO text, which orders as dates;
* amounts order by their exact value across currencies with different minor units: the integer
  minor units are scaled to ten-thousandths (``minor * 10**(4 - exponent)``), still an integer,
  so ``JPY 1,000`` sorts below ``USD 10.01`` and no float is involved;
* statuses order by the workflow (imported → ... → posted), not alphabetically;
* names order case-insensitively; the expense id breaks every tie so the order is total.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Sequence

import sqlalchemy as sa

from bookbridge.core.currency import CURRENCIES
from bookbridge.store.models import Category, Employee, Expense, ExpenseReceipt, ExpenseStatus, Vendor

VEHICLE_FIELD = "vehicle_id"  # the custom field the TMS profile fills; the dashboard groups by it
SCALE_EXPONENT = 4  # the largest ISO 4217 minor-unit exponent (CLF, UYW)


class Column(enum.IntEnum):
    """The grid's columns, in display order."""

    DATE = 0
    VENDOR = 1
    CATEGORY = 2
    EMPLOYEE = 3
    VEHICLE = 4
    AMOUNT = 5
    STATUS = 6
    SOURCE = 7


HEADERS: dict[Column, str] = {
    Column.DATE: "Date",
    Column.VENDOR: "Vendor",
    Column.CATEGORY: "Category",
    Column.EMPLOYEE: "Employee",
    Column.VEHICLE: "Vehicle",
    Column.AMOUNT: "Amount",
    Column.STATUS: "Status",
    Column.SOURCE: "Source",
}

STATUS_ORDER: tuple[ExpenseStatus, ...] = (
    ExpenseStatus.IMPORTED,
    ExpenseStatus.CONFLICT,
    ExpenseStatus.CODED,
    ExpenseStatus.AWAITING_APPROVAL,
    ExpenseStatus.REJECTED,
    ExpenseStatus.APPROVED,
    ExpenseStatus.QUEUED,
    ExpenseStatus.POSTED,
    ExpenseStatus.SKIPPED,
)
STATUS_LABELS: dict[str, str] = {
    "imported": "Imported",
    "conflict": "Conflict",
    "coded": "Coded",
    "awaiting_approval": "Awaiting approval",
    "rejected": "Rejected",
    "approved": "Approved",
    "queued": "Queued",
    "posted": "Posted",
    "skipped": "Skipped",
}


@dataclass(frozen=True)
class ExpenseFilter:
    """What the grid shows. Empty fields do not filter.

    Attributes:
        text: words found in the vendor, category, memo, employee or reference (case-insensitive).
        statuses: expense statuses to show (values of ExpenseStatus).
        date_from, date_to: inclusive date range.
        amount_min, amount_max: inclusive, on the amount in its own currency.
        category: an exact category name (the book's name, else the source's).
        vehicle: an exact vehicle id.
        currency: an ISO code.
        batch_id: expenses landed by one import.
    """

    text: str = ""
    statuses: frozenset[str] = field(default_factory=frozenset)
    date_from: date | None = None
    date_to: date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    category: str | None = None
    vehicle: str | None = None
    currency: str | None = None
    batch_id: int | None = None

    def is_empty(self) -> bool:
        return self == ExpenseFilter()

    def describe(self) -> str:
        """A short sentence of what is filtered, for the page's filter line."""
        parts = []
        if self.statuses:
            parts.append("status " + " or ".join(STATUS_LABELS.get(s, s) for s in sorted(self.statuses)))
        if self.category:
            parts.append(f"category {self.category}")
        if self.vehicle:
            parts.append(f"vehicle {self.vehicle}")
        if self.currency:
            parts.append(f"currency {self.currency}")
        if self.batch_id is not None:
            parts.append(f"import #{self.batch_id}")
        if self.date_from or self.date_to:
            parts.append(f"dates {self.date_from or '…'} to {self.date_to or '…'}")
        if self.amount_min is not None or self.amount_max is not None:
            parts.append(f"amount {self.amount_min if self.amount_min is not None else '…'} to "
                         f"{self.amount_max if self.amount_max is not None else '…'}")
        if self.text:
            parts.append(f"text “{self.text}”")
        return ", ".join(parts)


# --- SQL building blocks ----------------------------------------------------------------------------

_E = Expense.__table__
_V = Vendor.__table__
_C = Category.__table__
_P = Employee.__table__

vendor_name = sa.func.coalesce(_V.c.name, _E.c.vendor_raw, "")
category_name = sa.func.coalesce(_C.c.name, _E.c.category_raw, "")
employee_name = sa.func.coalesce(_P.c.name, "")
# The vehicle id read out of the expense's own fields JSON (NULL JSON or no such field: "").
vehicle_value = sa.func.coalesce(sa.func.json_extract(_E.c.fields_json, f"$.{VEHICLE_FIELD}"), "")


def _scale_case() -> sa.ColumnElement[int]:
    """10**(4 - exponent) per currency: the factor that makes minor units comparable exactly."""
    unusual = {code: c.exponent for code, c in CURRENCIES.items() if c.exponent != 2}
    whens = [(_E.c.currency == code, 10 ** (SCALE_EXPONENT - exp)) for code, exp in sorted(unusual.items())]
    return sa.case(*whens, else_=10 ** (SCALE_EXPONENT - 2))


scaled_amount = _E.c.amount_minor * _scale_case()
status_rank = sa.case(*[(_E.c.status == s.value, i) for i, s in enumerate(STATUS_ORDER)], else_=len(STATUS_ORDER))

SORT_KEYS: dict[Column, sa.ColumnElement] = {
    Column.DATE: _E.c.txn_date,
    Column.VENDOR: sa.func.lower(vendor_name),
    Column.CATEGORY: sa.func.lower(category_name),
    Column.EMPLOYEE: sa.func.lower(employee_name),
    Column.VEHICLE: sa.func.lower(vehicle_value),
    Column.AMOUNT: scaled_amount,
    Column.STATUS: status_rank,
    Column.SOURCE: sa.func.lower(_E.c.source_system),
}


def _joined(select: sa.Select) -> sa.Select:
    """Every lookup the grid shows, as outer joins (a vendor or category may be missing)."""
    return (
        select.select_from(_E)
        .outerjoin(_V, _V.c.id == _E.c.vendor_id)
        .outerjoin(_C, _C.c.id == _E.c.category_id)
        .outerjoin(_P, _P.c.id == _E.c.employee_id)
    )


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _scaled_bound(value: Decimal, rounding: str) -> int:
    """A Decimal bound as ten-thousandths; rounded outward so an inclusive bound stays inclusive."""
    return int(value.scaleb(SCALE_EXPONENT).to_integral_value(rounding=rounding))


def where_clauses(flt: ExpenseFilter) -> list[sa.ColumnElement[bool]]:
    """The filter as SQL conditions on the joined grid query."""
    clauses: list[sa.ColumnElement[bool]] = []
    for word in flt.text.split():
        pattern = _like(word)
        clauses.append(sa.or_(
            vendor_name.like(pattern, escape="\\"), category_name.like(pattern, escape="\\"),
            _E.c.memo.like(pattern, escape="\\"), employee_name.like(pattern, escape="\\"),
            _E.c.reference.like(pattern, escape="\\"),
        ))
    if flt.statuses:
        clauses.append(_E.c.status.in_(sorted(flt.statuses)))
    if flt.date_from is not None:
        clauses.append(_E.c.txn_date >= flt.date_from)
    if flt.date_to is not None:
        clauses.append(_E.c.txn_date <= flt.date_to)
    if flt.amount_min is not None:
        clauses.append(scaled_amount >= _scaled_bound(flt.amount_min, ROUND_CEILING))
    if flt.amount_max is not None:
        clauses.append(scaled_amount <= _scaled_bound(flt.amount_max, ROUND_FLOOR))
    if flt.category:
        clauses.append(category_name == flt.category)
    if flt.vehicle:
        clauses.append(vehicle_value == flt.vehicle)
    if flt.currency:
        clauses.append(_E.c.currency == flt.currency.upper())
    if flt.batch_id is not None:
        clauses.append(_E.c.batch_id == flt.batch_id)
    return clauses


def _order(column: Column, descending: bool) -> list[sa.ColumnElement]:
    key = SORT_KEYS[column]
    return [key.desc(), _E.c.id.desc()] if descending else [key.asc(), _E.c.id.asc()]


def ordered_ids(conn: sa.Connection, flt: ExpenseFilter, column: Column, descending: bool) -> list[int]:
    """The id of every expense matching ``flt``, in the typed order of ``column`` (id breaks ties)."""
    query = _joined(sa.select(_E.c.id)).where(*where_clauses(flt)).order_by(*_order(column, descending))
    return list(conn.execute(query).scalars())


# Positions in a fetched row tuple.
R_ID, R_DATE, R_VENDOR, R_CATEGORY, R_EMPLOYEE, R_VEHICLE, R_MINOR, R_CURRENCY, R_STATUS, R_SOURCE, R_RECEIPTS = range(11)

_receipt_count = (
    sa.select(sa.func.count()).select_from(ExpenseReceipt.__table__)
    .where(ExpenseReceipt.__table__.c.expense_id == _E.c.id).scalar_subquery()
)


def _row_columns() -> list[sa.ColumnElement]:
    return [_E.c.id, _E.c.txn_date, vendor_name, category_name, employee_name, vehicle_value,
            _E.c.amount_minor, _E.c.currency, _E.c.status, _E.c.source_system, _receipt_count]


def _plain(row: sa.Row) -> tuple:
    """A row of atoms only (the status as its text, not the enum member). The garbage collector
    stops tracking such tuples, so 100,000 of them do not lengthen its full passes, which run on
    whichever thread allocates and would pause the GUI."""
    values = list(row)
    values[R_STATUS] = getattr(values[R_STATUS], "value", values[R_STATUS])
    return tuple(values)


def first_rows(conn: sa.Connection, flt: ExpenseFilter, column: Column, descending: bool, limit: int) -> list[tuple]:
    """The first ``limit`` rows in order, straight from the query: on the date order the index
    answers this at once, so the grid shows rows before every id has been read."""
    query = _joined(sa.select(*_row_columns())).where(*where_clauses(flt)).order_by(*_order(column, descending))
    return [_plain(row) for row in conn.execute(query.limit(limit))]


def fetch_rows(conn: sa.Connection, ids: Sequence[int]) -> list[tuple]:
    """The displayed values of the expenses ``ids``, as plain tuples in the order of ``ids``."""
    if not ids:
        return []
    query = _joined(sa.select(*_row_columns())).where(_E.c.id.in_(list(ids)))
    by_id = {row[0]: _plain(row) for row in conn.execute(query)}
    return [by_id[i] for i in ids if i in by_id]


def count_all(conn: sa.Connection) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(_E)).scalar_one())
