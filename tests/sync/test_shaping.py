"""Shaping an entry for a system whose journals are narrow (Xero): pure, no database, no network."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings, strategies as st

from bookbridge.connectors.dto import (
    AccountClass,
    BillDocument,
    EntityKind,
    EntityRef,
    JournalDocument,
    JournalLine,
    PaymentType,
    PurchaseDocument,
    Ref,
    TaxMode,
)
from bookbridge.sync.shaping import JournalCapabilities, ShapedLine, capabilities, shape

NARROW = JournalCapabilities(accepts_system_accounts=False, accepts_foreign_currency=False)
CARD = Ref("card-id", "Company Visa")
AP = Ref("ap-id", "Accounts Payable")
EXPENSES = [Ref(f"exp-{n}", f"Expense {n}") for n in range(4)]
MERCHANT = EntityRef(EntityKind.VENDOR, "pilot", "Pilot Flying J")
CLASSES = {CARD.id: AccountClass.CREDIT_CARD, AP.id: AccountClass.PAYABLE}


def _shaped(doc: JournalDocument, currencies: dict[str, str] | None = None) -> list[ShapedLine]:
    return [ShapedLine(line, CLASSES.get(line.account.id, AccountClass.EXPENSE), (currencies or {}).get(line.account.id),
                       _home(line.debit, doc), _home(line.credit, doc))
            for line in doc.lines]


def _home(amount: Decimal, doc: JournalDocument) -> Decimal:
    """The home amount the journal builder keeps on a line (rounded to cents)."""
    return (amount * (doc.exchange_rate or 1)).quantize(Decimal("0.01"))


def _entry(debits: list[Decimal], credit: Ref, *, currency: str = "USD", rate: Decimal | None = None,
           entity: EntityRef | None = None) -> JournalDocument:
    lines = tuple(JournalLine(EXPENSES[n % len(EXPENSES)], debit=amount, description=f"line {n}")
                  for n, amount in enumerate(debits))
    lines += (JournalLine(credit, credit=sum(debits, Decimal(0)), entity=entity),)
    return JournalDocument(key="k1", date=date(2026, 3, 2), currency=currency, lines=lines, doc_number="BB-1",
                           memo="memo", exchange_rate=rate)


def _run(doc: JournalDocument, caps: JournalCapabilities = NARROW, **facts):
    return shape(doc, _shaped(doc, facts.get("currencies")), caps=caps, home_currency="USD",
                 payee=lambda: facts.get("payee", MERCHANT), label="Xero")


amounts = st.lists(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2), min_size=1,
                   max_size=6)


@settings(max_examples=60, deadline=None)
@given(amounts)
def test_card_entry_becomes_spend_money_carrying_each_debit_once(debits: list[Decimal]) -> None:
    """A card-paid entry becomes one purchase from the card whose lines are exactly the entry's debits."""
    doc, problems = _run(_entry(debits, CARD))
    assert problems == () and isinstance(doc, PurchaseDocument)
    assert [line.amount for line in doc.lines] == debits and doc.paying_account == CARD
    assert sum(line.amount for line in doc.lines) == sum(debits)
    assert doc.payment_type is PaymentType.CARD and doc.tax_mode is TaxMode.NOT_APPLICABLE and not doc.is_refund


@settings(max_examples=60, deadline=None)
@given(amounts)
def test_payable_entry_becomes_a_bill_to_its_contact(debits: list[Decimal]) -> None:
    """An entry credited to A/P with an employee becomes a bill to that employee for the same total."""
    employee = EntityRef(EntityKind.VENDOR, "jorge", "Jorge")
    doc, problems = _run(_entry(debits, AP, entity=employee))
    assert problems == () and isinstance(doc, BillDocument)
    assert doc.vendor == Ref("jorge", "Jorge") and doc.ap_account == AP
    assert [line.amount for line in doc.lines] == debits


def test_refund_on_the_card_is_money_received() -> None:
    """The mirror entry (Dr card / Cr expense) is a refund purchase of the same amount."""
    doc = JournalDocument(key="k", date=date(2026, 3, 2), currency="USD", lines=(
        JournalLine(CARD, debit=Decimal("23.99")), JournalLine(EXPENSES[0], credit=Decimal("23.99"))))
    shaped, problems = _run(doc)
    assert problems == () and isinstance(shaped, PurchaseDocument) and shaped.is_refund
    assert [line.amount for line in shaped.lines] == [Decimal("23.99")]


def test_foreign_entry_on_a_card_in_its_currency_keeps_currency_and_rate() -> None:
    """EUR on a EUR card: spend money in EUR with the entry's rate."""
    doc, _ = _run(_entry([Decimal("195.00")], CARD, currency="EUR", rate=Decimal("1.076923")),
                  currencies={CARD.id: "EUR"})
    assert isinstance(doc, PurchaseDocument) and (doc.currency, doc.exchange_rate) == ("EUR", Decimal("1.076923"))


def test_foreign_entry_on_a_home_currency_card_goes_in_home_amounts() -> None:
    """EUR charged to a USD card: the spend is what left the card, in USD, without a rate."""
    doc, _ = _run(_entry([Decimal("195.00")], CARD, currency="EUR", rate=Decimal("1.076923")),
                  currencies={CARD.id: "USD"})
    assert isinstance(doc, PurchaseDocument) and (doc.currency, doc.exchange_rate) == ("USD", None)
    assert [line.amount for line in doc.lines] == [Decimal("210.00")]


def test_foreign_entry_without_card_bank_or_payable_is_refused_with_a_fix() -> None:
    """A foreign entry credited to an ordinary liability cannot be a home-currency journal: a mapping problem."""
    doc, problems = _run(_entry([Decimal("10.00")], Ref("liab", "Payroll clearing"), currency="EUR",
                                rate=Decimal("1.1")))
    assert doc is None and problems[0].cause == ("foreign-journal", "EUR") and "Accounts Payable" in problems[0].fix


def test_home_entry_without_system_accounts_stays_a_journal() -> None:
    """Nothing for the journal to refuse: the document is returned as it is."""
    doc = _entry([Decimal("10.00")], Ref("liab", "Payroll clearing"))
    assert _run(doc) == (doc, ())


def test_card_entry_without_a_merchant_is_refused() -> None:
    """Spend money needs a contact: no single merchant is a problem, not a guess."""
    doc, problems = _run(_entry([Decimal("10.00")], CARD), payee=None)
    assert doc is None and problems[0].cause == ("spend-contact", "k1")


def test_systems_without_the_attributes_keep_journals() -> None:
    """A connector that declares nothing keeps every entry a journal (QBO, Intacct, NetSuite)."""
    assert capabilities(object()).unrestricted
    doc = _entry([Decimal("10.00")], CARD)
    assert _run(doc, caps=capabilities(object())) == (doc, ())
