"""Merge draft lines, convert them to the home currency and settle rounding residues.

Residue rule (ACCOUNTING.md, "Rounding"): every line's home amount is its transaction amount ×
its rate, rounded half-up to the home minor unit. Independent roundings can leave the home
debits and credits a few minor units apart; that residue goes to the **largest line on the short
side** — the largest debit when home debits fall short, the largest credit when home credits do —
largest by absolute home amount (then transaction amount), the earliest line on a tie. Adding to
the short side only ever grows a line, so no line can flip from debit to credit however small
the amounts. In an expense entry with several debits the short side is often the credit line
(the sum of the others), so a payable's home amount may differ by a cent from ``total × rate``;
the FX settlement (``journal.settlement``) uses the booked figure, so no cent is lost.

The transaction currency needs no residue step: tax is rounded per line with the expense part
taking the remainder, splits come from ``core.money.allocate`` and the credit is the sum of the
debits, so drafts balance by construction. We still check, and refuse to return an entry that
does not (see ``journal.validation``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from bookbridge.coding.coded import Dimensions, Entity
from bookbridge.coding.fx import FxRate
from bookbridge.coding.tax import round_minor
from bookbridge.journal.lines import DraftLine
from bookbridge.journal.model import JournalLine, LineRole

_HOME_SOURCE = "home currency"


@dataclass(frozen=True, slots=True)
class _MergeKey:
    """Lines with equal keys are summed: same account, role, dimensions, entity, tax code, rate.

    The rate is part of the key so that every merged line still has exactly one rate, source and
    date to show (ACCOUNTING.md: keep the rate on every line); in the home currency all lines share
    the implicit rate 1 and sum freely.
    """

    account: str
    role: LineRole
    dimensions: Dimensions
    entity: Entity | None
    tax_code: str | None
    rate: FxRate | None


@dataclass
class _Merged:
    key: _MergeKey
    amount: Decimal
    memos: list[str]
    quantities: list[tuple[Decimal | None, str | None]]
    expense_keys: set[str]


def merge_drafts(drafts: Iterable[DraftLine]) -> list[_Merged]:
    """Sum drafts with the same merge key, in order of first appearance."""
    merged: dict[_MergeKey, _Merged] = {}
    for draft in drafts:
        key = _MergeKey(draft.account, draft.role, draft.dimensions, draft.entity, draft.tax_code, draft.rate)
        bucket = merged.get(key)
        if bucket is None:
            bucket = merged[key] = _Merged(key, Decimal(0), [], [], set())
        bucket.amount += draft.amount
        bucket.memos.append(draft.memo)
        bucket.quantities.append((draft.quantity, draft.unit))
        bucket.expense_keys.add(draft.expense_key)
    return list(merged.values())


def settle_residue(home_amounts: Sequence[Decimal], amounts: Sequence[Decimal]) -> list[Decimal]:
    """Make signed ``home_amounts`` sum to zero by adjusting the largest line on the short side.

    Args:
        home_amounts: signed home amounts, each already rounded.
        amounts: the matching signed transaction amounts, which decide each line's side.

    The short side is the one whose sign the residue has (positive residue: debits are short).
    Ties go to the earliest position, so the result depends only on the input order.
    """
    result = list(home_amounts)
    residue = -sum(result, Decimal(0))
    if not residue:
        return result
    candidates = [i for i, amount in enumerate(amounts) if (amount > 0) == (residue > 0) and amount != 0]
    if not candidates:  # only possible for an unbalanced draft, which validation reports
        candidates = list(range(len(result)))
    largest = max(candidates, key=lambda i: (abs(result[i]), abs(amounts[i]), -i))
    result[largest] += residue
    return result


def _memo(memos: list[str], count: int) -> str:
    distinct = list(dict.fromkeys(m for m in memos if m))
    if len(distinct) == 1:
        return distinct[0]
    return f"{count} expenses" if count > 1 else "; ".join(distinct)


def _quantity(quantities: list[tuple[Decimal | None, str | None]]) -> tuple[Decimal | None, str | None]:
    """Sum quantities only when every source line has one, in the same unit."""
    units = {unit for _, unit in quantities}
    if len(units) != 1 or any(q is None for q, _ in quantities):
        return None, None
    return sum((q for q, _ in quantities if q is not None), Decimal(0)), units.pop()


def journal_lines(drafts: Iterable[DraftLine], currency_code: str, home_currency: str) -> list[JournalLine]:
    """Merge drafts, convert to home, settle the home residue and order debits before credits.

    Lines whose merged amount is zero in both currencies are dropped: a purchase and its refund
    in the same batch cancel out. Their expenses stay in the entry's lineage.
    """
    merged = [m for m in merge_drafts(drafts) if m.amount != 0]
    # Debits first, then credits, each in order of first appearance: how accountants read entries.
    merged.sort(key=lambda m: m.amount < 0)
    home_amounts = settle_residue(
        [
            m.key.rate.convert(m.amount) if m.key.rate is not None else round_minor(m.amount, home_currency)
            for m in merged
        ],
        [m.amount for m in merged],
    )
    lines: list[JournalLine] = []
    for bucket, home in zip(merged, home_amounts):
        rate = bucket.key.rate
        quantity, unit = _quantity(bucket.quantities)
        lines.append(
            JournalLine(
                account=bucket.key.account,
                # round_minor only fixes the exponent of the zero side ("0.00", not "0"), so
                # amounts print with the currency's decimals; the values are already exact.
                debit=round_minor(max(bucket.amount, Decimal(0)), currency_code),
                credit=round_minor(max(-bucket.amount, Decimal(0)), currency_code),
                home_debit=round_minor(max(home, Decimal(0)), home_currency),
                home_credit=round_minor(max(-home, Decimal(0)), home_currency),
                currency=currency_code,
                rate=rate.rate if rate is not None else Decimal(1),
                rate_source=rate.source if rate is not None else _HOME_SOURCE,
                rate_date=rate.as_of if rate is not None else None,
                role=bucket.key.role,
                dimensions=bucket.key.dimensions,
                memo=_memo(bucket.memos, len(bucket.expense_keys)),
                quantity=quantity,
                unit=unit,
                entity=bucket.key.entity,
                tax_code=bucket.key.tax_code,
                source_expense_keys=tuple(sorted(bucket.expense_keys)),
            )
        )
    return lines
