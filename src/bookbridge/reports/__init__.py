"""PDF reconciliation packs and CSV exports."""
