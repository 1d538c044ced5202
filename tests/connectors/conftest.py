"""Fixtures for connector tests; they are defined in connector_testkit."""

from connector_testkit import qbo, qbo_sandbox, scripted  # noqa: F401  (pytest finds fixtures here)
