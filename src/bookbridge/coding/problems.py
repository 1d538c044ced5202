"""Why expenses cannot be coded, stored per expense and grouped by what is missing.

Each problem is kept on the expense's coding round as plain data (``kind``, ``subject``, the
``group`` sentence without a count, the one-expense ``message``), so the `code` command, the GUI
and the next run can all print the same grouped, actionable list:
"3 expenses: category 'Tolls' has no account in template 'Fleet', version 4".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from bookbridge.coding.rates import MissingRate

MISSING_RATE = "missing_rate"


@dataclass(frozen=True, slots=True)
class ProblemSummary:
    """Expenses that share one missing thing, with the sentence that says what to add.

    Attributes:
        kind: what is wrong (``unmapped_category``, ``missing_rate``, ``unknown_approval_level``...).
        subject: the thing missing ("Tolls", "EUR/USD", a level name).
        expense_ids: the expenses it blocks, ascending.
        message: "N expenses: ..." for people.
    """

    kind: str
    subject: str
    expense_ids: tuple[int, ...]
    message: str

    @property
    def count(self) -> int:
        return len(self.expense_ids)


def problem(kind: str, subject: str, group: str, *, message: str | None = None, **detail: Any) -> dict[str, Any]:
    """One stored problem; ``group`` is the sentence after "N expenses: "."""
    return {"kind": kind, "subject": subject, "group": group, "message": message or group, **detail}


def missing_rate_problem(missing: MissingRate) -> dict[str, Any]:
    """A stored problem for a missing exchange rate (enough to rebuild the grouped sentence)."""
    return problem(
        MISSING_RATE, missing.group, missing.group, message=missing.message(1, [missing.on]),
        currency=missing.currency, home=missing.home, on=missing.on.isoformat(),
        max_age_days=missing.max_age_days,
        newest_before=missing.newest_before.isoformat() if missing.newest_before else None,
    )


def group_stored_problems(items: Iterable[tuple[int, date, dict[str, Any]]]) -> list[ProblemSummary]:
    """Group ``(expense id, expense date, stored problem)`` by what is missing, biggest first.

    An expense with two problems counts in both groups: fixing one alone will not unblock it.
    """
    groups: dict[tuple[str, str, str], tuple[dict[str, Any], list[int], list[date]]] = {}
    for expense_id, day, item in items:
        key = (item["kind"], str(item["subject"]).casefold(), item["group"])
        first, ids, dates = groups.setdefault(key, (item, [], []))
        if expense_id not in ids:
            ids.append(expense_id)
            dates.append(day)
    summaries = []
    for item, ids, dates in groups.values():
        if item["kind"] == MISSING_RATE:
            newest = item.get("newest_before")
            missing = MissingRate(item["currency"], item["home"], max(dates), int(item["max_age_days"]),
                                  date.fromisoformat(newest) if newest else None)
            message = missing.message(len(ids), dates)
        else:
            message = f"{len(ids)} {'expense' if len(ids) == 1 else 'expenses'}: {item['group']}"
        summaries.append(ProblemSummary(item["kind"], str(item["subject"]), tuple(sorted(ids)), message))
    summaries.sort(key=lambda s: (-s.count, s.kind, s.subject.casefold(), s.message))
    return summaries
