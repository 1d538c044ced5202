"""Files attached to sandbox documents: bytes on disk (with a data directory) or in memory.

The metadata (id, file name, MIME type, length) lives in the organisation's state with the
documents; the bytes live apart, one file per attachment id, so a state file stays small.
"""

from __future__ import annotations

import threading
from pathlib import Path


class AttachmentFiles:
    """Attachment bytes by attachment id. Thread-safe."""

    def __init__(self, directory: Path | None) -> None:
        self._directory = Path(directory) if directory else None
        self._memory: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def put(self, attachment_id: str, content: bytes) -> None:
        with self._lock:
            if self._directory is None:
                self._memory[attachment_id] = content
                return
            self._directory.mkdir(parents=True, exist_ok=True)
            tmp = self._directory / f".{attachment_id}.tmp"
            tmp.write_bytes(content)
            tmp.replace(self._directory / attachment_id)

    def get(self, attachment_id: str) -> bytes | None:
        """The bytes of an attachment (the control path serves them to tests), or None."""
        if "/" in attachment_id or attachment_id.startswith("."):
            return None
        with self._lock:
            if self._directory is None:
                return self._memory.get(attachment_id)
            path = self._directory / attachment_id
            return path.read_bytes() if path.is_file() else None
