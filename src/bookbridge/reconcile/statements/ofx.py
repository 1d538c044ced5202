"""OFX / QFX bank and credit-card statements, versions 1.x (SGML) and 2.x (XML).

ofxtools does the syntax: it reads the header (v1 ``KEY:VALUE`` lines or the v2 XML processing
instruction, with the declared encoding) and turns the SGML or XML body, unclosed tags included,
into an element tree without expanding entities. We then read the fields from that tree ourselves
instead of calling ``OFXTree.convert()``: its strict schema rejects real exports that are
perfectly usable (a 10-digit BANKID in ``checking.ofx``, empty ``CURDEF``/``FITID``/``BALAMT``
elements, a ``Credit`` transaction type) and its errors name schema classes, not what a
bookkeeper should do. Every field problem here becomes an :class:`Issue` with the transaction's
position, and all of them are reported at once.

What is refused (the whole file): a bank-side error status instead of a statement (e.g.
``STATUS CODE 2000 General Server Error``), a body that does not end with ``</OFX>`` (truncated),
an amount that is not a plain number (``$120``), an impossible date, an amount more precise
than its currency.
"""

from __future__ import annotations

import html
import io
import re
import xml.etree.ElementTree as ET
from datetime import date

from ofxtools.header import OFXHeaderError, parse_header
from ofxtools.Parser import ParseError, TreeBuilder

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

_CLOSING_TAG = re.compile(rb"</OFX>\s*$", re.IGNORECASE)
_STATEMENT_WRAPPERS = (("STMTTRNRS", "STMTRS", AccountKind.BANK), ("CCSTMTTRNRS", "CCSTMTRS", AccountKind.CARD))


