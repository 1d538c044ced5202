"""Turning a raw record into an :class:`ExpenseDraft`, with parsing problems returned as issues.

Errors here reject the row: no date or one that does not match the profile's formats, no amount
or one that is not a number, an unknown currency code, a payment method the profile does not
know, a custom number field that is not a number. Nothing is guessed: a date that fits none of
the profile's formats is an error naming the formats, never read the "likely" way round.

This is the hot loop of an import, so lookups are planned once per header and dates cached.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Callable, Mapping

from bookbridge.core.currency import CURRENCIES, Currency
from bookbridge.core.errors import MoneyError
from bookbridge.core.money import parse_decimal, plain_minor_units
from bookbridge.ingest.model import ExpenseDraft, Issue, RawRecord, error, warning
from bookbridge.ingest.normalise import field_name, name_key
from bookbridge.ingest.profiles import NUMERIC_FIELDS, Binding, Profile
from bookbridge.store.models import PaymentMethod

_ISO_TIME = r"[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?"
_ISO = re.compile(rf"(\d{{4}})-(\d{{2}})-(\d{{2}})(?:{_ISO_TIME})?\Z")
_CURRENCY_SYMBOLS = str.maketrans("", "", "$€£¥")
_TRUE = frozenset({"yes", "y", "true", "t", "1", "x", "reimbursable"})
_FALSE = frozenset({"no", "n", "false", "f", "0", "", "non-reimbursable", "not reimbursable"})
# The book stores minor units as SQLite INTEGER (signed 64 bit): a larger amount is a row error,
# not an overflow that would abort the whole import at write time.
MAX_MINOR = 2**63 - 1
# Column widths in the book: longer text is cut to fit.
_VENDOR_LIMIT, _CATEGORY_LIMIT, _EMPLOYEE_LIMIT, _CARD_LIMIT, _REFERENCE_LIMIT, _REPORT_ID_LIMIT = 300, 200, 200, 60, 200, 120
_CACHE_LIMIT = 50_000


class DateParser:
    """Parses dates with a profile's formats; ISO dates (with or without a time) take a fast path."""

    def __init__(self, formats: tuple[str, ...]) -> None:
        self.formats = formats
        self._iso = any(f.startswith("%Y-%m-%d") for f in formats)
        self._cache: dict[str, date | None] = {}
        self._days: dict[str, date | None] = {}  # "YYYY-MM-DD" -> date, for ISO timestamps
        self._times: set[str] = set()  # what followed a valid day in a timestamp (" 08:15:00")

    def parse(self, text: str) -> date | None:
        """The date, or None when ``text`` fits none of the formats."""
        if self._iso:
            # Timestamps rarely repeat, but their days and times of day do: a timestamp whose day
            # and time part were both read before needs no pattern match (a third of a row's
            # conversion time in a 100,000-row export). Only days and times that matched _ISO are
            # ever remembered, so this accepts exactly what the full path accepts.
            day = self._days.get(text[:10])
            if day is not None and (len(text) == 10 or text[10:] in self._times):
                return day
        found = self._cache.get(text, False)
        if found is not False:
            return found  # type: ignore[return-value]
        result = None
        match = _ISO.match(text) if self._iso else None
        if match:
            # Timestamps hardly ever repeat, but their days do: the day is looked up once, and a
            # timestamp is not cached itself (that only filled and cleared the cache over and over).
            result = self._day(text[:10], match)
            if len(text) > 10:
                if result is not None:
                    if len(self._times) > _CACHE_LIMIT:
                        self._times.clear()
                    self._times.add(text[10:])
                return result
        else:
            for fmt in self.formats:
                try:
                    result = datetime.strptime(text, fmt).date()
                    break
                except ValueError:
                    continue
        if len(self._cache) > _CACHE_LIMIT:
            self._cache.clear()
        self._cache[text] = result
        return result

    def known(self, text: str) -> date | None:
        """The date of ``text`` when an earlier :meth:`parse` already read it (or its day and
        time of day), else None: no parsing, so a None says nothing about the text."""
        if self._iso:
            day = self._days.get(text[:10])
            if day is not None and (len(text) == 10 or text[10:] in self._times):
                return day
        return self._cache.get(text)  # what parse() looks up next

    def _day(self, day: str, match: re.Match[str]) -> date | None:
        """The date of an ISO ``YYYY-MM-DD`` prefix ``_ISO`` matched (None when no such day)."""
        if day in self._days:
            return self._days[day]
        try:
            result: date | None = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            result = None
        if len(self._days) > _CACHE_LIMIT:
            self._days.clear()
        self._days[day] = result
        return result


