"""Connections to accounting systems. Tokens and client secrets are NOT here: they live only in
the OS keyring, keyed by the book id and the connection name."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from bookbridge.store.base import Base, UTCDateTime


class Connection(Base):
    """One company connection to one accounting system."""

    __tablename__ = "connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    provider: Mapped[str] = mapped_column(sa.String(30))  # qbo | xero | intacct | netsuite
    base_url: Mapped[str | None] = mapped_column(sa.String(500))
    company_ref: Mapped[str | None] = mapped_column(sa.String(200))  # realmId, tenantId, companyid, account id
    status: Mapped[str] = mapped_column(sa.String(30), default="connected")
    settings_json: Mapped[str | None] = mapped_column(sa.Text())  # non-secret options only
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
