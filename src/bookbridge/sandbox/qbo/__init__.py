"""A local QuickBooks Online: OAuth, the v3 API, limits and faults, for demos and tests.

Example:
    from bookbridge.sandbox.qbo import FaultConfig, QboSandbox

    with QboSandbox(time_scale=60, faults=FaultConfig(error_5xx_rate=0.1, seed=7)) as sandbox:
        ...  # talk to sandbox.base_url
"""

from bookbridge.sandbox.common.faults import Fault, FaultConfig
from bookbridge.sandbox.qbo.server import DEFAULT_REALM_ID, QboSandbox

__all__ = ["DEFAULT_REALM_ID", "Fault", "FaultConfig", "QboSandbox"]
