"""Building the debit-side lines of one expense from its mapping and the rules' decisions (pure).

Amount rules, so that the lines always add up to what the payer is credited:

* The main line carries the amount paid (tax included) when the tax code is inclusive or there
  is none. For an exclusive tax code the line must be net of tax: the paid amount minus the tax
  the source stated, or, when none was stated, paid ÷ (1 + rate) rounded half-up.
* A quantity with a rate (mileage) prices the line as quantity × rate, rounded half-up once.
* A per-diem caps the main line (``coding.perdiem``); the excess is flagged or gets its own line.
* A split shares out the (capped) main line: percentages through :func:`core.money.allocate`,
  whose residue goes to the largest share, or fixed amounts plus one "rest" share. Split shares
  drop the quantity, which would otherwise be counted once per share.
* Extra field lines (miles × rate on a trip) are added after, untaxed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from bookbridge.coding.coded import CodedLine, Dimensions, LineKind, quantity_line, quantity_memo
from bookbridge.coding.outcome import ProblemKind
from bookbridge.coding.perdiem import PerDiemConfigError, apply_per_diem, split_line_for_per_diem
from bookbridge.coding.rules import RuleResult, Split, SplitBy
from bookbridge.coding.spec import MappingSpec
from bookbridge.coding.tax import TaxMode, TaxTreatment, gross_of, round_minor
from bookbridge.coding.view import ExpenseView
from bookbridge.core.errors import MoneyError
from bookbridge.core.money import Money, allocate


class LineBuildError(Exception):
    """Internal signal that the lines cannot be built; the engine turns it into a problem.

    Not a BookbridgeError: it never leaves the engine, which reports it as data.
    """

    def __init__(self, kind: ProblemKind, subject: str, message: str) -> None:
        super().__init__(message)
        self.kind, self.subject, self.message = kind, subject, message


@dataclass(frozen=True, slots=True)
class BuiltLines:
    lines: tuple[CodedLine, ...]
    flags: tuple[str, ...]


def build_lines(mapping: MappingSpec, result: RuleResult, tax: TaxTreatment | None, kind: LineKind) -> BuiltLines:
    """The debit lines for ``result.expense`` under ``mapping`` (see the module docstring).

    Raises:
        LineBuildError: a needed custom field is missing or not a number, a fixed split does not
            add up, or the per-diem cannot be applied as configured.
    """
    expense = result.expense
    flags: list[str] = []
    dimensions = _dimensions(mapping, result, flags)
    main = _main_line(mapping, expense, tax, kind, dimensions, flags)
    lines: tuple[CodedLine, ...] = (main,)
    if result.per_diem is not None:
        lines = _apply_per_diem(result, main, flags)
    if result.split is not None:
        lines = _split(result.split, result.split_rule or "", lines[0], expense.currency) + lines[1:]
    return BuiltLines(lines + _field_lines(mapping, expense, dimensions), tuple(flags))


def _dimensions(mapping: MappingSpec, result: RuleResult, flags: list[str]) -> dict[str, str]:
    """Fixed template values, then values fed from custom fields, then rule-set values on top."""
    values = dict(mapping.dimensions)
    for dimension, field_name in mapping.dimension_fields.items():
        fed = result.expense.field(field_name)
        if fed and fed.strip():
            values[dimension] = fed.strip()
        else:
            flags.append(f"custom field '{field_name}' is empty, so the line has no {dimension}")
    values.update(result.dimensions)
    return values


def _main_line(
    mapping: MappingSpec,
    expense: ExpenseView,
    tax: TaxTreatment | None,
    kind: LineKind,
    dimensions: dict[str, str],
    flags: list[str],
) -> CodedLine:
    currency = expense.currency
    quantity = mapping.quantity
    if quantity is not None and quantity.priced:
        count = _number(expense, quantity.field, required=True)
        rate = quantity.rate if quantity.rate is not None else _number(expense, quantity.rate_field or "", required=True)
        assert count is not None and rate is not None  # required=True raised otherwise
        line = quantity_line(mapping.account, count, quantity.unit, rate, currency, dimensions=dimensions, tax=tax, kind=kind)
        paid = expense.amount.amount
        if paid != 0 and _line_gross(line, currency) != paid:
            flags.append(f"{line.memo} = {line.amount} {currency} differs from the source amount {paid} {currency}")
        return line
    amount = _line_amount(expense, tax)
    memo = mapping.memo
    count = None
    if quantity is not None:
        count = _number(expense, quantity.field, required=False)
        if count is not None:
            memo = quantity_memo(count, quantity.unit)
    return CodedLine(
        account=mapping.account,
        amount=amount,
        dimensions=Dimensions(dimensions),
        memo=memo,
        quantity=count,
        unit=quantity.unit if quantity is not None and count is not None else None,
        tax=tax,
        kind=kind,
    )


def _line_gross(line: CodedLine, currency: str) -> Decimal:
    return gross_of(line.amount, line.tax, currency)


def _line_amount(expense: ExpenseView, tax: TaxTreatment | None) -> Decimal:
    """The main line's amount: gross, or net of tax for an exclusive tax code."""
    paid = expense.amount.amount
    currency = expense.currency
    if tax is None or tax.mode is not TaxMode.EXCLUSIVE or tax.rate == 0:
        return round_minor(paid, currency)
    if expense.tax is not None and expense.tax.currency == currency:
        return round_minor(paid - expense.tax.amount, currency)
    return round_minor(paid / (1 + tax.rate), currency)


