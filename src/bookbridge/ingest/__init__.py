"""Import: read expense files, normalise and validate their rows, dedupe them, land them.

The pipeline, one module per step::

    readers/ (csv, json, xml)  ->  RawRecord(line, values)
    profiles.py                ->  which column means what
    convert.py                 ->  ExpenseDraft + issues (parsing: dates, amounts, currencies)
    validate.py                ->  more issues (warnings and errors), as data
    dedupe.py                  ->  immutable keys and new / duplicate / conflict decisions
    normalise.py, receipts.py  ->  vendors (with aliases), categories, employees, receipt files
    writer.py                  ->  chunked bulk inserts inside the caller's transaction
    service.py                 ->  import_file() / preview_file(): the transaction boundary

Only :mod:`bookbridge.ingest.service` opens a transaction.
"""
