"""Bank and card statements, matching, month-end checklist, periods."""
