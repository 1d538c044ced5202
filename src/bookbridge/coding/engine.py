"""The coding engine: template version + rules + expense → coded expense or reasons (pure).

Order of work for one expense:

1. the rules run (:mod:`bookbridge.coding.rules`): they may recode the category, set
   dimensions, choose a split or a per-diem, flag, require approval, or skip;
2. the template finds the mapping for the (possibly new) category: among the mappings of that
   category whose narrowing (vendor, payment method, custom field) all match, the most specific
   wins, and the earliest in the file on a tie;
3. the mapping gives the debit account, posting type, credit account, tax code and dimensions
   (fixed, then fed from custom fields, then rule-set values on top);
4. the debit line is built: priced from a quantity (miles × rate) or the amount paid; a
   per-diem caps it; a split shares it out; extra field lines are added.

Nothing here raises for a bad expense: every reason it cannot be coded comes back as data in
:attr:`CodingOutcome.problems`, so a preview over thousands of expenses lists them all.
The coded expense has no exchange rate yet (``rate=None``): the service that stores coding
results looks the rate up in the book's rates table and sets it with ``dataclasses.replace``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from bookbridge.coding.coded import CodedExpense, Entity, EntityKind, LineKind, PostingType
from bookbridge.coding.lines import LineBuildError, build_lines
from bookbridge.coding.outcome import CodingOutcome, CodingProblem, ProblemKind
from bookbridge.coding.rules import RuleResult, RuleSpec, run_rules
from bookbridge.coding.spec import MappingSpec, TemplateSpec, TemplateVersionSpec, select_version
from bookbridge.coding.tax import TaxTreatment, gross_of
from bookbridge.coding.view import ExpenseView


def code_expense(template: TemplateVersionSpec, rules: Sequence[RuleSpec], expense: ExpenseView) -> CodingOutcome:
    """Code one expense with one template version and a rule set (usually ``template.rules``).

    Passing the rules apart lets a preview try a draft rule set against a published mapping.
    """
    spec = template.spec
    result = run_rules(rules, expense)
    outcome = CodingOutcome(
        expense_id=expense.id,
        expense_key=expense.key,
        template=spec.name,
        template_version=template.number,
        category=result.expense.category,
        coded=None,
        review_flags=result.flags,
        approval_levels=result.approval_levels,
        skip_reason=result.skip_reason,
        rules_fired=result.fired,
        notes=result.notes,
    )
    if result.skip_reason is not None:
        return outcome
    problems = _Problems(spec.name, template.number)
    coded, flags = _code(template, result, problems)
    return replace(
        outcome,
        coded=None if problems.items else coded,
        problems=tuple(problems.items),
        review_flags=result.flags + tuple(flags),
    )


def code_with_versions(versions: Sequence[TemplateVersionSpec], expense: ExpenseView) -> CodingOutcome:
    """Code ``expense`` with the version in effect on its date and that version's own rules."""
    version = select_version(versions, expense.date)
    if version is None:
        name = versions[0].name if versions else "?"
        problem = CodingProblem(
            ProblemKind.NO_TEMPLATE_VERSION,
            expense.date.isoformat(),
            name,
            0,
            f"no version of template '{name}' is in effect on {expense.date.isoformat()}",
        )
        return CodingOutcome(expense.id, expense.key, name, 0, expense.category, None, problems=(problem,))
    return code_expense(version, version.rules, expense)


def find_mapping(spec: TemplateSpec, expense: ExpenseView) -> MappingSpec | None:
    """The mapping for the expense's category and narrowing (see the module docstring)."""
    if not expense.category:
        return None
    wanted = expense.category.strip().casefold()
    best: MappingSpec | None = None
    for mapping in spec.mappings:
        if mapping.category.strip().casefold() != wanted or not _narrowing_matches(mapping, expense):
            continue
        if best is None or mapping.specificity > best.specificity:
            best = mapping
    return best


def _narrowing_matches(mapping: MappingSpec, expense: ExpenseView) -> bool:
    if mapping.vendor and (expense.vendor or "").strip().casefold() != mapping.vendor.strip().casefold():
        return False
    if mapping.payment_method and expense.payment_method != mapping.payment_method:
        return False
    if mapping.field_name:
        value = expense.field(mapping.field_name)
        if value is None or value.strip().casefold() != (mapping.field_value or "").strip().casefold():
            return False
    return True


class _Problems:
    """Collects the problems of one expense against one template version."""

    def __init__(self, template: str, version: int) -> None:
        self.template, self.version = template, version
        self.items: list[CodingProblem] = []

    def add(self, kind: ProblemKind, subject: str, message: str) -> None:
        self.items.append(CodingProblem(kind, subject, self.template, self.version, message))


