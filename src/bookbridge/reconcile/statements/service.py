"""Importing statement files into the book, and listing what is there.

:func:`import_statement_file` reads a file (any format), refuses it as a whole when the reader
found an error (nothing is written: a statement missing a line would no longer balance), and
otherwise stores each statement and its new lines in one transaction. Lines whose bank id is
already in the book for that account are counted as duplicates and not stored again; a
statement already imported in full is recognised by its key and adds nothing at all.
"""

from __future__ import annotations

import hashlib
from datetime import date
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bookbridge.core import clock
from bookbridge.core.errors import UsageError, ValidationFailed
from bookbridge.core.money import Money
from bookbridge.reconcile.statements.checks import BalanceCheck, Gap, StatementSpan, check_balance, find_gaps
from bookbridge.reconcile.statements.identity import account_ref_hash, line_keys, statement_key
from bookbridge.reconcile.statements.model import Issue, ParsedFile, StatementData, warning
from bookbridge.reconcile.statements.profiles import find_profile
from bookbridge.reconcile.statements.reader import read_statement_file
from bookbridge.store import audit
from bookbridge.store.book import Book
from bookbridge.store.models import (
    BalanceStatus,
    BankAccount,
    BankAccountKind,
    BankIdKind,
    BankStatement,
    StatementFormat,
    StatementLine,
)

_CHUNK = 500  # bound parameters per IN (...) query


class StatementRejected(ValidationFailed):
    """The file was refused as a whole; ``issues`` lists every problem found (as dicts)."""

    exit_code = 2  # nothing changed

    def __init__(self, file_name: str, issues: list[dict[str, str | None]]) -> None:
        first = next((i["message"] for i in issues if i["severity"] == "error"), f"{file_name} was refused")
        more = sum(1 for i in issues if i["severity"] == "error") - 1
        super().__init__(f"{first}" + (f" (and {more} more problem(s))" if more > 0 else "")
                         + "; nothing from the file was imported.", issues)
        self.file_name = file_name


@dataclass(frozen=True, slots=True)
class StatementOutcome:
    """What happened to one statement of the file."""

    id: int
    account: str
    bank_statement_id: str | None
    period_start: date | None
    period_end: date | None
    lines: int
    new: int
    duplicates: int
    already_imported: bool
    balance: BalanceCheck

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id, "account": self.account, "bank_statement_id": self.bank_statement_id,
            "period_start": self.period_start, "period_end": self.period_end, "lines": self.lines,
            "new": self.new, "duplicates": self.duplicates, "already_imported": self.already_imported,
            "balance": self.balance.as_dict(),
        }


@dataclass(frozen=True, slots=True)
class ImportResult:
    """The import's record of what changed (ids for the UI to refresh, counts for the CLI)."""

    file_name: str
    format: str
    new: int
    duplicates: int
    statements: list[StatementOutcome]
    warnings: list[dict[str, str | None]]
    gaps: list[dict[str, object]]
    new_line_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file_name, "format": self.format, "new": self.new, "duplicates": self.duplicates,
            "errors": [], "warnings": self.warnings, "gaps": self.gaps,
            "statements": [s.as_dict() for s in self.statements],
        }


def import_statement_file(
    book: Book, path: Path, *, account_name: str | None = None, profile_name: str | None = None, actor: str = "cli"
) -> ImportResult:
    """Import every statement in ``path`` into the book.

    Args:
        account_name: the book's name for the account; created when new. Needed for CSV files
            (they do not say which account they are for).
        profile_name: the CSV profile (saved in the book, built in, or a JSON file path).

    Raises:
        StatementRejected: the file had errors; nothing was imported.
        UsageError: the file belongs to another account than ``account_name``, or currencies differ.
        ImportFileError: the file cannot be read.
    """
    path = Path(path)
    with book.read() as session:
        profile = find_profile(session, profile_name) if profile_name else None
        existing = _account_by_name(session, account_name) if account_name else None
        default_currency = existing.currency if existing else None
    parsed = read_statement_file(path, profile=profile, default_currency=default_currency)
    if not parsed.ok:
        raise StatementRejected(parsed.file_name, [i.as_dict(parsed.file_name) for i in parsed.issues])
    file_sha = hashlib.sha256(path.read_bytes()).hexdigest()
    warnings = [i.as_dict(parsed.file_name) for i in parsed.warnings]
    outcomes: list[StatementOutcome] = []
    new_ids: list[int] = []
    with book.unit_of_work() as session:
        accounts: set[int] = set()
        for statement in parsed.statements:
            account = _resolve_account(session, statement, account_name, parsed.file_name)
            accounts.add(account.id)
            outcome, ids, extra = _store_statement(session, account, statement, parsed, file_sha, actor)
            outcomes.append(outcome)
            new_ids.extend(ids)
            warnings.extend(i.as_dict(parsed.file_name) for i in extra)
        gaps = [g.as_dict() | {"account": name} for name, gap_list in _gaps_for(session, accounts) for g in gap_list]
        audit.record(
            session, "statements.imported", actor=actor, entity_type="statement_file", entity_id=file_sha[:16],
            file=parsed.file_name, format=parsed.format.value, statements=[o.id for o in outcomes],
            new=sum(o.new for o in outcomes), duplicates=sum(o.duplicates for o in outcomes),
        )
    return ImportResult(parsed.file_name, parsed.format.value, sum(o.new for o in outcomes),
                        sum(o.duplicates for o in outcomes), outcomes, warnings, gaps, new_ids)


