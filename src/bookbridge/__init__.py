"""Bookbridge: expense-to-ledger bridge for small-business bookkeepers."""

__version__ = "0.1.0"
