"""ISO 20022 camt.053 bank-to-customer statements (tested on .001.02 and .001.08).

Parsed with defusedxml, so a file cannot expand entities or reach out to external resources.
Namespaces are dropped after parsing: the versions differ in a few places (``Sts`` is text in .02
and ``Sts/Cd`` in .08; a party's name sits under ``Pty`` in .08) and both spellings are read.

Rules applied, each tested:

* Several ``<Stmt>`` in one file give several statements.
* Only booked entries (``Sts`` BOOK) become lines; pending or information-only entries are
  skipped with a warning.
* An entry with several ``TxDtls`` (a batch booking) is split into one line per transaction when
  each transaction has its own amount in the account currency and they add up to the entry;
  otherwise it stays one line and a warning says why.
* A reversal (``RvslInd`` true) keeps the sign of its ``CdtDbtInd`` as ISO 20022 prescribes (the
  reversal of a debit is booked as a credit) and is flagged ``is_reversal``.
* Opening (OPBD, else PRCD) and closing (CLBD) booked balances in another currency than the
  account cannot be checked: they are ignored with a warning, never converted.
* The bank id is the entry's ``AcctSvcrRef`` (``/n`` appended for the n-th transaction of a
  split batch, unless the transaction has its own AcctSvcrRef); without one the import service
  derives a content key.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from functools import partial

import defusedxml
import defusedxml.ElementTree as SafeET

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

_NAMESPACE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:(camt\.\d{3})\.001\.(\d{2})")
_OPENING_CODES = ("OPBD", "PRCD")  # booked opening, else previous day's closing


def looks_like_camt053(head: bytes) -> bool:
    """True when the first bytes declare a camt.053 namespace."""
    return b"camt.053.001." in head[:2000]


def read_camt053(data: bytes, file_name: str, *, default_currency: str | None = None) -> ParsedFile:
    """Read every statement of a camt.053 file.

    Args:
        data: the file's bytes.
        file_name: the name used in messages.
        default_currency: the book account's currency, used when the file names none.
    """
    issues: list[Issue] = []
    root = _parse(data, issues)
    if root is None:
        return ParsedFile(file_name, StatementFormat.CAMT053, (), tuple(issues))
    statements: list[StatementData] = []
    stmts = root.findall("BkToCstmrStmt/Stmt")
    if not stmts:
        issues.append(error("no_statement", "the file holds no statement (<Stmt>): it is truncated or only a "
                            "group header; download the statement again"))
    for number, stmt in enumerate(stmts, start=1):
        statement = _read_statement(stmt, number, default_currency, issues)
        if statement is not None:
            statements.append(statement)
    return ParsedFile(file_name, StatementFormat.CAMT053, tuple(statements), tuple(issues))


# --- syntax -------------------------------------------------------------------------------------


def _parse(data: bytes, issues: list[Issue]) -> ET.Element | None:
    try:
        root = SafeET.fromstring(data)
    except defusedxml.DefusedXmlException as exc:
        issues.append(error("unsafe_xml", f"the file uses XML features Bookbridge refuses for safety ({type(exc).__name__})"))
        return None
    except ET.ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        issues.append(error("not_xml", f"the XML is damaged or truncated (line {line}, column {column}); "
                            "download the statement again"))
        return None
    match = _NAMESPACE.search(root.tag)
    if match is None or match.group(1) != "camt.053":
        found = match.group(1) if match else root.tag.split("}")[-1]
        issues.append(error("not_camt053", f"this is not a camt.053 bank statement (found {found}); "
                            "ask the bank for the camt.053 end-of-day statement"))
        return None
    for element in root.iter():
        element.tag = element.tag.split("}", 1)[-1]
    return root


# --- statement ----------------------------------------------------------------------------------


def _read_statement(stmt: ET.Element, number: int, default_currency: str | None, issues: list[Issue]) -> StatementData | None:
    statement_id = _text(stmt, "Id")
    position = f"statement {number}" + (f" ({statement_id})" if statement_id else "")
    errors_before = _error_count(issues)
    currency = _account_currency(stmt, position, default_currency, issues)
    if currency is None:
        return None
    account = AccountRef(
        identifier=_text(stmt, "Acct/Id/IBAN") or _text(stmt, "Acct/Id/Othr/Id"),
        kind=AccountKind.BANK,
        currency=currency,
        institution=_text(stmt, "Acct/Svcr/FinInstnId/BICFI") or _text(stmt, "Acct/Svcr/FinInstnId/BIC")
        or _text(stmt, "Acct/Svcr/FinInstnId/Nm"),
    )
    opening, opening_date = _balance(stmt, _OPENING_CODES, currency, position, issues)
    closing, closing_date = _balance(stmt, ("CLBD",), currency, position, issues)
    lines: list[StatementLineData] = []
    for entry_number, entry in enumerate(stmt.findall("Ntry"), start=1):
        lines.extend(_read_entry(entry, entry_number, currency, position, issues))
    if _error_count(issues) > errors_before:
        return None
    period_start = _optional_date(stmt, "FrToDt/FrDtTm", position, issues) or opening_date
    period_end = _optional_date(stmt, "FrToDt/ToDtTm", position, issues) or closing_date
    return StatementData(
        account=account,
        currency=currency,
        lines=tuple(lines),
        period_start=period_start or min((ln.booked_date for ln in lines), default=None),
        period_end=period_end or max((ln.booked_date for ln in lines), default=None),
        opening=opening,
        closing=closing,
        statement_id=statement_id,
        sequence=_text(stmt, "LglSeqNb") or _text(stmt, "ElctrncSeqNb"),
        position=position,
    )


def _account_currency(stmt: ET.Element, position: str, default: str | None, issues: list[Issue]) -> str | None:
    declared = _text(stmt, "Acct/Ccy")
    if declared:
        try:
            return f.require_currency(declared, "Acct/Ccy")
        except f.FieldError as exc:
            issues.append(_at(exc.issue, position))
            return None
    # Acct/Ccy is optional in the standard: the entries' own currency then says it.
    used = {(amt.get("Ccy") or "").upper() for amt in stmt.findall("Ntry/Amt")}
    used.discard("")
    if len(used) == 1:
        return used.pop()
    if not used:
        for bal in stmt.findall("Bal"):
            amt = bal.find("Amt")
            if _text(bal, "Tp/CdOrPrtry/Cd") in _OPENING_CODES + ("CLBD",) and amt is not None and amt.get("Ccy"):
                return (amt.get("Ccy") or "").upper()
    if default:
        return default
    issues.append(error("currency_missing", "the statement names no account currency (Acct/Ccy) and its entries "
                        "do not agree on one; import it into an existing account with --account", position, "Acct/Ccy"))
    return None


def _balance(
    stmt: ET.Element, codes: tuple[str, ...], currency: str, position: str, issues: list[Issue]
) -> tuple[Money | None, date | None]:
    for code in codes:
        for bal in stmt.findall("Bal"):
            if (_text(bal, "Tp/CdOrPrtry/Cd") or "").upper() != code:
                continue
            amt = bal.find("Amt")
            field = f"Bal {code}"
            ccy = (amt.get("Ccy") if amt is not None else None) or currency
            if ccy.upper() != currency:
                issues.append(warning("balance_currency_mismatch", f"the {code} balance is in {ccy.upper()} but the "
                                      f"account is in {currency}; it is ignored, so the balance cannot be checked "
                                      "against it", position, field))
                return None, None
            try:
                amount = f.strict_amount(amt.text if amt is not None else None, currency, field, decimal_comma=False)
                when = _optional_date(bal, "Dt/Dt", position, issues) or _optional_date(bal, "Dt/DtTm", position, issues)
            except f.FieldError as exc:
                issues.append(_at(exc.issue, position))
                return None, None
            return (-amount if _text(bal, "CdtDbtInd") == "DBIT" else amount), when
    return None, None


# --- entries ------------------------------------------------------------------------------------


def _read_entry(entry: ET.Element, number: int, currency: str, stmt_position: str, issues: list[Issue]) -> list[StatementLineData]:
    ref = _text(entry, "AcctSvcrRef")
    position = f"{stmt_position}, entry {number}" + (f" ({ref})" if ref else "")
    status = (_text(entry, "Sts/Cd") or _text(entry, "Sts") or "BOOK").upper()
    if status != "BOOK":
        issues.append(warning("entry_not_booked", f"entry with status {status} skipped: only booked entries are "
                              "statement lines", position, "Sts"))
        return []
    try:
        amount = _signed_amount(entry, currency, "Ntry/Amt")
        booked = _entry_date(entry, "BookgDt") or _entry_date(entry, "ValDt")
        value = _entry_date(entry, "ValDt")
        if booked is None:
            raise f.fail("date_missing", "the entry has no booking date (BookgDt) nor value date (ValDt)", "BookgDt")
    except f.FieldError as exc:
        issues.append(_at(exc.issue, position))
        return []
    make = partial(
        StatementLineData,
        booked_date=booked,
        value_date=value if value != booked else None,
        txn_type=_bank_code(entry),
        is_reversal=(_text(entry, "RvslInd") or "").lower() == "true",
    )
    details = entry.findall("NtryDtls/TxDtls")
    split = _split_batch(details, amount, currency, position, issues) if len(details) > 1 else None
    if split is None:
        detail = details[0] if details else None
        memo = _memo(detail) or _text(entry, "AddtlNtryInf")
        return [make(
            amount=amount, bank_id=ref, bank_id_kind="acct_svcr_ref" if ref else None,
            payee=_counterparty(detail, amount), memo=memo, reference=_reference(detail),
            original=_original(detail, currency, position, issues), position=position,
        )]
    lines = []
    for index, (detail, part) in enumerate(zip(details, split), start=1):
        own_ref = _text(detail, "Refs/AcctSvcrRef")
        bank_id = own_ref or (f"{ref}/{index}" if ref else None)
        lines.append(make(
            amount=part, bank_id=bank_id, bank_id_kind="acct_svcr_ref" if bank_id else None,
            payee=_counterparty(detail, part), memo=_memo(detail), reference=_reference(detail),
            original=_original(detail, currency, position, issues), position=f"{position}, transaction {index}",
        ))
    return lines


def _split_batch(
    details: list[ET.Element], total: Money, currency: str, position: str, issues: list[Issue]
) -> list[Money] | None:
    """The batch's per-transaction amounts, or None (with a warning) when it cannot be split exactly."""
    parts: list[Money] = []
    for detail in details:
        amt = detail.find("Amt")
        if amt is None:
            amt = detail.find("AmtDtls/TxAmt/Amt")
        if amt is None or (amt.get("Ccy") or currency).upper() != currency:
            issues.append(warning("batch_not_split", "batch entry kept as one line: not every transaction gives an "
                                  f"amount in {currency}", position, "TxDtls"))
            return None
        try:
            value = f.strict_amount(amt.text, currency, "TxDtls/Amt", decimal_comma=False)
        except f.FieldError as exc:
            issues.append(_at(exc.issue, position))
            return None
        indicator = _text(detail, "CdtDbtInd")
        same_sign = -value if total.is_negative() else value
        parts.append(same_sign if indicator is None else (-value if indicator == "DBIT" else value))
    if sum((p.amount for p in parts), start=total.amount * 0) != total.amount:
        issues.append(warning("batch_not_split", "batch entry kept as one line: its transactions do not add up to "
                              f"the entry amount {total}", position, "TxDtls"))
        return None
    return parts