def looks_like_ofx(head: bytes) -> bool:
    """True when the first bytes are an OFX header or an ``<OFX>`` body."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").upper()
    return text.startswith(b"OFXHEADER") or text.startswith(b"<OFX") or (
        text.startswith(b"<?XML") and b"<?OFX" in text[:400]
    )


def read_ofx(data: bytes, file_name: str, *, default_currency: str | None = None) -> ParsedFile:
    """Read an OFX/QFX file's bank and card statements.

    Args:
        data: the file's bytes.
        file_name: the name used in messages.
        default_currency: the book account's currency, used only when the file's ``CURDEF`` is
            empty and no transaction names a currency either.
    """
    issues: list[Issue] = []
    root = _parse_tree(data, issues)
    if root is None:
        return ParsedFile(file_name, StatementFormat.OFX, (), tuple(issues))
    _check_signon(root, issues)
    statements: list[StatementData] = []
    wrappers_found = 0
    for wrapper_tag, statement_tag, kind in _STATEMENT_WRAPPERS:
        for number, wrapper in enumerate(root.iter(wrapper_tag), start=1):
            wrappers_found += 1
            position = f"statement {number} ({wrapper_tag})"
            body = wrapper.find(statement_tag)
            if not _status_allows(wrapper, position, has_body=body is not None, issues=issues):
                continue
            assert body is not None
            statement = _read_statement(body, kind, position, default_currency, issues)
            if statement is not None:
                statements.append(statement)
    if wrappers_found == 0:
        if next(root.iter("INVSTMTRS"), None) is not None:
            issues.append(error("unsupported_statement", "investment statements are not supported; "
                                "export the bank or card account instead"))
        else:
            issues.append(error("no_statement", "the file holds no bank or card statement "
                                "(no STMTRS or CCSTMTRS element)"))
    return ParsedFile(file_name, StatementFormat.OFX, tuple(statements), tuple(issues))


# --- syntax -------------------------------------------------------------------------------------


def _parse_tree(data: bytes, issues: list[Issue]) -> ET.Element | None:
    # Leading blank lines (some exports have a dozen) are not part of the header.
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        issues.append(error("empty_file", "the file is empty"))
        return None
    if stripped[:4].upper() == b"<OFX":
        issues.append(warning("no_header", "the file has no OFX header; read as OFX anyway"))
        body = _decode_headerless(stripped)
    else:
        try:
            _header, body = parse_header(io.BytesIO(stripped))
        except (OFXHeaderError, UnicodeDecodeError, ValueError) as exc:
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            issues.append(error("not_ofx", f"this is not an OFX file or its header is damaged ({first_line[:120]})"))
            return None
    if not _CLOSING_TAG.search(body.encode("utf-8", "replace")):
        issues.append(error("truncated", "the file ends before </OFX>: it is truncated or damaged; "
                            "download the statement again"))
        return None
    builder = TreeBuilder()
    try:
        builder.feed(body)
        root = builder.close()
    except (ParseError, SyntaxError, AssertionError) as exc:
        issues.append(error("not_ofx", f"the OFX body cannot be read: {str(exc)[:160]}"))
        return None
    if root is None or root.tag != "OFX":
        issues.append(error("not_ofx", "the file does not start with an <OFX> element"))
        return None
    return root


def _decode_headerless(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")  # OFX v1's usual charset


# --- status -------------------------------------------------------------------------------------


def _status(element: ET.Element) -> tuple[str, str, str]:
    status = element.find("STATUS")
    if status is None:
        return "0", "INFO", ""
    return (_text(status, "CODE") or "0", (_text(status, "SEVERITY") or "INFO").upper(), _text(status, "MESSAGE") or "")


def _check_signon(root: ET.Element, issues: list[Issue]) -> None:
    sonrs = root.find("SIGNONMSGSRSV1/SONRS")
    if sonrs is None:
        return
    code, severity, message = _status(sonrs)
    if code != "0" and severity == "ERROR":
        issues.append(error("bank_error", f"the bank refused the sign-on: code {code}"
                            + (f", {message}" if message else "") + "; nothing can be imported from this file"))


def _status_allows(wrapper: ET.Element, position: str, *, has_body: bool, issues: list[Issue]) -> bool:
    code, severity, message = _status(wrapper)
    said = f"code {code}" + (f", {message}" if message else "") + f" (severity {severity})"
    if code != "0" and (severity == "ERROR" or not has_body):
        issues.append(error("bank_error", f"the bank sent an error instead of the statement: {said}; "
                            "download the statement again later or ask the bank", position, "STATUS"))
        return False
    if code != "0":
        issues.append(warning("bank_warning", f"the bank attached a warning: {said}", position, "STATUS"))
    if not has_body:
        issues.append(error("no_statement", "the response holds no statement", position))
        return False
    return True


# --- content ------------------------------------------------------------------------------------


def _read_statement(
    body: ET.Element, kind: AccountKind, position: str, default_currency: str | None, issues: list[Issue]
) -> StatementData | None:
    errors_before = sum(1 for i in issues if i.severity.value == "error")
    currency = _statement_currency(body, position, default_currency, issues)
    account = _account(body, kind, currency)
    tranlist = body.find("BANKTRANLIST")
    period_start = period_end = None
    lines: list[StatementLineData] = []
    if tranlist is not None:
        period_start = _optional_date(tranlist, "DTSTART", position, issues)
        period_end = _optional_date(tranlist, "DTEND", position, issues)
        if currency is not None:
            for number, trn in enumerate(tranlist.findall("STMTTRN"), start=1):
                line = _read_line(trn, number, currency, issues)
                if line is not None:
                    lines.append(line)
    closing = _closing_balance(body, currency, position, issues)
    if currency is None or sum(1 for i in issues if i.severity.value == "error") > errors_before:
        return None
    return StatementData(
        account=account,
        currency=currency,
        lines=tuple(lines),
        period_start=period_start,
        period_end=period_end,
        opening=None,  # OFX states only the closing ("ledger") balance
        closing=closing,
        position=position,
    )


def _statement_currency(body: ET.Element, position: str, default: str | None, issues: list[Issue]) -> str | None:
    declared = _text(body, "CURDEF")
    if declared:
        try:
            return f.require_currency(declared, "CURDEF")
        except f.FieldError as exc:
            issues.append(_at(exc.issue, position))
            return None
    # CURDEF empty: a transaction-level CURRENCY at rate 1 names the account currency.
    named = {(_text(c, "CURSYM") or "").upper() for c in body.iter("CURRENCY") if _is_rate_one(_text(c, "CURRATE"))}
    named.discard("")
    if len(named) == 1:
        code = named.pop()
        issues.append(warning("currency_inferred", f"CURDEF is empty; the transactions say {code}, used for the "
                              "whole statement", position, "CURDEF"))
        return code
    if default:
        issues.append(warning("currency_inferred", f"CURDEF is empty; using the account's currency {default}",
                              position, "CURDEF"))
        return default
    issues.append(error("currency_missing", "the statement gives no currency (CURDEF is empty); import it into an "
                        "existing account with --account so its currency can be used", position, "CURDEF"))
    return None


def _is_rate_one(text: str | None) -> bool:
    try:
        return text is not None and float(text.replace(",", ".")) == 1.0  # a rate, never money
    except ValueError:
        return False


def _account(body: ET.Element, kind: AccountKind, currency: str | None) -> AccountRef:
    holder = body.find("BANKACCTFROM") if kind is AccountKind.BANK else body.find("CCACCTFROM")
    identifier = _text(holder, "ACCTID") if holder is not None else None
    institution = _text(holder, "BANKID") if holder is not None else None
    return AccountRef(identifier=identifier, kind=kind, currency=currency, institution=institution)


def _read_line(trn: ET.Element, number: int, currency: str, issues: list[Issue]) -> StatementLineData | None:
    fitid = _text(trn, "FITID")
    position = f"transaction {number}" + (f" (FITID {fitid})" if fitid else "")
    problems: list[Issue] = []
    amount = booked = value_date = None
    try:
        booked = f.yyyymmdd(_text(trn, "DTPOSTED"), "DTPOSTED")
    except f.FieldError as exc:
        problems.append(_at(exc.issue, position))
    try:
        if _text(trn, "DTUSER"):
            value_date = f.yyyymmdd(_text(trn, "DTUSER"), "DTUSER")
    except f.FieldError as exc:
        problems.append(_at(exc.issue, position))
    try:
        line_currency = _line_currency(trn, currency)
        amount = f.strict_amount(_text(trn, "TRNAMT"), line_currency, "TRNAMT")
    except f.FieldError as exc:
        problems.append(_at(exc.issue, position))
    issues.extend(problems)
    if problems or amount is None or booked is None:
        return None
    payee = _text(trn, "NAME") or _text(trn, "PAYEE/NAME")
    reference = _text(trn, "REFNUM") or _nonzero(_text(trn, "CHECKNUM"))
    return StatementLineData(
        booked_date=booked,
        amount=amount,
        bank_id=fitid,
        bank_id_kind="fitid" if fitid else None,
        value_date=value_date if value_date != booked else None,
        payee=f.clean_text(html.unescape(payee)) if payee else None,
        memo=f.clean_text(html.unescape(_text(trn, "MEMO") or "")),
        reference=reference,
        txn_type=(_text(trn, "TRNTYPE") or "").upper() or None,
        position=position,
    )


def _line_currency(trn: ET.Element, statement_currency: str) -> str:
    aggregate = trn.find("CURRENCY")
    if aggregate is None:
        return statement_currency
    code = (_text(aggregate, "CURSYM") or statement_currency).upper()
    if code != statement_currency and not _is_rate_one(_text(aggregate, "CURRATE")):
        raise f.fail("currency_conversion_unsupported", f"the amount is in {code}, not the statement currency "
                     f"{statement_currency}, and converting it would need rounding", "CURRENCY")
    return statement_currency


def _closing_balance(body: ET.Element, currency: str | None, position: str, issues: list[Issue]) -> Money | None:
    ledger = body.find("LEDGERBAL")
    raw = _text(ledger, "BALAMT") if ledger is not None else None
    if not raw:
        issues.append(warning("no_closing_balance", "the statement's closing balance (LEDGERBAL/BALAMT) is missing "
                              "or empty, so its balance cannot be checked", position, "LEDGERBAL"))
        return None
    if currency is None:
        return None
    try:
        return f.strict_amount(raw, currency, "LEDGERBAL/BALAMT")
    except f.FieldError as exc:
        issues.append(_at(exc.issue, position))
        return None


def _optional_date(parent: ET.Element, tag: str, position: str, issues: list[Issue]) -> date | None:
    raw = _text(parent, tag)
    if not raw:
        return None
    try:
        return f.yyyymmdd(raw, tag)
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


def _nonzero(text: str | None) -> str | None:
    return None if text is None or text.strip("0 ") == "" else text


def _at(issue: Issue, position: str) -> Issue:
    return Issue(issue.severity, issue.code, issue.message, position, issue.field)
