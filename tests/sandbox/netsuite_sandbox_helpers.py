"""A plain HTTP client for NetSuite sandbox tests: the OAuth dance by hand, then raw REST calls.

Deliberately not Bookbridge's connector: these tests check the sandbox speaks NetSuite's protocol
to any client.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from bookbridge.connectors import jsonwire

AUTHORIZE = "/app/login/oauth2/authorize.nl"
TOKEN = "/services/rest/auth/oauth2/v1/token"
REVOKE = "/services/rest/auth/oauth2/v1/revoke"
RECORDS = "/services/rest/record/v1"
SUITEQL = "/services/rest/query/v1/suiteql"
REDIRECT = "bookbridge://oauth/callback"
CLIENT_ID = "ns-sandbox-test-client"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize(base_url: str, **overrides: str) -> requests.Response:
    """GET the authorize page (redirects are not followed, so the answer's Location can be read)."""
    verifier, challenge = pkce()
    params = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT, "scope": "rest_webservices",
              "state": secrets.token_urlsafe(24), "code_challenge": challenge, "code_challenge_method": "S256"}
    params.update(overrides)
    answer = requests.get(base_url + AUTHORIZE, params=params, allow_redirects=False, timeout=5)
    answer.verifier = verifier  # type: ignore[attr-defined]
    return answer


def redirect_params(answer: requests.Response) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["Location"]).query).items()}


def connect(base_url: str) -> dict[str, Any]:
    """Authorize as a public client with PKCE and trade the code for tokens."""
    answer = authorize(base_url)
    code = redirect_params(answer)["code"]
    tokens = requests.post(base_url + TOKEN, data={"grant_type": "authorization_code", "code": code,
                                                   "redirect_uri": REDIRECT, "code_verifier": answer.verifier,
                                                   "client_id": CLIENT_ID}, timeout=5)
    tokens.raise_for_status()
    return tokens.json()


@dataclass
class Client:
    """Raw REST calls with a bearer token."""

    base_url: str
    access_token: str

    def call(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
             **params: str) -> requests.Response:
        all_headers = {"Authorization": f"Bearer {self.access_token}", **(headers or {})}
        data = jsonwire.dumps(body).encode() if body is not None else None
        if data is not None:
            all_headers.setdefault("Content-Type", "application/json")
        return requests.request(method, self.base_url + path, params=params, data=data, headers=all_headers,
                                timeout=10, allow_redirects=False)

    def suiteql(self, query: str, **params: str) -> requests.Response:
        return self.call("POST", SUITEQL, {"q": query}, {"Prefer": "transient"}, **params)

    def rows(self, query: str) -> list[dict[str, Any]]:
        answer = self.suiteql(query)
        assert answer.status_code == 200, answer.text
        return [{k: v for k, v in item.items() if k != "links"} for item in jsonwire.loads(answer.content)["items"]]


def body(answer: requests.Response) -> Any:
    return jsonwire.loads(answer.content) if answer.content else None


def error_detail(answer: requests.Response) -> dict[str, str]:
    """The first entry of an error body's o:errorDetails."""
    return body(answer)["o:errorDetails"][0]


def journal_body(external_id: str | None = "ext-1", *, day: str = "2026-03-02", amount: str = "100.00",
                 account: str = "61", credit_account: str = "27") -> dict[str, Any]:
    from decimal import Decimal

    value = Decimal(amount)
    document: dict[str, Any] = {
        "subsidiary": {"id": "1"}, "tranDate": day, "memo": "sandbox test",
        "line": {"items": [{"account": {"id": account}, "debit": value, "class": {"id": "1"}},
                           {"account": {"id": credit_account}, "credit": value, "entity": {"id": "101"}}]},
    }
    if external_id:
        document["externalId"] = external_id
    return document
