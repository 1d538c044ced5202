"""Small read-only facts about the open book for the status bar, the dashboard and the inbox.

Each function opens its own connection, reads plain values and returns frozen data, so it can
run on a worker thread. Tables that belong to engines still being built (the sync engine's runs)
are looked up only when the book has them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from bookbridge.core.money import Money
from bookbridge.store.book import Book
from bookbridge.store.models import Category, Connection, Expense, ImportBatch, SourceState
from bookbridge.ui.formatting import format_datetime
from bookbridge.ui.models.expense_query import STATUS_ORDER, VEHICLE_FIELD

TOP_GROUPS = 8  # bars in a spend chart; the rest are summed as "Other"


@dataclass(frozen=True, slots=True)
class LastSync:
    at: datetime | None
    posted: int | None = None
    failed: int | None = None
    status: str | None = None


def last_sync(book: Book) -> LastSync:
    """The newest finished sync run (or, before the sync engine records runs, the connection's time)."""
    with book.engine.connect() as conn:
        if sa.inspect(conn).has_table("sync_runs"):
            from bookbridge.store.models import SyncRun

            row = conn.execute(
                sa.select(SyncRun.finished_at, SyncRun.posted, SyncRun.failed, SyncRun.status)
                .where(SyncRun.finished_at.is_not(None), SyncRun.dry_run.is_(False))
                .order_by(SyncRun.finished_at.desc()).limit(1)
            ).first()
            if row is not None:
                return LastSync(row[0], row[1], row[2], getattr(row[3], "value", row[3]))
        at = conn.execute(sa.select(sa.func.max(Connection.last_sync_at))).scalar()
        if isinstance(at, str):  # max() loses the column type: parse the stored ISO text
            at = datetime.fromisoformat(at)
        return LastSync(at)


def last_sync_text(book: Book) -> str:
    info = last_sync(book)
    if info.at is None:
        return "Never synced"
    counts = f" · {info.posted} posted, {info.failed} failed" if info.posted is not None else ""
    return f"Last sync: {format_datetime(info.at)}{counts}"


@dataclass(frozen=True, slots=True)
class SpendGroup:
    """Spend of one group (category or vehicle) in one currency."""

    name: str
    currency: str
    amount: Money
    count: int


@dataclass(frozen=True, slots=True)
class LastImport:
    batch_id: int
    source: str
    file_name: str
    finished_at: datetime | None
    new: int
    duplicates: int
    conflicts: int
    rejected: int


@dataclass(frozen=True)
class DashboardFacts:
    """What the dashboard shows, read in one go on a worker."""

    home_currency: str
    total_expenses: int
    by_status: tuple[tuple[str, int], ...]
    by_category: tuple[SpendGroup, ...]
    by_vehicle: tuple[SpendGroup, ...]
    other_currency_expenses: int
    last_import: LastImport | None
    sources: tuple[tuple[str, datetime], ...]


def _spend(conn: sa.Connection, group: sa.ColumnElement, home: str, join=None) -> tuple[SpendGroup, ...]:
    query = sa.select(group, sa.func.sum(Expense.amount_minor), sa.func.count()).select_from(Expense.__table__)
    if join is not None:
        query = join(query)
    query = query.where(Expense.currency == home).group_by(group).order_by(sa.func.sum(Expense.amount_minor).desc())
    rows = conn.execute(query).all()
    groups = [SpendGroup(name or "(none)", home, Money.from_minor(int(total), home), int(count))
              for name, total, count in rows]
    if len(groups) > TOP_GROUPS:
        rest = groups[TOP_GROUPS - 1:]
        other = SpendGroup("Other", home, Money.from_minor(sum(g.amount.minor_units() for g in rest), home),
                           sum(g.count for g in rest))
        groups = groups[:TOP_GROUPS - 1] + [other]
    return tuple(groups)


def dashboard_facts(book: Book) -> DashboardFacts:
    """Expenses by status, home-currency spend by category and by vehicle, the last import."""
    with book.engine.connect() as conn:
        from bookbridge.store.models import Company

        home = conn.execute(sa.select(Company.home_currency)).scalar_one()
        counts = dict(conn.execute(sa.select(Expense.status, sa.func.count()).group_by(Expense.status)).all())
        by_status = tuple((s.value, int(counts.get(s, 0))) for s in STATUS_ORDER)
        category = sa.func.coalesce(Category.name, Expense.category_raw)
        by_category = _spend(conn, category, home,
                             lambda q: q.outerjoin(Category.__table__, Category.id == Expense.category_id))
        # Only expenses that have a vehicle id, as the inner join on the old field rows gave.
        vehicle = sa.func.json_extract(Expense.fields_json, f"$.{VEHICLE_FIELD}")
        by_vehicle = _spend(conn, vehicle, home, lambda q: q.where(vehicle.is_not(None)))
        other = conn.execute(sa.select(sa.func.count()).select_from(Expense.__table__)
                             .where(Expense.currency != home)).scalar_one()
        batch = conn.execute(
            sa.select(ImportBatch.id, ImportBatch.source_system, ImportBatch.file_name, ImportBatch.finished_at,
                      ImportBatch.new_count, ImportBatch.duplicate_count, ImportBatch.conflict_count,
                      ImportBatch.rejected_count).order_by(ImportBatch.id.desc()).limit(1)
        ).first()
        sources = tuple((name, at) for name, at in conn.execute(
            sa.select(SourceState.source_system, SourceState.last_import_at).order_by(SourceState.source_system)
        ))
    last = None if batch is None else LastImport(batch[0], batch[1], batch[2].replace("\\", "/").rsplit("/", 1)[-1],
                                                 batch[3], batch[4], batch[5], batch[6], batch[7])
    return DashboardFacts(home, sum(c for _, c in by_status), by_status, by_category, by_vehicle, int(other), last,
                          sources)


@dataclass(frozen=True, slots=True)
class InboxCounts:
    """What needs a person, by kind."""

    uncoded: int
    awaiting_approval: int
    conflicts: int
    rejected: int
    rejected_rows: int
    blocked_reasons: tuple[tuple[str, int], ...]


def inbox_counts(book: Book) -> InboxCounts:
    """Counts for the inbox; the blocked reasons come from the coding rounds' recorded problems."""
    with book.engine.connect() as conn:
        counts = dict(conn.execute(sa.select(Expense.status, sa.func.count()).group_by(Expense.status)).all())
        rejected_rows = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(ImportBatch.rejected_count), 0))).scalar_one()
        from bookbridge.store.models import CodingResult, CodingState

        problems = conn.execute(
            sa.select(CodingResult.problems_json).join(Expense, Expense.id == CodingResult.expense_id)
            .where(CodingResult.superseded_at.is_(None), CodingResult.state == CodingState.BLOCKED)
        ).scalars()
        reasons: dict[str, int] = {}
        for text in problems:
            for problem in json.loads(text or "[]"):
                code = problem.get("code", "problem") if isinstance(problem, dict) else str(problem)
                reasons[code] = reasons.get(code, 0) + 1

    def count(name: str) -> int:
        return int(next((v for k, v in counts.items() if getattr(k, "value", k) == name), 0))

    return InboxCounts(count("imported"), count("awaiting_approval"), count("conflict"), count("rejected"),
                       int(rejected_rows), tuple(sorted(reasons.items(), key=lambda kv: -kv[1])))
