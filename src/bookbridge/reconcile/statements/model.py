"""What every statement reader produces: plain frozen values, no database, no I/O.

Sign convention, the same for every format: an amount is signed from the account holder's side.
Negative is money leaving the account (a payment, a card charge), positive is money arriving (a
deposit, a refund, a card repayment). Balances follow the same rule, so a card balance owed is
negative. ``opening + sum(lines) == closing`` is then the balance check for every format.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date

from bookbridge.core.money import Money


class Severity(str, enum.Enum):
    ERROR = "error"      # the file (or statement) cannot be imported as it is
    WARNING = "warning"  # imported, but a person should look (balance mismatch, gap, skipped pending entry)


@dataclass(frozen=True, slots=True)
class Issue:
    """One finding about a statement file, as data (validation never raises).

    Attributes:
        severity: error or warning.
        code: a stable machine-readable code (``amount_not_a_number``, ``bank_error``...).
        message: a sentence for a bookkeeper, without the file name (see :meth:`render`).
        position: where in the file (``transaction 1 (FITID 2000957249)``), or None for the file.
        field: the element or column concerned, when there is one.
    """

    severity: Severity
    code: str
    message: str
    position: str | None = None
    field: str | None = None

    def render(self, file_name: str) -> str:
        """The message with the file name and position in front, ready to print."""
        where = f"{file_name}, {self.position}" if self.position else file_name
        return f"{where}: {self.message}"

    def as_dict(self, file_name: str) -> dict[str, str | None]:
        return {
            "file": file_name,
            "severity": self.severity.value,
            "code": self.code,
            "position": self.position,
            "field": self.field,
            "message": self.render(file_name),
        }


def error(code: str, message: str, position: str | None = None, field: str | None = None) -> Issue:
    return Issue(Severity.ERROR, code, message, position, field)


def warning(code: str, message: str, position: str | None = None, field: str | None = None) -> Issue:
    return Issue(Severity.WARNING, code, message, position, field)


class AccountKind(str, enum.Enum):
    BANK = "bank"
    CARD = "card"


@dataclass(frozen=True, slots=True)
class AccountRef:
    """Which account a statement belongs to, as the bank identifies it.

    ``identifier`` is the account number, IBAN or card number exactly as the file gives it; the
    service hashes it and keeps only the last four characters (it is never stored in clear).
    """

    identifier: str | None
    kind: AccountKind
    currency: str | None
    institution: str | None = None

    @property
    def hint(self) -> str | None:
        """The last four characters, for messages (``…6890``)."""
        if not self.identifier:
            return None
        compact = "".join(self.identifier.split())
        return compact[-4:]


@dataclass(frozen=True, slots=True)
class StatementLineData:
    """One movement as read from the file, before it reaches the book.

    Attributes:
        bank_id: the bank's own id for the movement (FITID, AcctSvcrRef, id column), or None
            when the bank gives none; the service then derives a content key.
        bank_id_kind: ``fitid`` | ``acct_svcr_ref`` | ``file_column`` when ``bank_id`` is set.
        original: for a foreign-currency card charge, the amount in the currency the merchant
            charged (the line's ``amount`` is always in the account currency).
        position: where in the file the line came from, for messages and the audit trail.
    """

    booked_date: date
    amount: Money
    bank_id: str | None = None
    bank_id_kind: str | None = None
    value_date: date | None = None
    payee: str | None = None
    memo: str | None = None
    reference: str | None = None
    txn_type: str | None = None
    is_reversal: bool = False
    original: Money | None = None
    position: str | None = None


@dataclass(frozen=True, slots=True)
class StatementData:
    """One statement: its account, period, balances and lines.

    ``opening``/``closing`` are booked balances as the bank states them (None when the file has
    none); OFX only ever gives a closing ("ledger") balance.
    """

    account: AccountRef
    currency: str
    lines: tuple[StatementLineData, ...]
    period_start: date | None = None
    period_end: date | None = None
    opening: Money | None = None
    closing: Money | None = None
    statement_id: str | None = None
    sequence: str | None = None
    position: str | None = None


class StatementFormat(str, enum.Enum):
    OFX = "ofx"
    CAMT053 = "camt053"
    CSV = "csv"


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """A whole file read: its statements and every issue found on the way.

    A file with any error-severity issue is refused as a whole by the import service: a bank
    statement with a line dropped would no longer balance, so partial imports are never made.
    """

    file_name: str
    format: StatementFormat
    statements: tuple[StatementData, ...] = ()
    issues: tuple[Issue, ...] = field(default_factory=tuple)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors
