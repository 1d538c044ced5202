"""The month-end checklist: what must be true before a month can be signed off.

Each item has a status (ok, attention, blocker), a count and one plain sentence. Book-wide items
come first (expenses imported, coded, posted, receipts, exceptions); then, per bank or card
account, whether its statements cover the month, whether every line is matched or explained,
and the tie-out of bank, our journal and the accounting system (:mod:`bookbridge.reconcile.tieout`).

*Blocker* means the month's figures are wrong or incomplete if signed off now (an expense not
posted, a line nobody explained, a conflict, an open blocker exception, an unexplained tie-out
difference); *attention* means someone should look (a receipt missing, a source not imported
since the month ended, figures that could not be read).

Receipt threshold: book setting ``month_end.receipt_threshold``, an amount in the home currency;
expenses of that amount or more need a receipt. Default 75.00, the US IRS substantiation limit
for business expenses (lodging aside), which suits the small US businesses we serve first.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bookbridge.core import clock
from bookbridge.core.errors import UsageError
from bookbridge.core.money import Money, parse_decimal
from bookbridge.exceptions.policy import BookSetting
from bookbridge.reconcile.checklist_accounts import (  # noqa: F401  (ItemStatus, ChecklistItem: public here too)
    _RANK, ChecklistItem, ItemStatus, lines_item, plural, sentence, statements_item, tieout_item,
)
from bookbridge.reconcile.ledger import LedgerSource
from bookbridge.reconcile.tieout import AccountTieOut, compute_tieouts
from bookbridge.store.book import Book
from bookbridge.store.models import (
    BankAccount, CodingResult, CodingState, Connection, ExceptionRecord, ExceptionSeverity, ExceptionStatus, Expense,
    ExpenseReceipt, ExpenseStatus, ImportBatch, OutboxItem, OutboxStatus, Setting, SourceState,
)

if TYPE_CHECKING:
    from bookbridge.reconcile.periods import Period

RECEIPT_THRESHOLD = BookSetting(
    "month_end.receipt_threshold", str, "75.00",
    "Expenses of this amount or more (home currency) need a receipt on the month-end checklist",
)
_STATUS_WORDS = {
    ExpenseStatus.IMPORTED: "not coded", ExpenseStatus.CODED: "coded", ExpenseStatus.AWAITING_APPROVAL:
    "awaiting approval", ExpenseStatus.APPROVED: "approved, not queued", ExpenseStatus.QUEUED: "queued to post",
}


@dataclass(frozen=True, slots=True)
class Checklist:
    """The checklist of one month, with the tie-out it was built from."""

    period: str
    generated_at: datetime
    receipt_threshold: Money
    items: tuple[ChecklistItem, ...]
    tieouts: tuple[AccountTieOut, ...]

    @property
    def overall(self) -> ItemStatus:
        return max((item.status for item in self.items), key=_RANK.__getitem__, default=ItemStatus.OK)

    @property
    def blockers(self) -> tuple[ChecklistItem, ...]:
        return tuple(item for item in self.items if item.status is ItemStatus.BLOCKER)

    def as_dict(self) -> dict[str, Any]:
        counts = Counter(item.status.value for item in self.items)
        return {"period": self.period, "generated_at": self.generated_at.isoformat(), "overall": self.overall.value,
                "counts": {s.value: counts.get(s.value, 0) for s in ItemStatus},
                "receipt_threshold": self.receipt_threshold.format(),
                "items": [item.as_dict() for item in self.items], "tie_out": [t.as_dict() for t in self.tieouts]}


def receipt_threshold(session: Session, home_currency: str) -> Money:
    """The book's receipt threshold in the home currency (setting over the default)."""
    row = session.get(Setting, RECEIPT_THRESHOLD.key)
    text = json.loads(row.value_json) if row else RECEIPT_THRESHOLD.default
    try:
        return Money(parse_decimal(str(text)), home_currency)
    except ValueError:
        raise UsageError(f"The book setting {RECEIPT_THRESHOLD.key} ({text!r}) is not an amount; set it again.") from None


def build_checklist(book: Book, period: "Period", *, source: LedgerSource | None = None) -> Checklist:
    """Check ``period`` now (reads only; nothing is written)."""
    tieouts = compute_tieouts(book, period, source=source)
    home = book.company().home_currency
    with book.read() as session:
        threshold = receipt_threshold(session, home)
        expenses = session.scalars(sa.select(Expense).where(
            Expense.txn_date >= period.start, Expense.txn_date <= period.end).order_by(Expense.id)).all()
        items = [
            _imported(session, period, expenses),
            _synced(session, period, expenses),
            _mapped(session, expenses),
            _receipts(session, expenses, threshold),
            _exceptions(session, period, expenses),
        ]
        accounts = session.scalars(sa.select(BankAccount).order_by(BankAccount.name, BankAccount.id)).all()
        if not accounts:
            items.append(ChecklistItem("statements", "Statements imported", None, ItemStatus.ATTENTION, 0,
                                       f"No bank or card statement is in the book; import the statements for {period}."))
        by_account = {t.account: t for t in tieouts}
        for account in accounts:
            items += [statements_item(session, period, account), lines_item(session, period, account)]
            if account.name in by_account:
                items.append(tieout_item(by_account[account.name]))
    return Checklist(period.label, clock.now(), threshold, tuple(items), tieouts)


