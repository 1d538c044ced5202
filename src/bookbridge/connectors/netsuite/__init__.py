"""Oracle NetSuite over REST web services: OAuth 2.0 with PKCE, record upserts by externalId, SuiteQL."""

from bookbridge.connectors.netsuite.account import AccountId, parse_account
from bookbridge.connectors.netsuite.connector import GovernanceLimits, NetSuiteConnector
from bookbridge.connectors.netsuite.payloads import external_id

__all__ = ["AccountId", "GovernanceLimits", "NetSuiteConnector", "external_id", "parse_account"]
