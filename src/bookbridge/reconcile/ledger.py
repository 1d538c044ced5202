"""The accounting system's figures for the tie-out: where they come from.

Two sources behind one small protocol:

* :class:`StoredLedgerSource`: what the last pull recorded on each outbox row (live documents as
  we posted them, deleted ones as zero, changed ones unknown). Works offline.
* :class:`ConnectorLedgerSource`: reads each posted document back from the accounting system now,
  through the connector's ``find_by_key``, and takes its total from the vendor's own record.

Why read document by document: the connector protocol offers no "activity of an account over a
period" call. With one (QBO's GeneralLedger report, Xero's Journals, Intacct's GLACCOUNTBALANCE,
NetSuite SuiteQL on transaction lines) the tie-out could compare the whole account movement,
including entries Bookbridge did not post.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Mapping, Protocol

from bookbridge.connectors.dto import DocumentKind
from bookbridge.connectors.protocol import Connector
from bookbridge.core.money import parse_decimal
from bookbridge.store.models import RemoteState


@dataclass(frozen=True, slots=True)
class PostedDocument:
    """A document we posted, as the outbox recorded it (``amount`` is our total debit)."""

    outbox_id: int
    kind: str
    key: str
    doc_number: str | None
    txn_date: date
    currency: str
    amount: Decimal
    remote_id: str | None
    remote_state: str | None


@dataclass(frozen=True, slots=True)
class RemoteFigure:
    """The accounting system's total for one document (``None``: unknown, ``note`` says why)."""

    amount: Decimal | None
    note: str | None = None


class LedgerSource(Protocol):
    """Where the accounting system's figures come from."""

    label: str

    def document_total(self, doc: PostedDocument) -> RemoteFigure:
        """The document's total as the accounting system has it."""
        ...


class StoredLedgerSource:
    """The state the last pull recorded: live documents as posted, deleted ones as zero."""

    label = "accounting system, as recorded by the last pull"

    def document_total(self, doc: PostedDocument) -> RemoteFigure:
        if doc.remote_state == RemoteState.DELETED.value:
            return RemoteFigure(Decimal(0), "deleted in the accounting system")
        if doc.remote_state == RemoteState.CHANGED.value:
            return RemoteFigure(None, "changed in the accounting system since it was posted")
        return RemoteFigure(doc.amount)


def _qbo_total(kind: str, raw: Mapping[str, Any]) -> Decimal:
    """QBO: ``TotalAmt`` of a Purchase or Bill; the debit lines of a JournalEntry."""
    if kind == DocumentKind.JOURNAL_ENTRY.value:
        lines = raw.get("Line") or []
        return sum((parse_decimal(str(line.get("Amount", "0"))) for line in lines
                    if (line.get("JournalEntryLineDetail") or {}).get("PostingType") == "Debit"), Decimal(0))
    return parse_decimal(str(raw.get("TotalAmt", "0")))


TOTAL_READERS = {"qbo": _qbo_total}


class ConnectorLedgerSource:
    """Reads each posted document back from the accounting system through the connector."""

    def __init__(self, connector: Connector, label: str | None = None) -> None:
        self.connector = connector
        self.label = label or f"accounting system ({connector.provider}), read now"

    def document_total(self, doc: PostedDocument) -> RemoteFigure:
        reader = TOTAL_READERS.get(self.connector.provider)
        if reader is None:
            return RemoteFigure(None, f"reading totals back from {self.connector.provider} is not supported yet")
        found = self.connector.find_by_key(DocumentKind(doc.kind), doc.key, doc_number=doc.doc_number,
                                           txn_date=doc.txn_date)
        if found is None:
            return RemoteFigure(Decimal(0), "not found in the accounting system")
        return RemoteFigure(reader(doc.kind, found.raw))
