"""Reading expenses out of the book as :class:`ExpenseView` snapshots for the engine."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bookbridge.coding.view import ExpenseView
from bookbridge.store.models import Category, Employee, Expense, ExpenseStatus, Vendor

# Expenses whose coding may still change: everything not on its way to, or in, the ledger.
# Conflicts wait for a person to pick a version, so they are not coded either.
NOT_YET_POSTED = (
    ExpenseStatus.IMPORTED,
    ExpenseStatus.CODED,
    ExpenseStatus.AWAITING_APPROVAL,
    ExpenseStatus.APPROVED,
    ExpenseStatus.REJECTED,
    ExpenseStatus.SKIPPED,
)


def view_of(expense: Expense, vendor: str | None, category: str | None, employee: str | None) -> ExpenseView:
    """The snapshot of one expense row (names already looked up)."""
    return ExpenseView(
        id=str(expense.id),
        key=expense.key,
        date=expense.txn_date,
        vendor=vendor if vendor is not None else expense.vendor_raw,
        category=category if category is not None else expense.category_raw,
        amount=expense.amount,
        tax=expense.tax,
        payment_method=expense.payment_method.value,
        employee=employee,
        card=expense.card,
        report_id=expense.report_id,
        memo=expense.memo,
        fields=expense.fields,
    )


def load_views(
    session: Session,
    *,
    statuses: Sequence[ExpenseStatus] = NOT_YET_POSTED,
    ids: Iterable[int] | None = None,
) -> list[ExpenseView]:
    """Expenses with the given statuses (or ids), oldest first, as views."""
    query = (
        sa.select(Expense, Vendor.name, Category.name, Employee.name)
        .outerjoin(Vendor, Expense.vendor_id == Vendor.id)
        .outerjoin(Category, Expense.category_id == Category.id)
        .outerjoin(Employee, Expense.employee_id == Employee.id)
        .order_by(Expense.txn_date, Expense.id)
    )
    if ids is not None:
        query = query.where(Expense.id.in_(list(ids)))
    else:
        query = query.where(Expense.status.in_(list(statuses)))
    return [view_of(expense, vendor, category, employee) for expense, vendor, category, employee in session.execute(query)]
