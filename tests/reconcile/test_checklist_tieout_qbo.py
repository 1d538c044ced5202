"""Tie-out against the accounting system read back through the real QBO connector and the local sandbox.

The month's documents are posted to the sandbox over loopback HTTP with the same keys and numbers
the outbox rows carry; the tie-out then reads each back with ``find_by_key``. An edit made "in
QuickBooks" (the sandbox's own store, standing in for a person using QBO) must show up.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Iterator

import pytest
import sqlalchemy as sa

from bookbridge.connectors.dto import ExpenseLine, JournalDocument, JournalLine, PaymentType, PurchaseDocument, Ref
from bookbridge.reconcile.checklist import ItemStatus, build_checklist
from bookbridge.reconcile.periods import Period
from bookbridge.reconcile.ledger import ConnectorLedgerSource
from bookbridge.reconcile.tieout import compute_tieouts
from bookbridge.store.models import Expense, OutboxExpense, OutboxItem

from month_end_book import after_close, january, january_file  # noqa: F401  (fixtures)

JANUARY = Period(2026, 1)


@pytest.fixture
def qbo() -> Iterator[tuple[object, object]]:
    """A local QBO sandbox and a connector authorised through the real OAuth flow (no browser)."""
    from bookbridge.connectors.authorize import open_without_browser
    from bookbridge.connectors.connect import connect
    from bookbridge.connectors.registry import open_connector, provider
    from bookbridge.connectors.settings import ConnectionSettings
    from bookbridge.connectors.tokens import ClientCredentials, MemoryTokenStore
    from bookbridge.sandbox.qbo import QboSandbox

    with QboSandbox(time_scale=60.0) as sandbox:
        store = MemoryTokenStore()
        result = connect(provider("qbo"), base_url=sandbox.base_url, store=store, open_url=open_without_browser(),
                         client=ClientCredentials("bookbridge-test-app", "app-secret-0123456789"))
        connector = open_connector(ConnectionSettings("qbo", "main", sandbox.base_url, result.company_id,
                                                      time_scale=60.0), store)
        try:
            yield sandbox, connector
        finally:
            connector.close()


def _account(sandbox, kind: str) -> str:
    return next(a["Id"] for a in sandbox.store.all("Account") if a.get("AccountType") == kind and a.get("Active"))


def _post_month(month, sandbox, connector) -> None:
    """Post every outbox row of the month to the sandbox under its own key and number."""
    expense_account, card, liability = (_account(sandbox, k) for k in ("Expense", "Credit Card", "Other Current Liability"))
    with month.book.read() as session:
        rows = session.execute(sa.select(OutboxItem, Expense).join(OutboxExpense, OutboxExpense.outbox_id == OutboxItem.id)
                               .join(Expense, Expense.id == OutboxExpense.expense_id).order_by(OutboxItem.id)).all()
    for row, expense in rows:
        amount = Decimal(row.amount_minor).scaleb(-2)
        if row.doc_kind == "journal_entry":
            connector.push(JournalDocument(key=row.key, date=row.txn_date, currency="USD", doc_number=row.doc_number,
                                           lines=(JournalLine(Ref(expense_account), debit=amount),
                                                  JournalLine(Ref(liability), credit=amount))))
        else:
            connector.push(PurchaseDocument(key=row.key, date=row.txn_date, currency="USD", doc_number=row.doc_number,
                                            payment_type=PaymentType.CARD, paying_account=Ref(card),
                                            lines=(ExpenseLine(Ref(expense_account), amount, expense.vendor_raw or ""),)))


def test_accounting_system_figures_read_back_agree(january, qbo) -> None:
    """Each account's accounting-system figure, read from QBO now, equals what we posted."""
    sandbox, connector = qbo
    _post_month(january, sandbox, connector)
    ties = {t.account: t for t in compute_tieouts(january.book, JANUARY, source=ConnectorLedgerSource(connector))}
    assert ties["Visa 4444"].accounting == ties["Visa 4444"].posted_journal == Decimal("-241.89")
    assert ties["Operating"].accounting == Decimal("-48.20")
    assert "read now" in ties["Visa 4444"].accounting_source


def test_an_edit_in_the_accounting_system_blocks_the_tie_out(january, qbo) -> None:
    """A card purchase edited in QBO after posting (85.40 -> 95.40) makes the tie-out a blocker."""
    sandbox, connector = qbo
    _post_month(january, sandbox, connector)
    number = f"BB-{january.expense('Shell'):04d}"
    edited = next(p for p in sandbox.store.all("Purchase") if p.get("DocNumber") == number)
    edited["TotalAmt"] = Decimal("95.40")
    edited["Line"][0]["Amount"] = Decimal("95.40")
    sandbox.store.replace("Purchase", edited)
    checklist = build_checklist(january.book, JANUARY, source=ConnectorLedgerSource(connector))
    item = next(i for i in checklist.items if i.code == "tie_out" and i.account == "Visa 4444")
    assert item.status is ItemStatus.BLOCKER
    assert "accounting system shows -251.89 USD for what we posted as -241.89 USD" in item.sentence


def test_a_document_missing_from_the_accounting_system_counts_as_zero(january, qbo) -> None:
    """Only part of the month posted to QBO: the missing documents read back as zero, with a note."""
    sandbox, connector = qbo
    _post_month(january, sandbox, connector)
    gone = next(p for p in sandbox.store.all("Purchase") if p.get("DocNumber") == f"BB-{january.expense('Starbucks'):04d}")
    sandbox.store.delete("Purchase", gone["Id"])
    visa = {t.account: t for t in compute_tieouts(january.book, JANUARY, source=ConnectorLedgerSource(connector))}["Visa 4444"]
    assert visa.accounting_difference == Decimal("23.99")
    assert any("not found in the accounting system" in note for note in visa.accounting_notes)
