"""What coding one expense produced: a coded expense, or the reasons it cannot be coded.

:func:`group_problems` turns many outcomes into the actionable list a bookkeeper needs:
"3 expenses: category 'Tolls' has no account in template 'Fleet', version 4".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from bookbridge.coding.coded import CodedExpense


class ProblemKind(StrEnum):
    """Why an expense cannot be coded; each names what must be added or fixed."""

    NO_TEMPLATE_VERSION = "no_template_version"  # nothing in effect on the expense date
    NO_CATEGORY = "no_category"  # the expense has no category and no rule gave one
    UNMAPPED_CATEGORY = "unmapped_category"  # the template has no mapping for the category
    NO_CREDIT_ACCOUNT = "no_credit_account"  # no account for the payment method or card
    UNKNOWN_TAX_CODE = "unknown_tax_code"  # the mapping names a tax code the template lacks
    MISSING_FIELD = "missing_field"  # a quantity or rate field the mapping needs is absent
    BAD_FIELD = "bad_field"  # a custom field is not a number where one is needed
    SPLIT_MISMATCH = "split_mismatch"  # fixed split amounts do not add up to the expense
    PER_DIEM = "per_diem"  # a per-diem rule cannot be applied as configured


@dataclass(frozen=True, slots=True)
class CodingProblem:
    """One reason an expense cannot be coded.

    Attributes:
        kind: what is wrong.
        subject: the thing that is missing or wrong ("Tolls", "Visa 9999", "miles").
        template: the template's name.
        version: the template version consulted (0 when none was in effect).
        message: the sentence for one expense.
    """

    kind: ProblemKind
    subject: str
    template: str
    version: int
    message: str

    @property
    def group_key(self) -> tuple[str, str, str, int]:
        return (self.kind.value, self.subject.casefold(), self.template, self.version)


@dataclass(frozen=True, slots=True)
class CodingOutcome:
    """The result of coding one expense with one template version and its rules.

    Attributes:
        expense_id: the book's id of the expense.
        expense_key: its stable key.
        template: the template's name.
        template_version: the version number consulted (0 when none was in effect).
        category: the category after rules (what the template was asked to map).
        coded: the coded expense for the journal builder; ``None`` when skipped or uncodable.
        problems: why it cannot be coded (empty when coded or skipped).
        review_flags: reasons a person should look at it before approval.
        approval_levels: approval levels the rules require, in firing order.
        skip_reason: set when a rule skipped the expense on purpose.
        rules_fired: ids of the rules that fired, in firing order.
        notes: one line per fired rule: what it did.
    """

    expense_id: str
    expense_key: str
    template: str
    template_version: int
    category: str | None
    coded: CodedExpense | None
    problems: tuple[CodingProblem, ...] = ()
    review_flags: tuple[str, ...] = ()
    approval_levels: tuple[str, ...] = ()
    skip_reason: str | None = None
    rules_fired: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        """``coded``, ``skipped`` or ``uncodable``."""
        if self.skip_reason is not None:
            return "skipped"
        return "coded" if self.coded is not None else "uncodable"

    @property
    def approval_level(self) -> str | None:
        """The last level required (the highest-precedence rule's comes first), or ``None``."""
        return self.approval_levels[-1] if self.approval_levels else None


@dataclass(frozen=True, slots=True)
class ProblemGroup:
    """Expenses that share one missing thing, with the sentence that tells what to add."""

    kind: ProblemKind
    subject: str
    template: str
    version: int
    expense_ids: tuple[str, ...]
    message: str

    @property
    def count(self) -> int:
        return len(self.expense_ids)


_GROUP_TEXT = {
    ProblemKind.NO_TEMPLATE_VERSION: "no version of template '{t}' is in effect on {s}",
    ProblemKind.NO_CATEGORY: "no category, and no rule of template '{t}', version {v} gives one",
    ProblemKind.UNMAPPED_CATEGORY: "category '{s}' has no account in template '{t}', version {v}",
    ProblemKind.NO_CREDIT_ACCOUNT: "{s} has no credit account in template '{t}', version {v}",
    ProblemKind.UNKNOWN_TAX_CODE: "tax code '{s}' is not defined in template '{t}', version {v}",
    ProblemKind.MISSING_FIELD: "custom field '{s}' is missing but template '{t}', version {v} needs it",
    ProblemKind.BAD_FIELD: "custom field '{s}' is not a number (template '{t}', version {v})",
    ProblemKind.SPLIT_MISMATCH: "split rule '{s}' in template '{t}', version {v} does not add up",
    ProblemKind.PER_DIEM: "per-diem rule '{s}' in template '{t}', version {v} cannot be applied",
}


def group_problems(outcomes: Iterable[CodingOutcome]) -> list[ProblemGroup]:
    """Group the problems of many outcomes by what is missing, biggest group first.

    An expense with two problems counts in both groups: fixing one alone will not make it postable.
    Ties are ordered by kind and subject so the list is stable between runs.
    """
    groups: dict[tuple[str, str, str, int], tuple[CodingProblem, list[str]]] = {}
    for outcome in outcomes:
        for problem in outcome.problems:
            first, ids = groups.setdefault(problem.group_key, (problem, []))
            if outcome.expense_id not in ids:
                ids.append(outcome.expense_id)
    result = []
    for problem, ids in groups.values():
        noun = "expense" if len(ids) == 1 else "expenses"
        text = _GROUP_TEXT[problem.kind].format(s=problem.subject, t=problem.template, v=problem.version)
        result.append(
            ProblemGroup(
                kind=problem.kind,
                subject=problem.subject,
                template=problem.template,
                version=problem.version,
                expense_ids=tuple(ids),
                message=f"{len(ids)} {noun}: {text}",
            )
        )
    result.sort(key=lambda g: (-g.count, g.kind.value, g.subject.casefold(), g.template, g.version))
    return result
