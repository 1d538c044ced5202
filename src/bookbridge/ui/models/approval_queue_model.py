"""The approval queue grid: one row per expense awaiting approval (or sent back).

Items are the plain dicts of ``coding.approvals.approval_queue`` (the same data the CLI prints),
read on a worker. The queue is small (a day's work), so sorting goes through a
``QSortFilterProxyModel`` (:class:`TypedSortProxy`) on :data:`SORT_ROLE`'s typed values.
"""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal
from typing import Any

from bookbridge.core.money import Money
from bookbridge.ui.formatting import format_date, format_money
from bookbridge.ui.models.record_table import ColumnSpec, RecordTableModel
from bookbridge.ui.models.table_base import ID_ROLE, SORT_ROLE, TypedSortProxy

__all__ = ["ApprovalQueueModel", "ID_ROLE", "QueueColumn", "SORT_ROLE", "TypedSortProxy", "item_money", "waiting_for"]


class QueueColumn(enum.IntEnum):
    DATE = 0
    VENDOR = 1
    CATEGORY = 2
    EMPLOYEE = 3
    AMOUNT = 4
    WAITING_FOR = 5
    STATUS = 6


def item_money(item: dict[str, Any]) -> Money:
    return Money(Decimal(str(item["amount"])), str(item["currency"]))


def waiting_for(item: dict[str, Any]) -> str:
    pending = item.get("pending") or []
    return ", ".join(p["level"] for p in pending) if pending else "—"


def _who_may_approve(item: dict[str, Any]) -> str | None:
    pending = item.get("pending") or []
    return "\n".join(f"{p['level']}: {p['approvers']}" for p in pending) or None


def _text_column(header: str, key: str) -> ColumnSpec:
    """A plain text field of the item, sorted lower-cased."""
    def shown(item: dict[str, Any]) -> str:
        return item.get(key) or ""
    return ColumnSpec(header, shown, sort=lambda item: shown(item).lower())


def _item_date(item: dict[str, Any]) -> date:
    return date.fromisoformat(item["date"])


class ApprovalQueueModel(RecordTableModel):
    """Rows of the approval queue (plain dicts from the approvals service), columns as :class:`QueueColumn`."""

    columns = (  # in QueueColumn order
        ColumnSpec("Date", lambda it: format_date(_item_date(it)), sort=lambda it: _item_date(it).toordinal()),
        _text_column("Vendor", "vendor"),
        _text_column("Category", "category"),
        _text_column("Employee", "employee"),
        ColumnSpec("Amount", lambda it: format_money(item_money(it)), sort=lambda it: item_money(it).amount, right=True),
        ColumnSpec("Waiting for", waiting_for, sort=lambda it: waiting_for(it).lower(), tooltip=_who_may_approve),
        ColumnSpec("Status", lambda it: "Sent back" if it["status"] == "rejected" else "Awaiting approval",
                   sort=lambda it: 1 if it["status"] == "rejected" else 0),
    )

    def row_of(self, expense_id: int) -> int | None:
        return self.row_where(lambda it: it["id"] == expense_id)

    def role_data(self, item: dict[str, Any], column: int, role: int) -> Any:
        return item["id"] if role == ID_ROLE else None
