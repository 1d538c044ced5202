"""Secrets never reach the log file."""

from __future__ import annotations

import logging

import pytest

from bookbridge.core.logs import configure_logging, redact


@pytest.mark.parametrize(
    "text, secret",
    [
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc.def", "eyJhbGciOiJIUzI1NiJ9.abc.def"),
        ('{"access_token": "AT-123456789", "expires_in": 3600}', "AT-123456789"),
        ("grant_type=refresh_token&refresh_token=RT-987654321&client_id=x", "RT-987654321"),
        ("client_secret=sHhH-very-secret", "sHhH-very-secret"),
        ("<password>hunter2hunter2</password>", "hunter2hunter2"),
        ("passphrase='correct horse battery'", "correct"),
    ],
)
def test_redact_masks_secrets(text: str, secret: str) -> None:
    """Each kind of secret is replaced by [REDACTED]."""
    cleaned = redact(text)
    assert secret not in cleaned and "[REDACTED]" in cleaned


def test_log_file_never_holds_a_token(tmp_path, monkeypatch) -> None:
    """A token logged by mistake is redacted in the rotating log file."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    logger = logging.getLogger("bookbridge")
    for handler in list(logger.handlers):
        if getattr(handler, "_bookbridge", False):
            logger.removeHandler(handler)
    path = configure_logging()
    logging.getLogger("bookbridge.test").warning("refresh failed for %s", "refresh_token=RT-SECRET-42")
    for handler in logger.handlers:
        handler.flush()
    content = path.read_text()
    assert str(tmp_path) in str(path)
    assert "refresh failed" in content and "RT-SECRET-42" not in content
