"""Tie-out: one month's movement on each statement account, three ways.

For every bank or card account with statement lines in the month, in the account's currency:

* **bank**: the sum of the month's statement lines (negative is money out);
* **our journal**: what our journal entries for the month's approved/posted expenses put on the
  account's ledger account (debit minus credit, so a card charge is negative like on the card
  statement). The ledger account is the one linked to the statement account or, when none is
  linked, the credit account of the expenses matched one-to-one on it (said so in the result);
* **accounting system**: the documents we posted for the month that land on that account, as the
  accounting system has them now (read back through the connector) or as the last pull left them.

Bank and journal differ for known reasons, listed as reconciling items: lines not matched,
lines explained without a ledger entry (fees, interest), lines settling other accounts (the card
payment on the bank statement), lines for expenses of other months, amounts matched within the
foreign-currency tolerance, and journal amounts not on this month's statement yet. What remains
after those is *unexplained*: our journal no longer agrees with what was matched (an expense
re-coded after its match was accepted, for instance).

The connector protocol has no "account activity for a period" call, so the accounting-system
column covers only the documents Bookbridge posted, read one by one through the adapter in
:mod:`bookbridge.reconcile.ledger`.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bookbridge.coding.service import coded_expenses
from bookbridge.connectors.errors import ConnectorError
from bookbridge.core.currency import currency as _currency
from bookbridge.core.errors import KeyringUnavailable
from bookbridge.core.money import Money
from bookbridge.journal.builder import build_journal
from bookbridge.journal.model import Grouping, JournalEntry
from bookbridge.reconcile.ledger import LedgerSource, PostedDocument, StoredLedgerSource
from bookbridge.store.book import Book
from bookbridge.store.models import (
    BankAccount, CodingResult, CodingState, ExpenseStatus, LedgerAccount, LineMatchStatus, Match, MatchStatus,
    OutboxExpense, OutboxItem, OutboxStatus, StatementLine,
)

if TYPE_CHECKING:
    from bookbridge.reconcile.periods import Period

JOURNAL_STATUSES = (ExpenseStatus.APPROVED, ExpenseStatus.QUEUED, ExpenseStatus.POSTED)
_PAID_FROM = {"card": "company_card", "bank": "bank"}  # statement account kind -> posting type


# --- results --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReconcilingItem:
    """A known reason why the bank and our journal differ."""

    code: str
    label: str
    amount: Decimal
    count: int

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "label": self.label, "amount": format(self.amount, "f"), "count": self.count}


@dataclass(frozen=True, slots=True)
class AccountTieOut:
    """One statement account's month, three ways (amounts in ``currency``)."""

    account: str
    currency: str
    bank: Decimal
    bank_lines: int
    ledger_account: str | None
    ledger_basis: str
    journal: Decimal | None
    accounting: Decimal | None
    posted_journal: Decimal | None
    accounting_source: str
    accounting_notes: tuple[str, ...]
    not_posted: Decimal | None
    reconciling: tuple[ReconcilingItem, ...]
    unexplained: Decimal | None
    opening: Decimal | None = None
    closing: Decimal | None = None
    not_comparable: int = 0

    @property
    def accounting_difference(self) -> Decimal | None:
        if self.accounting is None or self.posted_journal is None:
            return None
        return self.accounting - self.posted_journal

    def as_dict(self) -> dict[str, object]:
        def fmt(value: Decimal | None) -> str | None:
            return None if value is None else format(value, "f")

        return {
            "account": self.account, "currency": self.currency, "bank": fmt(self.bank), "bank_lines": self.bank_lines,
            "opening": fmt(self.opening), "closing": fmt(self.closing), "ledger_account": self.ledger_account,
            "ledger_basis": self.ledger_basis, "journal": fmt(self.journal), "accounting": fmt(self.accounting),
            "posted_journal": fmt(self.posted_journal), "accounting_difference": fmt(self.accounting_difference),
            "accounting_source": self.accounting_source, "accounting_notes": list(self.accounting_notes),
            "not_posted": fmt(self.not_posted), "reconciling": [r.as_dict() for r in self.reconciling],
            "unexplained": fmt(self.unexplained), "not_comparable": self.not_comparable,
        }


