"""Xero: Accounting API 2.0 connector, payload mapping, fault table, tenant choice (ERP_FACTS.md §2)."""

from bookbridge.connectors.xero.config import LABEL, PROVIDER
from bookbridge.connectors.xero.connector import XeroConnector

__all__ = ["LABEL", "PROVIDER", "XeroConnector"]
