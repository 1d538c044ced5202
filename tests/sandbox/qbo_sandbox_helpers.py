"""A thin test client for the QBO sandbox, built on requests (not on the Bookbridge connector).

It performs the OAuth flow exactly as a client would over loopback HTTP and keeps the answers
raw (status + JSON parsed with Decimals) so tests assert on what the wire carried.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

REDIRECT_URI = "http://127.0.0.1:8765/callback"
MINOR_VERSION = "75"


def authorize(base_url: str, client_id: str = "test-client", **extra: str) -> dict[str, list[str]]:
    """Run the authorize step; returns the redirect's query parameters."""
    params = {
        "client_id": client_id,
        "response_type": "code",
        "scope": "com.intuit.quickbooks.accounting",
        "redirect_uri": REDIRECT_URI,
        "state": "state-123",
        **extra,
    }
    answer = requests.get(f"{base_url}/connect/oauth2", params=params, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    return parse_qs(urlsplit(answer.headers["Location"]).query)


def token_request(base_url: str, form: dict[str, str], auth: tuple[str, str] | None = ("test-client", "s3cret")) -> requests.Response:
    return requests.post(f"{base_url}/oauth2/v1/tokens/bearer", data=form, auth=auth, timeout=5)


def connect(base_url: str) -> dict[str, Any]:
    """Authorize and exchange the code; returns the token answer."""
    code = authorize(base_url)["code"][0]
    answer = token_request(base_url, {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI})
    assert answer.status_code == 200, answer.text
    return answer.json()


def encode(body: Any) -> str:
    """JSON with Decimals written as bare numbers, as an API client sends amounts.

    Independent of the sandbox's own encoder on purpose: the request side must not share a bug
    with the side under test.
    """
    marked = json.dumps(body, default=lambda value: f"__decimal__{value}__" if isinstance(value, Decimal) else str(value))
    return re.sub(r'"__decimal__(-?[0-9.]+)__"', r"\1", marked)


def decode(answer: requests.Response) -> Any:
    return json.loads(answer.text, parse_float=Decimal)


class Client:
    """Authenticated calls to one sandbox company."""

    def __init__(self, base_url: str, realm_id: str, access_token: str) -> None:
        self.base_url = base_url
        self.api = f"{base_url}/v3/company/{realm_id}"
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {access_token}", "Accept": "application/json"})

    def get(self, path: str, **params: Any) -> requests.Response:
        params.setdefault("minorversion", MINOR_VERSION)
        return self.session.get(f"{self.api}/{path}", params=params, timeout=10)

    def post(self, path: str, body: Any, **params: Any) -> requests.Response:
        params.setdefault("minorversion", MINOR_VERSION)
        data = encode(body) if not isinstance(body, (str, bytes)) else body
        return self.session.post(
            f"{self.api}/{path}", params=params, data=data, headers={"Content-Type": "application/json"}, timeout=10
        )

    def query(self, statement: str) -> requests.Response:
        return self.get("query", query=statement)


def je_payload(doc_number: str = "EXP-1001", amount: str = "100.00", **overrides: Any) -> dict[str, Any]:
    """A balanced two-line journal entry like the sync engine posts (ERP_FACTS.md 1.3)."""
    payload: dict[str, Any] = {
        "TxnDate": "2025-01-31",
        "DocNumber": doc_number,
        "PrivateNote": f"Expense report {doc_number}",
        "Line": [
            {
                "DetailType": "JournalEntryLineDetail",
                "Amount": Decimal(amount),
                "Description": "Taxi",
                "JournalEntryLineDetail": {
                    "PostingType": "Debit",
                    "AccountRef": {"value": "7"},
                    "ClassRef": {"value": "5000000000000142240"},
                    "DepartmentRef": {"value": "2"},
                    "TaxCodeRef": {"value": "NON"},
                },
            },
            {
                "DetailType": "JournalEntryLineDetail",
                "Amount": Decimal(amount),
                "Description": "Taxi",
                "JournalEntryLineDetail": {
                    "PostingType": "Credit",
                    "AccountRef": {"value": "33"},
                    "Entity": {"Type": "Vendor", "EntityRef": {"value": "56"}},
                },
            },
        ],
    }
    payload.update(overrides)
    return payload
