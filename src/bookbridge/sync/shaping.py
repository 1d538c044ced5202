"""Which document a balanced entry becomes, for systems whose journals cannot carry every entry.

Pure: no database and no network. :mod:`bookbridge.sync.mapping` resolves an entry into a
:class:`~bookbridge.connectors.dto.JournalDocument`; most systems post that as it is. Some
journals are narrower. Xero's ManualJournals refuse bank accounts and system accounts (Accounts
Payable) and are in the base currency only (ERP_FACTS.md §2.3). A connector says so with two
optional attributes, read by :func:`capabilities`:

* ``journal_accepts_system_accounts`` (default True): False means a journal may not touch a bank,
  card or A/P account;
* ``journal_accepts_foreign_currency`` (default True): False means a journal is home-currency only.

For such a system the entry is reshaped by who paid, the side an accountant expects
(ACCOUNTING.md "who paid decides the credit side"):

* settled on one **bank or card** account: a *purchase* (Xero SPEND, RECEIVE for a refund) from
  that account, with the merchant as contact;
* settled on **Accounts Payable** with one vendor or employee: a *bill* (Xero ACCPAY) to them;
* anything else stays a journal, and a foreign-currency one is refused with a fix to make.

Amounts are carried over exactly: every debit line of the entry becomes one expense line of the
same amount on the same account (recoverable tax included, as its own line on the template's tax
account), and ``tax_mode`` is "not applicable" so the system adds no tax on top. The document's
total is therefore the entry's credit, and each expense is carried once. A foreign-currency entry
keeps its currency and rate unless the paying account is kept in the home currency, in which case
it goes in home amounts, because a bank transaction is always in its account's currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Sequence

from bookbridge.connectors.dto import (
    AccountClass,
    BillDocument,
    Document,
    EntityRef,
    ExpenseLine,
    JournalDocument,
    JournalLine,
    PaymentType,
    PurchaseDocument,
    Ref,
    TaxMode,
)

PAYING_CLASSES = frozenset({AccountClass.BANK, AccountClass.CREDIT_CARD})
SYSTEM_CLASSES = PAYING_CLASSES | {AccountClass.PAYABLE}

PayeeFinder = Callable[[], EntityRef | None]


@dataclass(frozen=True, slots=True)
class JournalCapabilities:
    """What a system's journal document can carry."""

    accepts_system_accounts: bool = True
    accepts_foreign_currency: bool = True

    @property
    def unrestricted(self) -> bool:
        return self.accepts_system_accounts and self.accepts_foreign_currency


def capabilities(connector: object) -> JournalCapabilities:
    """The journal capabilities ``connector`` declares (both True when it declares nothing)."""
    return JournalCapabilities(
        accepts_system_accounts=bool(getattr(connector, "journal_accepts_system_accounts", True)),
        accepts_foreign_currency=bool(getattr(connector, "journal_accepts_foreign_currency", True)),
    )


