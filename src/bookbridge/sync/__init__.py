"""The sync engine: outbox, runner, pull and conflicts, runs, locks."""
