"""What a person types to connect each accounting system, and where they find each value.

Every system signs in differently (ERP_FACTS.md §1.1, §2.1, §3.1, §4.1):

* QuickBooks Online: an app's client id **and secret**; the company (realm) arrives with the
  redirect. Intuit hosts accept only a registered https redirect, so the person pastes back the
  address the browser ends on.
* Xero: a PKCE app's client id, **no secret**; the organisation is chosen after sign-in
  (``GET /connections``) when one consent connected several.
* Sage Intacct (XML Web Services): no browser at all: the Web Services **sender** id and password,
  then a company user (company id, user id, password) and optionally the entity (``locationid``)
  to sign in to.
* NetSuite: the **account id** (``1234567``; a sandbox adds ``_SB1``) and a public client's id
  with PKCE; NetSuite redirects only to https or a custom scheme, so paste-back.

A provider not described here (one added to the registry later) gets :func:`generic_form`: the
OAuth fields every provider of the registry can use. Plain data, no Qt: the dialog shows exactly
the fields a form names, with its labels, placeholders and help, and hides the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from bookbridge.connectors.netsuite.account import parse_account
from bookbridge.connectors.registry import ProviderSpec
from bookbridge.core.errors import UsageError

# Field keys (the dialog has one widget per key).
WHERE = "where"
ACCOUNT = "account"
CLIENT_ID = "client_id"
CLIENT_SECRET = "client_secret"
REDIRECT = "redirect"
COMPANY = "company"
USER_ID = "user_id"
USER_PASSWORD = "user_password"
LOCATION = "location"
FIELD_ORDER = (WHERE, ACCOUNT, CLIENT_ID, CLIENT_SECRET, REDIRECT, COMPANY, USER_ID, USER_PASSWORD, LOCATION)
SECRET_FIELDS = frozenset({CLIENT_SECRET, USER_PASSWORD})


@dataclass(frozen=True, slots=True)
class FieldHelp:
    """One input as a person sees it.

    Attributes:
        label: the form label.
        placeholder: grey text inside the empty field (what a value looks like).
        help: where to find the value (the field's tooltip and the help line under the form).
        required: an empty value is refused before signing in.
    """

    label: str
    placeholder: str
    help: str
    required: bool = False


@dataclass(frozen=True, slots=True)
class ProviderForm:
    """The fields of one provider's sign-in, in display order; absent keys are hidden.

    Attributes:
        login: signs in with typed credentials (Sage Intacct's XML API), not through a browser.
        intro: one or two sentences on how this system signs in.
    """

    provider: str
    intro: str
    fields: Mapping[str, FieldHelp]
    login: bool = False

    def shows(self, key: str) -> bool:
        return key in self.fields

    def missing(self, values: Mapping[str, str]) -> list[str]:
        """Keys of required fields left empty (validation as data: the dialog words the refusal)."""
        return [key for key, help in self.fields.items() if help.required and not values.get(key, "").strip()]

    def missing_message(self, missing: list[str]) -> str:
        """The refusal for ``missing`` fields, with where to find the first one."""
        first = self.fields[missing[0]]
        names = ", ".join(self.fields[key].label.rstrip(":") for key in missing)
        return f"Enter {names}. {first.label.rstrip(':')}: {first.help}"


def _where(environments: str) -> FieldHelp:
    return FieldHelp("Where:", environments,
                     f"{environments}, or the address of a sandbox on this computer "
                     "(http://127.0.0.1:PORT, printed by `bookbridge sandbox`).")


QBO = ProviderForm(
    "qbo",
    "QuickBooks Online signs in through your browser with your Intuit app's keys; the company "
    "(realm ID) comes back with the answer.",
    {
        WHERE: _where("production or sandbox"),
        CLIENT_ID: FieldHelp("Client ID:", "ABc123… from your Intuit app",
                             "developer.intuit.com > your app > Keys & credentials (Development or Production).",
                             required=True),
        CLIENT_SECRET: FieldHelp("Client secret:", "from the same Keys & credentials page",
                                 "Shown next to the client ID; it goes to this computer's keyring only.",
                                 required=True),
        REDIRECT: FieldHelp("Redirect URI:", "https://… registered on your app (you will paste back)",
                            "One of the Redirect URIs on your app's Keys & credentials page. Intuit accepts only "
                            "https; after approving, copy the address your browser ends on back here."),
    },
)

XERO = ProviderForm(
    "xero",
    "Xero signs in through your browser with a PKCE app (no client secret). If you tick several "
    "organisations, Bookbridge asks which one this connection posts to.",
    {
        WHERE: _where("production"),
        CLIENT_ID: FieldHelp("Client ID:", "32 characters from your Xero app",
                             "developer.xero.com > My Apps > your app (type: Auth code with PKCE) > Configuration.",
                             required=True),
        REDIRECT: FieldHelp("Redirect URI:", "leave empty for http://127.0.0.1 (any port)",
                            "Only if your app registered a fixed http://localhost:PORT/callback: Xero takes no "
                            "custom schemes, and https needs paste-back."),
        COMPANY: FieldHelp("Organisation:", "chosen after sign-in when you connect several",
                           "Optional: the organisation's exact name or tenant ID, to skip the question."),
    },
)

INTACCT = ProviderForm(
    "intacct",
    "Sage Intacct's Web Services sign in without a browser: your Web Services sender, then a "
    "company user (usually a Web Services-only user).",
    {
        WHERE: _where("production"),
        CLIENT_ID: FieldHelp("Sender ID:", "your Web Services sender ID",
                             "Issued with your Sage Intacct Web Services subscription. The company must list it "
                             "under Company > Security > Web Services authorizations (else error XL03000006).",
                             required=True),
        CLIENT_SECRET: FieldHelp("Sender password:", "the sender ID's password",
                                 "Issued with the sender ID; it goes to this computer's keyring only.", required=True),
        COMPANY: FieldHelp("Company ID:", "as typed on the Sage Intacct sign-in page",
                           "The Company ID people type when they sign in to Sage Intacct.", required=True),
        USER_ID: FieldHelp("User ID:", "a Web Services user, e.g. ws_bookbridge",
                           "A company user, best a Web Services-only user your administrator creates for "
                           "Bookbridge, with rights to the general ledger, payables and expense reports.",
                           required=True),
        USER_PASSWORD: FieldHelp("User password:", "that user's password",
                                 "It goes to this computer's keyring only."),
        LOCATION: FieldHelp("Entity (location ID):", "optional: only in a multi-entity company",
                            "The ID of the entity to post in (sent as the login's locationid). Leave empty to sign "
                            "in at the top level of the company."),
    },
    login=True,
)

NETSUITE = ProviderForm(
    "netsuite",
    "NetSuite signs in through your browser with a public-client integration (PKCE, no secret). "
    "NetSuite redirects only to https or a custom scheme, so you paste the final address back here.",
    {
        ACCOUNT: FieldHelp("Account ID:", "1234567, or 1234567_SB1 for a sandbox",
                           "Setup > Company > Company Information > Account ID. A sandbox account ends in _SB1 "
                           "(_SB2…): type it as shown; its address uses 1234567-sb1. A local sandbox's address "
                           "(http://127.0.0.1:PORT) also works.", required=True),
        CLIENT_ID: FieldHelp("Client ID:", "the integration's consumer key / client ID",
                             "Setup > Integration > Manage Integrations > your integration (Authorization code "
                             "grant, Public client ticked); NetSuite shows it once, when the record is saved.",
                             required=True),
        REDIRECT: FieldHelp("Redirect URI:", "https://… or myapp://callback, as on the integration",
                            "The Redirect URI on the integration record (needed for a NetSuite account; a local "
                            "sandbox answers on http://127.0.0.1). After approving, copy the address your browser "
                            "ends on back here."),
    },
)

FORMS: dict[str, ProviderForm] = {form.provider: form for form in (QBO, XERO, INTACCT, NETSUITE)}


def generic_form(spec: ProviderSpec) -> ProviderForm:
    """The OAuth fields any registered provider can use (for one this dialog does not describe)."""
    named = ", ".join(spec.environments) if _listable(spec) else "production"
    return ProviderForm(
        spec.name,
        f"{spec.label} signs in through your browser with your app's OAuth credentials.",
        {
            WHERE: _where(named or "production"),
            CLIENT_ID: FieldHelp("Client ID:", f"your {spec.label} app's client ID",
                                 f"From your app's page in the {spec.label} developer portal.", required=True),
            CLIENT_SECRET: FieldHelp("Client secret:", "only if your app has one",
                                     "Leave empty for a public (PKCE) app; it goes to this computer's keyring only."),
            REDIRECT: FieldHelp("Redirect URI:", "only if your app registered an https redirect (you will paste back)",
                                "Leave empty to receive the answer on http://127.0.0.1 where the app allows it."),
            COMPANY: FieldHelp("Company:", "only if one sign-in grants several", "The company's ID or exact name."),
        },
    )


def _listable(spec: ProviderSpec) -> bool:
    try:
        return len(spec.environments) > 0
    except TypeError:  # environments computed from what is typed (NetSuite) have no list
        return False


def form_for(spec: ProviderSpec) -> ProviderForm:
    """The form of ``spec``'s provider, or the generic OAuth form."""
    return FORMS.get(spec.name) or generic_form(spec)


def environment_choices(spec: ProviderSpec) -> list[str]:
    """Named environments to offer in the Where box (none for per-account hosts such as NetSuite's)."""
    return list(spec.environments) if _listable(spec) else []


def netsuite_account_hint(text: str) -> str:
    """What an account id typed for NetSuite means, in words ("a sandbox account: …")."""
    value = text.strip()
    if not value:
        return "Type the account ID; a sandbox account ends in _SB1."
    if "://" in value:
        return f"Connecting to the address {value}."
    try:
        account = parse_account(value)
    except UsageError as exc:
        return exc.user_message
    kind = "a sandbox account" if account.is_sandbox else "a production account"
    return f"{account.realm} is {kind}; Bookbridge talks to {account.api_url}."
