"""The organisation's reference lists, indexed for one request, and the checks every element shares.

:class:`Checker` collects the validation messages of one element (lock dates, accounts, tax types,
tracking, contacts, currencies); :mod:`.rules` builds each kind of document with it. The texts and
where they come from are listed in :mod:`.rules`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlsplit

from bookbridge.sandbox.xero.store import OrganisationStore
from bookbridge.sandbox.xero.timefmt import parse_day

CENT = Decimal("0.01")
MAX_TRACKING = 2
# Document-currency units per base unit, used when a foreign document omits CurrencyRate ("XE.com").
DAY_RATES = {"EUR": Decimal("0.925926"), "CAD": Decimal("1.369863")}
_LINE_AMOUNT_TYPES = ("Exclusive", "Inclusive", "NoTax")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Reference:
    """The organisation's lists, indexed for one request."""

    base_currency: str
    currencies: set[str]
    period_lock: date | None
    end_of_year_lock: date | None
    accounts_by_code: dict[str, dict[str, Any]] = field(default_factory=dict)
    accounts_by_id: dict[str, dict[str, Any]] = field(default_factory=dict)
    contacts_by_id: dict[str, dict[str, Any]] = field(default_factory=dict)
    contacts_by_name: dict[str, dict[str, Any]] = field(default_factory=dict)
    tracking: dict[str, dict[str, Any]] = field(default_factory=dict)
    tax_rates: dict[str, dict[str, Any]] = field(default_factory=dict)
    invoice_numbers: set[str] = field(default_factory=set)


def reference(store: OrganisationStore) -> Reference:
    org = store.organisation()
    ref = Reference(
        base_currency=org["BaseCurrency"],
        currencies={c["Code"] for c in store.all("Currencies")},
        period_lock=parse_day(org["PeriodLockDate"]) if org.get("PeriodLockDate") else None,
        end_of_year_lock=parse_day(org["EndOfYearLockDate"]) if org.get("EndOfYearLockDate") else None,
    )
    for account in store.all("Accounts"):
        ref.accounts_by_id[account["AccountID"].lower()] = account
        if account.get("Code"):
            ref.accounts_by_code[str(account["Code"]).upper()] = account
    for contact in store.all("Contacts"):
        ref.contacts_by_id[contact["ContactID"].lower()] = contact
        if contact.get("ContactStatus") == "ACTIVE":
            ref.contacts_by_name[contact["Name"].casefold()] = contact
    ref.tracking = {c["Name"].casefold(): c for c in store.all("TrackingCategories")}
    ref.tax_rates = {t["TaxType"].upper(): t for t in store.all("TaxRates")}
    ref.invoice_numbers = {i["InvoiceNumber"] for i in store.all("Invoices")
                           if i.get("Type") == "ACCREC" and i.get("InvoiceNumber") and i.get("Status") != "DELETED"}
    return ref


