"""A local NetSuite: OAuth 2.0 with PKCE, REST records, SuiteQL, governance and faults.

One port serves:

* ``GET /app/login/oauth2/authorize.nl`` (approves at once) and
  ``POST /services/rest/auth/oauth2/v1/token`` / ``.../revoke``;
* ``/services/rest/record/v1/{journalEntry|vendorBill|expenseReport|vendor}[/{id}|/eid:{externalId}]``,
  ``POST /services/rest/query/v1/suiteql``, ``GET /services/rest/system/v1/governanceLimits`` and
  ``/services/rest/async/v1/job/...``;
* ``/__sandbox/...``: statistics, fault switches and the clock (not NetSuite; see ``control``).

With ``data_dir`` the state lives in ``netsuite-{account}.json`` and ``netsuite-tokens.json``
(token hashes only).

Example:
    from bookbridge.sandbox.netsuite import FaultConfig, NetSuiteSandbox

    with NetSuiteSandbox(faults=FaultConfig(error_5xx_rate=0.1, seed=7)) as sandbox:
        ...  # talk to sandbox.base_url
"""

from bookbridge.sandbox.common.faults import Fault, FaultConfig
from bookbridge.sandbox.netsuite.server import DEFAULT_ACCOUNT_ID, NetSuiteSandbox

__all__ = ["DEFAULT_ACCOUNT_ID", "Fault", "FaultConfig", "NetSuiteSandbox"]
