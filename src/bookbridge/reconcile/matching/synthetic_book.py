"""A generated scenario (:mod:`synthetic`) written into a real book, for the benchmark and tests.

The statement goes in the way a user's would: a CSV file imported through a saved-profile JSON
into the bank account ``Operating``. Each target becomes the expense the adapter turns back into
it (a card charge, a reimbursable expense of an employee, driver pay, a bank payment). Then
:func:`proposals_of_run` maps what :func:`~bookbridge.reconcile.matching.service.run_matching`
stored back onto the scenario's line and target ids, so :func:`synthetic.evaluate` can score it.

The book is not a perfect mirror of the scenario, on purpose: the adapter decides, as for real
data, that a reimbursable expense may also be paid back alone (one-to-one), where the generator
only pays it inside its group; so the book's figures can differ a little from the matcher's.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa

from bookbridge.core import clock
from bookbridge.reconcile.matching.model import Band, Proposal, Target
from bookbridge.reconcile.matching.service import MatchRun
from bookbridge.reconcile.matching.synthetic import Scenario
from bookbridge.reconcile.statements.service import import_statement_file
from bookbridge.store.book import Book
from bookbridge.store.models import Employee, Expense, ExpenseStatus, PaymentMethod, StatementLine

ACCOUNT = "Operating"


@dataclass(frozen=True, slots=True)
class BookScenario:
    """Which book row stands for which scenario line and target."""

    scenario: Scenario
    line_of_row: dict[int, int]        # statement_lines.id -> scenario line id
    target_of_expense: dict[int, Target]  # expenses.id -> scenario target


def write_scenario(book: Book, scenario: Scenario, folder: Path) -> BookScenario:
    """Store the scenario's targets as expenses and import its lines as a CSV statement."""
    expense_ids = _store_expenses(book, scenario)
    csv_path, profile_path = folder / "statement.csv", folder / "profile.json"
    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Date", "Description", "Amount", "Id"])
        for line in sorted(scenario.lines, key=lambda ln: (ln.booked_date, ln.id)):
            writer.writerow([line.booked_date.isoformat(), line.payee or "", format(line.amount.amount, "f"), f"L{line.id}"])
    profile_path.write_text(json.dumps({"name": "synthetic", "date_column": "Date", "amount_column": "Amount",
                                        "payee_column": "Description", "id_column": "Id", "currency": "USD"}))
    import_statement_file(book, csv_path, account_name=ACCOUNT, profile_name=str(profile_path))
    with book.read() as session:
        line_of_row = {row_id: int(bank_id[1:]) for row_id, bank_id
                       in session.execute(sa.select(StatementLine.id, StatementLine.bank_id))}
    by_target = {t.key: t for t in scenario.targets}
    return BookScenario(scenario, line_of_row, {expense_id: by_target[key] for key, expense_id in expense_ids.items()})


def proposals_of_run(stored: BookScenario, run: MatchRun) -> list[Proposal]:
    """The run's stored matches as proposals in the scenario's ids (a manual band counts as suggest)."""
    proposals = []
    for match in run.matches:
        line = cast(dict[str, Any], match["line"])
        targets = cast(list[dict[str, Any]], match["targets"])
        band = Band.AUTO if match["band"] == Band.AUTO.value else Band.SUGGEST
        proposals.append(Proposal(
            stored.line_of_row[int(line["id"])], tuple(stored.target_of_expense[int(t["id"])] for t in targets),
            float(cast(float, match["score"])), band, str(match["shape"]), str(match["explanation"]),
        ))
    return proposals


def _store_expenses(book: Book, scenario: Scenario) -> dict[tuple[str, int], int]:
    """Each target as the expense the adapter would turn back into it; returns target key -> expense id."""
    now = clock.now()
    with book.unit_of_work() as session:
        names = sorted({label for t in scenario.targets for key, label in t.groups if key.startswith("employee:")})
        employees = {name: Employee(name=name, norm_key=name.lower()) for name in names}
        session.add_all(employees.values())
        session.flush()
        rows: list[tuple[Target, Expense]] = []
        for t in scenario.targets:
            keys = dict(t.groups)
            method, card, category, employee_id = PaymentMethod.BANK, None, None, None
            employee_key = next((k for k in keys if k.startswith("employee:")), None)
            if employee_key:
                method, employee_id = PaymentMethod.REIMBURSABLE, employees[keys[employee_key]].id
            elif "payroll" in keys:
                category = "Driver pay"
            elif any(k.startswith("card:") for k in keys):
                method, card = PaymentMethod.COMPANY_CARD, next(k for k in keys if k.startswith("card:"))[5:]
            rows.append((t, Expense(
                key=f"synthetic:{t.id}", source_system="synthetic", source_id=str(t.id), occurrence_index=0,
                content_hash=f"{t.id:064d}", txn_date=t.date, amount_minor=-t.amount.minor_units(), currency="USD",
                original_amount_minor=1 if t.approximate else None, original_currency="EUR" if t.approximate else None,
                payment_method=method, card=card, category_raw=category, vendor_raw=None if employee_id else t.payee,
                employee_id=employee_id, status=ExpenseStatus.APPROVED, created_at=now,
            )))
        session.add_all(e for _, e in rows)
        session.flush()
        return {t.key: e.id for t, e in rows}