class _Plan:
    """How to pull canonical and custom fields out of records bound one way (built once)."""

    def __init__(self, binding: Binding, keep_unmapped: bool) -> None:
        self.single = [(name, keys[0]) for name, keys in binding.columns.items() if len(keys) == 1]
        self.multi = [(name, keys) for name, keys in binding.columns.items() if len(keys) > 1]
        # Custom fields read straight from one column (the usual case) apart from the rest.
        # Sorted by name: a draft's fields are sorted pairs, and a simple plan's come out in order.
        self.plain_fields = sorted((name, keys[0]) for name, keys in binding.fields.items()
                                   if len(keys) == 1 and name not in NUMERIC_FIELDS)
        self.fields = [(name, keys, name in NUMERIC_FIELDS) for name, keys in binding.fields.items()
                       if len(keys) != 1 or name in NUMERIC_FIELDS]
        taken = set(binding.fields)
        self.extras: list[tuple[str, str]] = []
        if keep_unmapped:
            for key in binding.unmapped:
                name = field_name(key)
                while name in taken or name == "expense_type":
                    name = f"{name}_2"
                taken.add(name)
                self.extras.append((key, name))
        self.any_fields = bool(self.plain_fields or self.fields or self.extras)
        # Every canonical and custom field read from exactly one column (CSV exports): the
        # converter then reads the record with two comprehensions and nothing else.
        self.simple = not self.multi and not self.fields and not self.extras

    def canonical(self, values: Mapping[str, str]) -> dict[str, str]:
        """Canonical field -> the first non-empty value among its bound columns."""
        row = {name: value for name, key in self.single if (value := values.get(key))}
        for name, keys in self.multi:
            for key in keys:
                value = values.get(key)
                if value:
                    row[name] = value
                    break
        return row


# The canonical fields the CSV fast path reads. A binding with any other (debit and credit,
# tax, payment method, record type) converts every row through the general path.
_FAST_FIELDS = frozenset({"date", "amount", "currency", "vendor", "category", "memo", "reimbursable",
                          "original_amount", "original_currency", "receipt", "source_id", "report_id",
                          "employee", "card", "reference"})
CellConverter = Callable[[int, list[str]], "ExpenseDraft | None"]


def _sorted_pairs(fields: dict[str, str], *, in_order: bool) -> tuple[tuple[str, str], ...]:
    """The fields as name-sorted pairs; ``in_order`` when they were added in name order already."""
    return tuple(fields.items()) if in_order else tuple(sorted(fields.items()))


def _too_large(what: str) -> str:
    return f"The {what} is too large to store (over 19 digits in the currency's smallest unit)."


def _to_minor(value: Decimal, exponent: int) -> int | None:
    """Integer minor units, or None when the value has more decimals than the currency."""
    scaled = value.scaleb(exponent)
    integral = scaled.to_integral_value()
    return int(integral) if scaled == integral else None


