"""The month-end reconciliation pack: gather a frozen snapshot, print it as PDF, export it as CSV."""