# --- accounts -----------------------------------------------------------------------------------


def _account_by_name(session: Session, name: str) -> BankAccount | None:
    return session.scalars(sa.select(BankAccount).where(BankAccount.name == name)).first()


def _resolve_account(session: Session, statement: StatementData, name: str | None, file_name: str) -> BankAccount:
    ref_hash = account_ref_hash(statement.account)
    hint = statement.account.hint
    by_ref = session.scalars(sa.select(BankAccount).where(BankAccount.ref_hash == ref_hash)).first() if ref_hash else None
    if name is not None:
        account = _account_by_name(session, name)
        if account is not None:
            if ref_hash and account.ref_hash and account.ref_hash != ref_hash:
                raise UsageError(f"{file_name} is for account …{hint}, but {name!r} is account …{account.ref_hint}; "
                                 "check the file or choose the right --account.")
            if ref_hash and account.ref_hash is None:
                if by_ref is not None:
                    raise UsageError(f"{file_name} is for account …{hint}, which the book already keeps as "
                                     f"{by_ref.name!r}; use --account {by_ref.name!r}.")
                account.ref_hash, account.ref_hint = ref_hash, hint
        elif by_ref is not None:
            raise UsageError(f"{file_name} is for account …{hint}, which the book already keeps as {by_ref.name!r}; "
                             f"use --account {by_ref.name!r} (or no --account).")
        else:
            account = _new_account(session, name, statement, ref_hash, hint)
    elif by_ref is not None:
        account = by_ref
    elif ref_hash is None:
        raise UsageError(f"{file_name} does not say which account it is for; name it with --account.")
    else:
        label = "Card" if statement.account.kind.value == "card" else "Bank"
        account = _new_account(session, _free_name(session, f"{label} …{hint}"), statement, ref_hash, hint)
    if account.currency != statement.currency:
        raise UsageError(f"{file_name} is in {statement.currency} but the account {account.name!r} is in "
                         f"{account.currency}; nothing was imported.")
    return account


def _new_account(session: Session, name: str, statement: StatementData, ref_hash: str | None, hint: str | None) -> BankAccount:
    account = BankAccount(
        name=name, kind=BankAccountKind(statement.account.kind.value), currency=statement.currency,
        ref_hash=ref_hash, ref_hint=hint, institution=statement.account.institution, created_at=clock.now(),
    )
    session.add(account)
    session.flush()
    return account


def _free_name(session: Session, wanted: str) -> str:
    name, n = wanted, 1
    while _account_by_name(session, name) is not None:
        n += 1
        name = f"{wanted} ({n})"
    return name


# --- statements and lines -----------------------------------------------------------------------


def _store_statement(
    session: Session, account: BankAccount, statement: StatementData, parsed: ParsedFile, file_sha: str, actor: str
) -> tuple[StatementOutcome, list[int], list[Issue]]:
    extra: list[Issue] = []
    keys = _unique_in_file(line_keys(statement), statement, extra)
    balance = check_balance(statement)
    if balance.outcome.value == "mismatch":
        extra.append(warning("balance_mismatch", balance.message, statement.position, "balance"))
    key = statement_key(account.ref_hash or f"account:{account.id}", statement, keys)
    known = session.scalars(sa.select(BankStatement).where(BankStatement.statement_key == key)).first()
    if known is not None:
        outcome = StatementOutcome(known.id, account.name, statement.statement_id, statement.period_start,
                                   statement.period_end, len(keys), 0, len(keys), True, balance)
        return outcome, [], extra
    existing = _existing_bank_ids(session, account.id, [k for k, _ in keys])
    row = BankStatement(
        bank_account_id=account.id, statement_key=key, format=StatementFormat(parsed.format.value),
        file_name=parsed.file_name[:500], file_sha256=file_sha, bank_statement_id=statement.statement_id,
        sequence=statement.sequence, period_start=statement.period_start, period_end=statement.period_end,
        currency=statement.currency, opening_minor=_minor(balance.opening), opening_derived=balance.opening_derived,
        closing_minor=_minor(balance.closing), balance_status=BalanceStatus(balance.outcome.value),
        balance_difference_minor=_minor(balance.difference), line_count=len(keys), new_line_count=0,
        imported_at=clock.now(), imported_by=actor,
    )
    session.add(row)
    session.flush()
    new_rows: list[StatementLine] = []
    for line, (bank_id, kind) in zip(statement.lines, keys):
        if bank_id in existing:
            continue
        existing.add(bank_id)
        new_rows.append(StatementLine(
            bank_account_id=account.id, statement_id=row.id, bank_id=bank_id, bank_id_kind=BankIdKind(kind),
            booked_date=line.booked_date, value_date=line.value_date, amount_minor=line.amount.minor_units(),
            currency=line.amount.currency,
            original_amount_minor=line.original.minor_units() if line.original else None,
            original_currency=line.original.currency if line.original else None,
            payee=_cut(line.payee, 300), memo=line.memo, reference=_cut(line.reference, 200),
            txn_type=_cut(line.txn_type, 60), is_reversal=line.is_reversal, position=_cut(line.position, 120),
        ))
    session.add_all(new_rows)
    session.flush()
    row.new_line_count = len(new_rows)
    outcome = StatementOutcome(row.id, account.name, statement.statement_id, statement.period_start,
                               statement.period_end, len(keys), len(new_rows), len(keys) - len(new_rows), False, balance)
    return outcome, [r.id for r in new_rows], extra


