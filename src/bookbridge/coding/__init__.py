"""Coding: mapping templates, rules, approvals, tax and currency."""
