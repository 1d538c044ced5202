"""A local QuickBooks Online: OAuth, the v3 API, limits and faults, for demos and tests.

One port serves:

* ``GET /connect/oauth2`` (approves at once), ``POST /oauth2/v1/tokens/bearer``,
  ``POST /oauth2/v1/tokens/revoke`` (also ``/v2/oauth2/tokens/revoke``);
* ``/v3/company/{realmId}/...``: entities, ``query``, ``batch``, ``cdc``, ``upload``;
* ``/__sandbox/...``: statistics, fault switches and the clock (not QBO; see ``control``).

With ``data_dir`` the state lives in ``qbo-{realmId}.json`` (company objects, deletions,
requestid answers), ``qbo-tokens.json`` (hashes only) and ``qbo-{realmId}-attachments/``.

Example:
    from bookbridge.sandbox.qbo import FaultConfig, QboSandbox

    with QboSandbox(time_scale=60, faults=FaultConfig(error_5xx_rate=0.1, seed=7)) as sandbox:
        ...  # talk to sandbox.base_url
"""

from bookbridge.sandbox.common.faults import Fault, FaultConfig
from bookbridge.sandbox.qbo.server import DEFAULT_REALM_ID, QboSandbox

__all__ = ["DEFAULT_REALM_ID", "Fault", "FaultConfig", "QboSandbox"]