def _code(
    template: TemplateVersionSpec, result: RuleResult, problems: _Problems
) -> tuple[CodedExpense | None, list[str]]:
    spec, expense = template.spec, result.expense
    where = f"template '{spec.name}', version {template.number}"
    if not expense.category:
        problems.add(ProblemKind.NO_CATEGORY, "", f"the expense has no category and no rule in {where} gives one")
        return None, []
    mapping = find_mapping(spec, expense)
    if mapping is None:
        problems.add(
            ProblemKind.UNMAPPED_CATEGORY, expense.category, f"category '{expense.category}' has no account in {where}"
        )
        return None, []
    posting_type = mapping.posting_type or PostingType(expense.payment_method)
    credit = _credit_account(spec, mapping, posting_type, expense)
    if credit is None:
        subject = _credit_subject(posting_type, expense)
        problems.add(ProblemKind.NO_CREDIT_ACCOUNT, subject, f"{subject} has no credit account in {where}")
    tax = _tax_treatment(spec, mapping)
    if mapping.tax_code and tax is None:
        problems.add(ProblemKind.UNKNOWN_TAX_CODE, mapping.tax_code, f"tax code '{mapping.tax_code}' is not in {where}")
    kind = LineKind.ASSET if posting_type is PostingType.ASSET else LineKind.EXPENSE
    try:
        built = build_lines(mapping, result, tax, kind)
    except LineBuildError as exc:
        problems.add(exc.kind, exc.subject, f"{exc.message} ({where})")
        return None, []
    if problems.items or credit is None:
        return None, list(built.flags)
    total = sum((gross_of(line.amount, line.tax, expense.currency) for line in built.lines), Decimal(0))
    flags = list(built.flags)
    if total != expense.amount.amount and not (mapping.quantity and mapping.quantity.priced):
        flags.append(
            f"the coded lines add up to {total} {expense.currency}, the source paid {expense.amount.amount} "
            f"{expense.currency}"
        )
    coded = CodedExpense(
        expense_id=expense.id,
        expense_key=expense.key,
        date=expense.date,
        currency=expense.currency,
        amount=total,
        posting_type=posting_type,
        credit_account=credit,
        lines=built.lines,
        credit_entity=_credit_entity(spec, mapping, posting_type, credit, expense),
        tax_amount=expense.tax.amount if expense.tax is not None else None,
        employee=expense.employee,
        vendor=expense.vendor,
        report_id=expense.report_id,
        memo=expense.memo or "",
        rate=None,
        template_version=template.number,
        rules_fired=result.fired,
    )
    return coded, flags


# Posting types that say which credit account to use; EXPENSE and ASSET take the one the
# payment method implies (or the mapping's explicit credit account).
_CREDIT_SOURCE = {
    PostingType.REIMBURSABLE: "reimbursable",
    PostingType.COMPANY_CARD: "company_card",
    PostingType.CASH: "cash",
    PostingType.BANK: "bank",
    PostingType.BILL: "bill",
}


def _credit_source(posting_type: PostingType, expense: ExpenseView) -> str:
    return _CREDIT_SOURCE.get(posting_type, expense.payment_method)


def _credit_account(spec: TemplateSpec, mapping: MappingSpec, posting_type: PostingType, expense: ExpenseView) -> str | None:
    if mapping.credit_account:
        return mapping.credit_account
    source = _credit_source(posting_type, expense)
    if source == "company_card":
        return spec.credit_accounts.for_card(expense.card)
    return spec.credit_accounts.for_source(source)


def _credit_subject(posting_type: PostingType, expense: ExpenseView) -> str:
    source = _credit_source(posting_type, expense)
    if source == "company_card" and expense.card:
        return f"card '{expense.card}'"
    return f"payment method '{source}'"


def _credit_entity(
    spec: TemplateSpec, mapping: MappingSpec, posting_type: PostingType, credit: str, expense: ExpenseView
) -> Entity | None:
    """The vendor on A/P, the employee on reimbursements payable, else nobody.

    An explicit credit account gets the entity of the role it plays in the template (an asset
    bought on a supplier bill credits A/P, so the vendor goes with it; payroll clearing has none).
    """
    source = "" if mapping.credit_account else _credit_source(posting_type, expense)
    accounts = spec.credit_accounts
    if source == "bill" or credit == accounts.bill:
        return Entity(expense.vendor, EntityKind.VENDOR) if expense.vendor else None
    if source == "reimbursable" or credit == accounts.reimbursable:
        return Entity(expense.employee, EntityKind.EMPLOYEE) if expense.employee else None
    return None


def _tax_treatment(spec: TemplateSpec, mapping: MappingSpec) -> TaxTreatment | None:
    if not mapping.tax_code:
        return None
    code = spec.tax_codes.get(mapping.tax_code)
    return None if code is None else code.treatment(mapping.tax_recoverable)
