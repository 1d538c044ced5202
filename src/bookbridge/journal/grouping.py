"""Which expenses share an entry, what the entry is dated and what it is called.

Every group key starts with the transaction currency: an entry has one currency (lines in
different currencies cannot balance against each other), so a batch of USD and EUR expenses gives
one entry per currency.

Dating: an entry for one expense, one employee-day or one day carries that date. A report takes
its latest expense date. A month batch is dated the last day of the month, the accrual
convention. A week batch is dated the week's Sunday — but ISO weeks are **cut at month ends**
(a week from Mon 29 April to Sun 5 May gives one entry dated 30 April and one dated 5 May) so no
entry straddles two accounting periods and a month's books never carry next month's costs.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bookbridge.coding.coded import CodedExpense
from bookbridge.core.keys import short_key
from bookbridge.journal.model import Grouping


@dataclass(frozen=True, slots=True)
class GroupKey:
    """Identifies one entry-to-be: the grouping, the currency and the grouping's own parts."""

    grouping: Grouping
    currency: str
    parts: tuple[str, ...]


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _week_end_in_month(day: date) -> date:
    sunday = day + timedelta(days=6 - day.weekday())
    return min(sunday, _month_end(day))


def group_key(expense: CodedExpense, grouping: Grouping) -> GroupKey:
    """The key of the entry ``expense`` belongs to under ``grouping``.

    An expense without a report (PER_REPORT) or without an employee (PER_EMPLOYEE_DAY) gets an
    entry of its own rather than being lumped with strangers.
    """
    alone = ("expense", expense.expense_key)
    if grouping is Grouping.PER_EXPENSE:
        parts: tuple[str, ...] = alone
    elif grouping is Grouping.PER_REPORT:
        parts = ("report", expense.report_id) if expense.report_id else alone
    elif grouping is Grouping.PER_EMPLOYEE_DAY:
        parts = ("employee", expense.employee, expense.date.isoformat()) if expense.employee else alone
    elif grouping is Grouping.DAY:
        parts = ("day", expense.date.isoformat())
    elif grouping is Grouping.WEEK:
        iso = expense.date.isocalendar()
        parts = ("week", f"{iso.year}-W{iso.week:02d}", _week_end_in_month(expense.date).isoformat())
    else:
        parts = ("month", f"{expense.date.year:04d}-{expense.date.month:02d}")
    return GroupKey(grouping, expense.currency, parts)


def entry_date(key: GroupKey, expenses: Sequence[CodedExpense]) -> date:
    """The date of the entry for ``key`` (see the module docstring)."""
    latest = max(expense.date for expense in expenses)
    if key.parts[0] == "month":
        return _month_end(latest)
    if key.parts[0] == "week":
        return date.fromisoformat(key.parts[2])
    return latest


def entry_memo(key: GroupKey, expenses: Sequence[CodedExpense], single_memo: str) -> str:
    """A description a bookkeeper recognises in the accounting system's journal list."""
    count = len(expenses)
    kind = key.parts[0]
    if kind == "expense":
        return single_memo
    suffix = f" ({count} expense{'s' if count != 1 else ''}, {key.currency})"
    if kind == "report":
        return f"Expense report {key.parts[1]}{suffix}"
    if kind == "employee":
        return f"{key.parts[1]} expenses {key.parts[2]}{suffix}"
    if kind == "day":
        return f"Expenses {key.parts[1]}{suffix}"
    if kind == "week":
        return f"Expenses {key.parts[1]} to {key.parts[2]}{suffix}"
    return f"Expenses {key.parts[1]}{suffix}"


def entry_key(key: GroupKey, expense_keys: Sequence[str]) -> str:
    """Deterministic entry key from the grouping and the (sorted) source expense keys.

    The same sources under the same grouping always give the same key, whatever their order, so
    a rebuilt preview and the outbox agree; adding an expense to a batch gives a new key.
    """
    return short_key("journal-entry", key.grouping.value, key.currency, *key.parts, *sorted(expense_keys))
