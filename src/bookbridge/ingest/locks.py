"""Signed-off months, as the import sees them: a row dated in one is rejected, not landed.

The book itself refuses such an expense (the lock triggers of migration 0007), but a refusal
from SQLite would abort the whole import over one row. Checked here first, a row in a signed-off
month becomes one more rejected row with its line, field and reason, and the rest of the file
lands. A duplicate of an expense already in the book is still a duplicate: it adds nothing, so a
file spanning a closed month can be imported again without errors.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from bookbridge.ingest.model import Issue, Severity
from bookbridge.store.models import PeriodLock


class SignedOffMonths:
    """The book's signed-off months, read once per import."""

    def __init__(self, conn: sa.Connection) -> None:
        self._spans: list[tuple[date, date, str, str]] = [
            (start, end, period, who) for start, end, period, who in conn.execute(
                sa.select(PeriodLock.start_date, PeriodLock.end_date, PeriodLock.period, PeriodLock.locked_by)
                .order_by(PeriodLock.start_date))
        ]

    def __bool__(self) -> bool:
        return bool(self._spans)

    def refusal(self, day: date, line: int) -> Issue | None:
        """The error for a new row dated ``day``, or None when its month is open."""
        for start, end, period, who in self._spans:
            if start <= day <= end:
                return Issue(Severity.ERROR, "period_locked",
                             f"{day.isoformat()} is in {period}, which {who} signed off: an expense cannot be added "
                             f"to it. Reopen the period first with `bookbridge period reopen BOOK --period {period} "
                             "--as NAME --reason TEXT` and import the file again.", "date", line)
        return None
