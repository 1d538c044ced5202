"""The QBO entities the sandbox serves, and what may be done with each.

Names are QBO's (``JournalEntry``); URL segments are their lower-case forms
(``/v3/company/{realmId}/journalentry``). Transactions can be created, updated and deleted;
name-list entities are never deleted (QBO makes them inactive instead); singletons (Preferences,
CompanyInfo) exist once per company.
"""

from __future__ import annotations

from dataclasses import dataclass

TRANSACTION = "transaction"
NAME_LIST = "name_list"
SINGLETON = "singleton"
ATTACHMENT = "attachment"


@dataclass(frozen=True, slots=True)
class EntityType:
    """One QBO entity and the operations the sandbox allows on it."""

    name: str
    kind: str
    creatable: bool = True
    updatable: bool = True
    label: str = ""  # QBO's TxnType wording in duplicate-number messages
    ref_plural: str = ""  # wording in "Invalid Reference Id : Accounts element id 7 not found"

    @property
    def deletable(self) -> bool:
        return self.kind in (TRANSACTION, ATTACHMENT)

    @property
    def hides_inactive(self) -> bool:
        """Name lists answer queries with active records only unless asked about ``Active``."""
        return self.kind == NAME_LIST


ENTITY_TYPES: tuple[EntityType, ...] = (
    EntityType("JournalEntry", TRANSACTION, label="Journal Entry"),
    EntityType("Purchase", TRANSACTION, label="Expense"),
    EntityType("Bill", TRANSACTION, label="Bill"),
    EntityType("Vendor", NAME_LIST, ref_plural="Vendors"),
    EntityType("Customer", NAME_LIST, creatable=False, updatable=False, ref_plural="Customers"),
    EntityType("Account", NAME_LIST, ref_plural="Accounts"),
    EntityType("Class", NAME_LIST, ref_plural="Classes"),
    EntityType("Department", NAME_LIST, ref_plural="Departments"),
    EntityType("TaxCode", NAME_LIST, creatable=False, updatable=False, ref_plural="TaxCodes"),
    EntityType("TaxRate", NAME_LIST, creatable=False, updatable=False, ref_plural="TaxRates"),
    EntityType("CompanyCurrency", NAME_LIST, ref_plural="Currencies"),
    EntityType("Preferences", SINGLETON, creatable=False),
    EntityType("CompanyInfo", SINGLETON, creatable=False, updatable=False),
    EntityType("Attachable", ATTACHMENT, updatable=False),
)

_BY_LOWER = {entity.name.lower(): entity for entity in ENTITY_TYPES}


def entity_type(name: str) -> EntityType | None:
    """Look an entity up by name or URL segment, ignoring case (QBO's queries do too)."""
    return _BY_LOWER.get((name or "").strip().lower())


def entity_names() -> list[str]:
    return [entity.name for entity in ENTITY_TYPES]
