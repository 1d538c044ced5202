"""Bank and card statements, their lines, and the matches that tie lines to expenses.

Design notes:

* A statement line keeps the bank's own id (FITID, AcctSvcrRef) or, when the bank gives none, a
  content key; ``(bank_account_id, bank_id)`` is unique, which is what makes re-importing an
  overlapping statement add nothing.
* Account numbers and card numbers are never stored: an account is recognised by a SHA-256 of
  its normalised identifier and shown by its last four characters (card numbers are PCI data).
* A match is a *decision record*: suggested by the matcher, then accepted or rejected by someone
  (or by the auto band), and possibly undone later. Rows are never deleted once decided, so the
  month-end pack can show the trail. Targets are polymorphic (expense today, journal line once
  the outbox exists), hence ``target_kind`` + ``target_id`` instead of a foreign key.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bookbridge.core.money import Money
from bookbridge.store.base import Base, UTCDateTime, enum_column


class BankAccountKind(str, enum.Enum):
    BANK = "bank"
    CARD = "card"


class BankAccount(Base):
    """A bank or card account whose statements are imported into the book."""

    __tablename__ = "bank_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[BankAccountKind] = mapped_column(enum_column(BankAccountKind, name="bank_account_kind"))
    currency: Mapped[str] = mapped_column(sa.String(3))
    ref_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    ref_hint: Mapped[str | None] = mapped_column(sa.String(12))  # last four characters, for display
    institution: Mapped[str | None] = mapped_column(sa.String(200))
    ledger_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ledger_accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StatementFormat(str, enum.Enum):
    OFX = "ofx"
    CAMT053 = "camt053"
    CSV = "csv"


class BalanceStatus(str, enum.Enum):
    OK = "ok"                  # opening + lines == closing
    MISMATCH = "mismatch"      # they disagree: the difference is recorded
    UNCHECKED = "unchecked"    # the bank gave too little to check (no closing balance)


class BankStatement(Base):
    """One statement as a bank issued it (a file may hold several)."""

    __tablename__ = "bank_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_account_id: Mapped[int] = mapped_column(sa.ForeignKey("bank_accounts.id"), index=True)
    statement_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    format: Mapped[StatementFormat] = mapped_column(enum_column(StatementFormat, name="statement_format"))
    file_name: Mapped[str] = mapped_column(sa.String(500))
    file_sha256: Mapped[str] = mapped_column(sa.String(64))
    bank_statement_id: Mapped[str | None] = mapped_column(sa.String(120))
    sequence: Mapped[str | None] = mapped_column(sa.String(40))
    period_start: Mapped[date | None] = mapped_column(sa.Date())
    period_end: Mapped[date | None] = mapped_column(sa.Date())
    currency: Mapped[str] = mapped_column(sa.String(3))
    opening_minor: Mapped[int | None]
    opening_derived: Mapped[bool] = mapped_column(default=False)  # closing minus lines (OFX has no opening)
    closing_minor: Mapped[int | None]
    balance_status: Mapped[BalanceStatus] = mapped_column(enum_column(BalanceStatus, name="balance_status"))
    balance_difference_minor: Mapped[int | None]
    line_count: Mapped[int] = mapped_column(default=0)
    new_line_count: Mapped[int] = mapped_column(default=0)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    imported_by: Mapped[str] = mapped_column(sa.String(100))


class BankIdKind(str, enum.Enum):
    FITID = "fitid"                  # OFX
    ACCT_SVCR_REF = "acct_svcr_ref"  # camt.053 entry reference
    FILE_COLUMN = "file_column"      # a CSV profile's id column
    CONTENT = "content"              # none given: hash of date, amount, texts + occurrence


class LineMatchStatus(str, enum.Enum):
    UNMATCHED = "unmatched"
    MATCHED = "matched"
    EXPLAINED = "explained"  # no target, but a person recorded why (bank fee, interest...)


class StatementLine(Base):
    """One movement on a bank or card account, signed from the account holder's side:
    negative is money out (a payment, a card charge), positive is money in."""

    __tablename__ = "statement_lines"
    __table_args__ = (sa.UniqueConstraint("bank_account_id", "bank_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_account_id: Mapped[int] = mapped_column(sa.ForeignKey("bank_accounts.id"), index=True)
    statement_id: Mapped[int] = mapped_column(sa.ForeignKey("bank_statements.id"), index=True)
    bank_id: Mapped[str] = mapped_column(sa.String(200))
    bank_id_kind: Mapped[BankIdKind] = mapped_column(enum_column(BankIdKind, name="bank_id_kind"))
    booked_date: Mapped[date] = mapped_column(sa.Date(), index=True)
    value_date: Mapped[date | None] = mapped_column(sa.Date())
    amount_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(sa.String(3))
    original_amount_minor: Mapped[int | None]
    original_currency: Mapped[str | None] = mapped_column(sa.String(3))
    payee: Mapped[str | None] = mapped_column(sa.String(300))
    memo: Mapped[str | None] = mapped_column(sa.Text())
    reference: Mapped[str | None] = mapped_column(sa.String(200))
    txn_type: Mapped[str | None] = mapped_column(sa.String(60))
    is_reversal: Mapped[bool] = mapped_column(default=False)
    position: Mapped[str | None] = mapped_column(sa.String(120))  # where in the file it came from
    match_status: Mapped[LineMatchStatus] = mapped_column(
        enum_column(LineMatchStatus, name="line_match_status"), default=LineMatchStatus.UNMATCHED, index=True
    )

    @property
    def amount(self) -> Money:
        return Money.from_minor(self.amount_minor, self.currency)


class MatchStatus(str, enum.Enum):
    SUGGESTED = "suggested"  # proposed by the matcher, nobody decided yet
    ACCEPTED = "accepted"
    REJECTED = "rejected"    # remembered so the same proposal is not made again
    UNDONE = "undone"        # was accepted or rejected, then undone (who/when recorded)


class MatchBand(str, enum.Enum):
    AUTO = "auto"
    SUGGEST = "suggest"
    MANUAL = "manual"        # made by hand, not proposed by the matcher


class Match(Base):
    """A statement line tied to one or more targets, with the matcher's score and reasons."""

    __tablename__ = "matches"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_line_id: Mapped[int] = mapped_column(sa.ForeignKey("statement_lines.id"), index=True)
    status: Mapped[MatchStatus] = mapped_column(enum_column(MatchStatus, name="match_status"), index=True)
    band: Mapped[MatchBand] = mapped_column(enum_column(MatchBand, name="match_band"))
    shape: Mapped[str] = mapped_column(sa.String(20))  # one_to_one | one_to_many | explained
    score_permille: Mapped[int]
    explanation: Mapped[str] = mapped_column(sa.Text())
    note: Mapped[str | None] = mapped_column(sa.Text())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(sa.String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    undone_by: Mapped[str | None] = mapped_column(sa.String(100))
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    targets: Mapped[list["MatchTarget"]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class MatchTarget(Base):
    """One expense or journal line a match ties its statement line to."""

    __tablename__ = "match_targets"
    __table_args__ = (sa.Index("ix_match_targets_target", "target_kind", "target_id"),)

    match_id: Mapped[int] = mapped_column(sa.ForeignKey("matches.id", ondelete="CASCADE"), primary_key=True)
    target_kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)  # expense | journal_line
    target_id: Mapped[int] = mapped_column(primary_key=True)
    amount_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(sa.String(3))


class StatementCsvProfile(Base):
    """A user's saved CSV layout for one bank's statement export (built-ins live in code)."""

    __tablename__ = "statement_csv_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    definition_json: Mapped[str] = mapped_column(sa.Text())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