def _signed_amount(element: ET.Element, currency: str, field: str) -> Money:
    amt = element.find("Amt")
    ccy = ((amt.get("Ccy") if amt is not None else None) or currency).upper()
    if ccy != currency:
        raise f.fail("currency_mismatch", f"{field} is in {ccy} but the account is in {currency}", field)
    value = f.strict_amount(amt.text if amt is not None else None, currency, field, decimal_comma=False)
    indicator = _text(element, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise f.fail("direction_missing", f"CdtDbtInd {indicator!r} must be CRDT or DBIT", "CdtDbtInd")
    return -value if indicator == "DBIT" else value


def _entry_date(entry: ET.Element, tag: str) -> date | None:
    raw = _text(entry, f"{tag}/Dt") or _text(entry, f"{tag}/DtTm")
    return None if raw is None else f.iso_date(raw, tag)


def _bank_code(entry: ET.Element) -> str | None:
    domain = [_text(entry, "BkTxCd/Domn/Cd"), _text(entry, "BkTxCd/Domn/Fmly/Cd"), _text(entry, "BkTxCd/Domn/Fmly/SubFmlyCd")]
    if all(domain):
        return "/".join(str(part) for part in domain)
    return _text(entry, "BkTxCd/Prtry/Cd")


def _counterparty(detail: ET.Element | None, amount: Money) -> str | None:
    """The other side: who was paid (money out) or who paid us (money in)."""
    if detail is None:
        return None
    first, second = ("Cdtr", "Dbtr") if amount.is_negative() else ("Dbtr", "Cdtr")
    for role in (first, f"Ultmt{first}", second):
        name = _text(detail, f"RltdPties/{role}/Pty/Nm") or _text(detail, f"RltdPties/{role}/Nm")
        if name:
            return f.clean_text(name)
    return None


def _reference(detail: ET.Element | None) -> str | None:
    if detail is None:
        return None
    for path in ("RmtInf/Strd/CdtrRefInf/Ref", "Refs/EndToEndId", "Refs/PmtInfId", "Refs/InstrId"):
        value = _text(detail, path)
        if value and value.upper() != "NOTPROVIDED":
            return value
    return None


def _memo(detail: ET.Element | None) -> str | None:
    if detail is None:
        return None
    parts = [p.text.strip() for p in detail.findall("RmtInf/Ustrd") if p.text and p.text.strip()]
    return f.clean_text(" ".join(parts)) or _text(detail, "AddtlTxInf")


def _original(detail: ET.Element | None, currency: str, position: str, issues: list[Issue]) -> Money | None:
    """The instructed amount of a foreign-currency transaction, when the bank gives it exactly."""
    if detail is None:
        return None
    amt = detail.find("AmtDtls/InstdAmt/Amt")
    code = (amt.get("Ccy") or "").upper() if amt is not None else ""
    if amt is None or not code or code == currency:
        return None
    try:
        return f.strict_amount(amt.text, f.require_currency(code, "InstdAmt"), "InstdAmt", decimal_comma=False)
    except f.FieldError as exc:
        # Informative only (the line's own amount is what reconciles), so the line still imports.
        issues.append(warning(exc.issue.code, f"original amount ignored: {exc.issue.message}", position, "InstdAmt"))
        return None


def _optional_date(parent: ET.Element, path: str, position: str, issues: list[Issue]) -> date | None:
    raw = _text(parent, path)
    if raw is None:
        return None
    try:
        return f.iso_date(raw, path)
    except f.FieldError as exc:
        issues.append(_at(exc.issue, position))
        return None


def _text(parent: ET.Element | None, path: str) -> str | None:
    if parent is None:
        return None
    element = parent.find(path)
    if element is None or element.text is None:
        return None
    return element.text.strip() or None


def _error_count(issues: list[Issue]) -> int:
    return sum(1 for i in issues if i.severity.value == "error")


def _at(issue: Issue, position: str) -> Issue:
    return Issue(issue.severity, issue.code, issue.message, position, issue.field)
