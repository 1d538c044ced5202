"""A local Sage Intacct: the XML Web Services gateway with sessions, limits and faults.

One port serves ``POST /ia/xml/xmlgw.phtml`` (sign-in and ``getAPISession``), the session
endpoint ``POST /ia/xml/{companyId}/xmlgw.phtml`` that ``getAPISession`` names, and
``/__sandbox/...`` (statistics, faults, clock, preferences: not Intacct's; see ``control``).

With ``data_dir`` the state lives in ``intacct-{companyId}.json`` (records, preferences, the
control ids that ran) and ``intacct-sessions.json`` (session hashes only).

Example:
    from bookbridge.sandbox.intacct import FaultConfig, IntacctSandbox

    with IntacctSandbox(time_scale=60, faults=FaultConfig(error_5xx_rate=0.1, seed=7)) as sandbox:
        ...  # sign in at sandbox.gateway_url
"""

from bookbridge.sandbox.common.faults import Fault, FaultConfig
from bookbridge.sandbox.intacct.server import (
    DEFAULT_COMPANY_ID,
    DEFAULT_SENDER_ID,
    DEFAULT_USER_ID,
    GATEWAY_PATH,
    IntacctSandbox,
)

__all__ = ["DEFAULT_COMPANY_ID", "DEFAULT_SENDER_ID", "DEFAULT_USER_ID", "GATEWAY_PATH", "Fault", "FaultConfig",
           "IntacctSandbox"]
