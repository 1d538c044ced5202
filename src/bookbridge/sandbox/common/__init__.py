"""Plumbing shared by every sandbox server: HTTP, limits, faults, state files, tokens."""
