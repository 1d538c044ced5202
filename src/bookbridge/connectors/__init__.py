"""One protocol and one HTTP layer for every accounting system; no SQLAlchemy, no Qt."""
