"""A balanced journal entry + the accounting system's reference data → the document to post, or why not.

Pure: no database and no network. The journal builder names accounts, dimensions, entities and
tax codes as the mapping template spells them; the accounting system wants its own ids. Each
name is looked up in the :class:`~bookbridge.sync.reference.ReferenceIndex`; whatever cannot be
found, is inactive, or falls in the closed period comes back as a :class:`Problem` (data), which
the runner turns into an exception: never a failed post.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

from bookbridge.coding.coded import EntityKind as CodedEntityKind
from bookbridge.connectors.dto import (
    AccountClass,
    DimensionRef,
    Document,
    EntityKind,
    EntityRef,
    JournalDocument,
    JournalLine,
    Ref,
)
from bookbridge.journal.model import JournalEntry
from bookbridge.store.models import ExceptionCategory, ExceptionSeverity
from bookbridge.sync.reference import ReferenceIndex, RemoteRecord
from bookbridge.sync.shaping import JournalCapabilities, ShapedLine, shape

DOC_NUMBER_PREFIX = "BB-"
TRACKING_PREFIX = "tracking:"  # Xero tracking categories as dimension kinds (see connectors.dto.DimensionRef)
DOC_NUMBER_KEY_CHARS = 12

VendorMaker = Callable[[str], RemoteRecord | None]


@dataclass(frozen=True, slots=True)
class Problem:
    """Why an entry cannot be posted as it is; ``cause`` identifies it across entries and runs."""

    category: ExceptionCategory
    severity: ExceptionSeverity
    cause: tuple[str, ...]
    title: str
    fix: str  # what a person can do about it


def doc_number(entry_key: str) -> str:
    """The document number our entries carry (QBO allows 21 characters): stable for an entry."""
    return f"{DOC_NUMBER_PREFIX}{entry_key[:DOC_NUMBER_KEY_CHARS]}"


def _blocker(category: ExceptionCategory, cause: tuple[str, ...], title: str, fix: str) -> Problem:
    return Problem(category, ExceptionSeverity.BLOCKER, cause, title, fix)


class _Resolver:
    """Looks names up for one entry and collects the problems."""

    def __init__(self, index: ReferenceIndex, label: str, make_vendor: VendorMaker | None,
                 tracking: tuple[str, ...] = ()) -> None:
        self.index = index
        self.tracking = tracking  # the system's tracking categories, when it tracks with them
        self.label = label
        self.make_vendor = make_vendor
        self.problems: dict[tuple[str, ...], Problem] = {}

    def problem(self, problem: Problem) -> None:
        self.problems.setdefault(problem.cause, problem)

    def account(self, code: str) -> Ref | None:
        found = self.account_record(code)
        return Ref(found.remote_id, found.name) if found is not None else None

    def account_record(self, code: str) -> RemoteRecord | None:
        """The active remote account for ``code``, or ``None`` with the problem noted."""
        found = self.index.account(code)
        if found is None:
            self.problem(_blocker(
                ExceptionCategory.MAPPING, ("account-missing", code.casefold()),
                f"Account {code} is not in {self.label}",
                f"Add account {code} in {self.label}, or change the mapping template to an account it has, "
                "then sync again.",
            ))
            return None
        if not found.active:
            self.problem(_blocker(
                ExceptionCategory.VALIDATION, ("account-inactive", found.remote_id),
                f"Account {code} ({found.name}) is inactive in {self.label}",
                f"Make account {found.name} active in {self.label}, or map these expenses to another account.",
            ))
            return None
        return found

    def dimension(self, kind: str, value: str) -> DimensionRef | None:
        # The kind the system files ours under: a connector alias (QBO location -> department) or
        # this connection's tracking category for it (Xero class -> tracking:Truck).
        remote_kind = self.index.dimension_kind(kind)
        if not self.index.has_dimension_kind(remote_kind):
            self.problem(self._missing_kind(kind, remote_kind))
            return None
        found = self.index.dimension(remote_kind, value)
        if found is None or not found.active:
            state = "is not" if found is None else "is inactive"
            self.problem(_blocker(
                ExceptionCategory.MAPPING if found is None else ExceptionCategory.VALIDATION,
                ("dimension", remote_kind, value.casefold(), state),
                f"{kind.capitalize()} '{value}' {state} in {self.label}",
                f"Add or reactivate {kind} '{value}' in {self.label}, or change the template's {kind}.",
            ))
            return None
        return DimensionRef(remote_kind, found.remote_id, found.name)

    def _missing_kind(self, kind: str, remote_kind: str) -> Problem:
        categories = self.tracking
        if remote_kind.startswith(TRACKING_PREFIX):
            category = remote_kind[len(TRACKING_PREFIX):]
            return _blocker(
                ExceptionCategory.MAPPING, ("dimension-kind", kind, remote_kind),
                f"Tracking category '{category}' (for {kind}) is not in {self.label}",
                f"Add or reactivate tracking category '{category}' in {self.label}, or map {kind} to one it has "
                f"({', '.join(categories) or 'none yet'}) with `bookbridge sync BOOK --set "
                f"tracking_categories={kind}:NAME`, then sync again.",
            )
        if categories:  # a system that tracks with categories: the kind needs mapping to one of them
            return _blocker(
                ExceptionCategory.MAPPING, ("dimension-kind", kind),
                f"{kind.capitalize()} is not mapped to a {self.label} tracking category",
                f"Map {kind} to one of {', '.join(categories)} with `bookbridge sync BOOK --set "
                f"tracking_categories={kind}:NAME` (at most two categories), or remove '{kind}' from the mapping "
                "template for this connection, then sync again.",
            )
        return _blocker(
            ExceptionCategory.MAPPING, ("dimension-kind", kind),
            f"{self.label} has no '{kind}' dimension",
            f"Remove '{kind}' from the mapping template for this connection (or turn on {kind} tracking in "
            f"{self.label}), then sync again.",
        )

    def vendor(self, name: str, kind: CodedEntityKind) -> EntityRef | None:
        found = self.index.vendor(name)
        if found is None and self.make_vendor is not None:
            found = self.make_vendor(name)
            if found is not None:
                self.index.add(found)
        who = "Employee" if kind is CodedEntityKind.EMPLOYEE else "Vendor"
        if found is None:
            self.problem(_blocker(
                ExceptionCategory.MAPPING, ("vendor-missing", name.casefold()),
                f"{who} '{name}' is not a vendor in {self.label}",
                f"Add '{name}' as a vendor in {self.label}, or allow Bookbridge to create missing vendors for this "
                "connection (setting create_vendors), then sync again.",
            ))
            return None
        if not found.active:
            self.problem(_blocker(
                ExceptionCategory.VALIDATION, ("vendor-inactive", found.remote_id),
                f"Vendor '{found.name}' is inactive in {self.label}",
                f"Make vendor '{found.name}' active in {self.label}, then sync again.",
            ))
            return None
        # Employees who are paid back post to A/P-like accounts as vendors: QBO companies keep
        # drivers as vendors, and its journal lines accept a vendor entity there.
        return EntityRef(EntityKind.VENDOR, found.remote_id, found.name)

    def tax_code(self, code: str) -> Ref | None:
        found = self.index.tax_code(code)
        if found is None or not found.active:
            state = "is not" if found is None else "is inactive"
            self.problem(_blocker(
                ExceptionCategory.MAPPING, ("tax-code", code.casefold(), state),
                f"Tax code {code} {state} in {self.label}",
                f"Add or reactivate tax code {code} in {self.label}, or change the template's tax code.",
            ))
            return None
        return Ref(found.remote_id, found.name)


DIMENSION_KINDS = ("class", "department", "location", "project")
MAX_TRACKING_CATEGORIES = 2  # Xero allows two active tracking categories per organisation


def parse_tracking_categories(text: str) -> dict[str, str]:
    """``class:Truck,location:Terminal`` as {dimension kind: tracking category}; empty text clears it.

    Raises:
        ValueError: an unknown kind, a pair without a category, or more than two categories.
    """
    mapping: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        kind, _, category = (piece.strip() for piece in part.partition(":"))
        if kind.casefold() not in DIMENSION_KINDS or not category:
            raise ValueError(f"'{part}' is not KIND:CATEGORY with KIND one of {', '.join(DIMENSION_KINDS)}")
        mapping[kind.casefold()] = category
    if len(set(mapping.values())) > MAX_TRACKING_CATEGORIES:
        raise ValueError(f"at most {MAX_TRACKING_CATEGORIES} tracking categories can be used, not "
                         f"{len(set(mapping.values()))}")
    return mapping


def tracking_aliases(settings: dict[str, object]) -> dict[str, str]:
    """The dimension kinds a connection's ``tracking_categories`` setting files under tracking categories."""
    value = settings.get("tracking_categories") or {}
    mapping = parse_tracking_categories(value) if isinstance(value, str) else dict(value) if isinstance(value, dict) else {}
    return {str(kind): f"{TRACKING_PREFIX}{category}" for kind, category in mapping.items()}


