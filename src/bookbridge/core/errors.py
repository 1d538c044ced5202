"""One exception tree for the whole program.

Every error a user can meet derives from :class:`BookbridgeError` and carries a message written
for that user. The CLI turns any of them into one line and an exit code; the GUI into one dialog.
Messages never contain secrets: callers pass identifiers, not tokens or passphrases.
"""

from __future__ import annotations


class BookbridgeError(Exception):
    """Base of every error Bookbridge raises on purpose.

    Attributes:
        user_message: a sentence a bookkeeper can act on.
        exit_code: what the CLI exits with when this error ends a command (2: nothing changed).
    """

    exit_code = 2

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class UsageError(BookbridgeError):
    """The command was called wrongly (missing option, bad value)."""


class MoneyError(BookbridgeError, ValueError):
    """An amount or currency could not be parsed, or currencies were mixed."""


# --- storage -------------------------------------------------------------------------------


class BookError(BookbridgeError):
    """Something is wrong with a book file; the message names the file."""

    def __init__(self, user_message: str, path: str | None = None) -> None:
        super().__init__(user_message)
        self.path = path


class WrongPassphrase(BookError):
    """The passphrase does not open the book."""


class NotABook(BookError):
    """The file is not a Bookbridge book, or it is damaged."""


class BookExists(BookError):
    """Refused to create a book over an existing file."""


class PassphraseUnavailable(BookError):
    """No passphrase was given and none could be asked for or found in the keyring."""


class KeyringUnavailable(BookbridgeError):
    """No usable OS keyring backend exists; the message explains the options."""


class PeriodLocked(BookbridgeError):
    """An edit touches a signed-off period."""


# --- import and domain ---------------------------------------------------------------------


class ImportFileError(BookbridgeError):
    """A whole input file could not be read (encoding, format, missing columns)."""

    def __init__(self, user_message: str, path: str | None = None) -> None:
        super().__init__(user_message)
        self.path = path


class ValidationFailed(BookbridgeError):
    """A service refused to act because validation found errors.

    Attributes:
        issues: the validation issues (data, not exceptions) that caused the refusal.
    """

    exit_code = 1

    def __init__(self, user_message: str, issues: list | None = None) -> None:
        super().__init__(user_message)
        self.issues = list(issues or [])


class NotFound(BookbridgeError):
    """A referenced record (expense, template, rule, connection...) does not exist."""
