"""Expenses, their custom fields and their receipts."""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from bookbridge.core.keys import canonical_json
from bookbridge.core.money import Money
from bookbridge.store.base import Base, UTCDateTime, enum_check, enum_column


class PaymentMethod(str, enum.Enum):
    """Who paid decides the credit side of the entry (see ACCOUNTING.md)."""

    COMPANY_CARD = "company_card"
    REIMBURSABLE = "reimbursable"
    CASH = "cash"
    BANK = "bank"


class ExpenseStatus(str, enum.Enum):
    """Where an expense is on its way to the ledger."""

    IMPORTED = "imported"          # landed, not yet coded
    CONFLICT = "conflict"          # a second version of a source record; needs a person
    CODED = "coded"                # has a template version and accounts
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"          # postable
    REJECTED = "rejected"          # sent back with a reason
    QUEUED = "queued"              # in the outbox
    POSTED = "posted"              # the accounting system has it
    SKIPPED = "skipped"            # excluded on purpose, with a recorded reason


class Expense(Base):
    """One spend as a source system reported it, after normalisation.

    ``key`` is immutable (a trigger refuses changes) and is what dedupe and idempotency hang on:
    the source's own id when it has one, else a content hash plus an occurrence index.
    """

    __tablename__ = "expenses"
    __table_args__ = (
        # No (source_system, source_id) index: the import finds a source's expenses by the prefix of
        # their keys ("{source}:..."), a range of the unique index on key; the extra index cost
        # 0.18 s per 100,000 imported rows and nothing else searches by source.
        # The enum checks as OR chains, not IN lists (see enum_check): 0.7 s per 100,000 imported rows.
        enum_check("payment_method", PaymentMethod, "payment_method"),
        enum_check("status", ExpenseStatus, "expense_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    source_system: Mapped[str] = mapped_column(sa.String(60))
    source_id: Mapped[str | None] = mapped_column(sa.String(200))
    occurrence_index: Mapped[int] = mapped_column(default=0)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_batches.id"), index=True)
    source_file: Mapped[str | None] = mapped_column(sa.String(500))
    source_line: Mapped[int | None]

    txn_date: Mapped[date] = mapped_column(sa.Date(), index=True)
    # No index on employee_id, vendor_id, category_id or report_id: nothing looks expenses up by
    # them (they are joined *from* expenses, which uses the parents' primary keys), and each index
    # cost about 0.1 s per 100,000 imported rows. Vendors, categories and employees are never
    # deleted, so foreign-key checks on their ids never need to search expenses either.
    employee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    vendor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("vendors.id"))
    vendor_raw: Mapped[str | None] = mapped_column(sa.String(300))
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("categories.id"))
    category_raw: Mapped[str | None] = mapped_column(sa.String(200))

    amount_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(sa.String(3))
    tax_minor: Mapped[int | None]
    original_amount_minor: Mapped[int | None]
    original_currency: Mapped[str | None] = mapped_column(sa.String(3))

    payment_method: Mapped[PaymentMethod] = mapped_column(
        enum_column(PaymentMethod, name="payment_method", create_constraint=False)
    )
    card: Mapped[str | None] = mapped_column(sa.String(60))
    memo: Mapped[str | None] = mapped_column(sa.Text())
    reference: Mapped[str | None] = mapped_column(sa.String(200))
    report_id: Mapped[str | None] = mapped_column(sa.String(120))
    receipt_url: Mapped[str | None] = mapped_column(sa.String(1000))

    status: Mapped[ExpenseStatus] = mapped_column(
        enum_column(ExpenseStatus, name="expense_status", create_constraint=False), default=ExpenseStatus.IMPORTED,
        index=True,
    )
    review_flags: Mapped[str | None] = mapped_column(sa.Text())  # JSON list of warning codes
    conflict_with_id: Mapped[int | None] = mapped_column(sa.ForeignKey("expenses.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Custom fields (project, cost centre, client, vehicle id, odometer, litres, miles, per-mile
    # rate...) as one canonical JSON object of name -> text, NULL when there are none. Values stay
    # canonical text ("412.50"), never JSON numbers, so mapping can turn them into a dimension or a
    # line exactly. One column and not a row per field: fields are only ever read per expense, and
    # a 100,000-row import wrote 139,000 field rows (table, key index and foreign-key check each).
    # Written only through set_fields (or the import writer's identical fields_json).
    fields_json: Mapped[str | None] = mapped_column(sa.Text())

    @property
    def amount(self) -> Money:
        return Money.from_minor(self.amount_minor, self.currency)

    @property
    def tax(self) -> Money | None:
        return None if self.tax_minor is None else Money.from_minor(self.tax_minor, self.currency)

    @property
    def fields(self) -> dict[str, str]:
        """The custom fields, name -> canonical text. Editing the dict changes nothing: use :meth:`set_fields`."""
        return {} if self.fields_json is None else json.loads(self.fields_json)  # a new dict per call

    def field(self, name: str) -> str | None:
        """The value of a custom field, or None."""
        return self.fields.get(name)

    def set_fields(self, fields: Mapping[str, str]) -> None:
        """Replace the custom fields (NULL when there are none, never ``{}``)."""
        if any(not isinstance(value, str) for value in fields.values()):
            raise TypeError("custom field values are canonical text, never numbers")
        self.fields_json = canonical_json(dict(fields)) if fields else None


class Receipt(Base):
    """A receipt image or PDF stored inside the encrypted book, or a link to one.

    Files are deduplicated by SHA-256; a URL reference is kept as a link with no content.
    """

    __tablename__ = "receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    url: Mapped[str | None] = mapped_column(sa.String(1000))
    file_name: Mapped[str | None] = mapped_column(sa.String(300))
    mime_type: Mapped[str | None] = mapped_column(sa.String(100))
    size: Mapped[int | None]
    content: Mapped[bytes | None] = mapped_column(sa.LargeBinary(), deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ExpenseReceipt(Base):
    """Links receipts to expenses (one file can back several expenses)."""

    __tablename__ = "expense_receipts"

    expense_id: Mapped[int] = mapped_column(sa.ForeignKey("expenses.id", ondelete="CASCADE"), primary_key=True)
    receipt_id: Mapped[int] = mapped_column(sa.ForeignKey("receipts.id"), primary_key=True, index=True)
