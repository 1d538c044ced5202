"""`bookbridge connect` and `bookbridge connections`: link a book to an accounting system, list links.

The book records each connection's name, provider, base URL, company id and status; tokens and
the client secret go only to the OS keyring (see :mod:`bookbridge.connectors.tokens`).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bookbridge.cli.common import add_book_argument, add_json_flag, emit_json

DEFAULT_NAME = "main"
# A local sandbox accepts any client; these identify Bookbridge in its logs.
SANDBOX_CLIENT_ID = "bookbridge-desktop"
SANDBOX_CLIENT_SECRET = "sandbox-secret-not-used-in-production"


def provider_choices() -> str:
    """The registered accounting systems, as ``name (Label)`` (imports every connector: call lazily)."""
    from bookbridge.connectors.registry import PROVIDERS

    return ", ".join(f"{spec.name} ({spec.label})" for spec in PROVIDERS.values())


class _ProviderHelp(str):
    """The --provider help, listing the registry's providers only when help is shown.

    Importing the registry loads every connector (over a second), and `bookbridge` builds all
    its parsers on every start; argparse formats a help string with ``%``, so the list is built
    there instead.
    """

    def __mod__(self, params: object) -> str:
        return str.__mod__(f"accounting system: {provider_choices()}", params)


def register(subparsers: argparse._SubParsersAction) -> None:
    connect = subparsers.add_parser(
        "connect", help="connect the book to an accounting system (OAuth; secrets go to the OS keyring)"
    )
    add_book_argument(connect)
    connect.add_argument("--provider", required=True, help=_ProviderHelp("accounting system (see the registry)"))
    connect.add_argument("--name", default=DEFAULT_NAME, help=f"connection name in the book (default {DEFAULT_NAME})")
    connect.add_argument("--base-url", default=None, metavar="URL",
                         help="API base URL, or 'production' / 'sandbox' (default production); a local sandbox URL "
                              "such as http://127.0.0.1:PORT connects without a browser")
    connect.add_argument("--client-id", default=None, help="your app's OAuth client id (kept in the keyring)")
    connect.add_argument("--client-secret-stdin", action="store_true",
                         help="read the app's client secret from the first line of stdin (never from arguments)")
    connect.add_argument("--redirect-uri", default=None, metavar="URI",
                         help="the redirect URI registered for your app; https means you paste back the address "
                              "the browser ends on")
    connect.add_argument("--timeout", type=float, default=300.0, metavar="S", help="seconds to wait for the sign-in")
    connect.add_argument("--company", default=None, metavar="ID",
                         help="which company to connect when one sign-in grants several (Xero: tenant id or "
                              "organisation name)")
    # Sage Intacct signs in with Web Services credentials instead of OAuth: --client-id is the
    # sender ID (its password via --client-secret-stdin) and --company the Intacct company ID.
    connect.add_argument("--user-id", default=None, help="Sage Intacct: the company user (a Web Services user)")
    connect.add_argument("--user-password-stdin", action="store_true",
                         help="Sage Intacct: read the user's password from the next line of stdin")
    connect.add_argument("--location-id", default=None, metavar="ID",
                         help="Sage Intacct: the entity to sign in to (multi-entity companies)")
    add_json_flag(connect)
    connect.set_defaults(handler=_connect)

    listing = subparsers.add_parser("connections", help="list the book's connections to accounting systems")
    add_book_argument(listing)
    add_json_flag(listing)
    listing.set_defaults(handler=_list)


def _read_line(prompt: str | None = None) -> str:
    if prompt:
        print(prompt, file=sys.stderr, flush=True)
    line = sys.stdin.readline()
    if not line:
        from bookbridge.core.errors import UsageError

        raise UsageError("expected a line on standard input, found none")
    return line.strip()


def _show_url(url: str) -> None:
    import webbrowser

    print(f"Open this address to let Bookbridge use your company:\n{url}", file=sys.stderr, flush=True)
    webbrowser.open(url)


def _client(args: argparse.Namespace, store, spec, base_url: str):
    from bookbridge.connectors.quickbooks.config import is_local_sandbox
    from bookbridge.connectors.tokens import ClientCredentials
    from bookbridge.core.errors import UsageError

    secret = _read_line() if args.client_secret_stdin else None
    if args.client_id:
        return ClientCredentials(args.client_id, secret)
    saved = store.load_client()
    if saved is not None:  # reconnecting: the app's credentials are already in the keyring
        return ClientCredentials(saved.client_id, secret or saved.client_secret)
    if spec.loopback_allowed(base_url) and is_local_sandbox(base_url):
        return ClientCredentials(SANDBOX_CLIENT_ID, secret or SANDBOX_CLIENT_SECRET)
    raise UsageError(f"{spec.label} needs your app's client id: give --client-id (and --client-secret-stdin)")


def _connect(args: argparse.Namespace) -> int:
    from urllib.parse import urlsplit

    from bookbridge.cli.common import open_book_from_args, progress
    from bookbridge.connectors.authorize import open_without_browser
    from bookbridge.connectors.connect import connect
    from bookbridge.connectors.http import check_base_url, is_loopback_host
    from bookbridge.connectors.registry import provider
    from bookbridge.connectors.tokens import KeyringTokenStore, usable_keyring

    spec = provider(args.provider)
    base_url = check_base_url(spec.base_url(args.base_url))
    usable_keyring()  # refuse before the user signs in, not after
    if spec.authenticator is not None:
        return _connect_with_login(args, spec, base_url)
    with open_book_from_args(args) as book:
        store = KeyringTokenStore(book.book_id, args.name, provider=spec.name)
        client = _client(args, store, spec, base_url)
        # A local sandbox approves at once and redirects to our listener: no browser needed. With
        # an https redirect the browser must land on that page, so a person has to be there.
        headless = is_loopback_host(urlsplit(base_url).hostname) and (
            args.redirect_uri is None or is_loopback_host(urlsplit(args.redirect_uri).hostname)
        )
        progress(f"Connecting {spec.label} at {base_url}...")
        result = connect(
            spec, base_url=base_url, client=client, store=store, redirect_uri=args.redirect_uri,
            open_url=open_without_browser() if headless else _show_url,
            read_answer=lambda: _read_line("Paste the address your browser ended on, then press Enter:"),
            wait_seconds=args.timeout, company=args.company,
        )
        record_connection(book, args.name, result)
    summary = {
        "name": args.name, "provider": result.provider, "base_url": result.base_url, "company_id": result.company_id,
        "status": "connected", "flow": result.flow, "token_expires_at": result.token_expires_at,
        "refresh_expires_at": result.refresh_expires_at,
    }
    if args.json:
        emit_json(summary)
    else:
        print(f"Connected '{args.name}' to {spec.label} company {result.company_id}; tokens are in the OS keyring.")
    return 0


# A local Intacct sandbox accepts any credentials unless told otherwise; these identify Bookbridge.
SANDBOX_INTACCT_USER = "ws_bookbridge"
SANDBOX_INTACCT_PASSWORD = "sandbox-password-not-used-in-production"


def _connect_with_login(args: argparse.Namespace, spec, base_url: str) -> int:
    """Sage Intacct: check sender and user credentials by opening a session, then keep them in the keyring."""
    from bookbridge.cli.common import open_book_from_args, progress
    from bookbridge.connectors.intacct.config import is_local_sandbox
    from bookbridge.connectors.intacct.connect import connect_with_login
    from bookbridge.connectors.intacct.credentials import UserLogin
    from bookbridge.connectors.tokens import ClientCredentials, KeyringTokenStore
    from bookbridge.core.errors import UsageError
    from bookbridge.sandbox.intacct import DEFAULT_COMPANY_ID

    sender_password = _read_line() if args.client_secret_stdin else None
    user_password = _read_line() if args.user_password_stdin else None
    local = is_local_sandbox(base_url)
    if local:  # the sandbox accepts any credentials unless started with its own
        sender = ClientCredentials(args.client_id or SANDBOX_CLIENT_ID, sender_password or SANDBOX_CLIENT_SECRET)
        login = UserLogin(args.user_id or SANDBOX_INTACCT_USER, args.company or DEFAULT_COMPANY_ID,
                          user_password or SANDBOX_INTACCT_PASSWORD, args.location_id)
    else:
        missing = [flag for flag, value in (("--client-id (the Web Services sender ID)", args.client_id),
                                            ("--client-secret-stdin (the sender password)", sender_password),
                                            ("--company (the company ID)", args.company),
                                            ("--user-id", args.user_id), ("--user-password-stdin", user_password))
                   if not value]
        if missing:
            raise UsageError(f"{spec.label} needs {', '.join(missing)}")
        sender = ClientCredentials(args.client_id, sender_password)
        login = UserLogin(args.user_id, args.company, user_password or "", args.location_id)
    with open_book_from_args(args) as book:
        store = KeyringTokenStore(book.book_id, args.name, provider=spec.name)
        progress(f"Signing in to {spec.label} company {login.company_id} at {base_url}...")
        result = connect_with_login(base_url=base_url, sender=sender, login=login, store=store, name=args.name)
        record_connection(book, args.name, result)
    summary = {"name": args.name, "provider": result.provider, "base_url": result.base_url,
               "company_id": result.company_id, "status": "connected", "flow": result.flow,
               "token_expires_at": result.token_expires_at, "refresh_expires_at": None}
    if args.json:
        emit_json(summary)
    else:
        print(f"Connected '{args.name}' to {spec.label} company {result.company_id}; credentials are in the OS keyring.")
    return 0


def record_connection(book, name: str, result) -> None:
    """Create or update the book's row for connection ``name`` (nothing secret is written)."""
    import sqlalchemy as sa

    from bookbridge.core import clock
    from bookbridge.store.models.connections import Connection

    with book.unit_of_work() as session:
        row = session.scalars(sa.select(Connection).where(Connection.name == name)).one_or_none()
        if row is None:
            row = Connection(name=name, created_at=clock.now())
            session.add(row)
        row.provider = result.provider
        row.base_url = result.base_url
        row.company_ref = result.company_id
        row.status = "connected"
        row.token_expires_at = result.token_expires_at


