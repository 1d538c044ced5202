"""Logging to a rotating file in the user's log directory, with secrets redacted.

Every record passes through :class:`RedactingFilter`, which masks bearer tokens, OAuth fields,
passphrases and Authorization headers wherever they appear in the formatted message. Code should
never log a secret in the first place; the filter is the second line of defence.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

from bookbridge.core import paths

LOG_FILE_NAME = "bookbridge.log"

_PATTERNS = [
    # Authorization: Bearer xxx / Basic xxx
    (re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), r"\1\2 [REDACTED]"),
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 [REDACTED]"),
    # key=value or "key": "value" for sensitive names
    (
        re.compile(
            r"(?i)([\"']?(?:access_token|refresh_token|id_token|client_secret|code_verifier|password|"
            r"passphrase|secret|api_key|apikey|token|senderpassword|sessionid|code_challenge)[\"']?\s*[:=]\s*[\"']?)"
            r"([^\"'&\s,}<]+)"
        ),
        r"\1[REDACTED]",
    ),
    # An OAuth authorization code travels as a URL/form parameter; a JSON "code" is a fault code.
    (re.compile(r"(?i)((?:^|[?&\s])code=)[^&\s\"']+"), r"\1[REDACTED]"),
    # XML credentials (Intacct)
    (re.compile(r"(?i)(<(password|sessionid|senderpassword)>)[^<]*(</\2>)"), r"\1[REDACTED]\3"),
]


def redact(text: str) -> str:
    """Mask anything that looks like a secret in ``text``."""
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


class RedactingFilter(logging.Filter):
    """Formats the message early and rewrites it with secrets masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = redact(message), None
        return True


def log_file() -> Path:
    return paths.log_dir() / LOG_FILE_NAME


def configure_logging(level: int = logging.INFO, *, to_stderr: bool = False) -> Path:
    """Send the ``bookbridge`` logger to a rotating file; returns the file's path.

    Idempotent: calling it twice does not add a second handler.
    """
    logger = logging.getLogger("bookbridge")
    logger.setLevel(level)
    path = log_file()
    if not any(getattr(h, "_bookbridge", False) for h in logger.handlers):
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(RedactingFilter())
        handler._bookbridge = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        if to_stderr:
            err = logging.StreamHandler()
            err.setLevel(logging.WARNING)
            err.addFilter(RedactingFilter())
            err._bookbridge = True  # type: ignore[attr-defined]
            logger.addHandler(err)
    return path
