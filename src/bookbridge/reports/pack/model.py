"""The frozen snapshot a pack is printed from: plain text values, gathered once, queried never again.

The PDF and CSV writers get a :class:`PackSnapshot` and nothing else, so both show the very same
rows in the very same order, and neither can wander into the book while writing. Every cell is
already text (amounts as plain decimals with the currency's own number of places), which keeps
the writers free of formatting rules and the output deterministic.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Iterable, Sequence

from bookbridge.core.money import Money
from bookbridge.reconcile.checklist import Checklist


def amount_text(minor: int | None, currency: str) -> str:
    """Integer minor units as a plain decimal (``-85.40``, ``1868`` for JPY); empty for None."""
    return "" if minor is None else format(Money.from_minor(minor, currency).amount, "f")


def decimal_text(value: Decimal | None, currency: str) -> str:
    """A Decimal amount shown with the currency's minor unit; empty for None."""
    return "" if value is None else format(Money(value, currency).quantize().amount, "f")


def when_text(value: datetime | date | None) -> str:
    """ISO text (UTC, to the second) for a timestamp or a date; empty for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S UTC")
    return value.isoformat()


@dataclass(frozen=True, slots=True)
class Table:
    """One table of the pack, printed in the PDF and written as one CSV file.

    Attributes:
        name: the CSV file's stem (``matched_lines``).
        title: the heading above the table.
        columns: the header row (repeated on every page the table spans).
        rows: the body, already in the order to print.
        totals: total rows (one per currency when amounts are in several).
        numeric: indexes of the columns holding amounts or counts (right-aligned).
        empty_text: what to print instead of an empty table.
    """

    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    totals: tuple[tuple[str, ...], ...] = ()
    numeric: tuple[int, ...] = ()
    empty_text: str = "Nothing to show."
    widths: tuple[float, ...] | None = None  # relative column widths for the PDF


@dataclass(frozen=True, slots=True)
class Section:
    """A chapter of the pack: a heading, a sentence saying what it shows, its tables."""

    title: str
    intro: str
    tables: tuple[Table, ...]


@dataclass(frozen=True, slots=True)
class ReceiptImage:
    """A receipt for the appendix; ``content`` is set only for images the PDF can draw."""

    expense_id: int
    day: date
    vendor: str
    amount: str
    currency: str
    file_name: str
    mime_type: str
    sha256: str
    content: bytes | None

    @property
    def caption(self) -> str:
        return f"Expense #{self.expense_id}, {self.day.isoformat()}, {self.vendor}, {self.amount} {self.currency}"


@dataclass(frozen=True, slots=True)
class Cover:
    """What the cover states about the pack and the book it came from."""

    company: str
    home_currency: str
    period: str
    period_start: date
    period_end: date
    preparer: str
    generated_at: datetime
    book_file: str
    book_id: str
    book_fingerprint: str
    schema_version: str
    signed_off: bool
    signed_off_by: str | None
    signed_off_at: datetime | None
    signoff_checklist_sha256: str | None
    accounting_source: str


@dataclass(frozen=True, slots=True)
class PackSnapshot:
    """Everything a pack shows, frozen at one moment."""

    cover: Cover
    checklist: Checklist
    sections: tuple[Section, ...]
    receipts: tuple[ReceiptImage, ...]

    def tables(self) -> list[Table]:
        """Every table, in print order (the CSV export writes these)."""
        return [table for section in self.sections for table in section.tables]


def totals_by_currency(
    rows: Iterable[Sequence[str]], *, currency_col: int, amount_cols: Sequence[int], width: int, label_col: int = 0
) -> tuple[tuple[str, ...], ...]:
    """Total rows for ``amount_cols``, one per currency found in ``currency_col``, sorted by currency.

    The label (``Total USD (4)``) goes in ``label_col``; other cells stay empty.
    """
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * len(amount_cols))
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        code = row[currency_col]
        counts[code] += 1
        for n, col in enumerate(amount_cols):
            if row[col]:
                sums[code][n] += Decimal(row[col])
    result = []
    for code in sorted(sums):
        cells = [""] * width
        cells[label_col] = f"Total {code} ({counts[code]})"
        cells[currency_col] = code
        for n, col in enumerate(amount_cols):
            cells[col] = decimal_text(sums[code][n], code)
        result.append(tuple(cells))
    return tuple(result)