@dataclass(frozen=True, slots=True)
class ShapedLine:
    """One resolved line with what shaping needs to know about it."""

    line: JournalLine
    account_class: AccountClass | None
    account_currency: str | None
    home_debit: Decimal
    home_credit: Decimal


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an entry cannot be shaped for the system: a mapping problem for the exception queue.

    ``cause`` identifies it across entries and runs; ``fix`` says what a person can do.
    """

    cause: tuple[str, ...]
    title: str
    fix: str


def _problem(cause: tuple[str, ...], title: str, fix: str) -> Refusal:
    return Refusal(cause, title, fix)


def shape(
    doc: JournalDocument,
    lines: Sequence[ShapedLine],
    *,
    caps: JournalCapabilities,
    home_currency: str | None,
    payee: PayeeFinder,
    label: str,
) -> tuple[Document | None, tuple[Refusal, ...]]:
    """The document ``doc`` should go as on a system with ``caps``, or why it cannot go.

    ``lines`` are ``doc.lines`` with their account facts, in the same order. ``payee`` is asked
    for the merchant only when a purchase needs one (it may report a problem of its own).
    """
    foreign = doc.exchange_rate is not None or (home_currency is not None and doc.currency != home_currency)
    settling = [s for s in lines if s.account_class in SYSTEM_CLASSES]
    journal_ok = (caps.accepts_system_accounts or not settling) and (caps.accepts_foreign_currency or not foreign)
    if journal_ok:
        return doc, ()
    if not settling:
        return None, (_problem(
            ("foreign-journal", doc.currency),
            f"{label} cannot take {doc.currency} entries that are not paid by card, bank or a bill",
            f"{label} journals are in the home currency only. Map the credit side of these {doc.currency} expenses "
            "to a card or bank account (posted as spend money) or to Accounts Payable (posted as a bill to the "
            "employee or vendor), then sync again.",
        ),)
    accounts = {s.line.account.id for s in settling}
    if len(accounts) > 1:
        names = ", ".join(sorted(s.line.account.name or s.line.account.id for s in settling))
        return None, (_problem(
            ("settled-by-several", *sorted(accounts)),
            f"One entry is paid from several accounts ({names}); {label} needs one document per payer",
            "Group these expenses per expense or per report (setting grouping) so that each entry has one "
            "card, bank or payable account, then sync again.",
        ),)
    others = [s for s in lines if s.account_class not in SYSTEM_CLASSES]
    owed = sum((s.line.credit - s.line.debit for s in settling), Decimal(0))
    refund = owed < 0
    if owed == 0 or any((s.line.credit if not refund else s.line.debit) > 0 for s in others):
        return None, (_problem(
            ("mixed-directions", doc.key),
            f"An entry mixes purchases and refunds on different accounts; {label} cannot post it as one document",
            "Group these expenses per expense (setting grouping=expense), then sync again.",
        ),)
    first = settling[0]
    if first.account_class is AccountClass.PAYABLE:
        return _bill(doc, settling, others, refund=refund, label=label)
    return _purchase(doc, first, others, refund=refund, home_currency=home_currency, payee=payee, label=label)


def _expense_lines(others: Sequence[ShapedLine], *, refund: bool, home: bool) -> tuple[ExpenseLine, ...]:
    """Each non-settling line as a positive expense line of exactly its amount (home amounts if ``home``)."""
    result = []
    for s in others:
        line = s.line
        if home:
            amount = s.home_credit if refund else s.home_debit
        else:
            amount = line.credit if refund else line.debit
        result.append(ExpenseLine(account=line.account, amount=amount, description=line.description,
                                  dimensions=line.dimensions, tax_code=line.tax_code))
    return tuple(result)


def _bill(doc: JournalDocument, settling: Sequence[ShapedLine], others: Sequence[ShapedLine], *, refund: bool,
          label: str) -> tuple[Document | None, tuple[Refusal, ...]]:
    entities = {(s.line.entity.id, s.line.entity.name) for s in settling if s.line.entity is not None}
    if refund or len(entities) != 1 or any(s.line.entity is None for s in settling):
        why = ("a credit back from the vendor" if refund else
               "no vendor or employee" if not entities else "several vendors or employees")
        return None, (_problem(
            ("bill-contact", doc.key),
            f"A payable entry has {why}; {label} posts payables as a bill to one contact",
            "Group these expenses per expense or per report (setting grouping), and give reimbursable expenses "
            "their employee and bills their vendor, then sync again.",
        ),)
    (vendor_id, vendor_name), = entities
    return BillDocument(
        key=doc.key, date=doc.date, currency=doc.currency, vendor=Ref(vendor_id, vendor_name),
        lines=_expense_lines(others, refund=False, home=False), ap_account=settling[0].line.account,
        doc_number=doc.doc_number, memo=doc.memo, exchange_rate=doc.exchange_rate, tax_mode=TaxMode.NOT_APPLICABLE,
    ), ()


def _purchase(doc: JournalDocument, paying: ShapedLine, others: Sequence[ShapedLine], *, refund: bool,
              home_currency: str | None, payee: PayeeFinder, label: str) -> tuple[Document | None, tuple[Refusal, ...]]:
    account = paying.line.account
    account_currency = paying.account_currency or home_currency or doc.currency
    if account_currency == doc.currency:
        currency, rate, home = doc.currency, doc.exchange_rate, False
    elif account_currency == home_currency:
        # The card or bank is kept in the home currency: what left it is the home amount.
        currency, rate, home = home_currency, None, True
    else:
        return None, (_problem(
            ("paying-currency", account.id, doc.currency),
            f"{account.name or account.id} is kept in {account_currency}, these expenses are in {doc.currency}",
            f"{label} posts spend money in the paying account's currency. Map these expenses to a card or bank "
            f"account kept in {doc.currency} or in the home currency, then sync again.",
        ),)
    contact = payee()
    if contact is None:
        return None, (_problem(
            ("spend-contact", doc.key),
            f"{label} needs one merchant (contact) for each card or bank payment",
            "Give these expenses their merchant, or group them per expense (setting grouping=expense) so that "
            "each payment has one, then sync again.",
        ),)
    payment = PaymentType.CARD if paying.account_class is AccountClass.CREDIT_CARD else PaymentType.CASH
    return PurchaseDocument(
        key=doc.key, date=doc.date, currency=currency, payment_type=payment, paying_account=account,
        lines=_expense_lines(others, refund=refund, home=home), vendor=Ref(contact.id, contact.name),
        doc_number=doc.doc_number, memo=doc.memo, exchange_rate=rate, tax_mode=TaxMode.NOT_APPLICABLE,
        is_refund=refund,
    ), ()