class RowConverter:
    """Converts records of one file with one profile into drafts plus issues."""

    def __init__(self, profile: Profile, home_currency: str) -> None:
        self.profile = profile
        self.default_currency = (profile.default_currency or home_currency).upper()
        self.dates = DateParser(profile.date_formats)
        self._negate = profile.amount_sign == "expense_negative"
        self._payment_values = {name_key(k): PaymentMethod(v) for k, v in profile.payment_values.items()}
        self._type_payment = {k: PaymentMethod(v) for k, v in profile.type_payment_methods.items()}
        self._default_payment = PaymentMethod(profile.default_payment_method)
        self._has_reimbursable = "reimbursable" in profile.columns
        self._decimal_sep = profile.decimal_sep
        self._currencies: dict[str | None, tuple[str, Currency | None]] = {}
        self._flag_methods: dict[str, PaymentMethod | None] = {}  # reimbursable cell -> method
        self._plain_cache: dict[int, dict[str, int | None]] = {}  # exponent -> amount text -> minor
        self._plans: dict[int, _Plan] = {}

    def _number(self, text: str) -> Decimal:
        return parse_decimal(text.translate(_CURRENCY_SYMBOLS), decimal_sep=self.profile.decimal_sep,
                             thousands_sep=self.profile.thousands_sep)

    def convert(self, record: RawRecord, binding: Binding) -> tuple[ExpenseDraft | None, list[Issue]]:
        """The draft for ``record`` (None when an error rejects it) and every issue found."""
        plan = self._plans.get(id(binding))
        if plan is None:
            plan = self._plans[id(binding)] = _Plan(binding, self.profile.keep_unmapped)
        values = record.values
        if plan.simple:
            row = {name: value for name, key in plan.single if (value := values.get(key))}
            fields = {name: value for name, key in plan.plain_fields if (value := values.get(key))}
        else:
            row = plan.canonical(values)
            fields = {}
        get = row.get
        line = record.line
        issues: list[Issue] = [i.at(line) for i in record.issues] if record.issues else []

        date_text = get("date", "")
        txn_date = self.dates.parse(date_text) if date_text else None
        if not date_text:
            issues.append(error("missing_date", "The date is empty.", "date", line))
        elif txn_date is None:
            issues.append(error("bad_date", f"{date_text!r} is not a date in the format "
                                f"{' or '.join(self.profile.date_formats)}.", "date", line))

        code, currency = self._currency(get("currency"))
        if currency is None:
            issues.append(error("unknown_currency", f"{code!r} is not an ISO 4217 currency code.", "currency", line))
        exponent = currency.exponent if currency else 2

        if not plan.simple and plan.any_fields:
            fields = self._custom_fields(values, plan, issues, line)
        expense_type = get("expense_type", "")
        if expense_type:
            expense_type = name_key(expense_type).replace(" ", "_").replace("-", "_")
            fields["expense_type"] = expense_type
            if self.profile.type_categories and expense_type not in self.profile.type_categories:
                issues.append(warning("unknown_type", f"{expense_type!r} is not a known record type "
                                      f"({', '.join(sorted(self.profile.type_categories))}).", "expense_type", line))

        # Plain amounts (nearly all of a bulk export) go straight from digits to minor units.
        text = get("amount")
        amount_minor = None
        if text and currency is not None:
            amount_minor = self._plain_minor(text, exponent)
        if amount_minor is not None:
            if self._negate:
                amount_minor = -amount_minor
        else:
            amount = self._amount(row, expense_type, fields, issues, line, exponent)
            if amount is not None and currency is not None:
                amount_minor = _to_minor(amount, exponent)
                if amount_minor is None:
                    issues.append(error("amount_precision", f"{amount} has more decimals than {code} allows "
                                        f"({exponent}).", "amount", line))
        if amount_minor is not None and abs(amount_minor) > MAX_MINOR:
            issues.append(error("amount_too_large", _too_large("amount"), "amount", line))
            amount_minor = None
        payment = self._payment(row, expense_type, issues, line)
        tax_text = get("tax")
        tax_minor = self._minor(tax_text, code, exponent, "tax", issues, line) if tax_text and currency else None
        original_minor, original_code = self._original(row, issues, line) if "original_amount" in row else (None, None)
        source_id = get("source_id", "")
        if len(source_id) > 200:
            issues.append(error("source_id_too_long", "The source id is longer than 200 characters.", "source_id", line))

        if txn_date is None or amount_minor is None or (issues and any(i.is_error for i in issues)):
            return None, issues
        category = get("category") or (self.profile.type_categories.get(expense_type) if expense_type else None)
        vendor, employee, card = get("vendor"), get("employee"), get("card")
        reference, report_id = get("reference"), get("report_id")
        draft = ExpenseDraft(
            line, txn_date, amount_minor, code, payment or self._default_payment, source_id or None,
            vendor[:_VENDOR_LIMIT] if vendor else None, category[:_CATEGORY_LIMIT] if category else None,
            employee[:_EMPLOYEE_LIMIT] if employee else None, get("memo"), card[:_CARD_LIMIT] if card else None,
            reference[:_REFERENCE_LIMIT] if reference else None, report_id[:_REPORT_ID_LIMIT] if report_id else None,
            get("receipt"), tax_minor, original_minor, original_code,
            _sorted_pairs(fields, in_order=plan.simple and not expense_type) if fields else (),
        )
        return draft, issues

    def fast_path(self, binding: Binding, keys: tuple[str, ...]) -> CellConverter | None:
        """A converter straight from a CSV row's cells, for files whose every field is one column.

        Most rows of a bulk export are ordinary: a date, currency and flag of a form the file
        has shown before and a plain amount. Such a row needs none of :meth:`convert`'s
        dictionaries and checks (building them per row cost a third of the conversion time).
        The returned function converts a row from those caches (plain amounts it reads itself)
        and returns None for anything else: a date, currency or flag not seen before, an amount
        that is not plain, an empty date or amount, a short or long row, a source id too long
        for its column. The caller then converts that row with :meth:`convert`, which also
        fills the caches. Every row thus gets exactly the draft :meth:`convert` makes
        (property-tested), and no row is judged here: issues only come from the general path.
        """
        plan = _Plan(binding, self.profile.keep_unmapped)
        if not plan.simple or not set(binding.columns) <= _FAST_FIELDS or "date" not in binding.columns \
                or "amount" not in binding.columns:
            return None
        at = {key: index for index, key in enumerate(keys)}
        column = {name: at[found[0]] for name, found in binding.columns.items()}
        field_columns = tuple((name, at[key]) for name, key in plan.plain_fields)
        width = len(keys)
        date_at, amount_at = column["date"], column["amount"]
        currency_at, flag_at = column.get("currency"), column.get("reimbursable")
        original_at, original_currency_at = column.get("original_amount"), column.get("original_currency")
        text_columns = tuple(column.get(name) for name in (
            "vendor", "category", "employee", "memo", "card", "reference", "report_id", "receipt", "source_id"))
        known_date, currencies, plain_minor = self.dates.known, self._currencies, self._plain_minor
        flags, check_flag = self._flag_methods, self._has_reimbursable  # as _payment consults the flag
        negate, default_payment = self._negate, self._default_payment

        def convert_cells(line: int, cells: list[str]) -> ExpenseDraft | None:
            if len(cells) != width:
                return None
            txn_date = known_date(cells[date_at].strip())
            found = currencies.get(cells[currency_at].strip() or None if currency_at is not None else None)
            if txn_date is None or found is None or found[1] is None:
                return None
            code, currency = found
            amount_text = cells[amount_at].strip()
            minor = plain_minor(amount_text, currency.exponent) if amount_text else None
            if minor is None or abs(minor) > MAX_MINOR:
                return None
            payment = None
            if check_flag:
                payment = flags.get(cells[flag_at].strip() if flag_at is not None else "")
                if payment is None:
                    return None
            original_minor = original_code = None
            original_text = cells[original_at].strip() if original_at is not None else ""
            original_currency = cells[original_currency_at].strip() if original_currency_at is not None else ""
            if original_text and original_currency:
                found = currencies.get(original_currency)
                if found is None or found[1] is None:
                    return None
                original_code = found[0]
                original_minor = plain_minor(original_text, found[1].exponent)
                if original_minor is None or abs(original_minor) > MAX_MINOR:
                    return None
            vendor, category, employee, memo, card, reference, report_id, receipt, source_id = [
                (cells[index].strip() or None) if index is not None else None for index in text_columns]
            if source_id is not None and len(source_id) > 200:
                return None
            fields = tuple([(name, value) for name, index in field_columns if (value := cells[index].strip())])
            return ExpenseDraft(
                line, txn_date, -minor if negate else minor, code, payment or default_payment, source_id,
                vendor[:_VENDOR_LIMIT] if vendor else None, category[:_CATEGORY_LIMIT] if category else None,
                employee[:_EMPLOYEE_LIMIT] if employee else None, memo, card[:_CARD_LIMIT] if card else None,
                reference[:_REFERENCE_LIMIT] if reference else None,
                report_id[:_REPORT_ID_LIMIT] if report_id else None, receipt, None, original_minor, original_code,
                fields,
            )

        return convert_cells

    def _plain_minor(self, text: str, exponent: int) -> int | None:
        """:func:`plain_minor_units` with this profile's separator, remembered per text: exports
        repeat amounts (an Expensify row's original amount is usually its amount again)."""
        cache = self._plain_cache.get(exponent)
        if cache is None:
            cache = self._plain_cache[exponent] = {}
        elif text in cache:
            return cache[text]
        minor = plain_minor_units(text, exponent, decimal_sep=self._decimal_sep)
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        cache[text] = minor
        return minor

    def _currency(self, text: str | None) -> tuple[str, Currency | None]:
        """The code and currency for a cell (the default when empty), looked up once per spelling."""
        found = self._currencies.get(text)
        if found is None:
            code = (text if text is not None else self.default_currency).strip().upper()
            if len(self._currencies) > _CACHE_LIMIT:
                self._currencies.clear()
            found = self._currencies[text] = (code, CURRENCIES.get(code))
        return found

    def _amount(self, row: dict[str, str], expense_type: str, fields: dict[str, str], issues: list[Issue],
                line: int, exponent: int) -> Decimal | None:
        text = row.get("amount", "")
        debit, credit = row.get("debit", ""), row.get("credit", "")
        try:
            if text:
                amount = self._number(text)
            elif debit or credit:
                text = f"{debit}/{credit}"
                amount = (self._number(debit) if debit else Decimal(0)) - (self._number(credit) if credit else Decimal(0))
            elif expense_type == "mileage" and "miles" in fields and "per_mile_rate" in fields:
                # Mileage is miles x rate, rounded half-up to the currency's minor unit (ACCOUNTING.md).
                miles, rate = Decimal(fields["miles"]), Decimal(fields["per_mile_rate"])
                return (miles * rate).quantize(Decimal(1).scaleb(-exponent), rounding=ROUND_HALF_UP)
            else:
                issues.append(error("missing_amount", "The amount is empty.", "amount", line))
                return None
        except MoneyError:
            issues.append(error("bad_amount", f"{text!r} is not an amount.", "amount", line))
            return None
        return -amount if self._negate else amount

    def _payment(self, row: dict[str, str], expense_type: str, issues: list[Issue], line: int) -> PaymentMethod | None:
        text = row.get("payment_method")
        if text:
            method = self._payment_values.get(name_key(text))
            if method is None:
                issues.append(error("unknown_payment_method", f"{text!r} is not a payment method this profile knows "
                                    "(company card, reimbursable, cash, bank...).", "payment_method", line))
            return method
        flag = row.get("reimbursable", "")
        if flag or self._has_reimbursable:
            if flag in self._flag_methods:
                method = self._flag_methods[flag]
            else:
                key = flag.strip().casefold()
                method = PaymentMethod.REIMBURSABLE if key in _TRUE else self._default_payment if key in _FALSE else None
                if len(self._flag_methods) > _CACHE_LIMIT:
                    self._flag_methods.clear()
                self._flag_methods[flag] = method
            if method is None:
                issues.append(error("bad_reimbursable", f"{flag!r} is neither yes nor no.", "reimbursable", line))
            return method
        return self._type_payment.get(expense_type) if expense_type else None

    def _minor(self, text: str, code: str, exponent: int, name: str, issues: list[Issue], line: int) -> int | None:
        if not text:
            return None
        minor = self._plain_minor(text, exponent)
        if minor is None:
            try:
                value = self._number(text)
            except MoneyError:
                issues.append(error(f"bad_{name}", f"{text!r} is not an amount.", name, line))
                return None
            minor = _to_minor(value, exponent)
            if minor is None:
                issues.append(error(f"{name}_precision", f"{text} has more decimals than {code} allows.", name, line))
                return None
        if abs(minor) > MAX_MINOR:
            issues.append(error(f"{name}_too_large", _too_large(name.replace("_", " ")), name, line))
            return None
        return minor

    def _original(self, row: dict[str, str], issues: list[Issue], line: int) -> tuple[int | None, str | None]:
        amount, text = row.get("original_amount", ""), row.get("original_currency", "")
        if not amount or not text:
            return None, None
        code, currency = self._currency(text)
        if not code:
            return None, None
        if currency is None:
            issues.append(error("unknown_currency", f"{code!r} is not an ISO 4217 currency code.",
                                "original_currency", line))
            return None, None
        minor = self._minor(amount, code, currency.exponent, "original_amount", issues, line)
        return (minor, code) if minor is not None else (None, None)

    def _custom_fields(self, values: Mapping[str, str], plan: _Plan, issues: list[Issue],
                       line: int) -> dict[str, str]:
        fields = {name: value for name, key in plan.plain_fields if (value := values.get(key))}
        for name, keys, numeric in plan.fields:
            for key in keys:
                value = values.get(key)
                if value:
                    break
            else:
                continue
            if numeric:
                try:
                    value = format(self._number(value).normalize(), "f")
                except MoneyError:
                    issues.append(error("bad_number", f"{value!r} is not a number.", name, line))
                    continue
            fields[name] = value
        for key, name in plan.extras:
            value = values.get(key)
            if value:
                fields[name] = value
        return fields