def _number(expense: ExpenseView, field_name: str, *, required: bool) -> Decimal | None:
    raw = expense.field(field_name)
    if raw is None or not raw.strip():
        if required:
            raise LineBuildError(ProblemKind.MISSING_FIELD, field_name, f"custom field '{field_name}' is missing")
        return None
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise LineBuildError(ProblemKind.BAD_FIELD, field_name, f"custom field '{field_name}' is not a number: {raw!r}")
    return value


def _apply_per_diem(result: RuleResult, line: CodedLine, flags: list[str]) -> tuple[CodedLine, ...]:
    action = result.per_diem
    assert action is not None
    expense = result.expense
    rate = action.rate_for(expense)
    if rate is None:
        where = expense.field(action.location_field) or "(none)"
        flags.append(f"no per-diem rate for location '{where}' in table '{action.table.name}'")
        return (line,)
    days = Decimal(1)
    if action.days_field and expense.field(action.days_field) is not None:
        days = _number(expense, action.days_field, required=True) or Decimal(0)
    try:
        outcome = apply_per_diem(line.amount, rate, expense.currency, action.excess, days=days)
        lines = split_line_for_per_diem(line, outcome, action.excess, action.excess_account)
    except (MoneyError, PerDiemConfigError) as exc:
        raise LineBuildError(ProblemKind.PER_DIEM, result.per_diem_rule or "", exc.user_message) from exc
    if outcome.needs_approval:
        flags.append(outcome.reason)
    return lines


def _split(split: Split, rule_id: str, line: CodedLine, currency: str) -> tuple[CodedLine, ...]:
    if split.by is SplitBy.PERCENT:
        weights = [part.share or Decimal(0) for part in split.parts]
        amounts = [m.amount for m in allocate(Money(line.amount, currency), weights)]
    else:
        amounts = _fixed_amounts(split, rule_id, line.amount, currency)
    shares = []
    for part, amount in zip(split.parts, amounts):
        shares.append(
            replace(
                line,
                account=part.account or line.account,
                amount=amount,
                dimensions=Dimensions({**line.dimensions, **part.dimensions}),
                quantity=None,
                unit=None,
                unit_price=None,
            )
        )
    non_zero = tuple(share for share in shares if share.amount != 0)
    return non_zero or tuple(shares[:1])


def _fixed_amounts(split: Split, rule_id: str, total: Decimal, currency: str) -> list[Decimal]:
    """Fixed shares carry the expense's sign (a refund splits into negative shares)."""
    sign = Decimal(-1) if total < 0 else Decimal(1)
    fixed = {i: sign * round_minor(p.share, currency) for i, p in enumerate(split.parts) if p.share is not None}
    rest = total - sum(fixed.values(), Decimal(0))
    rest_index = next((i for i, p in enumerate(split.parts) if p.is_rest), None)
    stated = " + ".join(f"{abs(v)}" for v in fixed.values())
    if rest_index is None and rest != 0:
        raise LineBuildError(
            ProblemKind.SPLIT_MISMATCH, rule_id, f"the split amounts {stated} do not add up to {abs(total)} {currency}"
        )
    if rest_index is not None and rest * sign < 0:
        raise LineBuildError(
            ProblemKind.SPLIT_MISMATCH, rule_id, f"the split amounts {stated} exceed the expense's {abs(total)} {currency}"
        )
    return [fixed[i] if i in fixed else rest for i in range(len(split.parts))]


def _field_lines(mapping: MappingSpec, expense: ExpenseView, dimensions: dict[str, str]) -> tuple[CodedLine, ...]:
    lines = []
    for extra in mapping.field_lines:
        count = _number(expense, extra.field, required=False)
        if count is None:
            continue  # a trip without miles simply has no mileage line
        rate = extra.rate if extra.rate is not None else _number(expense, extra.rate_field or "", required=True)
        assert rate is not None
        lines.append(
            quantity_line(
                extra.account,
                count,
                extra.unit,
                rate,
                expense.currency,
                dimensions={**dimensions, **extra.dimensions},
            )
        )
    return tuple(lines)
