"""Bank and card statements exported as CSV, read through saved column profiles.

A profile says where things are in one bank's export: which row holds the column names (or
"find it": banks put account details and a title above the data), which columns carry the date,
the amount (one signed column, or split debit/credit columns), payee, memo, reference, the
bank's own id and the running balance; the date format(s), the delimiter, and the decimal and
thousands separators (``1.234,56`` with a decimal comma).

CSV files carry no account number, so the import needs ``--account``. A running-balance column,
when the profile names one, gives the opening and closing balances, so CSV statements get the
same balance check as OFX and camt.053. Rows are kept in date order whichever way the bank
sorted them.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from typing import Any

from bookbridge.core.errors import UsageError
from bookbridge.core.money import Money
from bookbridge.reconcile.statements import fields as f
from bookbridge.reconcile.statements.model import (
    AccountKind,
    AccountRef,
    Issue,
    ParsedFile,
    StatementData,
    StatementFormat,
    StatementLineData,
    error,
    warning,
)

HEADER_SEARCH_ROWS = 30


@dataclass(frozen=True, slots=True)
class CsvStatementProfile:
    """Where a bank's CSV export keeps each field. Column names match case-insensitively.

    Exactly one of ``amount_column`` or the ``debit_column``/``credit_column`` pair is used.
    ``negate`` flips signs for card exports that list charges as positive numbers.
    ``header_row`` is the 1-based row of the column names; None searches the first 30 rows for
    the row holding every named column.
    """

    name: str
    date_column: str
    date_formats: tuple[str, ...] = ("%Y-%m-%d",)
    amount_column: str | None = None
    debit_column: str | None = None
    credit_column: str | None = None
    payee_column: str | None = None
    memo_column: str | None = None
    reference_column: str | None = None
    id_column: str | None = None
    balance_column: str | None = None
    value_date_column: str | None = None
    currency: str | None = None
    delimiter: str = ","
    encoding: str = "utf-8-sig"
    decimal_sep: str = "."
    thousands_sep: str | None = None
    header_row: int | None = None
    negate: bool = False
    account_kind: str = "bank"
    strip_symbols: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        single = self.amount_column is not None
        split = self.debit_column is not None and self.credit_column is not None
        if single == split:
            raise UsageError(f"CSV profile {self.name!r} needs either amount_column or both debit_column and credit_column.")
        if self.account_kind not in ("bank", "card"):
            raise UsageError(f"CSV profile {self.name!r}: account_kind must be 'bank' or 'card'.")
        if self.decimal_sep not in (".", ","):
            raise UsageError(f"CSV profile {self.name!r}: decimal_sep must be '.' or ','.")
        if not self.date_formats:
            raise UsageError(f"CSV profile {self.name!r} needs at least one date format.")

    @property
    def columns(self) -> dict[str, str]:
        """Role -> column name for every column the profile names."""
        roles = ("date", "amount", "debit", "credit", "payee", "memo", "reference", "id", "balance", "value_date")
        named = {role: getattr(self, f"{role}_column") for role in roles}
        return {role: name for role, name in named.items() if name}

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CsvStatementProfile":
        """Build from saved JSON; unknown keys are refused so a typo cannot go unnoticed."""
        known = {fl.name for fl in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise UsageError(f"CSV profile has unknown setting(s): {', '.join(unknown)}.")
        if "name" not in data or "date_column" not in data:
            raise UsageError("A CSV profile needs at least 'name' and 'date_column'.")
        values = dict(data)
        for key in ("date_formats", "strip_symbols"):
            if key in values:
                raw = values[key]
                values[key] = (raw,) if isinstance(raw, str) else tuple(raw)
        return cls(**values)


BUILTIN_PROFILES: dict[str, CsvStatementProfile] = {
    p.name: p
    for p in (
        CsvStatementProfile(name="generic", date_column="Date", amount_column="Amount", payee_column="Description"),
        CsvStatementProfile(
            name="generic-split", date_column="Date", date_formats=("%m/%d/%Y",), debit_column="Debit",
            credit_column="Credit", payee_column="Description", balance_column="Balance", thousands_sep=",",
        ),
        CsvStatementProfile(
            name="generic-eu", date_column="Date", date_formats=("%d.%m.%Y",), amount_column="Amount",
            payee_column="Payee", memo_column="Details", balance_column="Balance", delimiter=";",
            decimal_sep=",", thousands_sep=".",
        ),
    )
}


def read_csv_statement(
    data: bytes, file_name: str, profile: CsvStatementProfile, *, currency: str | None
) -> ParsedFile:
    """Read a CSV statement with ``profile``; ``currency`` is the account's (profile's wins when set)."""
    issues: list[Issue] = []
    code = profile.currency or currency
    if not code:
        issues.append(error("currency_missing", f"profile {profile.name!r} names no currency and the account is new; "
                            "add \"currency\" to the profile or import into an existing account"))
        return ParsedFile(file_name, StatementFormat.CSV, (), tuple(issues))
    try:
        text = data.decode(profile.encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        issues.append(error("encoding", f"the file is not {profile.encoding} text ({type(exc).__name__}); "
                            "set the profile's encoding"))
        return ParsedFile(file_name, StatementFormat.CSV, (), tuple(issues))
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=profile.delimiter))
    header_index = _find_header(rows, profile, issues)
    if header_index is None:
        return ParsedFile(file_name, StatementFormat.CSV, (), tuple(issues))
    index = {name.strip().lower(): i for i, name in enumerate(rows[header_index])}
    positions = {role: index[name.strip().lower()] for role, name in profile.columns.items()}
    read: list[tuple[StatementLineData, Money | None, int]] = []
    for row_number, row in enumerate(rows[header_index + 1:], start=header_index + 2):
        if not any(cell.strip() for cell in row):
            continue  # blank separator rows carry nothing
        parsed = _read_row(row, row_number, positions, profile, code, issues)
        if parsed is not None:
            read.append(parsed)
    if any(i.severity.value == "error" for i in issues):
        return ParsedFile(file_name, StatementFormat.CSV, (), tuple(issues))
    # Newest-first exports are turned around so the running balance reads forwards.
    if len(read) > 1 and read[0][0].booked_date > read[-1][0].booked_date:
        read.reverse()
    lines = tuple(item[0] for item in read)
    opening, closing = _balances(read, code, issues)
    statement = StatementData(
        account=AccountRef(identifier=None, kind=AccountKind(profile.account_kind), currency=code),
        currency=code,
        lines=lines,
        period_start=min((ln.booked_date for ln in lines), default=None),
        period_end=max((ln.booked_date for ln in lines), default=None),
        opening=opening,
        closing=closing,
        position="file",
    )
    return ParsedFile(file_name, StatementFormat.CSV, (statement,), tuple(issues))


def _find_header(rows: list[list[str]], profile: CsvStatementProfile, issues: list[Issue]) -> int | None:
    wanted = {name.strip().lower() for name in profile.columns.values()}
    if profile.header_row is not None:
        candidates = [profile.header_row - 1]
    else:
        candidates = list(range(min(HEADER_SEARCH_ROWS, len(rows))))
    for i in candidates:
        if 0 <= i < len(rows) and wanted <= {cell.strip().lower() for cell in rows[i]}:
            return i
    where = f"row {profile.header_row}" if profile.header_row else f"the first {HEADER_SEARCH_ROWS} rows"
    issues.append(error("header_not_found", f"no header row with the columns {', '.join(sorted(profile.columns.values()))} "
                        f"was found in {where} (profile {profile.name!r}, delimiter {profile.delimiter!r})"))
    return None


def _read_row(
    row: list[str], row_number: int, positions: dict[str, int], profile: CsvStatementProfile,
    currency: str, issues: list[Issue],
) -> tuple[StatementLineData, Money | None, int] | None:
    position = f"row {row_number}"

    def cell(role: str) -> str | None:
        i = positions.get(role)
        if i is None or i >= len(row):
            return None
        return row[i].strip() or None

    if cell("date") is None and cell("amount") is None and cell("debit") is None and cell("credit") is None:
        issues.append(warning("row_skipped", "row skipped: it has neither a date nor an amount "
                              f"({' | '.join(c for c in row if c.strip())[:80]})", position))
        return None
    problems: list[Issue] = []
    booked = value_date = amount = balance = None
    try:
        booked = _parse_date(cell("date"), profile, "date")
        if cell("value_date"):
            value_date = _parse_date(cell("value_date"), profile, "value_date")
    except f.FieldError as exc:
        problems.append(_at(exc.issue, position))
    try:
        amount = _amount(cell, profile, currency)
        if cell("balance"):
            balance = _money(cell("balance"), profile, currency, profile.balance_column or "balance")
    except f.FieldError as exc:
        problems.append(_at(exc.issue, position))
    issues.extend(problems)
    if problems or booked is None or amount is None:
        return None
    bank_id = cell("id")
    line = StatementLineData(
        booked_date=booked,
        amount=-amount if profile.negate else amount,
        bank_id=bank_id,
        bank_id_kind="file_column" if bank_id else None,
        value_date=value_date if value_date != booked else None,
        payee=f.clean_text(cell("payee")),
        memo=f.clean_text(cell("memo")),
        reference=cell("reference"),
        position=position,
    )
    return line, balance, row_number


def _amount(cell: Any, profile: CsvStatementProfile, currency: str) -> Money:
    if profile.amount_column:
        return _money(cell("amount"), profile, currency, profile.amount_column)
    debit, credit = cell("debit"), cell("credit")
    if debit and credit:
        raise f.fail("amount_ambiguous", f"both {profile.debit_column} ({debit}) and {profile.credit_column} "
                     f"({credit}) are filled; only one may be", "amount")
    if not debit and not credit:
        raise f.fail("amount_missing", f"neither {profile.debit_column} nor {profile.credit_column} is filled", "amount")
    if debit:
        return -abs(_money(debit, profile, currency, profile.debit_column or "debit"))  # money out, whatever its sign
    return abs(_money(credit, profile, currency, profile.credit_column or "credit"))


def _money(text: str | None, profile: CsvStatementProfile, currency: str, column: str) -> Money:
    raw = text or ""
    for symbol in profile.strip_symbols:
        raw = raw.replace(symbol, "")
    return f.human_amount(raw, currency, column, decimal_sep=profile.decimal_sep,
                          thousands_sep=profile.thousands_sep or "")


def _parse_date(text: str | None, profile: CsvStatementProfile, role: str) -> date:
    column = profile.columns.get(role, role)
    if not text:
        raise f.fail("date_missing", f"{column} is empty", column)
    for pattern in profile.date_formats:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise f.fail("date_invalid", f"{column} {text!r} does not fit the profile's date format(s) "
                 f"{', '.join(profile.date_formats)}", column)


def _balances(read: list[tuple[StatementLineData, Money | None, int]], currency: str, issues: list[Issue]) -> tuple[Money | None, Money | None]:
    """Opening and closing balances from a running-balance column, with the first row that disagrees."""
    if not read or any(balance is None for _, balance, _ in read):
        return None, None
    first_line, first_balance, _ = read[0]
    assert first_balance is not None
    previous = first_balance
    for line, balance, row_number in read[1:]:
        assert balance is not None
        if previous + line.amount != balance:
            issues.append(warning("running_balance", f"the running balance {balance} does not follow from the row "
                                  f"before ({previous} + {line.amount})", f"row {row_number}", "balance"))
            break
        previous = balance
    return first_balance - first_line.amount, read[-1][1]


def _at(issue: Issue, position: str) -> Issue:
    return Issue(issue.severity, issue.code, issue.message, position, issue.field)
