"""QuickBooks Online: REST v3 connector, payload mapping, fault table (ERP_FACTS.md §1)."""

from bookbridge.connectors.quickbooks.config import LABEL, PROVIDER
from bookbridge.connectors.quickbooks.connector import QuickBooksConnector, request_id

__all__ = ["LABEL", "PROVIDER", "QuickBooksConnector", "request_id"]