# --- computing ------------------------------------------------------------------------------------


@dataclass
class _Journal:
    """Our journal for the month, per expense id and ledger account (in each account's currency)."""

    entries: tuple[JournalEntry, ...]
    ids_by_key: dict[str, int]
    credit_account: dict[int, tuple[str, str]] = field(default_factory=dict)  # id -> (account, posting type)

    def on_account(self, ledger: str, currency: str, home: str) -> tuple[dict[int, Decimal], int]:
        """Net (debit − credit) per expense id on ``ledger``, and how many lines could not be compared."""
        per_expense: dict[int, Decimal] = defaultdict(Decimal)
        skipped = 0
        for entry in self.entries:
            for line in entry.lines:
                if _norm(line.account) != _norm(ledger):
                    continue
                if line.currency == currency:
                    amount = line.amount
                elif currency == home:
                    amount = line.home_amount
                else:
                    skipped += 1
                    continue
                # Per-expense grouping: each entry (and so each line) carries exactly one expense.
                keys = line.source_expense_keys or entry.source_expense_keys
                per_expense[self.ids_by_key[keys[0]]] += amount
        return dict(per_expense), skipped


def _norm(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def _month_journal(book: Book, period: "Period", home: str) -> _Journal:
    coded = coded_expenses(book, statuses=JOURNAL_STATUSES, since=period.start, until=period.end)
    built = build_journal(coded, home, Grouping.PER_EXPENSE)
    ids = {c.expense_key: int(c.expense_id) for c in coded}
    journal = _Journal(built.entries, ids)
    journal.credit_account.update({int(c.expense_id): (c.credit_account, c.posting_type.value) for c in coded})
    return journal


def _credit_accounts(session: Session, expense_ids: set[int]) -> dict[int, tuple[str, str]]:
    """The credit account and posting type of each expense's current coding (any month)."""
    found: dict[int, tuple[str, str]] = {}
    ids = sorted(expense_ids)
    for start in range(0, len(ids), 500):
        rows = session.execute(sa.select(CodingResult.expense_id, CodingResult.coded_json).where(
            CodingResult.expense_id.in_(ids[start:start + 500]), CodingResult.superseded_at.is_(None),
            CodingResult.state == CodingState.CODED))
        for expense_id, text in rows:
            if text is None:  # a coded round always has its coded expense; nothing to read otherwise
                continue
            data = json.loads(text)
            found[expense_id] = (data["credit_account"], data["posting_type"])
    return found


def compute_tieouts(book: Book, period: "Period", *, source: LedgerSource | None = None) -> tuple[AccountTieOut, ...]:
    """The month's tie-out for every statement account with lines in it, ordered by account name."""
    source = source or StoredLedgerSource()
    home = book.company().home_currency
    journal = _month_journal(book, period, home)
    results = []
    with book.read() as session:
        accounts = session.scalars(sa.select(BankAccount).order_by(BankAccount.name, BankAccount.id)).all()
        for account in accounts:
            lines = session.scalars(sa.select(StatementLine).where(
                StatementLine.bank_account_id == account.id, StatementLine.booked_date >= period.start,
                StatementLine.booked_date <= period.end).order_by(StatementLine.booked_date, StatementLine.id)).all()
            if lines:
                results.append(_AccountRun(session, account, lines, period, journal, home, source).result())
    return tuple(results)


class _AccountRun:
    """The tie-out of one account (a class only to keep the steps small and named)."""

    def __init__(self, session: Session, account: BankAccount, lines: Sequence[StatementLine], period: "Period",
                 journal: _Journal, home: str, source: LedgerSource) -> None:
        self.session, self.account, self.lines, self.period = session, account, lines, period
        self.journal, self.home, self.source = journal, home, source
        self.currency = _currency(account.currency).code
        self.matches = self._accepted_matches()
        target_ids = {t.target_id for m in self.matches.values() for t in m.targets if t.target_kind == "expense"}
        coded = {**_credit_accounts(session, target_ids), **journal.credit_account}
        self.credit = {expense_id: account for expense_id, (account, _) in coded.items()}
        self.posting = {expense_id: posting for expense_id, (_, posting) in coded.items()}

    def _accepted_matches(self) -> dict[int, Match]:
        ids = [line.id for line in self.lines]
        found: dict[int, Match] = {}
        for start in range(0, len(ids), 500):
            for match in self.session.scalars(sa.select(Match).where(
                    Match.status == MatchStatus.ACCEPTED, Match.statement_line_id.in_(ids[start:start + 500]))):
                found[match.statement_line_id] = match
        return found

    def _money(self, minor: int) -> Decimal:
        return Money.from_minor(minor, self.currency).amount

    def ledger(self) -> tuple[str | None, str]:
        """The ledger account our journal uses for this statement account, and how we know.

        Only expenses *paid from* the account vote (ACCOUNTING.md: who paid decides the credit
        side): company-card expenses for a card, bank-paid ones for a bank account. A
        reimbursement or a card payment on the bank statement settles another account.
        """
        if self.account.ledger_account_id is not None:
            linked = self.session.get(LedgerAccount, self.account.ledger_account_id)
            if linked is not None:
                return linked.code, "linked"
        paid_from = _PAID_FROM[self.account.kind.value]
        votes: Counter[str] = Counter()
        for match in self.matches.values():
            if match.shape == "one_to_one":
                votes.update(self.credit[t.target_id] for t in match.targets
                             if self.posting.get(t.target_id) == paid_from)
        ranked = votes.most_common(2)
        if ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
            return ranked[0][0], f"inferred from {ranked[0][1]} matched expense(s) paid from it"
        month = {account for account, posting in self.journal.credit_account.values() if posting == paid_from}
        if len(month) == 1:
            return month.pop(), f"inferred: the only {paid_from.replace('_', ' ')} credit account in the month's journal"
        return None, "unknown: link the statement account to its ledger account, or match some lines first"

    def result(self) -> AccountTieOut:
        bank = sum((self._money(line.amount_minor) for line in self.lines), Decimal(0))
        ledger, basis = self.ledger()
        opening, closing = self._balances()
        if ledger is None:
            return AccountTieOut(
                account=self.account.name, currency=self.currency, bank=bank, bank_lines=len(self.lines),
                ledger_account=None, ledger_basis=basis, journal=None, accounting=None, posted_journal=None,
                accounting_source=self.source.label, accounting_notes=(), not_posted=None,
                reconciling=tuple(self._bank_items(None)), unexplained=None, opening=opening, closing=closing)
        per_expense, skipped = self.journal.on_account(ledger, self.currency, self.home)
        journal_total = sum(per_expense.values(), Decimal(0))
        items = self._bank_items(ledger)
        matched_here = {t.target_id for line in self.lines for t in self._targets(line)
                        if self._direct(line, ledger)}
        outstanding = [amount for expense_id, amount in per_expense.items() if expense_id not in matched_here]
        items.append(ReconcilingItem("journal_not_on_statement", "in our journal, not on this month's statement",
                                     -sum(outstanding, Decimal(0)), len(outstanding)))
        explained_total = sum((i.amount for i in items), Decimal(0))
        accounting, posted, notes, not_posted = self._accounting(ledger, per_expense)
        return AccountTieOut(
            account=self.account.name, currency=self.currency, bank=bank, bank_lines=len(self.lines),
            ledger_account=ledger, ledger_basis=basis, journal=journal_total, accounting=accounting,
            posted_journal=posted, accounting_source=self.source.label, accounting_notes=notes,
            not_posted=not_posted, reconciling=tuple(i for i in items if i.count),
            unexplained=bank - journal_total - explained_total, opening=opening, closing=closing,
            not_comparable=skipped)

    def _targets(self, line: StatementLine) -> list[Any]:
        match = self.matches.get(line.id)
        return [t for t in match.targets if t.target_kind == "expense"] if match else []

    def _direct(self, line: StatementLine, ledger: str) -> bool:
        """Matched to expenses of this month booked on this ledger account."""
        targets = self._targets(line)
        return bool(targets) and all(_norm(self.credit.get(t.target_id)) == _norm(ledger)
                                     and t.target_id in self.journal.credit_account for t in targets)

    def _bank_items(self, ledger: str | None) -> list[ReconcilingItem]:
        buckets: dict[str, list[Decimal]] = defaultdict(list)
        for line in self.lines:
            amount = self._money(line.amount_minor)
            if line.match_status is LineMatchStatus.UNMATCHED or line.id not in self.matches:
                buckets["unmatched"].append(amount)
            elif line.match_status is LineMatchStatus.EXPLAINED or not self._targets(line):
                buckets["explained"].append(amount)
            elif ledger is None:
                buckets["matched"].append(amount)
            elif self._direct(line, ledger):
                matched = sum((self._money(t.amount_minor) for t in self._targets(line)), Decimal(0))
                if amount != matched:
                    buckets["matched_difference"].append(amount - matched)
            elif all(_norm(self.credit.get(t.target_id)) == _norm(ledger) for t in self._targets(line)):
                buckets["other_month"].append(amount)
            else:
                buckets["settlement"].append(amount)
        labels = {
            "unmatched": "statement lines not matched yet",
            "explained": "statement lines explained without a ledger entry (fees, interest, transfers)",
            "matched": "statement lines matched (no ledger account to compare with)",
            "settlement": "statement lines settling other accounts (card payments, reimbursements, payroll)",
            "other_month": "statement lines for expenses dated in other months",
            "matched_difference": "differences on matched lines (foreign-currency tolerance)",
        }
        return [ReconcilingItem(code, label, sum(buckets[code], Decimal(0)), len(buckets[code]))
                for code, label in labels.items() if buckets[code]]

    def _balances(self) -> tuple[Decimal | None, Decimal | None]:
        from bookbridge.store.models import BankStatement

        rows = self.session.scalars(sa.select(BankStatement).where(
            BankStatement.bank_account_id == self.account.id).order_by(BankStatement.id)).all()
        opening = next((self._money(r.opening_minor) for r in rows
                        if r.period_start == self.period.start and r.opening_minor is not None), None)
        closing = next((self._money(r.closing_minor) for r in rows
                        if r.period_end == self.period.end and r.closing_minor is not None), None)
        return opening, closing

    def _accounting(
        self, ledger: str, per_expense: dict[int, Decimal]
    ) -> tuple[Decimal | None, Decimal | None, tuple[str, ...], Decimal]:
        """The accounting system's figure for our posted documents on this account, and ours for the same."""
        docs = self.session.execute(
            sa.select(OutboxItem, OutboxExpense.expense_id).join(OutboxExpense, OutboxExpense.outbox_id == OutboxItem.id)
            .where(OutboxItem.status == OutboxStatus.POSTED, OutboxItem.txn_date >= self.period.start,
                   OutboxItem.txn_date <= self.period.end).order_by(OutboxItem.id)).all()
        carried: dict[int, tuple[OutboxItem, list[int]]] = {}
        for row, expense_id in docs:
            carried.setdefault(row.id, (row, []))[1].append(expense_id)
        ours = theirs = Decimal(0)
        notes: list[str] = []
        posted_ids: set[int] = set()
        unknown = False
        for row, expense_ids in carried.values():
            if not all(e in per_expense for e in expense_ids) or row.currency != self.currency:
                continue  # lands (at least partly) on another account, or cannot be compared here
            posted_ids.update(expense_ids)
            sign = Decimal(-1) if sum(per_expense[e] for e in expense_ids) < 0 else Decimal(1)
            doc = PostedDocument(row.id, row.doc_kind, row.key, row.doc_number, row.txn_date, row.currency,
                                 self._money(row.amount_minor), row.remote_id,
                                 row.remote_state.value if row.remote_state else None)
            try:
                figure = self.source.document_total(doc)
            except (ConnectorError, KeyringUnavailable) as exc:  # shown in the tie-out, not swallowed
                return None, None, (f"could not read the accounting system: {exc.user_message}",), Decimal(0)
            ours += sign * doc.amount
            if figure.amount is None:
                unknown = True
            else:
                theirs += sign * figure.amount
            if figure.note:
                notes.append(f"{row.doc_number or row.key}: {figure.note}")
        not_posted = sum((a for e, a in per_expense.items() if e not in posted_ids), Decimal(0))
        return (None if unknown else theirs), ours, tuple(notes), not_posted
