"""The data that flows through the import pipeline: raw records, drafts, issues.

Everything here is a frozen dataclass so results can cross threads (the GUI's import preview runs
off the GUI thread) and be compared in tests. No ORM objects leave the ingest package.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping, NamedTuple

from bookbridge.core.keys import canonical_json
from bookbridge.core.money import Money
from bookbridge.store.models import PaymentMethod


class Severity(str, enum.Enum):
    """How bad an issue is: errors reject the row, warnings keep it and flag it."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Issue:
    """One validation finding, as data (validation never raises).

    Attributes:
        severity: error (the row is rejected) or warning (the row lands, flagged).
        code: a stable machine code (``missing_amount``, ``future_date``...).
        message: a sentence a bookkeeper can act on.
        field: the canonical field concerned (``amount``, ``date``...), if any.
        line: the physical line in the file (header counted), if the issue belongs to a row.
    """

    severity: Severity
    code: str
    message: str
    field: str | None = None
    line: int | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def at(self, line: int | None) -> "Issue":
        """The same issue placed on a line."""
        return Issue(self.severity, self.code, self.message, self.field, line)

    def to_json(self) -> dict[str, object]:
        return {"line": self.line, "field": self.field, "code": self.code,
                "severity": self.severity.value, "message": self.message}


def error(code: str, message: str, field: str | None = None, line: int | None = None) -> Issue:
    return Issue(Severity.ERROR, code, message, field, line)


def warning(code: str, message: str, field: str | None = None, line: int | None = None) -> Issue:
    return Issue(Severity.WARNING, code, message, field, line)


class RawRecord(NamedTuple):
    """One input row as read, before any interpretation.

    A named tuple rather than a frozen dataclass (equally immutable): readers make one per row,
    and a frozen dataclass's ``__init__`` costs twice as much.

    Attributes:
        line: the physical line where the row starts (1-based, header and preamble counted).
        values: source column or key (normalised: case-folded, single spaces) -> text.
        original: what the reader saw: ``(header names, cells)`` for CSV, the object for JSON/XML.
        issues: problems the reader already saw on this row (a short row, extra cells).
    """

    line: int
    values: Mapping[str, str]
    original: Any
    issues: tuple[Issue, ...] = ()

    def raw_text(self) -> str:
        """The row as read, as canonical JSON: kept with rejected rows so nothing is lost.

        Built only when needed (rejected rows), because most rows never need it.
        """
        if isinstance(self.original, tuple):
            names, cells = self.original
            row: dict[str, Any] = dict(zip(names, cells))
            if len(cells) > len(names):
                row["_extra"] = list(cells[len(names):])
            return canonical_json(row)
        return canonical_json(self.original)


@dataclass(slots=True)
class ExpenseDraft:
    """A row turned into typed values, not yet deduplicated or stored.

    Money is held as the book stores it, integer minor units plus an ISO code (the import's hot
    loop needs the minor units several times per row); :attr:`amount`, :attr:`tax` and
    :attr:`original` give :class:`Money`. Custom fields (project, vehicle id, odometer, litres...)
    are ``(name, canonical text)`` pairs sorted by name; numbers among them are plain decimal
    strings, never floats.

    Unlike the other records here it is not declared frozen: one is built per row, and a frozen
    dataclass's ``__init__`` (a guarded ``object.__setattr__`` per field) cost 2 us against 0.2 us,
    a tenth of a 100,000-row import's Python time. Treat it as a value all the same: nothing
    changes a draft once the converter has built it, and drafts never leave the ingest package.
    """

    line: int
    txn_date: date
    amount_minor: int
    currency: str
    payment_method: PaymentMethod
    source_id: str | None = None
    vendor: str | None = None
    category: str | None = None
    employee: str | None = None
    memo: str | None = None
    card: str | None = None
    reference: str | None = None
    report_id: str | None = None
    receipt: str | None = None
    tax_minor: int | None = None
    original_minor: int | None = None
    original_currency: str | None = None
    fields: tuple[tuple[str, str], ...] = ()

    @property
    def amount(self) -> Money:
        return Money.from_minor(self.amount_minor, self.currency)

    @property
    def tax(self) -> Money | None:
        return None if self.tax_minor is None else Money.from_minor(self.tax_minor, self.currency)

    @property
    def original(self) -> Money | None:
        if self.original_minor is None or self.original_currency is None:
            return None
        return Money.from_minor(self.original_minor, self.original_currency)

    def field(self, name: str) -> str | None:
        return next((value for key, value in self.fields if key == name), None)


@dataclass(frozen=True, slots=True)
class FileInfo:
    """What the reader found out about a file, reported so nothing is guessed silently."""

    path: str
    format: str                      # csv | json | xml
    encoding: str | None = None      # utf-8, utf-8-sig, utf-16, cp1252, latin-1
    delimiter: str | None = None     # csv only
    header_line: int | None = None   # csv only: the physical line of the header
    profile: str | None = None
    issues: tuple[Issue, ...] = field(default=())
