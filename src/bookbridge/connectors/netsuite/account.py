"""NetSuite account ids and the hosts derived from them (ERP_FACTS.md §4.1–4.2).

An account id is written ``1234567`` for production and ``1234567_SB1`` for its first sandbox
(``TSTDRV1234567`` for a test drive). Hosts use the same id in lower case with a hyphen
(``1234567-sb1.suitetalk.api.netsuite.com``); the OAuth 1.0 ``realm`` and the ``company`` the
authorization redirect names keep the original form. People paste either form, so both are
accepted and normalised here, in one place.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from bookbridge.core.errors import UsageError

API_DOMAIN = "suitetalk.api.netsuite.com"
UI_DOMAIN = "app.netsuite.com"
# An account id: letters and digits, optionally followed by a sandbox/release-preview suffix.
_ACCOUNT = re.compile(r"^(?P<base>[A-Za-z0-9]+)(?:[_-](?P<suffix>(?:SB|RP)[0-9]+))?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class AccountId:
    """One NetSuite account, in both spellings.

    Attributes:
        realm: the canonical form (``1234567_SB1``): upper case, underscore before the suffix.
        host: the DNS label (``1234567-sb1``): lower case, hyphen before the suffix.
    """

    realm: str
    host: str

    @property
    def is_sandbox(self) -> bool:
        return "_SB" in self.realm

    @property
    def api_url(self) -> str:
        """The REST web services root, e.g. ``https://1234567-sb1.suitetalk.api.netsuite.com``."""
        return f"https://{self.host}.{API_DOMAIN}"

    @property
    def authorize_url(self) -> str:
        """Where the user signs in and consents (OAuth 2.0 step one)."""
        return f"https://{self.host}.{UI_DOMAIN}/app/login/oauth2/authorize.nl"


def parse_account(text: str) -> AccountId:
    """Read an account id in either spelling (``1234567_SB1``, ``1234567-sb1``, ``tstdrv123``).

    Raises:
        UsageError: the text is not an account id.
    """
    match = _ACCOUNT.match(text.strip())
    if not match:
        raise UsageError(
            f"{text!r} is not a NetSuite account id: it looks like 1234567 or 1234567_SB1 "
            "(Setup > Company > Company Information > Account ID)"
        )
    base, suffix = match["base"].upper(), (match["suffix"] or "").upper()
    realm = f"{base}_{suffix}" if suffix else base
    return AccountId(realm=realm, host=realm.lower().replace("_", "-"))


def account_from_host(hostname: str | None) -> AccountId | None:
    """The account behind a NetSuite host name (``1234567-sb1.suitetalk.api.netsuite.com``), else ``None``."""
    if not hostname:
        return None
    name = hostname.lower().rstrip(".")
    for domain in (API_DOMAIN, UI_DOMAIN, "restlets.api.netsuite.com"):
        if name.endswith("." + domain):
            label = name[: -len(domain) - 1]
            if "." not in label:
                return parse_account(label)
    return None


class AccountEnvironments(Mapping[str, str]):
    """``--base-url`` values for NetSuite: an account id stands for its REST host.

    NetSuite has no single production address: each account has its own host. The registry looks
    a ``--base-url`` value up in a provider's environments, so an account id typed there
    (``1234567_SB1``) resolves to ``https://1234567-sb1.suitetalk.api.netsuite.com``. The generic
    names ``production`` and ``sandbox`` cannot be resolved and say what to type instead.
    """

    def __getitem__(self, key: str) -> str:
        if key in ("production", "sandbox"):
            raise UsageError(
                "NetSuite has one address per account: give --base-url your account id "
                "(1234567 for production, 1234567_SB1 for a sandbox) or the account's REST address"
            )
        if "://" in key or not _ACCOUNT.match(key.strip()):
            raise KeyError(key)
        return parse_account(key).api_url

    def __iter__(self) -> Iterator[str]:
        # No fixed names to list: every account id is an environment of its own.
        return iter(())

    def __len__(self) -> int:
        return 0
