"""Approval policy and decisions, exchange rates, and the stored outcome of coding each expense.

* :class:`ApprovalLevel` / :class:`ApproverRole`: the approval policy (which expenses need which
  levels, who may approve each level). Conditions and approvers are JSON text whose shape is
  owned by :mod:`bookbridge.coding.approvals`, so the policy can grow without a migration.
* :class:`ApprovalRecord`: one decision (who, when, approve or reject, comment), tied to the
  coding round it was made on, so re-coding an edited expense re-opens approval while the old
  decisions stay in its history.
* :class:`ExchangeRate`: a rate with its source and as-of date; the rate is a Decimal kept as
  TEXT (SQLite has no decimal type and a float would drift).
* :class:`CodingResult`: one coding round of one expense: which template version and rules coded
  it, the coded expense itself (JSON), flags, required approval levels, or why it could not be
  coded. The GUI and the audit pack read these to explain an expense's coding.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from bookbridge.store.base import Base, UTCDateTime, enum_column


class DecimalText(TypeDecorator[Decimal]):
    """An exact Decimal stored as its plain text form (``"1.0769"``), never through a float."""

    impl = sa.String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"DecimalText needs a Decimal, got {type(value).__name__}")
        return format(value, "f")

    def process_result_value(self, value: str | None, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(value)


class ApprovalLevel(Base):
    """One level of the approval policy ("manager", "second approver", "fleet manager").

    ``condition_json`` says which expenses need the level (empty: every expense);
    ``approvers_json`` names who may approve it, by role or by name.
    """

    __tablename__ = "approval_levels"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    position: Mapped[int]
    condition_json: Mapped[str] = mapped_column(sa.Text(), default="{}")
    approvers_json: Mapped[str] = mapped_column(sa.Text())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ApproverRole(Base):
    """A person who holds an approval role (one row per person and role)."""

    __tablename__ = "approver_roles"

    person: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(100), primary_key=True)


class ApprovalDecision(str, enum.Enum):
    APPROVED = "approved"
    REJECTED = "rejected"


class ApprovalRecord(Base):
    """One approval decision on one level of one expense's coding round."""

    __tablename__ = "approval_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    expense_id: Mapped[int] = mapped_column(sa.ForeignKey("expenses.id", ondelete="CASCADE"), index=True)
    coding_result_id: Mapped[int] = mapped_column(sa.ForeignKey("coding_results.id"), index=True)
    level: Mapped[str] = mapped_column(sa.String(100))
    decision: Mapped[ApprovalDecision] = mapped_column(enum_column(ApprovalDecision, name="approval_decision"))
    actor: Mapped[str] = mapped_column(sa.String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    comment: Mapped[str | None] = mapped_column(sa.Text())


class ExchangeRate(Base):
    """How many ``quote`` units one ``base`` unit is worth on ``as_of``, and who said so."""

    __tablename__ = "exchange_rates"
    __table_args__ = (
        sa.UniqueConstraint("base", "quote", "as_of", "source"),
        sa.Index("ix_exchange_rates_pair_date", "base", "quote", "as_of"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    base: Mapped[str] = mapped_column(sa.String(3))
    quote: Mapped[str] = mapped_column(sa.String(3))
    rate: Mapped[Decimal] = mapped_column(DecimalText())
    as_of: Mapped[date] = mapped_column(sa.Date())
    source: Mapped[str] = mapped_column(sa.String(60))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CodingState(str, enum.Enum):
    """What a coding round concluded."""

    CODED = "coded"        # a coded expense exists; approval decides when it is postable
    BLOCKED = "blocked"    # it cannot be coded (no mapping, no rate...): see problems_json
    SKIPPED = "skipped"    # a rule excluded it on purpose: see skip_reason


class CodingResult(Base):
    """One coding round of one expense; the newest round (``superseded_at`` empty) is current."""

    __tablename__ = "coding_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    expense_id: Mapped[int] = mapped_column(sa.ForeignKey("expenses.id", ondelete="CASCADE"), index=True)
    state: Mapped[CodingState] = mapped_column(enum_column(CodingState, name="coding_state"))
    # What was coded (hash of the expense as the engine saw it) and what came out (hash of the
    # coded expense, levels and skip): re-coding keeps a round whose hashes did not change.
    input_hash: Mapped[str] = mapped_column(sa.String(64))
    outcome_hash: Mapped[str] = mapped_column(sa.String(64))
    template_name: Mapped[str | None] = mapped_column(sa.String(200))
    template_version: Mapped[int | None]
    template_version_id: Mapped[int | None]
    coded_json: Mapped[str | None] = mapped_column(sa.Text())
    rules_fired_json: Mapped[str] = mapped_column(sa.Text(), default="[]")
    flags_json: Mapped[str] = mapped_column(sa.Text(), default="[]")
    required_levels_json: Mapped[str] = mapped_column(sa.Text(), default="[]")
    problems_json: Mapped[str] = mapped_column(sa.Text(), default="[]")
    skip_reason: Mapped[str | None] = mapped_column(sa.Text())
    home_amount_minor: Mapped[int | None]
    home_currency: Mapped[str] = mapped_column(sa.String(3))
    coded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