def _period_problem(entry: JournalEntry, closed: date | None, label: str) -> Problem | None:
    if closed is None or entry.date > closed:
        return None
    return _blocker(
        ExceptionCategory.CLOSED_PERIOD, ("closed", closed.isoformat()),
        f"Books are closed through {closed.isoformat()} in {label}",
        f"These entries are dated on or before {closed.isoformat()}. Re-date the expenses into an open period, "
        f"or ask the accountant to reopen the period in {label}; then resolve this exception and sync again.",
    )


def _currency_problem(entry: JournalEntry, index: ReferenceIndex, label: str) -> Problem | None:
    home = index.home_currency
    if home is None or entry.currency == home:
        return None
    if not index.multicurrency:
        return _blocker(
            ExceptionCategory.VALIDATION, ("currency-off", entry.currency),
            f"{label} is not set up for multiple currencies ({entry.currency} entries)",
            f"Turn on multicurrency in {label} and add {entry.currency}, then sync again.",
        )
    codes = {r.remote_id for r in index.records("currency")}
    if codes and entry.currency not in codes:
        return _blocker(
            ExceptionCategory.MAPPING, ("currency-missing", entry.currency),
            f"Currency {entry.currency} is not enabled in {label}",
            f"Add {entry.currency} to the company's currencies in {label}, then sync again.",
        )
    return None


