"""The book: one SQLCipher-encrypted SQLite file per company, its schema and its sessions."""
