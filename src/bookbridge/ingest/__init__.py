"""Import pipeline: readers, normalisation, validation, dedupe, receipts."""
