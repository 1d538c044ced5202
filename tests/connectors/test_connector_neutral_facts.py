"""What each connector tells the sync engine in neutral terms: account classes from its own
account types, version marks of what it posted, its replay window and dimension aliases, and the
`connect --provider` help built from the registry."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookbridge.connectors import jsonwire
from bookbridge.connectors.dto import AccountClass, ChangeOperation, PostResult
from bookbridge.connectors.intacct import records as intacct_records
from bookbridge.connectors.netsuite import records as netsuite_records
from bookbridge.connectors.protocol import dimension_aliases
from bookbridge.connectors.quickbooks import records as qbo_records
from bookbridge.connectors.registry import PROVIDERS
from intacct_connector_support import intacct, intacct_sandbox, journal  # noqa: F401  (fixtures)
from netsuite_session import journal as ns_journal
from netsuite_session import ns, ns_sandbox, refs  # noqa: F401  (fixtures)

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures"


# --- account classes ---------------------------------------------------------------------------------


def test_qbo_account_from_a_real_payload_gets_its_class() -> None:
    """The real QBO Account response (Accounts Receivable) is folded into the asset class."""
    body = jsonwire.loads((FIXTURES / "qbo-quickbooks-go" / "account.json").read_bytes())
    record = qbo_records.account(body["Account"])
    assert record.type == "Accounts Receivable" and record.account_class is AccountClass.ASSET


@given(side=st.sampled_from(["debit", "credit", "Debit", "CREDIT"]), category=st.text(max_size=30))
def test_intacct_income_statement_accounts_are_expense_or_income_by_their_side(side: str, category: str) -> None:
    """Whatever the category, an income-statement account is an expense on the debit side, income on the credit."""
    found = intacct_records.account_class({"ACCOUNTTYPE": "incomestatement", "NORMALBALANCE": side,
                                           "CATEGORY": category})
    assert found is (AccountClass.EXPENSE if side.lower() == "debit" else AccountClass.INCOME)


@pytest.mark.parametrize("category, side, expected", [
    ("Cash and Cash Equivalents", "debit", AccountClass.BANK),
    ("Accounts Payable", "credit", AccountClass.PAYABLE),
    ("Credit Card", "credit", AccountClass.CREDIT_CARD),
    ("Equity", "credit", AccountClass.EQUITY),
    ("Fixed Assets", "debit", AccountClass.ASSET),
    ("Other Current Liabilities", "credit", AccountClass.LIABILITY),
])
def test_intacct_balance_sheet_accounts_are_made_precise_by_their_category(category: str, side: str,
                                                                          expected: AccountClass) -> None:
    """A balance-sheet account's category names bank, card, payable or equity; otherwise its side decides."""
    fields = {"ACCOUNTTYPE": "balancesheet", "NORMALBALANCE": side, "CATEGORY": category}
    assert intacct_records.account(fields).account_class is expected


def test_netsuite_account_types_all_have_a_class_except_non_posting_ones() -> None:
    """Every posting accttype NetSuite lists maps to a class; non-posting and statistical ones to none."""
    for type_id in netsuite_records.ACCOUNT_TYPES:
        record = netsuite_records.account({"id": "1", "acctname": "x", "accttype": type_id}, {})
        assert (record.account_class is None) == (type_id in ("NonPosting", "Stat")), type_id
    assert netsuite_records.account({"id": "1", "accttype": "CredCard"}, {}).account_class is AccountClass.CREDIT_CARD


# --- version marks over loopback ---------------------------------------------------------------------------


def test_intacct_post_carries_the_whenmodified_the_change_feed_shows(intacct_sandbox, intacct) -> None:  # noqa: F811
    """The version an Intacct create reports is the one its unedited record shows in the change feed."""
    before = intacct_sandbox.clock.now()
    posted = intacct.push(journal("ver-1"))
    (change,) = [c for c in intacct.changes_since(before - timedelta(seconds=5), ["journal_entry"])
                 if c.remote_id == posted.remote_id]
    assert posted.version is not None and change.version == posted.version


def test_netsuite_post_carries_the_lastmodifieddate_the_change_feed_shows(ns) -> None:  # noqa: F811
    """The version a NetSuite upsert reports is the one its unedited record shows in the change feed."""
    before = ns.sandbox.clock.now()
    posted = ns.connector.push(ns_journal(refs(ns), "ver-1"))
    (change,) = [c for c in ns.connector.changes_since(before - timedelta(seconds=5), ["journal_entry"])
                 if c.remote_id == posted.remote_id]
    assert isinstance(posted, PostResult) and posted.version is not None
    assert change.version == posted.version and change.operation is ChangeOperation.CREATED


def test_netsuite_lookup_by_key_reports_the_same_version(ns) -> None:  # noqa: F811
    """find_by_key gives the version the post gave (both read through SuiteQL)."""
    doc = ns_journal(refs(ns), "ver-2")
    posted = ns.connector.push(doc)
    found = ns.connector.find_by_key(doc.kind, doc.key)
    assert found is not None and found.version == posted.version


# --- replay window, aliases, registry -------------------------------------------------------------------------


def test_every_registered_connector_declares_its_replay_window() -> None:
    """Each connector class says how long its system replays a resend (None: a resend is always safe)."""
    windows = {name: spec.connector_class.replay_window for name, spec in PROVIDERS.items()}  # type: ignore[attr-defined]
    assert all(w is None or isinstance(w, timedelta) for w in windows.values()), windows
    assert windows["netsuite"] is None and windows["xero"] < timedelta(minutes=10) <= windows["qbo"]


def test_only_qbo_files_location_under_department() -> None:
    """QBO's Location is its Department; the systems with real locations alias nothing."""
    aliases = {name: dict(dimension_aliases(spec.connector_class)) for name, spec in PROVIDERS.items()}
    assert aliases["qbo"] == {"location": "department"}
    assert aliases["intacct"] == {} and aliases["netsuite"] == {}


def test_connect_help_lists_every_registered_provider(run_cli) -> None:
    """`bookbridge connect --help` names each provider of the registry, not only QBO."""
    shown = run_cli("connect", "--help")
    assert shown.returncode == 0, shown.stderr
    text = " ".join(shown.stdout.split())
    assert all(name in text for name in PROVIDERS), text

