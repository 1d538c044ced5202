"""Generated statement lines and targets with known truth, for the tests and the benchmark.

Realistic noise on purpose: banks post a day or more late, print merchant names their own way
("SQ *BLUE BOTTLE COF #0412"), many expenses share round amounts, some people buy the same
coffee every morning, foreign charges convert at the bank's rate, some expenses never reach the
statement and some statement lines (fees, transfers, deposits, look-alikes) match nothing.
One-to-many truth is generated too: reimbursements of several expenses of one employee, weekly
payroll runs paying driver pay, monthly card payments settling a card's charges.

Deterministic for a given seed (``random.Random``), so precision and recall can be asserted.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Callable

from bookbridge.core.money import Money
from bookbridge.reconcile.matching.model import Band, LineView, Proposal, Target, TargetKind

_WORDS_A = ("Blue", "Red", "Golden", "Silver", "North", "South", "Summit", "Harbor", "Maple", "Cedar", "Pioneer",
            "Eagle", "Prairie", "River", "Lakeside", "Granite", "Liberty", "Metro", "Union", "Frontier", "Sunrise")
_WORDS_B = ("Bottle", "Diner", "Tire", "Fuel", "Office", "Hardware", "Motel", "Grill", "Truck Wash", "Auto Parts",
            "Bakery", "Supply", "Lube", "Travel Center", "Print Shop", "Electric", "Coffee", "Pharmacy", "Tolls")
_CHAINS = ("Shell", "Chevron", "Pilot Travel Center", "Love's Travel Stop", "Home Depot", "Staples", "Marriott",
           "Delta Air Lines", "Uber", "Office Depot", "Starbucks", "Walmart", "Costco", "FedEx Office", "Hertz",
           "Amazon Marketplace", "TA Petro", "Speedway", "Lowe's", "AutoZone", "Holiday Inn Express")
_FIRST = ("Dana", "Luis", "Priya", "Tom", "Mia", "Omar", "Grace", "Ivan", "Zoe", "Sam", "Ana", "Ben", "Kofi", "Lena",
          "Raj", "Eva", "Noah", "Ines", "Hugo", "Maya")
_LAST = ("Reyes", "Okafor", "Schmidt", "Nguyen", "Kowalski", "Haddad", "Moreau", "Larsen", "Silva", "Tanaka")
_CITIES = ("SPRINGFIELD IL", "DALLAS TX", "RENO NV", "TOLEDO OH", "BOISE ID", "MACON GA", "FARGO ND")
_PREFIXES = ("SQ *", "TST* ", "POS ", "CHECKCARD ", "PAYPAL *")
_ROUND_AMOUNTS = ("4.50", "5.00", "10.00", "12.00", "20.00", "25.00", "40.00", "50.00", "75.00", "100.00")
_NOISE_TEXT = ("SERVICE FEE", "WIRE TRANSFER", "ONLINE TRANSFER TO SAVINGS", "ATM WITHDRAWAL", "OVERDRAFT FEE",
               "INTEREST CHARGE", "LOAN PAYMENT", "MERCHANT FEES")
CURRENCY = "USD"


AddTarget = Callable[..., Target]
AddLine = Callable[..., None]


@dataclass(frozen=True, slots=True)
class Scenario:
    """Lines, targets and, for each line, the set of target keys it truly settles (empty: none)."""

    lines: list[LineView]
    targets: list[Target]
    truth: dict[int, frozenset[tuple[str, int]]]


def _money(cents: int) -> Money:
    return Money(Decimal(cents).scaleb(-2), CURRENCY)


def _bank_text(rng: random.Random, payee: str) -> str:
    """How a bank might print a merchant's name."""
    text = payee.upper().replace("'", "")
    roll = rng.random()
    if roll < 0.25:
        text = rng.choice(_PREFIXES) + text
    if rng.random() < 0.35:
        text += f" #{rng.randint(100, 9999)}"
    if rng.random() < 0.25:
        text += " " + rng.choice(_CITIES)
    if rng.random() < 0.12 and len(text) > 6:  # a typo: one character dropped
        cut = rng.randint(1, len(text) - 2)
        text = text[:cut] + text[cut + 1:]
    if rng.random() < 0.2:
        text = text[: rng.randint(14, 22)]
    return text