# --- book-wide items ------------------------------------------------------------------------------


def _imported(session: Session, period: "Period", expenses: Sequence[Expense]) -> ChecklistItem:
    title = "All expenses imported"
    conflicts = [e for e in expenses if e.status is ExpenseStatus.CONFLICT]
    if conflicts:
        return ChecklistItem("expenses_imported", title, None, ItemStatus.BLOCKER, len(conflicts),
                             f"{plural(len(conflicts), 'expense')} of {period} conflict with an earlier version of the "
                             "same source record; decide which version stands.")
    notes = []
    for state in session.scalars(sa.select(SourceState).order_by(SourceState.source_system)):
        if state.last_import_at.date() <= period.end:
            notes.append(f"{state.source_system} was last imported on {state.last_import_at:%Y-%m-%d}, before the month "
                         "ended; import it again so late expenses are not missed")
    rejected = session.scalar(sa.select(sa.func.coalesce(sa.func.sum(ImportBatch.rejected_count), 0)).where(
        ImportBatch.started_at >= datetime.combine(period.start, datetime.min.time(), tzinfo=clock.now().tzinfo)))
    if rejected:
        notes.append(f"{plural(int(rejected), 'row')} rejected by imports since the month began may belong to it "
                     "(see the import issues)")
    if not expenses:
        notes.insert(0, f"no expense is dated in {period}")
    status = ItemStatus.ATTENTION if notes else ItemStatus.OK
    text = sentence(notes) if notes else \
        f"{plural(len(expenses), 'expense')} dated in {period}; every source was imported after the month ended."
    return ChecklistItem("expenses_imported", title, None, status, len(expenses), text)


def _synced(session: Session, period: "Period", expenses: Sequence[Expense]) -> ChecklistItem:
    title = "All expenses synced"
    due = [e for e in expenses if e.status not in (ExpenseStatus.SKIPPED, ExpenseStatus.CONFLICT)]
    rejected = [e for e in due if e.status is ExpenseStatus.REJECTED]
    waiting = [e for e in due if e.status in _STATUS_WORDS]
    stuck = session.scalar(sa.select(sa.func.count()).select_from(OutboxItem).where(
        OutboxItem.txn_date >= period.start, OutboxItem.txn_date <= period.end,
        OutboxItem.status.in_([OutboxStatus.ATTENTION, OutboxStatus.RETRYABLE, OutboxStatus.IN_FLIGHT]))) or 0
    parts = []
    if waiting:
        words = Counter(_STATUS_WORDS[e.status] for e in waiting)
        parts.append(f"{len(waiting)} of {len(due)} expenses are not posted yet ("
                     + ", ".join(f"{n} {w}" for w, n in sorted(words.items())) + ")")
    if stuck:
        parts.append(f"{plural(stuck, 'document')} of the month wait in the outbox (failed or held by an exception)")
    if (waiting or stuck) and session.scalar(sa.select(sa.func.count()).select_from(Connection)) == 0:
        parts.append("the book is not connected to an accounting system")
    if rejected:
        parts.append(f"{plural(len(rejected), 'expense')} sent back by an approver, not to be posted unless resubmitted")
    if waiting or stuck:
        status = ItemStatus.BLOCKER
    else:
        status = ItemStatus.ATTENTION if rejected else ItemStatus.OK
    posted = sum(1 for e in due if e.status is ExpenseStatus.POSTED)
    text = sentence(parts) if parts else f"All {plural(posted, 'expense')} of {period} are posted."
    return ChecklistItem("expenses_synced", title, None, status, len(waiting) + stuck, text)


def _current_rounds(session: Session, ids: list[int]) -> dict[int, CodingResult]:
    found: dict[int, CodingResult] = {}
    for start in range(0, len(ids), 500):
        for row in session.scalars(sa.select(CodingResult).where(
                CodingResult.expense_id.in_(ids[start:start + 500]), CodingResult.superseded_at.is_(None))):
            found[row.expense_id] = row
    return found


