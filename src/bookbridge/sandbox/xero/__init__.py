"""A local Xero: identity (PKCE, rotating refresh tokens with a 30-minute grace), ``/connections``,
the Accounting API 2.0 for the collections Bookbridge uses, Xero's limits and faults.

One port serves:

* ``GET /identity/connect/authorize`` (approves at once), ``POST /connect/token``,
  ``POST /connect/revocation``, ``GET|DELETE /connections``;
* ``/api.xro/2.0/...``: Accounts, Contacts, TrackingCategories, TaxRates, Currencies,
  Organisation, ManualJournals, Invoices, BankTransactions and their Attachments, every write
  checked against Xero's official OpenAPI description;
* ``/__sandbox/...``: statistics, fault switches and the clock (not Xero's).

With ``data_dir`` the state lives in ``xero-{tenantId}.json`` (organisation, documents,
idempotency answers), ``xero-tokens.json`` (hashes only) and ``xero-{tenantId}-attachments/``.

Example:
    from bookbridge.sandbox.xero import FaultConfig, XeroSandbox

    with XeroSandbox(time_scale=60, faults=FaultConfig(error_5xx_rate=0.1, seed=7)) as sandbox:
        ...  # talk to sandbox.base_url with Xero-Tenant-Id: sandbox.tenant_id
"""

from bookbridge.sandbox.common.faults import Fault, FaultConfig
from bookbridge.sandbox.xero.server import DEFAULT_ORG_NAME, DEFAULT_TENANT_ID, XeroSandbox

__all__ = ["DEFAULT_ORG_NAME", "DEFAULT_TENANT_ID", "Fault", "FaultConfig", "XeroSandbox"]
