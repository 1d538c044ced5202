"""Reference data the expenses point at: vendors (with aliases), employees, categories,
ledger accounts and dimensions."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bookbridge.store.base import Base, UTCDateTime, enum_column


class Vendor(Base):
    """A normalised vendor; many spellings map to one through :class:`VendorAlias`."""

    __tablename__ = "vendors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    norm_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    aliases: Mapped[list["VendorAlias"]] = relationship(back_populates="vendor")


class VendorAlias(Base):
    """A normalised spelling that means an existing vendor (learned or entered by hand)."""

    __tablename__ = "vendor_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    alias_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    alias: Mapped[str] = mapped_column(sa.String(200))
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendors.id", ondelete="CASCADE"), index=True)

    vendor: Mapped[Vendor] = relationship(back_populates="aliases")


class Employee(Base):
    """A person who spends: a driver, a salesperson, an owner."""

    __tablename__ = "employees"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    norm_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    email: Mapped[str | None] = mapped_column(sa.String(200))


class Category(Base):
    """An expense category as the source systems name it (Fuel, Tolls, Meals...)."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    norm_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    active: Mapped[bool] = mapped_column(default=True)


class AccountKind(str, enum.Enum):
    EXPENSE = "expense"
    ASSET = "asset"
    LIABILITY = "liability"
    CREDIT_CARD = "credit_card"
    BANK = "bank"
    PAYABLE = "payable"
    INCOME = "income"
    EQUITY = "equity"


class LedgerAccount(Base):
    """An account of the chart of accounts, by code (the template refers to codes)."""

    __tablename__ = "ledger_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(50), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[AccountKind] = mapped_column(enum_column(AccountKind, name="account_kind"))
    currency: Mapped[str | None] = mapped_column(sa.String(3))
    active: Mapped[bool] = mapped_column(default=True)


class DimensionKind(str, enum.Enum):
    CLASS = "class"
    DEPARTMENT = "department"
    LOCATION = "location"
    PROJECT = "project"


class Dimension(Base):
    """A value of one analysis dimension (class "Truck 12", location "Depot North"...)."""

    __tablename__ = "dimensions"
    __table_args__ = (sa.UniqueConstraint("kind", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DimensionKind] = mapped_column(enum_column(DimensionKind, name="dimension_kind"))
    code: Mapped[str] = mapped_column(sa.String(100))
    name: Mapped[str] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)
