"""The company a book belongs to, and the book's own identity."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from bookbridge.store.base import Base, UTCDateTime


class Company(Base):
    """The one company kept in this book (a book holds exactly one)."""

    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    home_currency: Mapped[str] = mapped_column(sa.String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BookMeta(Base):
    """Key/value facts about the book itself (its id, the app version that created it)."""

    __tablename__ = "book_meta"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text())


class Setting(Base):
    """Per-book settings (thresholds, SLA hours...), values as JSON text; declared in one place."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    value_json: Mapped[str] = mapped_column(sa.Text())
