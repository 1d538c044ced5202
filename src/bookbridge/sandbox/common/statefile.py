"""A JSON state file written atomically, so another process can read it at any moment.

Writers hold a lock, write a temporary file in the same directory, flush it to disk and
``os.replace`` it over the old one: a reader sees either the old or the new state, never half a
file. Decimals survive the round trip exactly (see :mod:`jsonio`).
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from bookbridge.sandbox.common import jsonio
from bookbridge.sandbox.common.errors import SandboxError


class JsonStateFile:
    """One JSON document on disk, loaded on start and replaced atomically on every save."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def load(self) -> Any | None:
        """Return the stored document, or ``None`` when the file does not exist yet.

        Raises:
            SandboxError: the file exists but is not valid JSON (named, so it can be removed).
        """
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            return jsonio.loads(text)
        except ValueError as exc:
            raise SandboxError(f"sandbox state file {self.path} is not valid JSON ({exc}); move it away to start fresh") from exc

    def save(self, document: Any) -> None:
        """Write ``document`` atomically (temporary file + fsync + os.replace)."""
        text = jsonio.dumps(document, indent=1)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=self.path.name + ".", suffix=".tmp", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp_name, self.path)
            except BaseException:
                # Leave no stray temporary file behind, then let the error propagate.
                Path(tmp_name).unlink(missing_ok=True)
                raise