def _list(args: argparse.Namespace) -> int:
    import sqlalchemy as sa

    from bookbridge.cli.common import open_book_from_args
    from bookbridge.store.models.connections import Connection

    with open_book_from_args(args) as book:
        with book.read() as session:
            rows = session.scalars(sa.select(Connection).order_by(Connection.name)).all()
            listing = [_describe(book.book_id, row) for row in rows]
    if args.json:
        emit_json(listing)
        return 0
    if not listing:
        print(f"No connections. Add one with: bookbridge connect BOOK --provider NAME (one of {provider_choices()})")
        return 0
    for item in listing:
        quota = ", ".join(f"{w['name']} {w['remaining']}/{w['limit']}" for w in item["quota"]["windows"])
        print(f"{item['name']}: {item['provider']} company {item['company_id']} at {item['base_url']}")
        print(f"  status {item['status']}; access token expires {item['token_expires_at'] or 'unknown'}; "
              f"refresh token expires {item['refresh_expires_at'] or 'unknown'}")
        print(f"  quota left (this process): {quota}")
    return 0


def _describe(book_id: str, row: Any) -> dict[str, Any]:
    """One connection for listing: the book's record, live token expiry from the keyring, quota."""
    from bookbridge.connectors.errors import ReconnectRequired
    from bookbridge.connectors.limiter import shared_limiter
    from bookbridge.connectors.registry import provider
    from bookbridge.connectors.tokens import KeyringTokenStore
    from bookbridge.core import clock
    from bookbridge.core.errors import KeyringUnavailable

    spec = provider(row.provider)
    status, token_expires, refresh_expires = row.status, row.token_expires_at, None
    try:
        tokens = KeyringTokenStore(book_id, row.name, provider=row.provider).load_tokens()
    except KeyringUnavailable:
        status = "keyring unavailable"
    except ReconnectRequired:
        status = "reconnect needed (saved credentials damaged)"
    else:
        if tokens is None:
            status = "reconnect needed (no tokens in this computer's keyring)"
        else:
            token_expires, refresh_expires = tokens.expires_at, tokens.refresh_expires_at
            if refresh_expires is not None and refresh_expires <= clock.now():
                status = "reconnect needed (authorization expired)"
    snapshot = shared_limiter(spec.name, row.company_ref or "", row.base_url or "", spec.limits).snapshot(
        spec.name, row.company_ref or ""
    )
    return {
        "name": row.name,
        "provider": row.provider,
        "base_url": row.base_url,
        "company_id": row.company_ref,
        "status": status,
        "token_expires_at": token_expires,
        "refresh_expires_at": refresh_expires,
        "last_sync_at": row.last_sync_at,
        "quota": {
            "windows": [{"name": w.name, "limit": w.limit, "remaining": w.remaining, "seconds": w.seconds}
                        for w in snapshot.windows],
            "max_concurrent": snapshot.max_concurrent,
            "in_flight": snapshot.in_flight,
        },
    }
