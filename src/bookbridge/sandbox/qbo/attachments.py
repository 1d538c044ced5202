"""Attachable upload: ``POST /upload`` with multipart parts ``file_metadata_NN`` + ``file_content_NN``.

The metadata part is an Attachable JSON object whose ``AttachableRef`` links the file to a
posted transaction; the content part carries the bytes. The file is kept on disk next to the
state file (or in memory without a data directory) and the Attachable record in the company.
Multipart parsing uses the standard library's email parser (the ``cgi`` module is deprecated).
"""

from __future__ import annotations

import re
import threading
from email import policy
from email.message import Message
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from bookbridge.sandbox.common import jsonio
from bookbridge.sandbox.common.http import Request
from bookbridge.sandbox.qbo import checks, errors
from bookbridge.sandbox.qbo.entities import entity_type
from bookbridge.sandbox.qbo.store import CompanyStore

MAX_FILE_BYTES = 100 * 1024 * 1024  # QBO's documented attachment size limit
_PART_NAME = re.compile(r"^file_(metadata|content)_(\w+)$")


class AttachmentStore:
    """Where uploaded file contents live: a directory, or memory when ``directory`` is None."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = Path(directory) if directory else None
        self._memory: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def put(self, attachable_id: str, content: bytes) -> None:
        if self.directory is None:
            with self._lock:
                self._memory[attachable_id] = content
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / attachable_id).write_bytes(content)

    def get(self, attachable_id: str) -> bytes | None:
        if self.directory is None:
            with self._lock:
                return self._memory.get(attachable_id)
        path = self.directory / attachable_id
        return path.read_bytes() if path.is_file() else None

    def upload(self, ctx: Any, request: Request) -> dict[str, Any]:
        """Store every metadata/content pair of the request; returns the AttachableResponse."""
        pairs = _parse_parts(request)
        results = []
        with ctx.store.transaction():
            for metadata, (filename, content_type, content) in pairs:
                record = _attachable(ctx.store, metadata, filename, content_type, len(content))
                stored = ctx.store.insert("Attachable", record)
                self.put(stored["Id"], content)
                results.append({"Attachable": stored})
        return {"AttachableResponse": results}


def _parse_parts(request: Request) -> list[tuple[dict[str, Any], tuple[str, str, bytes]]]:
    content_type = request.header("content-type")
    if not content_type.lower().startswith("multipart/form-data"):
        raise errors.malformed_body("upload needs Content-Type multipart/form-data")
    envelope = b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + request.body
    message = BytesParser(policy=policy.HTTP).parsebytes(envelope)
    if not message.is_multipart():
        raise errors.malformed_body("the multipart body could not be read")
    metadata: dict[str, dict[str, Any]] = {}
    contents: dict[str, tuple[str, str, bytes]] = {}
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        match = _PART_NAME.match(name if isinstance(name, str) else "")
        if not match:
            continue
        kind, suffix = match.groups()
        payload = _part_bytes(part)
        if kind == "metadata":
            try:
                document = jsonio.loads(payload)
            except ValueError as exc:
                raise errors.malformed_body(f"file_metadata_{suffix} is not JSON: {exc}") from None
            metadata[suffix] = document.get("Attachable", document) if isinstance(document, dict) else {}
        else:
            if len(payload) > MAX_FILE_BYTES:
                raise errors.fault("2050", "Length exceeds limit", "The file is larger than 100 MB", f"file_content_{suffix}")
            contents[suffix] = (part.get_filename() or "", part.get_content_type(), payload)
    if not contents:
        raise errors.required_missing("file_content_01")
    pairs = []
    for suffix, content in sorted(contents.items()):
        if suffix not in metadata:
            raise errors.required_missing(f"file_metadata_{suffix}")
        pairs.append((metadata[suffix], content))
    return pairs


def _part_bytes(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _attachable(store: CompanyStore, metadata: dict[str, Any], filename: str, content_type: str, size: int) -> dict:
    refs = metadata.get("AttachableRef") or []
    if not isinstance(refs, list):
        raise errors.invalid_property("AttachableRef", "AttachableRef must be a list")
    shaped_refs = []
    for index, ref in enumerate(refs):
        entity_ref = ref.get("EntityRef") if isinstance(ref, dict) else None
        if not isinstance(entity_ref, dict):
            raise errors.required_missing(f"AttachableRef[{index}].EntityRef")
        target = entity_type(str(entity_ref.get("type", "")))
        if target is None:
            raise errors.invalid_property(f"AttachableRef[{index}].EntityRef.type", f"unknown type {entity_ref.get('type')!r}")
        checks.reference(store, entity_ref, target.name, f"AttachableRef[{index}].EntityRef", required=True)
        shaped_refs.append(
            {
                "EntityRef": {"type": target.name, "value": str(entity_ref["value"])},
                "IncludeOnSend": bool(ref.get("IncludeOnSend", False)),
            }
        )
    name = checks.text(metadata.get("FileName") or filename, "FileName", max_length=1000, required=True)
    record: dict[str, Any] = {
        "FileName": name,
        "ContentType": metadata.get("ContentType") or content_type,
        "Size": size,
        "AttachableRef": shaped_refs,
    }
    note = checks.text(metadata.get("Note"), "Note", max_length=checks.NOTE_MAX)
    if note:
        record["Note"] = note
    return record
