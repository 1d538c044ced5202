"""Sage Intacct: the XML Web Services API 3.0 connector (see :mod:`.connector`)."""
