"""Settlement of a foreign-currency reimbursement, with its realised FX gain or loss.

ACCOUNTING.md example 10: a EUR 195.00 hotel booked at USD 210.00 is reimbursed later at
1.085 USD/EUR, i.e. USD 211.58 from the USD bank account:
Dr Employee payable 210.00, Dr Realised FX loss 1.58 / Cr Bank 211.58. Had the euro fallen, the
difference would be a credit to the realised FX gain account.

The entry is in the home currency: the payable is cleared at its booked home value (what the
original entry put there), the bank pays what the settlement rate says, and the difference is the
realised gain or loss. Every line is in the home currency (rate 1), so the foreign amount and
the settlement rate with its source and date are written into the memos for the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bookbridge.coding.coded import Dimensions, Entity
from bookbridge.coding.fx import FxRate, settle_foreign_balance
from bookbridge.coding.tax import round_minor
from bookbridge.core.keys import short_key
from bookbridge.journal.balance import settle_residue
from bookbridge.journal.model import Grouping, JournalEntry, JournalLine, LineRole


@dataclass(frozen=True, slots=True)
class SettlementAccounts:
    """The accounts a reimbursement touches.

    Attributes:
        payable: the employee payable (or A/P) the original entry credited.
        bank: the home-currency bank account that pays.
        fx_gain: realised FX gain (credited when the payment costs less than booked).
        fx_loss: realised FX loss (debited when it costs more). May equal ``fx_gain`` for books
            that keep one "Realised FX gain/loss" account.
    """

    payable: str
    bank: str
    fx_gain: str
    fx_loss: str


def build_fx_settlement(
    *,
    accounts: SettlementAccounts,
    foreign_amount: Decimal,
    booked_home: Decimal,
    settlement_rate: FxRate,
    on: date,
    entity: Entity | None,
    source_expense_keys: tuple[str, ...],
    memo: str = "",
) -> JournalEntry:
    """The home-currency entry that clears a foreign payable at ``settlement_rate``.

    Args:
        accounts: payable, bank and FX accounts.
        foreign_amount: the foreign balance being paid (EUR 195.00); negative when the employee
            pays the company back.
        booked_home: the payable's home value as booked by the original entry (USD 210.00).
        settlement_rate: home per foreign unit on the payment date (1.085 USD/EUR).
        on: payment date.
        entity: the employee (or vendor) being paid; kept on the payable and bank lines.
        source_expense_keys: the expenses this payment settles (lineage, and the entry key).
        memo: description; a default names the amount and rate.
    """
    home = settlement_rate.quote
    figures = settle_foreign_balance(foreign_amount, booked_home, settlement_rate)
    rate_text = f"{settlement_rate.base} {foreign_amount} @ {settlement_rate.rate} ({settlement_rate.source} {settlement_rate.as_of.isoformat()})"
    keys = tuple(sorted(source_expense_keys))
    # Signed amounts (debit > 0): clear the payable at its booked value, pay from the bank, and
    # put the difference on FX. The three sum to zero by construction; settle_residue is a no-op
    # kept so the balancing rule lives in one place.
    signed = [figures.booked_home, -figures.paid_home]
    roles = [(accounts.payable, LineRole.CREDIT, entity, memo or f"Reimbursement {rate_text}"),
             (accounts.bank, LineRole.SETTLEMENT, entity, f"Paid {rate_text}")]
    if figures.difference:
        fx_account = accounts.fx_loss if figures.difference > 0 else accounts.fx_gain
        kind = "loss" if figures.difference > 0 else "gain"
        signed.append(figures.difference)
        roles.append((fx_account, LineRole.FX, None, f"Realised FX {kind} on {rate_text}"))
    signed = settle_residue(signed, signed)
    lines = tuple(
        JournalLine(
            account=account,
            debit=round_minor(max(amount, Decimal(0)), home),
            credit=round_minor(max(-amount, Decimal(0)), home),
            home_debit=round_minor(max(amount, Decimal(0)), home),
            home_credit=round_minor(max(-amount, Decimal(0)), home),
            currency=home,
            rate=Decimal(1),
            rate_source="home currency",
            rate_date=None,
            role=role,
            dimensions=Dimensions(),
            memo=line_memo,
            entity=line_entity,
            source_expense_keys=keys,
        )
        for amount, (account, role, line_entity, line_memo) in zip(signed, roles)
    )
    lines = tuple(sorted(lines, key=lambda line: line.debit == 0))  # debits first, stable
    return JournalEntry(
        key=short_key("fx-settlement", on.isoformat(), settlement_rate.base, home, *keys),
        date=on,
        memo=memo or f"Reimbursement {rate_text}",
        currency=home,
        home_currency=home,
        lines=lines,
        template_versions=(),
        source_expense_keys=keys,
        grouping=Grouping.PER_EXPENSE,
        reverses_key=None,
    )
