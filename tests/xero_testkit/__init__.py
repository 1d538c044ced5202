"""Shared fixtures and helpers for the Xero connector, sandbox and sync tests.

Test modules import the fixtures they use (``from xero_testkit import xero, xero_sandbox``) so the
shared conftest files of other packages stay untouched. The OpenAPI description is parsed once per
test process (see :func:`bookbridge.sandbox.xero.spec.shared_spec`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterator

import pytest
import requests

TIME_SCALE = 60.0  # the sandbox and our limiter both run 60x fast: per-minute limits apply per second


def exact(value: Any) -> Any:
    """A spec example (parsed from YAML: floats and dates) as the API would send it: JSON with Decimals."""
    return json.loads(json.dumps(value, default=str), parse_float=Decimal)


def spec():
    from bookbridge.sandbox.xero.spec import shared_spec

    return shared_spec()


def example(method: str, path: str, status: str = "200") -> Any:
    """The response example Xero's OpenAPI description embeds for an operation, as exact JSON."""
    found = spec().example(method, path, status)
    assert found is not None, f"no {status} example for {method} {path} in Xero's description"
    return exact(found)


@dataclass
class XeroSession:
    """A connected Xero connector against a fresh local sandbox, and what a test needs to look at."""

    sandbox: Any
    connector: Any
    store: Any
    settings: Any
    exchanges: list = field(default_factory=list)

    def control(self, path: str, body: dict | None = None) -> dict:
        """Call the sandbox's own /__sandbox/ control path (faults, clock, stats)."""
        url = f"{self.sandbox.base_url}/__sandbox/{path}"
        answer = requests.post(url, json=body, timeout=5) if body is not None else requests.get(url, timeout=5)
        answer.raise_for_status()
        return answer.json()

    def queue_faults(self, *names: str) -> None:
        self.control("faults", {"queue": list(names)})

    def stored(self, collection: str) -> list[dict]:
        return self.sandbox.store.all(collection)

    def account(self, code: str):
        return next(a for a in self.connector.accounts() if a.number == code)

    def vendor(self, name: str):
        return next(v for v in self.connector.vendors() if v.name == name)


def connect_session(sandbox, store=None, *, company: str | None = None, **overrides) -> XeroSession:
    """Run the whole connect flow (PKCE, loopback redirect, /connections) and open a connector."""
    from bookbridge.connectors.authorize import open_without_browser
    from bookbridge.connectors.connect import connect
    from bookbridge.connectors.registry import open_connector, provider
    from bookbridge.connectors.settings import ConnectionSettings
    from bookbridge.connectors.tokens import ClientCredentials, MemoryTokenStore

    store = store if store is not None else MemoryTokenStore()
    exchanges: list = []
    result = connect(provider("xero"), base_url=sandbox.base_url, client=ClientCredentials("bookbridge-test-app"),
                     store=store, open_url=open_without_browser(), sync_log=exchanges.append, company=company)
    settings = ConnectionSettings("xero", "main", sandbox.base_url, result.company_id,
                                  time_scale=overrides.pop("time_scale", TIME_SCALE), sync_log=exchanges.append,
                                  **overrides)
    return XeroSession(sandbox, open_connector(settings, store), store, settings, exchanges)


@pytest.fixture
def xero_sandbox() -> Iterator[Any]:
    """A fresh Xero sandbox with Xero's limits, 60 times faster."""
    from bookbridge.sandbox.xero import XeroSandbox

    with XeroSandbox(time_scale=TIME_SCALE) as sandbox:
        yield sandbox


@pytest.fixture
def xero(xero_sandbox) -> Iterator[XeroSession]:
    """A connector connected to ``xero_sandbox`` through the real OAuth flow."""
    session = connect_session(xero_sandbox)
    yield session
    session.connector.close()


class Api:
    """Raw HTTP to a sandbox as one organisation: the requests a client would send, no connector."""

    def __init__(self, sandbox, access_token: str, tenant_id: str | None = None) -> None:
        self.sandbox = sandbox
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {access_token}", "Accept": "application/json",
                                     "Xero-Tenant-Id": tenant_id or sandbox.tenant_id})

    def call(self, method: str, path: str, body: Any = None, *, headers: dict | None = None, raw: bytes | None = None,
             **params: str) -> requests.Response:
        from bookbridge.connectors import jsonwire

        data = raw if raw is not None else (jsonwire.dumps(body).encode() if body is not None else None)
        extra = {"Content-Type": "application/json"} if body is not None else {}
        return self.session.request(method, f"{self.sandbox.base_url}/api.xro/2.0/{path.lstrip('/')}", params=params,
                                    data=data, headers={**extra, **(headers or {})}, timeout=10)

    def json(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        from bookbridge.connectors import jsonwire

        return jsonwire.loads(self.call(method, path, body, **kwargs).content)


def authorize(sandbox, *, client_id: str = "raw-client", scope: str = "offline_access accounting.transactions") -> dict:
    """The raw PKCE flow against the sandbox's identity endpoints; returns the token answer."""
    import base64
    import hashlib
    import secrets
    from urllib.parse import parse_qs, urlsplit

    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    redirect = "http://127.0.0.1:9/callback"
    answer = requests.get(f"{sandbox.base_url}/identity/connect/authorize", allow_redirects=False, timeout=5, params={
        "response_type": "code", "client_id": client_id, "redirect_uri": redirect, "scope": scope, "state": "s1",
        "code_challenge": challenge, "code_challenge_method": "S256"})
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    token = requests.post(f"{sandbox.base_url}/connect/token", timeout=5, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect, "client_id": client_id,
        "code_verifier": verifier})
    token.raise_for_status()
    return token.json()


@pytest.fixture
def api(xero_sandbox) -> Api:
    """Raw HTTP access to ``xero_sandbox`` with a fresh token of its own."""
    return Api(xero_sandbox, authorize(xero_sandbox)["access_token"])
