"""Sage Intacct over its REST API (OAuth 2.0 with PKCE), beside the XML Web Services connector.

Registered as ``intacct-rest``. Constants in :mod:`.config`, the error table in :mod:`.faults`,
tokens in :mod:`.auth`, payloads out in :mod:`.payloads`, records in :mod:`.records`, the
query service in :mod:`.query`, the connector in :mod:`.connector`.
"""