def _account_class(record: RemoteRecord) -> AccountClass | None:
    """The neutral class the connector gave the account (kept in the record's detail by the pull)."""
    value = record.detail.get("account_class")
    try:
        return AccountClass(value) if value else None
    except ValueError:
        return None  # a class this version does not know: treated as an ordinary account


def entry_document(
    entry: JournalEntry, index: ReferenceIndex, *, key: str, label: str, make_vendor: VendorMaker | None = None,
    journal: JournalCapabilities = JournalCapabilities(), payee: str | None = None, tracking: tuple[str, ...] = (),
) -> tuple[Document | None, tuple[Problem, ...]]:
    """The document for ``entry`` under idempotency ``key``, or the problems preventing it.

    A journal entry, unless the system's ``journal`` cannot carry it: then the purchase or bill
    :func:`bookbridge.sync.shaping.shape` chooses, with ``payee`` (the merchant of every expense
    in the entry, when they share one) as the contact of a purchase. ``tracking`` names the
    system's tracking categories, so an unmapped dimension's problem can say which to map it to.
    """
    resolver = _Resolver(index, label, make_vendor, tracking)
    for problem in (_period_problem(entry, index.closed_books_date, label), _currency_problem(entry, index, label)):
        if problem is not None:
            resolver.problem(problem)
    lines = []
    facts = []
    for line in entry.lines:
        if line.debit == 0 and line.credit == 0:
            continue  # a zero line carries lineage only; the accounting system wants amounts
        account = resolver.account_record(line.account)
        dims = tuple(d for d in (resolver.dimension(k, v) for k, v in line.dimensions.items()) if d is not None)
        entity = resolver.vendor(line.entity.name, line.entity.kind) if line.entity is not None else None
        tax = resolver.tax_code(line.tax_code) if line.tax_code else None
        if account is not None:
            resolved = JournalLine(account=Ref(account.remote_id, account.name), debit=line.debit, credit=line.credit,
                                   description=line.memo or entry.memo, dimensions=dims, entity=entity, tax_code=tax)
            lines.append(resolved)
            facts.append(ShapedLine(resolved, _account_class(account), account.detail.get("currency") or None,
                                    line.home_debit, line.home_credit))
    if resolver.problems:
        return None, tuple(resolver.problems.values())
    foreign = index.home_currency is not None and entry.currency != index.home_currency
    rate = entry.lines[0].rate if entry.lines and foreign else None
    document = JournalDocument(key=key, date=entry.date, currency=entry.currency, lines=tuple(lines),
                               doc_number=doc_number(entry.key), memo=entry.memo, exchange_rate=rate)
    if journal.unrestricted:
        return document, ()

    def find_payee() -> EntityRef | None:
        return resolver.vendor(payee, CodedEntityKind.VENDOR) if payee else None

    shaped, refusals = shape(document, facts, caps=journal, home_currency=index.home_currency, payee=find_payee,
                             label=label)
    if resolver.problems:  # the merchant is missing or inactive: that problem says more than "no contact"
        return None, tuple(resolver.problems.values())
    if shaped is None:
        return None, tuple(_blocker(ExceptionCategory.MAPPING, r.cause, r.title, r.fix) for r in refusals)
    return shaped, ()