def _amount_cents(rng: random.Random) -> int:
    if rng.random() < 0.3:
        return int(Decimal(rng.choice(_ROUND_AMOUNTS)) * 100)
    return max(100, int(rng.lognormvariate(3.6, 1.0) * 100))


def _shift(rng: random.Random) -> int:
    """Days between the purchase and the bank's booking (mostly 0-2, sometimes beyond the window)."""
    return rng.choices((0, 1, 2, 3, 4, 6, -1), weights=(38, 30, 14, 7, 4, 3, 4))[0]


def generate(n_expenses: int = 10_000, n_lines: int = 10_000, seed: int = 20260131) -> Scenario:
    """A year of one business bank account: expenses (targets) and statement lines with truth."""
    rng = random.Random(seed)
    start = date(2026, 1, 1)
    merchants = list(_CHAINS) + [f"{a} {b}" for a in _WORDS_A for b in _WORDS_B][:280]
    employees = [f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" for _ in range(40)]
    targets: list[Target] = []
    lines: list[LineView] = []
    truth: dict[int, frozenset[tuple[str, int]]] = {}

    def add_target(cents: int, day: date, payee: str | None, **kw: Any) -> Target:
        target = Target(TargetKind.EXPENSE, len(targets) + 1, _money(-cents), day, payee, **kw)
        targets.append(target)
        return target

    def add_line(cents: int, day: date, text: str | None, keys: frozenset[tuple[str, int]], **kw: Any) -> None:
        line = LineView(len(lines) + 1, _money(cents), day, payee=text, **kw)
        lines.append(line)
        truth[line.id] = keys

    group_expenses = n_expenses // 8
    single_expenses = n_expenses - group_expenses
    # Everyday people repeat themselves: some merchants are bought from at the same amount daily.
    habits = [(rng.choice(merchants), rng.choice((450, 525, 1000, 2500))) for _ in range(12)]
    for _ in range(single_expenses):
        day = start + timedelta(days=rng.randrange(365))
        if rng.random() < 0.08:
            payee, cents = rng.choice(habits)
        else:
            payee, cents = rng.choice(merchants), _amount_cents(rng)
        foreign = rng.random() < 0.03
        target = add_target(cents, day, payee, approximate=foreign, reference=None)
        if rng.random() < 0.05:
            continue  # never reached the statement
        bank_cents = cents + (int(cents * rng.uniform(-0.025, 0.025)) if foreign else 0)
        text = None if rng.random() < 0.03 else _bank_text(rng, payee)
        add_line(-bank_cents, day + timedelta(days=_shift(rng)), text, frozenset((target.key,)))
    _add_groups(rng, start, employees, group_expenses, add_target, add_line)
    _add_noise(rng, start, n_lines - len(lines), targets, merchants, add_line)
    return Scenario(lines, targets, truth)


def _add_groups(
    rng: random.Random, start: date, employees: list[str], budget: int, add_target: AddTarget, add_line: AddLine
) -> None:
    """Reimbursements (2-6 expenses of one employee), weekly payroll and monthly card payments."""
    made = 0
    week = 0
    while made < budget:
        size = lambda low, high: min(rng.randint(low, high), budget - made)  # noqa: E731  (never overshoot)
        kind = rng.random() if budget - made >= 3 else 0.0
        if kind < 0.55:  # a reimbursement of several expenses of one employee (or of one, paid alone)
            person = rng.choice(employees)
            employee_id = employees.index(person) + 1
            paid_on = start + timedelta(days=rng.randrange(30, 365))
            count = size(2, 6)
            members = [add_target(_amount_cents(rng), paid_on - timedelta(days=rng.randint(3, 30)), person,
                                  employee_id=employee_id, one_to_one=count == 1,
                                  groups=((f"employee:{employee_id}", person),)) for _ in range(count)]
            text = rng.choice(("REIMB ", "EXPENSE REIMBURSEMENT ", "ACH PAYMENT ")) + person.upper()
        elif kind < 0.85:  # a weekly payroll run paying several drivers' pay
            week += 1
            paid_on = start + timedelta(days=7 * (week % 52) + 4)
            members = [add_target(rng.randint(60_000, 180_000), paid_on - timedelta(days=rng.randint(1, 6)), None,
                                  one_to_one=False, groups=(("payroll", "payroll driver pay"),)) for _ in range(size(2, 5))]
            text = rng.choice(("PAYROLL ", "ADP PAYROLL ", "DRIVER PAY RUN ")) + f"{rng.randint(1000, 9999)}"
        else:  # a card payment settling a run of company-card charges
            card = rng.choice(("Visa 4444", "Amex 1009"))
            paid_on = start + timedelta(days=rng.randrange(40, 365))
            first = paid_on - timedelta(days=rng.randint(28, 40))
            members = [add_target(_amount_cents(rng), first + timedelta(days=rng.randrange(25)), rng.choice(_CHAINS),
                                  one_to_one=False, groups=((f"card:{card}", f"{card} card payment"),))
                       for _ in range(size(3, 8))]
            text = f"PAYMENT TO {card.upper()} CARD"
        made += len(members)
        total = sum(int(-t.amount.amount * 100) for t in members)
        add_line(-total, paid_on, text, frozenset(t.key for t in members))


def _add_noise(
    rng: random.Random, start: date, count: int, targets: list[Target], merchants: list[str], add_line: AddLine
) -> None:
    """Lines that match nothing: deposits, fees, transfers, and near-miss look-alikes."""
    for _ in range(max(0, count)):
        day = start + timedelta(days=rng.randrange(365))
        roll = rng.random()
        if roll < 0.5:
            add_line(rng.randint(5_000, 900_000), day, rng.choice(("DEPOSIT", "CUSTOMER PAYMENT", "STRIPE PAYOUT")), frozenset())
        elif roll < 0.8:
            add_line(-_amount_cents(rng), day, rng.choice(_NOISE_TEXT), frozenset())
        else:
            # A near miss: an existing expense's amount and a similar name, but well outside the window.
            twin = rng.choice(targets)
            far = twin.date + timedelta(days=rng.choice((-1, 1)) * rng.randint(9, 40))
            text = _bank_text(rng, twin.payee or rng.choice(merchants))
            add_line(int(twin.amount.amount * 100), far, text, frozenset())


@dataclass(frozen=True, slots=True)
class Quality:
    """Precision and recall of proposals against the truth, overall and per band."""

    proposals: int
    correct: int
    truth_lines: int
    auto_proposals: int
    auto_correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.proposals if self.proposals else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.truth_lines if self.truth_lines else 1.0

    @property
    def auto_precision(self) -> float:
        return self.auto_correct / self.auto_proposals if self.auto_proposals else 1.0

    @property
    def auto_recall(self) -> float:
        return self.auto_correct / self.truth_lines if self.truth_lines else 1.0


def evaluate(proposals: list[Proposal], scenario: Scenario, *, strict: bool = False) -> Quality:
    """Score proposals against the truth.

    A proposal is correct when its targets are the line's true targets. Unless ``strict``, a
    target that is indistinguishable from the true one (same amount, date, payee and groups: the
    same coffee bought twice that morning) counts as the true one, since no data could tell
    them apart and either match leaves the books right.
    """
    by_key = {t.key: t for t in scenario.targets}

    def signature(keys: frozenset[tuple[str, int]]) -> object:
        if strict:
            return keys
        return sorted((str(by_key[k].amount.amount), by_key[k].date, by_key[k].payee or "", by_key[k].groups) for k in keys)

    correct = auto = auto_correct = 0
    for proposal in proposals:
        right = signature(proposal.target_keys) == signature(scenario.truth.get(proposal.line_id, frozenset()))
        correct += right
        if proposal.band is Band.AUTO:
            auto += 1
            auto_correct += right
    truth_lines = sum(1 for keys in scenario.truth.values() if keys)
    return Quality(len(proposals), correct, truth_lines, auto, auto_correct)
