"""A coded expense as JSON and back, exactly (Decimals as strings), for the book's coding rounds.

The coding service stores each expense's :class:`CodedExpense` with its coding round so the
journal preview, the GUI and the audit pack can rebuild it without re-running coding (and
without the template having to stay unchanged). ``coded_from_data(coded_to_data(x)) == x``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from bookbridge.coding.coded import CodedExpense, CodedLine, Dimensions, Entity, EntityKind, LineKind, PostingType
from bookbridge.coding.fx import FxRate
from bookbridge.coding.tax import TaxMode, TaxTreatment


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _undec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _tax_data(tax: TaxTreatment | None) -> dict[str, Any] | None:
    if tax is None:
        return None
    return {"code": tax.code, "rate": _dec(tax.rate), "mode": tax.mode.value,
            "recoverable": _dec(tax.recoverable), "recoverable_account": tax.recoverable_account}


def _tax_from(data: dict[str, Any] | None) -> TaxTreatment | None:
    if data is None:
        return None
    return TaxTreatment(code=data["code"], rate=Decimal(data["rate"]), mode=TaxMode(data["mode"]),
                        recoverable=Decimal(data["recoverable"]), recoverable_account=data["recoverable_account"])


def rate_to_data(rate: FxRate | None) -> dict[str, Any] | None:
    if rate is None:
        return None
    return {"base": rate.base, "quote": rate.quote, "rate": _dec(rate.rate), "as_of": rate.as_of.isoformat(),
            "source": rate.source}


def rate_from_data(data: dict[str, Any] | None) -> FxRate | None:
    if data is None:
        return None
    return FxRate(data["base"], data["quote"], Decimal(data["rate"]), date.fromisoformat(data["as_of"]), data["source"])


def coded_to_data(coded: CodedExpense) -> dict[str, Any]:
    """Plain JSON-ready data for a coded expense (no floats anywhere)."""
    return {
        "expense_id": coded.expense_id,
        "expense_key": coded.expense_key,
        "date": coded.date.isoformat(),
        "currency": coded.currency,
        "amount": _dec(coded.amount),
        "posting_type": coded.posting_type.value,
        "credit_account": coded.credit_account,
        "credit_entity": None if coded.credit_entity is None else {
            "name": coded.credit_entity.name, "kind": coded.credit_entity.kind.value},
        "tax_amount": _dec(coded.tax_amount),
        "employee": coded.employee,
        "vendor": coded.vendor,
        "report_id": coded.report_id,
        "memo": coded.memo,
        "rate": rate_to_data(coded.rate),
        "template_version": coded.template_version,
        "rules_fired": list(coded.rules_fired),
        "lines": [
            {
                "account": line.account,
                "amount": _dec(line.amount),
                "dimensions": line.dimensions.as_dict(),
                "memo": line.memo,
                "quantity": _dec(line.quantity),
                "unit": line.unit,
                "unit_price": _dec(line.unit_price),
                "tax": _tax_data(line.tax),
                "kind": line.kind.value,
            }
            for line in coded.lines
        ],
    }


def coded_from_data(data: dict[str, Any]) -> CodedExpense:
    """The coded expense :func:`coded_to_data` wrote."""
    entity = data.get("credit_entity")
    return CodedExpense(
        expense_id=data["expense_id"],
        expense_key=data["expense_key"],
        date=date.fromisoformat(data["date"]),
        currency=data["currency"],
        amount=Decimal(data["amount"]),
        posting_type=PostingType(data["posting_type"]),
        credit_account=data["credit_account"],
        credit_entity=None if entity is None else Entity(entity["name"], EntityKind(entity["kind"])),
        tax_amount=_undec(data.get("tax_amount")),
        employee=data.get("employee"),
        vendor=data.get("vendor"),
        report_id=data.get("report_id"),
        memo=data.get("memo") or "",
        rate=rate_from_data(data.get("rate")),
        template_version=int(data["template_version"]),
        rules_fired=tuple(data.get("rules_fired") or ()),
        lines=tuple(
            CodedLine(
                account=line["account"],
                amount=Decimal(line["amount"]),
                dimensions=Dimensions(line.get("dimensions") or {}),
                memo=line.get("memo") or "",
                quantity=_undec(line.get("quantity")),
                unit=line.get("unit"),
                unit_price=_undec(line.get("unit_price")),
                tax=_tax_from(line.get("tax")),
                kind=LineKind(line.get("kind") or "expense"),
            )
            for line in data["lines"]
        ),
    )