def _mapped(session: Session, expenses: Sequence[Expense]) -> ChecklistItem:
    title = "No unmapped categories"
    live = [e for e in expenses if e.status not in (ExpenseStatus.SKIPPED, ExpenseStatus.CONFLICT, ExpenseStatus.REJECTED)]
    rounds = _current_rounds(session, [e.id for e in live])
    unmapped: Counter[str] = Counter()
    other_blocked = 0
    for expense in live:
        result = rounds.get(expense.id)
        if result is None or result.state is not CodingState.BLOCKED:
            continue
        kinds = [p for p in json.loads(result.problems_json) if p.get("kind") == "unmapped_category"]
        unmapped.update(str(p.get("subject") or expense.category_raw or "(no category)") for p in kinds)
        other_blocked += 0 if kinds else 1
    uncoded = sum(1 for e in live if e.id not in rounds)
    if unmapped:
        listed = ", ".join(f"{name} ({n})" for name, n in sorted(unmapped.items()))
        return ChecklistItem("categories_mapped", title, None, ItemStatus.BLOCKER, sum(unmapped.values()),
                             f"Categories with no mapping in the template: {listed}; add them and code again.")
    notes = []
    if uncoded:
        notes.append(f"{plural(uncoded, 'expense')} not coded yet (run `bookbridge code`)")
    if other_blocked:
        notes.append(f"{plural(other_blocked, 'expense')} cannot be coded for another reason (a missing rate...)")
    if notes:
        return ChecklistItem("categories_mapped", title, None, ItemStatus.ATTENTION, uncoded + other_blocked,
                             sentence(notes))
    return ChecklistItem("categories_mapped", title, None, ItemStatus.OK, 0,
                         "Every category of the month has a mapping.")


def _receipts(session: Session, expenses: Sequence[Expense], threshold: Money) -> ChecklistItem:
    title = f"Receipts for expenses of {threshold.format()} or more"
    live = [e for e in expenses if e.status not in (ExpenseStatus.SKIPPED, ExpenseStatus.CONFLICT, ExpenseStatus.REJECTED)]
    rounds = _current_rounds(session, [e.id for e in live])
    with_receipt = set(session.scalars(sa.select(ExpenseReceipt.expense_id).where(
        ExpenseReceipt.expense_id.in_([e.id for e in live]))))
    needing, missing, unknown = 0, [], 0
    for expense in live:
        result = rounds.get(expense.id)
        if result is not None and result.home_amount_minor is not None:
            home = abs(Money.from_minor(result.home_amount_minor, result.home_currency).amount)
        elif expense.currency == threshold.currency:
            home = abs(expense.amount.amount)
        else:
            home, unknown = None, unknown + 1  # not converted yet: treated as needing one, to be safe
        if home is not None and home < threshold.amount:
            continue
        needing += 1
        if expense.id not in with_receipt and not expense.receipt_url:
            missing.append(expense)
    if not missing:
        return ChecklistItem("receipts", title, None, ItemStatus.OK, 0,
                             f"All {plural(needing, 'expense')} at or over the threshold have a receipt.")
    listed = ", ".join(f"#{e.id} {e.vendor_raw or ''} {e.amount.format()}".replace("  ", " ") for e in missing[:5])
    more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
    extra = f" ({plural(unknown, 'expense')} not yet converted to the home currency counted as over)" if unknown else ""
    return ChecklistItem("receipts", title, None, ItemStatus.ATTENTION, len(missing),
                         f"{len(missing)} of {needing} expenses at or over the threshold have no receipt: {listed}{more}{extra}.")


def _exceptions(session: Session, period: "Period", expenses: Sequence[Expense]) -> ChecklistItem:
    title = "No open blocker exceptions"
    outbox_ids = session.scalars(sa.select(OutboxItem.id).where(
        OutboxItem.txn_date >= period.start, OutboxItem.txn_date <= period.end))
    mine = {("expense", str(e.id)) for e in expenses} | {("outbox", str(i)) for i in outbox_ids}
    relevant = []
    for record in session.scalars(sa.select(ExceptionRecord).where(ExceptionRecord.status == ExceptionStatus.OPEN)
                                  .order_by(ExceptionRecord.id)):
        held = [(i.kind, i.ref) for i in record.items if i.released_at is None]
        # An exception holding nothing (a revoked connection) stops every month; one holding only
        # other months' items does not concern this one.
        if not held or any(item in mine for item in held):
            relevant.append(record)
    blockers = [r for r in relevant if r.severity is ExceptionSeverity.BLOCKER]
    warnings = [r for r in relevant if r.severity is ExceptionSeverity.WARNING]
    if blockers:
        listed = "; ".join(f"#{r.id} {r.title}" for r in blockers[:5])
        return ChecklistItem("blocker_exceptions", title, None, ItemStatus.BLOCKER, len(blockers),
                             f"{plural(len(blockers), 'blocker exception')} open for the month: {listed}.")
    if warnings:
        return ChecklistItem("blocker_exceptions", title, None, ItemStatus.ATTENTION, 0,
                             f"No blocker is open; {plural(len(warnings), 'warning')} still open "
                             f"(#{', #'.join(str(r.id) for r in warnings[:5])}).")
    return ChecklistItem("blocker_exceptions", title, None, ItemStatus.OK, 0, "No exception concerning the month is open.")
