"""Checks on a converted expense, returned as data: warnings keep the row and flag it for review.

(Errors that reject a row come from parsing, in :mod:`bookbridge.ingest.convert`.) Refunds,
i.e. negative amounts, are valid expenses and raise nothing.

Thresholds live in the book's ``settings`` table, declared once in :data:`IMPORT_SETTINGS`:

=================================  =======  ====================================================
key                                default  meaning
=================================  =======  ====================================================
import.large_amount_threshold      2500.00  warn when abs(amount) is over this, in the row's own
                                            currency; ``import.large_amount_threshold.JPY``
                                            (any ISO code) overrides it for one currency
import.receipt_required_over       75.00    warn when an expense over this has no receipt (75
                                            is the US IRS receipt threshold); per-currency
                                            overrides as above
import.future_date_grace_days      1        dates up to this many days after today are not
                                            flagged (time zones, card cut-offs)
=================================  =======  ====================================================
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Mapping

import sqlalchemy as sa

from bookbridge.core.errors import BookbridgeError
from bookbridge.core.money import Money, minor_units_text
from bookbridge.ingest.model import ExpenseDraft, Issue, Severity, warning
from bookbridge.store.models import Setting


@dataclass(frozen=True)
class SettingSpec:
    """One declared setting: key, default (JSON text), and what it means."""

    key: str
    default: str
    label: str


LARGE_AMOUNT = SettingSpec("import.large_amount_threshold", '"2500.00"',
                           "Flag expenses whose absolute amount is over this (row currency)")
RECEIPT_OVER = SettingSpec("import.receipt_required_over", '"75.00"', "Flag expenses over this with no receipt")
FUTURE_GRACE = SettingSpec("import.future_date_grace_days", "1", "Days after today before a date counts as future")
IMPORT_SETTINGS = (LARGE_AMOUNT, RECEIPT_OVER, FUTURE_GRACE)


@dataclass(frozen=True)
class ImportSettings:
    """The thresholds validation uses (defaults as documented in the module)."""

    large_amount: Decimal = Decimal("2500.00")
    receipt_required_over: Decimal = Decimal("75.00")
    future_grace_days: int = 1
    large_amount_by_currency: Mapping[str, Decimal] = field(default_factory=dict)
    receipt_by_currency: Mapping[str, Decimal] = field(default_factory=dict)

    def large_threshold(self, currency: str) -> Decimal:
        return self.large_amount_by_currency.get(currency, self.large_amount)

    def receipt_threshold(self, currency: str) -> Decimal:
        return self.receipt_by_currency.get(currency, self.receipt_required_over)


def _number(key: str, text: str) -> Decimal:
    try:
        value = json.loads(text, parse_float=Decimal)
        number = Decimal(str(value)) if isinstance(value, (int, str)) else value
        if not isinstance(number, Decimal) or not number.is_finite():
            raise InvalidOperation
        return number
    except (ValueError, InvalidOperation):
        raise BookbridgeError(f"The book setting {key} is {text!r}, which is not a number; fix it in settings.") from None


def load_import_settings(conn: sa.Connection) -> ImportSettings:
    """Read the import thresholds from the book, falling back to the documented defaults."""
    rows = dict(conn.execute(sa.select(Setting.key, Setting.value_json).where(Setting.key.like("import.%"))).all())
    large, receipt = {}, {}
    for key, text in rows.items():
        prefix, _, code = key.rpartition(".")
        if prefix == LARGE_AMOUNT.key:
            large[code.upper()] = _number(key, text)
        elif prefix == RECEIPT_OVER.key:
            receipt[code.upper()] = _number(key, text)
    grace = _number(FUTURE_GRACE.key, rows.get(FUTURE_GRACE.key, FUTURE_GRACE.default))
    return ImportSettings(
        large_amount=_number(LARGE_AMOUNT.key, rows.get(LARGE_AMOUNT.key, LARGE_AMOUNT.default)),
        receipt_required_over=_number(RECEIPT_OVER.key, rows.get(RECEIPT_OVER.key, RECEIPT_OVER.default)),
        future_grace_days=int(grace),
        large_amount_by_currency=large,
        receipt_by_currency=receipt,
    )


# Driver pay and mileage are not purchases: no vendor and no receipt are expected.
_NOT_PURCHASES = frozenset({"driver_pay", "mileage"})
_WARNING = Severity.WARNING


class DraftValidator:
    """Checks drafts against the thresholds (converted to each currency's minor units once)."""

    def __init__(self, settings: ImportSettings, today: date) -> None:
        self.settings = settings
        self.latest_ok = today + timedelta(days=settings.future_grace_days)
        # currency -> (exponent, large limit, receipt limit, large text, receipt text), once each.
        self._limits: dict[str, tuple[int, int, int, str, str]] = {}

    def _limits_for(self, currency: str) -> tuple[int, int, int, str, str]:
        limits = self._limits.get(currency)
        if limits is None:
            exponent = Money.zero(currency).exponent
            large, receipt = self.settings.large_threshold(currency), self.settings.receipt_threshold(currency)
            limits = self._limits[currency] = (
                exponent,
                int(large.scaleb(exponent).to_integral_value(ROUND_HALF_UP)),
                int(receipt.scaleb(exponent).to_integral_value(ROUND_HALF_UP)),
                f"{large} {currency}", f"{receipt} {currency}",
            )
        return limits

    def check(self, draft: ExpenseDraft, *, has_receipt: bool) -> list[Issue]:
        """Warnings for a converted row (see the module docstring for the thresholds).

        Runs once per landed row, so issues are built directly rather than through
        :func:`~bookbridge.ingest.model.warning`, and the limits are one dictionary hit.
        """
        issues: list[Issue] = []
        line, minor, currency = draft.line, draft.amount_minor, draft.currency
        limits = self._limits.get(currency) or self._limits_for(currency)
        if not draft.category:
            issues.append(Issue(_WARNING, "missing_category", "No category: the row needs coding by hand.", "category",
                                line))
        expense_type = None
        for name, value in draft.fields:  # a plain loop: draft.field() cost a generator per row
            if name == "expense_type":
                expense_type = value
                break
        purchase = expense_type not in _NOT_PURCHASES
        if not draft.vendor and purchase:
            issues.append(Issue(_WARNING, "missing_vendor", "No vendor name.", "vendor", line))
        if minor == 0:
            issues.append(Issue(_WARNING, "zero_amount", "The amount is zero.", "amount", line))
        if draft.txn_date > self.latest_ok:
            issues.append(Issue(_WARNING, "future_date", f"{draft.txn_date.isoformat()} is in the future.", "date",
                                line))
        exponent, large, receipt, large_text, receipt_text = limits
        if abs(minor) > large:
            issues.append(Issue(_WARNING, "large_amount", f"{minor_units_text(minor, exponent)} {currency} is over "
                                f"the review threshold of {large_text}.", "amount", line))
        if minor > receipt and not has_receipt and purchase:
            issues.append(Issue(_WARNING, "receipt_missing", f"No receipt for {minor_units_text(minor, exponent)} "
                                f"{currency} (receipts are expected over {receipt_text}).", "receipt", line))
        if expense_type == "mileage":
            issues.extend(_mileage_check(draft))
        return issues


def validate_draft(draft: ExpenseDraft, settings: ImportSettings, today: date, *, has_receipt: bool) -> list[Issue]:
    """Warnings for one draft (a convenience over :class:`DraftValidator`)."""
    return DraftValidator(settings, today).check(draft, has_receipt=has_receipt)


def _mileage_check(draft: ExpenseDraft) -> list[Issue]:
    """A mileage row whose amount is not miles x rate is worth a second look."""
    miles, rate = draft.field("miles"), draft.field("per_mile_rate")
    if draft.field("expense_type") != "mileage" or miles is None or rate is None:
        return []
    amount = draft.amount
    expected = (Decimal(miles) * Decimal(rate)).quantize(Decimal(1).scaleb(-amount.exponent), rounding=ROUND_HALF_UP)
    if expected == amount.amount:
        return []
    return [warning("mileage_mismatch", f"{miles} miles at {rate} is {expected}, not {amount.amount}.",
                    "amount", draft.line)]