def _unique_in_file(keys: list[tuple[str, str]], statement: StatementData, extra: list[Issue]) -> list[tuple[str, str]]:
    """A bank id repeated inside one statement gets ``#2``, ``#3``... so no line is lost (and the
    same suffixes come back on re-import, so dedupe still works)."""
    seen: dict[str, int] = {}
    result = []
    for (key, kind), line in zip(keys, statement.lines):
        count = seen.get(key, 0) + 1
        seen[key] = count
        if count > 1 and kind != "content":
            extra.append(warning("bank_id_repeated", f"the bank id {key} appears {count} times in this statement; "
                                 f"kept as {key}#{count}", line.position, "bank_id"))
            key = f"{key}#{count}"
        result.append((key, kind))
    return result


def _existing_bank_ids(session: Session, account_id: int, bank_ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(bank_ids), _CHUNK):
        chunk = bank_ids[start:start + _CHUNK]
        found.update(session.scalars(sa.select(StatementLine.bank_id).where(
            StatementLine.bank_account_id == account_id, StatementLine.bank_id.in_(chunk))))
    return found


def _cut(text: str | None, length: int) -> str | None:
    """Fit a bank's free text into its column (the full text stays in the file the bank keeps)."""
    return None if text is None else text[:length]


def _minor(money: Money | None) -> int | None:
    return None if money is None else money.minor_units()


# --- listing ------------------------------------------------------------------------------------


def _spans(session: Session, account: BankAccount) -> list[StatementSpan]:
    rows = session.scalars(sa.select(BankStatement).where(BankStatement.bank_account_id == account.id)
                           .order_by(BankStatement.id)).all()
    return [StatementSpan(
        label=f"statement {r.id}" + (f" ({r.bank_statement_id})" if r.bank_statement_id else f" ({r.file_name})"),
        period_start=r.period_start, period_end=r.period_end,
        opening=None if r.opening_minor is None else Money.from_minor(r.opening_minor, r.currency),
        closing=None if r.closing_minor is None else Money.from_minor(r.closing_minor, r.currency),
    ) for r in rows]


def _gaps_for(session: Session, account_ids: set[int]) -> list[tuple[str, list[Gap]]]:
    result: list[tuple[str, list[Gap]]] = []
    for account in session.scalars(sa.select(BankAccount).where(BankAccount.id.in_(account_ids)).order_by(BankAccount.id)):
        result.append((account.name, find_gaps(_spans(session, account))))
    return result


def list_statements(book: Book, *, account_name: str | None = None) -> dict[str, object]:
    """Every account with its statements, balance status and gaps (for `statements list`)."""
    with book.read() as session:
        query = sa.select(BankAccount).order_by(BankAccount.name)
        if account_name:
            query = query.where(BankAccount.name == account_name)
        accounts = session.scalars(query).all()
        if account_name and not accounts:
            raise UsageError(f"The book has no statement account called {account_name!r}.")
        out = []
        for account in accounts:
            rows = session.scalars(sa.select(BankStatement).where(BankStatement.bank_account_id == account.id)
                                   .order_by(BankStatement.period_start, BankStatement.id)).all()
            unmatched = session.scalar(sa.select(sa.func.count()).select_from(StatementLine).where(
                StatementLine.bank_account_id == account.id, StatementLine.match_status == "unmatched"))
            out.append({
                "account": account.name, "kind": account.kind.value, "currency": account.currency,
                "number_hint": account.ref_hint, "unmatched_lines": unmatched,
                "statements": [{
                    "id": r.id, "file": r.file_name, "format": r.format.value, "bank_statement_id": r.bank_statement_id,
                    "period_start": r.period_start, "period_end": r.period_end, "lines": r.line_count,
                    "new_lines": r.new_line_count, "balance_status": r.balance_status.value,
                    "opening": _fmt(r.opening_minor, r.currency), "opening_derived": r.opening_derived,
                    "closing": _fmt(r.closing_minor, r.currency),
                    "difference": _fmt(r.balance_difference_minor, r.currency),
                } for r in rows],
                "gaps": [g.as_dict() for g in find_gaps(_spans(session, account))],
            })
    return {"accounts": out}


def _fmt(minor: int | None, currency: str) -> str | None:
    return None if minor is None else str(Money.from_minor(minor, currency).amount)
