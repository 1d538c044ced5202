"""Statement matching: 10,000 expenses against 10,000 statement lines with known truth.

The data (bookbridge.reconcile.matching.synthetic, fixed seed) has realistic noise: bank posting
delays (some beyond the window), merchant names printed the bank's way, typos and truncation,
many shared round amounts, daily look-alike purchases, foreign charges converted at the bank's
rate, expenses that never reach the bank, and lines that match nothing (deposits, fees, transfers,
near-miss look-alikes); plus reimbursements, payroll runs and card payments settling several
expenses at once.

Prints the matching time and the precision and recall, overall and in the auto-accept band.
Targets (issue 6): under 5 s, precision >= 0.99 in the auto-accept band. Precision is given
twice: treating indistinguishable twins (same amount, date, payee) as equal, and strictly by id.

With --book the same data also goes through the real path: lines imported from a CSV statement
into an encrypted book, expenses stored, ``run_matching(auto=True)`` loading both, matching and
storing every proposal and decision; that run's time is printed too.

This prints figures; it is not a pass/fail test.

Usage: .venv/bin/python benchmarks/match_bench.py [--expenses N] [--lines N] [--seed S] [--book]
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from bookbridge.reconcile.matching.engine import match_lines
from bookbridge.reconcile.matching.model import Band, Proposal
from bookbridge.reconcile.matching.synthetic import Scenario, evaluate, generate

PASSPHRASE = "benchmark passphrase"


def report(label: str, proposals: list[Proposal], scenario: Scenario, seconds: float) -> None:
    twins, strict = evaluate(proposals, scenario), evaluate(proposals, scenario, strict=True)
    bands = Counter(p.band.value for p in proposals)
    shapes = Counter(p.shape for p in proposals if p.band is not Band.NONE)
    print(f"{label}: {seconds:.2f} s for {len(scenario.lines):,} lines x {len(scenario.targets):,} expenses")
    print(f"  proposals: {bands.get('auto', 0):,} auto, {bands.get('suggest', 0):,} suggest "
          f"({shapes.get('one_to_many', 0):,} one-to-many); {twins.truth_lines:,} lines have a true match")
    print(f"  overall:   precision {twins.precision:.4f} (strict {strict.precision:.4f})  recall {twins.recall:.4f}")
    print(f"  auto band: precision {twins.auto_precision:.4f} (strict {strict.auto_precision:.4f})  "
          f"recall {twins.auto_recall:.4f}")


def through_the_book(scenario: Scenario) -> tuple[list[Proposal], float]:
    """Store the scenario in a real book, run the matcher service, read its proposals back."""
    from bookbridge.reconcile.matching.model import Band as B
    from bookbridge.reconcile.matching.service import run_matching
    from bookbridge.reconcile.statements.service import import_statement_file
    from bookbridge.store.book import create_book

    folder = Path(tempfile.mkdtemp(prefix="match-bench-"))
    csv_path = folder / "statement.csv"
    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Date", "Description", "Amount", "Id"])
        for line in sorted(scenario.lines, key=lambda ln: (ln.booked_date, ln.id)):
            writer.writerow([line.booked_date.isoformat(), line.payee or "", format(line.amount.amount, "f"), f"L{line.id}"])
    profile = folder / "profile.json"
    profile.write_text('{"name": "bench", "date_column": "Date", "amount_column": "Amount", "payee_column": '
                       '"Description", "id_column": "Id", "currency": "USD"}')
    book = create_book(folder / "bench.bbk", PASSPHRASE, company="Bench")
    expense_of = _store_expenses(book, scenario)
    import_statement_file(book, csv_path, account_name="Operating", profile_name=str(profile))
    started = time.perf_counter()
    run = run_matching(book, auto=True, actor="bench")
    seconds = time.perf_counter() - started
    line_of = _line_ids(book)
    target_of = {v: k for k, v in expense_of.items()}
    proposals = [
        Proposal(line_of[m["line"]["id"]], tuple(target_of[t["id"]] for t in m["targets"]),  # type: ignore[index]
                 float(m["score"]), B(m["band"]) if m["band"] != "manual" else B.SUGGEST, str(m["shape"]), "")  # type: ignore[arg-type]
        for m in run.matches
    ]
    book.close()
    return proposals, seconds


def _store_expenses(book, scenario: Scenario) -> dict:  # type: ignore[no-untyped-def]
    """Each target as the expense the adapter would turn back into it; returns target -> expense id."""
    from bookbridge.store.models import Employee, Expense, ExpenseStatus, PaymentMethod

    now = datetime.now(timezone.utc)
    with book.unit_of_work() as s:
        names = sorted({label for t in scenario.targets for key, label in t.groups if key.startswith("employee:")})
        employees = {name: Employee(name=name, norm_key=name.lower()) for name in names}
        s.add_all(employees.values())
        s.flush()
        rows = []
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
                key=f"bench:{t.id}", source_system="bench", source_id=str(t.id), occurrence_index=0,
                content_hash=f"{t.id:064d}", txn_date=t.date, amount_minor=-t.amount.minor_units(), currency="USD",
                original_amount_minor=1 if t.approximate else None, original_currency="EUR" if t.approximate else None,
                payment_method=method, card=card, category_raw=category, vendor_raw=None if employee_id else t.payee,
                employee_id=employee_id, status=ExpenseStatus.APPROVED, created_at=now,
            )))
        s.add_all(e for _, e in rows)
        s.flush()
        return {t: e.id for t, e in rows}


def _line_ids(book) -> dict[int, int]:  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    from bookbridge.store.models import StatementLine

    with book.read() as s:
        return {row_id: int(bank_id[1:]) for row_id, bank_id in s.execute(sa.select(StatementLine.id, StatementLine.bank_id))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--expenses", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20260131)
    parser.add_argument("--book", action="store_true", help="also run through a real book (import, load, store)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    scenario = generate(args.expenses, args.lines, args.seed)
    print(f"generated in {time.perf_counter() - started:.2f} s (seed {args.seed})")
    started = time.perf_counter()
    proposals = match_lines(scenario.lines, scenario.targets)
    report("matcher (in memory)", proposals, scenario, time.perf_counter() - started)
    if args.book:
        from bookbridge.reconcile.matching.synthetic import Scenario as S

        proposals, seconds = through_the_book(scenario)
        keyed = {t: t for t in scenario.targets}
        report("through the book (load, match, store)", proposals, S(scenario.lines, list(keyed), scenario.truth), seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
