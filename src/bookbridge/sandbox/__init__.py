"""Local servers that behave like the accounting systems' APIs (demo, pilot, tests).

Each provider lives in its own sub-package (``qbo`` first); ``common`` holds the plumbing they
share: the threaded HTTP server, rate limiter, fault injection, JSON state files and the OAuth
token store.
"""
