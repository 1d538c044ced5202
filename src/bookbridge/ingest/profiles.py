"""Column profiles: which column of an export means which expense field, and how to read it.

Built in: ``expensify`` (the Expensify default CSV export), ``generic`` (date, vendor, amount,
currency, category, memo under common header names), ``tms`` (a transport management system's
fuel, tolls, driver pay, maintenance and mileage, as CSV, JSON or XML) and ``concur`` (SAP Concur
Expense v3 ``/expense/entries`` JSON). Users save their own in the book's ``csv_profiles`` table,
usually on top of a built-in (``"base": "generic"``); see :func:`profile_from_dict` for the format.

Canonical fields (the keys of ``columns``) are listed in :data:`CANONICAL_FIELDS`. Anything else a
profile maps goes to ``fields``: custom fields stored as canonical text in ``expenses.fields_json``.

The ``tms`` columns (CSV headers, JSON keys and XML element names alike; case, ``_``, ``-`` and
spaces do not matter): ``record_id`` (the TMS's own id; dedupe uses it), ``date``, ``type``
(``fuel``, ``toll``, ``driver_pay``, ``maintenance``, ``mileage``), ``driver``, ``vehicle_id``,
``vendor``, ``description``, ``amount``, ``currency``, ``odometer``, ``litres`` (or ``gallons``),
``miles``, ``per_mile_rate``, ``trip_id``, ``payment_method``, ``category``, ``receipt``. A mileage
row may leave ``amount`` empty: it is then ``miles x per_mile_rate``, rounded half-up.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Mapping

import sqlalchemy as sa

from bookbridge.core import clock
from bookbridge.core.currency import is_currency
from bookbridge.core.errors import NotFound, UsageError
from bookbridge.ingest.normalise import column_key
from bookbridge.store.models import CsvProfile, PaymentMethod

CANONICAL_FIELDS: dict[str, str] = {
    "date": "the day of the spend (required)",
    "amount": "the amount; positive is a spend, negative a refund (or use debit/credit)",
    "debit": "money out, when the export splits amounts into two columns",
    "credit": "money in (a refund), when the export splits amounts into two columns",
    "currency": "ISO 4217 code; default: the profile's default_currency, else the book's currency",
    "vendor": "merchant or supplier name",
    "category": "expense category as the source names it",
    "memo": "free text",
    "employee": "who spent (name or email)",
    "source_id": "the source system's own id for the row (dedupe relies on it when present)",
    "payment_method": "text such as 'company card', 'reimbursable', 'cash', 'bank'",
    "reimbursable": "yes/no: yes means reimbursable, no means the profile's default method",
    "card": "card name or last digits",
    "tax": "tax amount included in the amount",
    "original_amount": "amount in the original (foreign) currency",
    "original_currency": "ISO code of the original amount",
    "reference": "a reference number",
    "report_id": "expense report id",
    "receipt": "receipt file name (looked up in the receipts folder) or URL (kept as a link)",
    "expense_type": "TMS record type: fuel, toll, driver_pay, maintenance, mileage",
}
# Custom fields holding numbers are stored as plain decimal strings, so they are parsed on import.
NUMERIC_FIELDS = frozenset(
    {"odometer", "odometer_start", "odometer_end", "litres", "gallons", "miles", "per_mile_rate",
     "business_distance", "mcc_amount"}
)
AMOUNT_SIGNS = ("expense_positive", "expense_negative")
FORMATS = ("csv", "json", "xml")
DELIMITERS = (",", ";", "\t", "|")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")
_FIELD = re.compile(r"^[a-z][a-z0-9_]{0,59}$")

COMMON_PAYMENT_VALUES: dict[str, str] = {
    **dict.fromkeys(["company card", "company_card", "corporate card", "corp card", "card", "credit card",
                     "company paid", "amex", "american express", "visa", "mastercard", "fuel card"],
                    PaymentMethod.COMPANY_CARD.value),
    **dict.fromkeys(["reimbursable", "employee", "employee paid", "personal", "personal card",
                     "out of pocket", "out-of-pocket", "reimburse"], PaymentMethod.REIMBURSABLE.value),
    **dict.fromkeys(["cash", "petty cash"], PaymentMethod.CASH.value),
    **dict.fromkeys(["bank", "bank transfer", "ach", "wire", "direct debit", "eft", "check", "cheque",
                     "payroll"], PaymentMethod.BANK.value),
}


@dataclass(frozen=True)
class Profile:
    """How to read one kind of export. Header names are compared after :func:`column_key`."""

    name: str
    description: str = ""
    formats: tuple[str, ...] = ("csv",)
    source: str = ""
    columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    required: tuple[str, ...] = ("date", "amount")
    date_formats: tuple[str, ...] = ("%Y-%m-%d",)
    decimal_sep: str | None = "."
    thousands_sep: str | None = None
    delimiter: str | None = None
    encoding: str | None = None
    default_currency: str | None = None
    default_payment_method: str = PaymentMethod.COMPANY_CARD.value
    payment_values: Mapping[str, str] = field(default_factory=lambda: dict(COMMON_PAYMENT_VALUES))
    amount_sign: str = "expense_positive"
    keep_unmapped: bool = True
    type_categories: Mapping[str, str] = field(default_factory=dict)
    type_payment_methods: Mapping[str, str] = field(default_factory=dict)
    builtin: bool = False

    @property
    def source_name(self) -> str:
        return self.source or self.name


@dataclass(frozen=True)
class Binding:
    """A profile applied to one header: canonical field / custom field -> source keys, in order."""

    columns: Mapping[str, tuple[str, ...]]
    fields: Mapping[str, tuple[str, ...]]
    unmapped: tuple[str, ...]


def bind(profile: Profile, keys: list[str] | tuple[str, ...]) -> Binding:
    """Match a profile to the (column-keyed) headers present; a header serves one field only."""
    present = set(keys)
    used: set[str] = set()

    def take(alternatives: tuple[str, ...]) -> tuple[str, ...]:
        found = tuple(k for k in (column_key(a) for a in alternatives) if k in present and k not in used)
        used.update(found)
        return found

    columns = {name: found for name, alts in profile.columns.items() if (found := take(alts))}
    fields = {name: found for name, alts in profile.fields.items() if (found := take(alts))}
    unmapped = tuple(k for k in keys if k not in used and k)
    return Binding(columns, fields, unmapped)


def missing_required(profile: Profile, binding: Binding) -> list[str]:
    """Required canonical fields with no column (``amount`` is satisfied by debit or credit)."""
    missing = []
    for name in profile.required:
        if name in binding.columns:
            continue
        if name == "amount" and ("debit" in binding.columns or "credit" in binding.columns):
            continue
        missing.append(name)
    return missing


def _alts(*names: str) -> tuple[str, ...]:
    return tuple(names)


EXPENSIFY = Profile(
    name="expensify",
    description="Expensify default CSV export (Timestamp, Merchant, Amount, MCC, Category, Tag, Comment, "
    "Reimbursable, Original Currency, Original Amount, Receipt). Amount is in the report currency, "
    "taken to be the book's home currency unless the profile says otherwise.",
    source="expensify",
    columns={
        "date": _alts("Timestamp", "Date"), "vendor": _alts("Merchant"), "amount": _alts("Amount"),
        "category": _alts("Category"), "memo": _alts("Comment"), "reimbursable": _alts("Reimbursable"),
        "original_currency": _alts("Original Currency"), "original_amount": _alts("Original Amount"),
        "receipt": _alts("Receipt"), "source_id": _alts("Transaction ID", "TransactionID"),
        "report_id": _alts("Report ID", "ReportID"), "employee": _alts("Email", "Submitter"),
        "currency": _alts("Currency"),
    },
    fields={"mcc": _alts("MCC"), "tag": _alts("Tag")},
    required=("date", "vendor", "amount"),
    date_formats=("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y"),
    thousands_sep=",",
    builtin=True,
)

GENERIC = Profile(
    name="generic",
    description="Any CSV with a date, an amount (or debit/credit) and usually vendor, currency, category "
    "and memo under common header names. Dates must be ISO (2024-03-31) unless a saved profile sets "
    "date_formats; decimal separators are read per value (1,234.50 and 1.234,50 both work). Unknown "
    "columns become custom fields.",
    source="generic",
    columns={
        "date": _alts("date", "transaction date", "txn date", "posted date", "posting date", "booking date"),
        "vendor": _alts("vendor", "merchant", "payee", "supplier", "name", "description"),
        "amount": _alts("amount", "value", "total", "amount (usd)"),
        "debit": _alts("debit", "debit amount", "withdrawal", "withdrawals", "money out", "paid out"),
        "credit": _alts("credit", "credit amount", "deposit", "deposits", "money in", "paid in"),
        "currency": _alts("currency", "ccy", "currency code"),
        "category": _alts("category", "expense category", "account"),
        "memo": _alts("memo", "notes", "note", "comment", "comments", "details", "description"),
        "employee": _alts("employee", "spender", "cardholder", "card holder", "email"),
        "source_id": _alts("id", "transaction id", "expense id"),
        "payment_method": _alts("payment method", "payment type", "paid with"),
        "reimbursable": _alts("reimbursable",),
        "card": _alts("card", "card number", "card last 4"),
        "tax": _alts("tax", "tax amount", "vat", "gst"),
        "reference": _alts("reference", "ref", "check number", "cheque number"),
        "receipt": _alts("receipt", "receipt file", "receipt url"),
    },
    date_formats=("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d", "%Y%m%d"),
    decimal_sep=None,
    builtin=True,
)

TMS = Profile(
    name="tms",
    description="Transport management system export: fuel, tolls, driver pay, maintenance and mileage "
    "with vehicle id, odometer, litres/gallons, miles and per-mile rate (CSV, JSON or XML).",
    formats=FORMATS,
    source="tms",
    columns={
        "source_id": _alts("record id", "id", "tms id"), "date": _alts("date"),
        "expense_type": _alts("type", "record type", "kind"), "employee": _alts("driver", "driver name"),
        "vendor": _alts("vendor", "merchant"), "memo": _alts("description", "memo", "notes"),
        "amount": _alts("amount"), "currency": _alts("currency"),
        "payment_method": _alts("payment method", "payment"), "category": _alts("category"),
        "receipt": _alts("receipt", "receipt file"), "reference": _alts("reference", "invoice"),
    },
    fields={
        "vehicle_id": _alts("vehicle id", "vehicle", "truck", "unit"), "odometer": _alts("odometer"),
        "litres": _alts("litres", "liters"), "gallons": _alts("gallons"), "miles": _alts("miles"),
        "per_mile_rate": _alts("per mile rate", "rate per mile"), "trip_id": _alts("trip id", "trip"),
    },
    required=("date", "expense_type", "amount"),
    date_formats=("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"),
    type_categories={"fuel": "Fuel", "toll": "Tolls", "tolls": "Tolls", "driver_pay": "Driver pay",
                     "maintenance": "Maintenance", "repair": "Maintenance", "mileage": "Mileage"},
    type_payment_methods={"driver_pay": PaymentMethod.BANK.value, "mileage": PaymentMethod.REIMBURSABLE.value},
    builtin=True,
)

CONCUR = Profile(
    name="concur",
    description="SAP Concur Expense v3 /expense/entries JSON (an EntryCollection with Items, or a list of "
    "entries). ID is the source id; Custom1-40 and OrgUnit1-6 values become custom fields.",
    formats=("json",),
    source="concur",
    columns={
        "source_id": _alts("ID"), "date": _alts("TransactionDate"),
        "vendor": _alts("VendorDescription", "VendorListItemName"), "amount": _alts("TransactionAmount"),
        "currency": _alts("TransactionCurrencyCode"), "category": _alts("ExpenseTypeName"),
        "memo": _alts("Description"), "report_id": _alts("ReportID"), "employee": _alts("ReportOwnerID"),
        "payment_method": _alts("PaymentTypeName"), "reference": _alts("CompanyCardTransactionID"),
    },
    fields={
        "expense_type_code": _alts("ExpenseTypeCode"), "spend_category": _alts("SpendCategoryName"),
        "location": _alts("LocationName"), "country": _alts("LocationCountry"),
        "odometer_start": _alts("Journey.OdometerStart"), "odometer_end": _alts("Journey.OdometerEnd"),
        "business_distance": _alts("Journey.BusinessDistance"),
        **{f"custom{n}": _alts(f"Custom{n}.Value") for n in range(1, 41)},
        **{f"org_unit{n}": _alts(f"OrgUnit{n}.Value") for n in range(1, 7)},
    },
    required=("date", "amount"),
    date_formats=("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"),
    payment_values={**COMMON_PAYMENT_VALUES, "cash": PaymentMethod.REIMBURSABLE.value,
                    "pending card transaction": PaymentMethod.COMPANY_CARD.value},
    keep_unmapped=False,
    builtin=True,
)

BUILTIN_PROFILES: dict[str, Profile] = {p.name: p for p in (EXPENSIFY, GENERIC, TMS, CONCUR)}
# Tried in this order when no --profile is given: the most specific header first.
AUTO_DETECT_ORDER = ("expensify", "tms", "generic")

_SAVED_KEYS = {"base", "description", "formats", "source", "columns", "fields", "required", "date_formats",
               "decimal_sep", "thousands_sep", "delimiter", "encoding", "default_currency",
               "default_payment_method", "payment_values", "amount_sign", "keep_unmapped",
               "type_categories", "type_payment_methods"}
# Written by `profiles show` and ignored on save, so a shown profile can be edited and saved back.
_INFORMATIONAL_KEYS = {"name", "builtin"}


def profile_from_dict(name: str, data: Mapping[str, Any]) -> Profile:
    """Build a user profile from its saved JSON form, refusing anything unclear.

    Keys: ``base`` (a built-in to start from, default ``generic``), ``columns`` ({canonical field:
    [header, ...]}; given fields replace the base's), ``fields`` ({custom field: [header, ...]}),
    ``payment_values`` / ``type_categories`` / ``type_payment_methods`` (added to the base's), and
    the other :class:`Profile` options of the same name. Example::

        {"base": "generic", "columns": {"date": ["Buchungstag"], "amount": ["Betrag"]},
         "date_formats": ["%d.%m.%Y"], "decimal_sep": ",", "thousands_sep": ".",
         "amount_sign": "expense_negative", "payment_values": {"ec-karte": "company_card"}}

    Raises:
        UsageError: with a message naming the offending key.
    """
    if not _NAME.match(name):
        raise UsageError(f"Profile name {name!r}: use 1-40 lower-case letters, digits, '_', '.', '-'.")
    if name in BUILTIN_PROFILES:
        raise UsageError(f"{name!r} is a built-in profile; save yours under another name.")
    data = {k: v for k, v in data.items() if k not in _INFORMATIONAL_KEYS}
    unknown = sorted(set(data) - _SAVED_KEYS)
    if unknown:
        raise UsageError(f"Profile {name}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_SAVED_KEYS))}.")
    base_name = data.get("base", "generic")
    base = BUILTIN_PROFILES.get(base_name)
    if base is None:
        raise UsageError(f"Profile {name}: base {base_name!r} is not a built-in ({', '.join(BUILTIN_PROFILES)}).")
    columns = dict(base.columns)
    for key, headers in dict(data.get("columns") or {}).items():
        if key not in CANONICAL_FIELDS:
            raise UsageError(f"Profile {name}: {key!r} is not a field; fields: {', '.join(CANONICAL_FIELDS)}.")
        columns[key] = _header_list(name, key, headers)
    fields = dict(base.fields)
    for key, headers in dict(data.get("fields") or {}).items():
        if not _FIELD.match(key) or key in CANONICAL_FIELDS:
            raise UsageError(f"Profile {name}: custom field name {key!r} must be lower_snake_case and not a field.")
        fields[key] = _header_list(name, key, headers)
    options = {k: data[k] for k in _SAVED_KEYS - {"base", "columns", "fields"} if k in data}
    for key in ("formats", "required", "date_formats"):
        if key in options:
            options[key] = tuple(options[key])
    for key in ("payment_values", "type_categories", "type_payment_methods"):
        if key in options:  # extend the base's table rather than replace it
            options[key] = {**getattr(base, key), **dict(options[key] or {})}
    profile = replace(base, name=name, columns=columns, fields=fields, builtin=False,
                      source=options.pop("source", "") or name, **options)
    _check(profile)
    return profile


def _header_list(name: str, key: str, headers: Any) -> tuple[str, ...]:
    values = (headers,) if isinstance(headers, str) else tuple(headers or ())
    if not values or not all(isinstance(h, str) and h.strip() for h in values):
        raise UsageError(f"Profile {name}: {key} needs one or more header names.")
    return values


def _check(p: Profile) -> None:
    problems = []
    if not set(p.formats) <= set(FORMATS):
        problems.append(f"formats must be among {', '.join(FORMATS)}")
    if not set(p.required) <= set(CANONICAL_FIELDS):
        problems.append("required lists an unknown field")
    if not p.date_formats or not all(isinstance(f, str) and "%" in f for f in p.date_formats):
        problems.append("date_formats needs strftime patterns such as %d/%m/%Y")
    if p.decimal_sep not in (None, ".", ","):
        problems.append("decimal_sep must be '.', ',' or null (per value)")
    if p.thousands_sep not in (None, ".", ",", " ", "'", ""):
        problems.append("thousands_sep must be '.', ',', ' ', \"'\" or null")
    if p.decimal_sep and p.thousands_sep == p.decimal_sep:
        problems.append("decimal_sep and thousands_sep must differ")
    if p.delimiter not in (None, *DELIMITERS):
        problems.append("delimiter must be one of , ; | or a tab")
    if p.default_currency is not None and not is_currency(p.default_currency):
        problems.append(f"default_currency {p.default_currency!r} is not an ISO 4217 code")
    methods = {m.value for m in PaymentMethod}
    if p.default_payment_method not in methods or not set(p.payment_values.values()) <= methods \
            or not set(p.type_payment_methods.values()) <= methods:
        problems.append(f"payment methods must be among {', '.join(sorted(methods))}")
    if p.amount_sign not in AMOUNT_SIGNS:
        problems.append(f"amount_sign must be one of {', '.join(AMOUNT_SIGNS)}")
    if not _NAME.match(p.source_name):
        problems.append("source must be 1-40 lower-case letters, digits, '_', '.', '-'")
    if problems:
        raise UsageError(f"Profile {p.name}: " + "; ".join(problems) + ".")


def profile_to_dict(profile: Profile) -> dict[str, Any]:
    """The JSON form of a profile (``profiles show``); built-ins included, for copying."""
    data = asdict(profile)
    data["columns"] = {k: list(v) for k, v in profile.columns.items()}
    data["fields"] = {k: list(v) for k, v in profile.fields.items()}
    for key in ("formats", "required", "date_formats"):
        data[key] = list(data[key])
    return data


def saved_profiles(conn: sa.Connection) -> dict[str, Profile]:
    """User profiles saved in the book, by name."""
    rows = conn.execute(sa.select(CsvProfile.name, CsvProfile.definition_json).order_by(CsvProfile.name))
    return {name: profile_from_dict(name, json.loads(text)) for name, text in rows}


def get_profile(conn: sa.Connection | None, name: str) -> Profile:
    """A built-in or saved profile by name. Raises NotFound listing what exists."""
    if name in BUILTIN_PROFILES:
        return BUILTIN_PROFILES[name]
    saved = saved_profiles(conn) if conn is not None else {}
    if name in saved:
        return saved[name]
    known = ", ".join([*BUILTIN_PROFILES, *saved])
    raise NotFound(f"There is no profile {name!r}; known profiles: {known}.")


def save_profile(conn: sa.Connection, name: str, data: Mapping[str, Any], *, replace_existing: bool = False) -> Profile:
    """Validate and store a user profile in the caller's transaction; returns it."""
    profile = profile_from_dict(name, data)
    exists = conn.execute(sa.select(CsvProfile.id).where(CsvProfile.name == name)).first()
    text = json.dumps(dict(data), sort_keys=True, ensure_ascii=False)
    if exists and not replace_existing:
        raise UsageError(f"A profile named {name!r} already exists; pass --replace to overwrite it.")
    if exists:
        conn.execute(sa.update(CsvProfile).where(CsvProfile.name == name).values(definition_json=text))
    else:
        conn.execute(sa.insert(CsvProfile).values(name=name, definition_json=text, created_at=clock.now()))
    return profile
