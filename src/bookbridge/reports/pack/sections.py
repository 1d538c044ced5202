"""The pack's chapters as tables, each read from the book once, in a fixed row order.

Every query orders by a date and then an id, so two packs of an unchanged book list the same rows
in the same order. "The month's" records are those tied to an expense dated in it, a statement
line booked in it, or a document posted for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bookbridge.coding.diff import diff_templates
from bookbridge.coding.templates import spec_from_json
from bookbridge.reconcile.periods import Period, PeriodEventView
from bookbridge.reconcile.checklist import Checklist
from bookbridge.reports.pack.model import Section, Table, amount_text, decimal_text, totals_by_currency, when_text
from bookbridge.store.models import (
    ApprovalRecord, BankAccount, CodingResult, CodingState, CodingTemplate, CodingTemplateVersion, DedupeDecision,
    ExceptionEvent, ExceptionItem, ExceptionRecord, Expense, ImportBatch, LineMatchStatus, Match, MatchStatus,
    MatchTarget, OutboxExpense, OutboxItem, PaymentMethod, StatementLine, SyncRun, Vendor,
)


@dataclass(frozen=True, slots=True)
class ExpenseInfo:
    id: int
    day: str
    vendor: str
    amount: str
    currency: str
    method: str
    status: str


@dataclass
class Scope:
    """The month and the ids that belong to it, loaded once for every chapter."""

    period: Period
    generated_at: datetime
    expenses: dict[int, ExpenseInfo]
    outbox_ids: set[int]

    @classmethod
    def load(cls, session: Session, period: Period, generated_at: datetime) -> "Scope":
        rows = session.execute(
            sa.select(Expense, Vendor.name).outerjoin(Vendor, Vendor.id == Expense.vendor_id)
            .where(Expense.txn_date >= period.start, Expense.txn_date <= period.end).order_by(Expense.txn_date, Expense.id)
        ).all()
        expenses = {e.id: ExpenseInfo(e.id, e.txn_date.isoformat(), name or e.vendor_raw or "", amount_text(
            e.amount_minor, e.currency), e.currency, e.payment_method.value, e.status.value) for e, name in rows}
        outbox = set(session.scalars(sa.select(OutboxItem.id).where(
            OutboxItem.txn_date >= period.start, OutboxItem.txn_date <= period.end)))
        return cls(period, generated_at, expenses, outbox)


def _chunks(ids: list[int], size: int = 500) -> list[list[int]]:
    return [ids[start:start + size] for start in range(0, len(ids), size)] or [[]]


def _label(kind: str, target_id: int, scope: Scope, session: Session) -> str:
    info = scope.expenses.get(target_id) if kind == "expense" else None
    if info is None and kind == "expense":
        row = session.execute(sa.select(Expense.txn_date, Expense.vendor_raw).where(Expense.id == target_id)).first()
        return f"expense #{target_id}" + (f" {row[0].isoformat()} {row[1] or ''}".rstrip() if row else "")
    if info is not None:
        return f"expense #{info.id} {info.day} {info.vendor}"
    return f"{kind} #{target_id}"


# --- matched and unmatched ------------------------------------------------------------------------


def matching_section(session: Session, scope: Scope) -> Section:
    start, end = scope.period.start, scope.period.end
    lines = session.execute(
        sa.select(StatementLine, BankAccount.name).join(BankAccount, BankAccount.id == StatementLine.bank_account_id)
        .where(StatementLine.booked_date >= start, StatementLine.booked_date <= end)
        .order_by(BankAccount.name, StatementLine.booked_date, StatementLine.id)
    ).all()
    accepted: dict[int, Match] = {}
    for chunk in _chunks([line.id for line, _ in lines]):
        for decided in session.scalars(sa.select(Match).where(Match.status == MatchStatus.ACCEPTED,
                                                              Match.statement_line_id.in_(chunk))):
            accepted[decided.statement_line_id] = decided
    matched, explained, unmatched = [], [], []
    for line, account in lines:
        amount = amount_text(line.amount_minor, line.currency)
        match = accepted.get(line.id)
        base = (line.booked_date.isoformat(), account, line.payee or "", amount, line.currency)
        if line.match_status is LineMatchStatus.MATCHED and match is not None:
            targets = "; ".join(_label(t.target_kind, t.target_id, scope, session)
                                for t in sorted(match.targets, key=lambda t: (t.target_kind, t.target_id)))
            matched.append(base + (targets, match.band.value, f"{match.score_permille / 1000:.2f}", match.explanation,
                                   match.decided_by or "", when_text(match.decided_at)))
        elif line.match_status is LineMatchStatus.EXPLAINED and match is not None:
            explained.append(base + (match.note or match.explanation, match.decided_by or "", when_text(match.decided_at)))
        else:
            unmatched.append(base + (line.memo or "",))
    settled = set(session.scalars(sa.select(MatchTarget.target_id).join(Match, Match.id == MatchTarget.match_id).where(
        Match.status == MatchStatus.ACCEPTED, MatchTarget.target_kind == "expense")))
    open_expenses = [(e.day, f"#{e.id}", e.vendor, e.method, e.amount, e.currency, e.status)
                     for e in scope.expenses.values()
                     if e.id not in settled and e.method != PaymentMethod.CASH.value
                     and e.status not in ("skipped", "rejected", "conflict")]
    cols_m = ("Date", "Account", "Payee", "Amount", "Currency", "Matched to", "Band", "Score", "Explanation",
              "Decided by", "Decided at")
    cols_e = ("Date", "Account", "Payee", "Amount", "Currency", "Explanation", "Decided by", "Decided at")
    cols_u = ("Date", "Account", "Payee", "Amount", "Currency", "Memo")
    cols_x = ("Date", "Expense", "Vendor", "Paid by", "Amount", "Currency", "Status")
    return Section("Matched and unmatched", "Every statement line booked in the month, by account and date: matched "
                   "to expenses, explained without one, or still open; then the month's expenses no line settles.", (
        Table("matched_lines", "Matched statement lines", cols_m, tuple(matched),
              totals_by_currency(matched, currency_col=4, amount_cols=[3], width=len(cols_m)), (3, 7),
              "No statement line of the month is matched.", (7, 9, 13, 7, 5, 16, 5, 5, 18, 9, 10)),
        Table("explained_lines", "Statement lines explained without a matching expense", cols_e, tuple(explained),
              totals_by_currency(explained, currency_col=4, amount_cols=[3], width=len(cols_e)), (3,),
              "No statement line of the month was explained by hand.", (7, 9, 16, 7, 5, 25, 9, 10)),
        Table("unmatched_lines", "Statement lines not matched", cols_u, tuple(unmatched),
              totals_by_currency(unmatched, currency_col=4, amount_cols=[3], width=len(cols_u)), (3,),
              "Every statement line of the month is matched or explained.", (7, 10, 18, 8, 5, 30)),
        Table("unmatched_expenses", "Expenses of the month no statement line settles", cols_x, tuple(open_expenses),
              totals_by_currency(open_expenses, currency_col=5, amount_cols=[4], width=len(cols_x)), (4,),
              "Every expense of the month is settled by a matched statement line.", (8, 6, 20, 10, 8, 5, 10)),
    ))


# --- exceptions -----------------------------------------------------------------------------------


def exceptions_section(session: Session, scope: Scope) -> Section:
    mine = {("expense", str(i)) for i in scope.expenses} | {("outbox", str(i)) for i in scope.outbox_ids}
    start = datetime.combine(scope.period.start, datetime.min.time(), tzinfo=scope.generated_at.tzinfo)
    chosen = []
    for record in session.scalars(sa.select(ExceptionRecord).order_by(ExceptionRecord.created_at, ExceptionRecord.id)):
        refs = {(i.kind, i.ref) for i in record.items}
        if refs & mine or (not refs and record.created_at >= start):
            chosen.append(record)
    rows = tuple((f"#{r.id}", r.severity.value, r.category.value, r.status.value, r.title, r.owner or "",
                  when_text(r.created_at), when_text(r.due_at), r.resolved_by or "", r.resolution_note or "")
                 for r in chosen)
    ids = [r.id for r in chosen]
    events = session.scalars(sa.select(ExceptionEvent).where(ExceptionEvent.exception_id.in_(ids))
                             .order_by(ExceptionEvent.exception_id, ExceptionEvent.at, ExceptionEvent.id)).all()
    trail = tuple((f"#{e.exception_id}", when_text(e.at), e.actor, e.action, e.note or "") for e in events)
    held = session.scalars(sa.select(ExceptionItem).where(ExceptionItem.exception_id.in_(ids))
                           .order_by(ExceptionItem.exception_id, ExceptionItem.id)).all()
    items = tuple((f"#{i.exception_id}", i.kind, i.ref, i.label or "", when_text(i.released_at)) for i in held)
    return Section("Exceptions", "Problems raised for the month's expenses and documents (and book-wide ones raised "
                   "during it), with what was done about them.", (
        Table("exceptions", "Exceptions", ("#", "Severity", "Category", "Status", "Title", "Owner", "Raised", "Due",
                                           "Resolved by", "Resolution"), rows, (), (), "No exception concerns the month.",
              (4, 7, 8, 6, 20, 8, 11, 11, 8, 17)),
        Table("exception_items", "Items the exceptions held back", ("#", "Kind", "Ref", "Label", "Released"), items,
              (), (), "No item was held back.", (5, 8, 8, 30, 14)),
        Table("exception_trail", "Resolution trail", ("#", "At", "Who", "Action", "Note"), trail, (), (),
              "No exception, so no trail.", (5, 14, 12, 10, 45)),
    ))


# --- dedupe, templates, approvals, sync -----------------------------------------------------------


def dedupe_section(session: Session, scope: Scope) -> Section:
    ids = list(scope.expenses)
    found: dict[int, tuple[DedupeDecision, str]] = {}
    for chunk in _chunks(ids):
        query = sa.select(DedupeDecision, ImportBatch.file_name).join(ImportBatch, ImportBatch.id == DedupeDecision.batch_id)
        for decision, file_name in session.execute(query.where(sa.or_(
                DedupeDecision.expense_id.in_(chunk), DedupeDecision.matched_expense_id.in_(chunk)))):
            found[decision.id] = (decision, file_name)
    ordered = sorted(found.values(), key=lambda pair: (pair[0].decided_at, pair[0].id))
    rows = tuple((when_text(d.decided_at), file_name, str(d.line or ""), d.key, d.outcome.value, d.rule,
                  f"#{d.expense_id}" if d.expense_id else "", f"#{d.matched_expense_id}" if d.matched_expense_id else "",
                  d.detail or "") for d, file_name in ordered)
    return Section("Dedupe decisions", "What the importer decided about each incoming row that concerns the month: "
                   "new, duplicate of an expense already in the book, or a conflicting second version.", (
        Table("dedupe_decisions", "Dedupe decisions", ("Decided at", "File", "Line", "Key", "Outcome", "Rule", "Expense",
                                                       "Same as", "Detail"), rows, (), (2,),
              "No import decision concerns the month's expenses.", (12, 14, 4, 14, 7, 10, 6, 6, 27)),
    ))


def templates_section(session: Session, scope: Scope) -> Section:
    used = session.execute(
        sa.select(CodingResult.template_version_id, sa.func.count()).where(
            CodingResult.expense_id.in_(list(scope.expenses)), CodingResult.superseded_at.is_(None),
            CodingResult.state == CodingState.CODED, CodingResult.template_version_id.is_not(None))
        .group_by(CodingResult.template_version_id)).all()
    counts = {version_id: n for version_id, n in used}
    versions = session.execute(
        sa.select(CodingTemplateVersion, CodingTemplate.name).join(CodingTemplate, CodingTemplate.id == CodingTemplateVersion.template_id)
        .where(CodingTemplateVersion.id.in_(list(counts))).order_by(CodingTemplate.name, CodingTemplateVersion.number)).all()
    rows, diffs = [], []
    for version, name in versions:
        rows.append((name, str(version.number), version.effective_from.isoformat(), version.author,
                     when_text(version.published_at), version.note, str(counts[version.id]), version.content_sha256))
        previous = session.scalars(sa.select(CodingTemplateVersion).where(
            CodingTemplateVersion.template_id == version.template_id,
            CodingTemplateVersion.number == version.number - 1)).first()
        old = spec_from_json(previous.content_json, f"{name} v{previous.number}") if previous else None
        new = spec_from_json(version.content_json, f"{name} v{version.number}")
        against = f"v{previous.number}" if previous else "(first version)"
        for entry in diff_templates(old, new):
            diffs.append((name, f"v{version.number}", against, entry.section, entry.key, entry.change.value,
                          "; ".join(entry.details)))
    return Section("Mapping templates", "The template versions that coded the month's expenses, and what each "
                   "changed compared with the version before it.", (
        Table("template_versions", "Versions used", ("Template", "Version", "Effective from", "Published by",
                                                     "Published at", "Note", "Expenses", "Content SHA-256"),
              tuple(rows), (), (1, 6), "No expense of the month is coded yet.", (9, 5, 8, 10, 12, 12, 6, 38)),
        Table("template_diff", "Changes from the previous version", ("Template", "Version", "Compared with", "Section",
                                                                     "Item", "Change", "Details"),
              tuple(diffs), (), (), "No template version to compare.", (9, 5, 8, 9, 12, 7, 50)),
    ))


def approvals_section(session: Session, scope: Scope) -> Section:
    rows: list[ApprovalRecord] = []
    for chunk in _chunks(list(scope.expenses)):
        rows += session.scalars(sa.select(ApprovalRecord).where(ApprovalRecord.expense_id.in_(chunk))).all()
    rows.sort(key=lambda r: (r.at, r.id))
    body = tuple((when_text(r.at), f"#{r.expense_id}", scope.expenses[r.expense_id].vendor,
                  scope.expenses[r.expense_id].amount, scope.expenses[r.expense_id].currency, r.level, r.decision.value,
                  r.actor, r.comment or "") for r in rows)
    return Section("Approvals", "Every approval decision on the month's expenses, in the order it was taken.", (
        Table("approvals", "Approvals trail", ("At", "Expense", "Vendor", "Amount", "Currency", "Level", "Decision",
                                               "By", "Comment"), body, (), (3,),
              "No approval decision was recorded: no approval level applied to the month's expenses.",
              (13, 6, 15, 8, 5, 10, 8, 12, 23)),
    ))


def sync_section(session: Session, scope: Scope) -> Section:
    docs = session.scalars(sa.select(OutboxItem).where(OutboxItem.id.in_(list(scope.outbox_ids)))
                           .order_by(OutboxItem.txn_date, OutboxItem.id)).all()
    carried: dict[int, list[int]] = {}
    for outbox_id, expense_id in session.execute(sa.select(OutboxExpense.outbox_id, OutboxExpense.expense_id).where(
            OutboxExpense.outbox_id.in_(list(scope.outbox_ids))).order_by(OutboxExpense.expense_id)):
        carried.setdefault(outbox_id, []).append(expense_id)
    documents = tuple((d.txn_date.isoformat(), d.doc_number or "", d.doc_kind, amount_text(d.amount_minor, d.currency),
                       d.currency, d.status.value, d.remote_id or "", d.remote_state.value if d.remote_state else "",
                       when_text(d.posted_at), ", ".join(f"#{e}" for e in carried.get(d.id, [])))
                      for d in docs)
    run_ids = {d.last_run_id for d in docs if d.last_run_id}
    start = datetime.combine(scope.period.start, datetime.min.time(), tzinfo=scope.generated_at.tzinfo)
    runs = session.scalars(sa.select(SyncRun).where(sa.or_(
        SyncRun.id.in_(run_ids), sa.and_(SyncRun.started_at >= start, SyncRun.started_at <= scope.generated_at)))
        .order_by(SyncRun.started_at, SyncRun.id)).all()
    run_rows = tuple((r.id[:12], when_text(r.started_at), when_text(r.finished_at), r.status.value, r.actor,
                      "yes" if r.dry_run else "", str(r.posted), str(r.failed), str(r.exceptions), str(r.api_calls),
                      r.message or "") for r in runs)
    cols_d = ("Date", "Document", "Kind", "Amount", "Currency", "Status", "Remote id", "Remote state", "Posted at",
              "Expenses")
    return Section("Sync runs and posted documents", "The documents written for the month and the runs of the sync "
                   "engine that posted them or ran since the month began.", (
        Table("sync_runs", "Sync runs", ("Run", "Started", "Finished", "Status", "By", "Dry run", "Posted", "Failed",
                                         "Exceptions", "API calls", "Message"), run_rows, (), (6, 7, 8, 9),
              "No sync runs recorded for this period.", (9, 12, 12, 8, 9, 5, 5, 5, 6, 5, 24)),
        Table("posted_documents", "Documents for the month", cols_d, documents,
              totals_by_currency(documents, currency_col=4, amount_cols=[3], width=len(cols_d)), (3,),
              "No document was written for the month.", (7, 8, 8, 8, 5, 7, 7, 6, 12, 12)),
    ))


def history_table(events: Sequence[PeriodEventView]) -> Table:
    rows = tuple((when_text(e.at), e.action.replace("_", " "), e.actor, "yes" if e.forced else "", e.reason or "",
                  e.checklist_sha256 or "") for e in events)
    return Table("period_history", "Sign-off history", ("At", "Action", "By", "Forced", "Reason", "Checklist SHA-256"),
                 rows, (), (), "The month was never signed off.", (13, 8, 11, 5, 20, 43))


def checklist_tables(checklist: Checklist) -> tuple[Table, ...]:
    """The checklist, the tie-out and its reconciling items as tables."""
    items = tuple((i.title, i.account or "(book)", i.status.value.upper(), str(i.count), i.sentence)
                  for i in checklist.items)
    cols_t = ("Account", "Currency", "Bank", "Our journal", "Accounting system", "Posted (ours)", "Unexplained",
              "Ledger account")
    tie_rows = tuple((t.account, t.currency, decimal_text(t.bank, t.currency), decimal_text(t.journal, t.currency),
                      decimal_text(t.accounting, t.currency), decimal_text(t.posted_journal, t.currency),
                      decimal_text(t.unexplained, t.currency), f"{t.ledger_account or '—'} ({t.ledger_basis})")
                     for t in checklist.tieouts)
    recon = tuple((t.account, r.label, str(r.count), decimal_text(r.amount, t.currency), t.currency)
                  for t in checklist.tieouts for r in t.reconciling)
    return (
        Table("checklist", "Month-end checklist", ("Item", "Account", "Status", "Count", "Finding"), items, (), (3,),
              "No checklist item.", (16, 10, 8, 5, 61)),
        Table("tie_out", "Tie-out: bank, our journal, accounting system", cols_t, tie_rows,
              totals_by_currency(tie_rows, currency_col=1, amount_cols=[2, 3, 4, 5, 6], width=len(cols_t)),
              (2, 3, 4, 5, 6), "No statement line in the month, so nothing to tie out.", (12, 6, 10, 10, 10, 10, 9, 33)),
        Table("reconciling_items", "Reconciling items between bank and journal",
              ("Account", "Item", "Count", "Amount", "Currency"), recon,
              totals_by_currency(recon, currency_col=4, amount_cols=[3], width=5), (2, 3),
              "No reconciling item.", (14, 56, 7, 12, 8)),
    )
