"""Helpers for sync tests: approved expenses in a real book, connected to a real QBO sandbox.

Expenses are inserted as the import pipeline leaves them, coded by the real coding service with a
template mapped to the sandbox company's chart of accounts (no approval policy: coding approves
them), and the book is connected through the real OAuth flow over loopback; the tokens stay in a
:class:`MemoryTokenStore` (the keyring itself is tested where the CLI runs).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import requests
import sqlalchemy as sa

from bookbridge.core import clock
from bookbridge.core.keys import short_key
from bookbridge.core.money import Money
from bookbridge.store.models import Category, Connection, Employee, Expense, PaymentMethod, Vendor

# Mapped to the sandbox's seeded company (sandbox/qbo/seed.py): 6950 is inactive, 6999 does not exist.
SANDBOX_TEMPLATE = """\
template: Sandbox trucking
effective_from: 2024-01-01
credit_accounts: {company_card: "2110", reimbursable: "2300", bill: "2000", bank: "1000", cash: "1000"}
mappings:
  - category: Fuel
    account: "6200"
    dimension_fields: {class: truck}
  - category: Tolls
    account: "6210"
  - category: Meals
    account: "6110"
  - category: Lodging
    account: "6120"
  - category: Repairs
    account: "6220"
    posting_type: bill
  - category: Old lease
    account: "6950"
  - category: Ghost
    account: "6999"
"""


def _named(session, model: type, name: str) -> int:
    from bookbridge.ingest.normalise import vendor_key

    key = vendor_key(name) if model is Vendor else " ".join(name.split()).casefold()
    found = session.scalars(sa.select(model.id).where(model.norm_key == key)).first()
    if found is not None:
        return found
    extra = {"created_at": clock.now()} if model is Vendor else {}
    row = model(name=name, norm_key=key, **extra)
    session.add(row)
    session.flush()
    return row.id


def add_expense(session, *, day: date, category: str, amount: str, vendor: str | None = "Pilot Flying J",
                payment: str = "company_card", employee: str | None = None, currency: str = "USD",
                fields: dict[str, str] | None = None, memo: str | None = None) -> int:
    count = session.scalar(sa.select(sa.func.count()).select_from(Expense)) or 0
    expense = Expense(
        key=f"sync-test-{count + 1:05d}", source_system="test", source_id=str(count + 1),
        content_hash=short_key(str(count), amount, length=64), txn_date=day,
        vendor_id=_named(session, Vendor, vendor) if vendor else None, vendor_raw=vendor,
        category_id=_named(session, Category, category), category_raw=category,
        employee_id=_named(session, Employee, employee) if employee else None,
        amount_minor=Money(Decimal(amount), currency).minor_units(), currency=currency,
        payment_method=PaymentMethod(payment), memo=memo, created_at=clock.now(),
    )
    expense.set_fields(fields or {})
    session.add(expense)
    session.flush()
    return expense.id


def publish(book, text: str = SANDBOX_TEMPLATE) -> None:
    from bookbridge.coding.templates import get_template, publish as publish_version, save_draft
    from bookbridge.coding.yaml_io import load_template

    spec, issues = load_template(text)
    assert spec is not None, issues
    with book.unit_of_work() as session:
        save_draft(session, spec, actor="test", source_text=text)
        publish_version(session, get_template(session, spec.name), actor="test", note="test")


def approved_expenses(book, specs: list[dict[str, Any]], *, template: bool = True) -> list[int]:
    """Insert expenses, code them (coding approves them: no policy) and return their ids."""
    from bookbridge.coding.service import code_expenses

    if template:
        publish(book)
    with book.unit_of_work() as session:
        ids = [add_expense(session, **spec) for spec in specs]
    code_expenses(book, actor="test")
    return ids


def fuel(n: int, *, day: date = date(2026, 3, 2), truck: str = "Truck 7") -> list[dict[str, Any]]:
    """``n`` fuel expenses of different amounts on one day."""
    return [dict(day=day, category="Fuel", amount=f"{100 + i}.{i % 100:02d}", fields={"truck": truck})
            for i in range(n)]


def connect(book, sandbox, *, name: str = "main", settings: dict[str, Any] | None = None):
    """Authorize against the sandbox (real OAuth over loopback) and record the connection; returns the token store."""
    from bookbridge.connectors.authorize import open_without_browser
    from bookbridge.connectors.connect import connect as run_connect
    from bookbridge.connectors.registry import provider
    from bookbridge.connectors.tokens import ClientCredentials, MemoryTokenStore

    store = MemoryTokenStore()
    result = run_connect(provider("qbo"), base_url=sandbox.base_url, client=ClientCredentials("test-app", "test-secret"),
                         store=store, open_url=open_without_browser())
    with book.unit_of_work() as session:
        session.add(Connection(name=name, provider="qbo", base_url=result.base_url, company_ref=result.company_id,
                               status="connected", settings_json=json.dumps(settings or {}),
                               token_expires_at=result.token_expires_at, created_at=clock.now()))
    return store


def api(sandbox):
    """A requests session authorized on the sandbox company (its own tokens, not the book's)."""
    from bookbridge.connectors.authorize import open_without_browser
    from bookbridge.connectors.connect import connect as run_connect
    from bookbridge.connectors.registry import provider
    from bookbridge.connectors.tokens import ClientCredentials, MemoryTokenStore

    store = MemoryTokenStore()
    run_connect(provider("qbo"), base_url=sandbox.base_url, client=ClientCredentials("editor", "x"), store=store,
                open_url=open_without_browser())
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {store.load_tokens().access_token}"
    session.headers["Accept"] = "application/json"
    base = f"{sandbox.base_url}/v3/company/{sandbox.realm_id}"

    def call(method: str, path: str, body: Any = None, **params: str) -> dict[str, Any]:
        from bookbridge.connectors import jsonwire

        params.setdefault("minorversion", "75")
        data = jsonwire.dumps(body) if body is not None else None
        answer = session.request(method, f"{base}/{path}", params=params, data=data,
                                 headers={"Content-Type": "application/json"} if data else {}, timeout=10)
        return jsonwire.loads(answer.content)

    return call


def query(sandbox_call, statement: str) -> list[dict[str, Any]]:
    entity = statement.split()[3]
    return sandbox_call("GET", "query", query=statement).get("QueryResponse", {}).get(entity, [])