class Checker:
    """Collects messages for one element."""

    def __init__(self, ref: Reference, today: date) -> None:
        self.ref = ref
        self.today = today
        self.messages: list[str] = []

    def fail(self, message: str) -> None:
        if message not in self.messages:
            self.messages.append(message)

    def day(self, item: dict[str, Any], name: str, default: date | None) -> date | None:
        value = item.get(name)
        if value in (None, ""):
            return default
        try:
            return parse_day(str(value))
        except ValueError:
            self.fail(f"{name} '{value}' is not a valid date")
            return default

    def lock_dates(self, day: date | None) -> None:
        if day is None:
            return
        if self.ref.end_of_year_lock and day <= self.ref.end_of_year_lock:
            self.fail("The document date cannot be before the end of year lock date")
        elif self.ref.period_lock and day <= self.ref.period_lock:
            self.fail("The document date cannot be before the period lock date")

    def account(self, line: dict[str, Any], *, manual_journal: bool = False) -> dict[str, Any] | None:
        code, account_id = line.get("AccountCode"), line.get("AccountID")
        found = None
        if account_id:
            found = self.ref.accounts_by_id.get(str(account_id).lower())
        elif code not in (None, ""):
            found = self.ref.accounts_by_code.get(str(code).upper())
        shown = code if code not in (None, "") else account_id
        if found is None:
            if shown in (None, ""):
                self.fail("Each line item must reference a valid account")
            else:
                self.fail(f"Account code '{shown}' is not a valid code for this document.")
            return None
        shown = found.get("Code") or found["AccountID"]
        if found.get("Status") != "ACTIVE":
            self.fail(f"Account code '{shown}' has been archived, or has been deleted. "
                      "Each line item must reference a valid account.")
            return None
        if manual_journal and found.get("SystemAccount"):
            self.fail(f"Account code '{shown}' is a system account and cannot be used in a manual journal.")
            return None
        if manual_journal and found.get("Type") == "BANK":
            # "You can't post a manual journal to a bank account in Xero" (Xero Central); text modelled.
            self.fail(f"Account code '{shown}' is a bank account and cannot be used in a manual journal. "
                      "Use a spend or receive money transaction instead.")
            return None
        return found

    def tax(self, line: dict[str, Any], account: dict[str, Any] | None) -> dict[str, Any] | None:
        tax_type = line.get("TaxType") or (account or {}).get("TaxType") or "NONE"
        found = self.ref.tax_rates.get(str(tax_type).upper())
        if found is None:
            self.fail(f"The TaxType code '{tax_type}' does not exist or cannot be used with this type of transaction.")
            return None
        if found.get("Status") != "ACTIVE":
            self.fail(f"The TaxType code '{tax_type}' has been archived and cannot be used.")
            return None
        return found

    def tracking(self, line: dict[str, Any]) -> list[dict[str, Any]]:
        chosen = line.get("Tracking") or []
        if len(chosen) > MAX_TRACKING:
            self.fail(f"A line can have at most {MAX_TRACKING} tracking categories")
        built = []
        for entry in chosen:
            category = self._category(entry)
            if category is None:
                continue
            option = self._option(category, entry)
            if option is not None:
                built.append({"Name": category["Name"], "Option": option["Name"],
                              "TrackingCategoryID": category["TrackingCategoryID"],
                              "TrackingOptionID": option["TrackingOptionID"]})
        return built

    def _category(self, entry: dict[str, Any]) -> dict[str, Any] | None:
        if entry.get("TrackingCategoryID"):
            wanted = str(entry["TrackingCategoryID"]).lower()
            found = next((c for c in self.ref.tracking.values() if c["TrackingCategoryID"].lower() == wanted), None)
        else:
            found = self.ref.tracking.get(str(entry.get("Name") or "").casefold())
        name = entry.get("Name") or entry.get("TrackingCategoryID")
        if found is None:
            self.fail(f"Tracking category '{name}' does not exist")
        elif found.get("Status") != "ACTIVE":
            self.fail(f"Tracking category '{found['Name']}' has been archived")
            return None
        return found

    def _option(self, category: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any] | None:
        options = category.get("Options") or []
        if entry.get("TrackingOptionID"):
            wanted = str(entry["TrackingOptionID"]).lower()
            found = next((o for o in options if o["TrackingOptionID"].lower() == wanted), None)
        else:
            wanted = str(entry.get("Option") or "").casefold()
            found = next((o for o in options if o["Name"].casefold() == wanted), None)
        shown = entry.get("Option") or entry.get("TrackingOptionID")
        if found is None:
            self.fail(f"Tracking option '{shown}' does not exist in tracking category '{category['Name']}'")
        elif found.get("Status") != "ACTIVE":
            self.fail(f"Tracking option '{found['Name']}' of tracking category '{category['Name']}' has been archived")
            return None
        return found

    def contact(self, item: dict[str, Any]) -> dict[str, Any] | None:
        given = item.get("Contact") or {}
        found = None
        if given.get("ContactID"):
            found = self.ref.contacts_by_id.get(str(given["ContactID"]).lower())
        elif given.get("Name"):
            found = self.ref.contacts_by_name.get(str(given["Name"]).casefold())
        if found is None:
            self.fail("Contact requires a valid ContactId or ContactName")
            return None
        if found.get("ContactStatus") != "ACTIVE":
            self.fail(f"The contact '{found['Name']}' has been archived and cannot be used")
            return None
        return found

    def line_amount_types(self, item: dict[str, Any], default: str) -> str:
        value = item.get("LineAmountTypes") or default
        if value not in _LINE_AMOUNT_TYPES:
            self.fail(f"LineAmountTypes '{value}' is not one of {', '.join(_LINE_AMOUNT_TYPES)}")
            return default
        return str(value)

    def url(self, item: dict[str, Any]) -> None:
        value = item.get("Url")
        if value and (urlsplit(str(value)).scheme not in ("http", "https") or not urlsplit(str(value)).netloc):
            self.fail(f"The Url '{value}' is not a valid absolute http(s) address")

    def currency(self, item: dict[str, Any]) -> tuple[str, Decimal]:
        code = str(item.get("CurrencyCode") or self.ref.base_currency).upper()
        if code not in self.ref.currencies:
            self.fail(f"The currency '{code}' has not been added to this organisation")
        if code == self.ref.base_currency:
            return code, Decimal(1)
        given = item.get("CurrencyRate")
        if given is not None and Decimal(str(given)) <= 0:
            self.fail("CurrencyRate must be a positive number")
        return code, Decimal(str(given)) if given is not None else DAY_RATES.get(code, Decimal(1))
