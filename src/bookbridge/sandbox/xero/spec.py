"""Request validation against Xero's official OpenAPI description (``openapi/xero_accounting.yaml``).

The description is 926 KB of YAML and takes seconds to parse in pure Python, so it is parsed once
per process, in a background thread started with the first sandbox; a request that needs it waits
for it. Bodies are checked with ``jsonschema`` against the component schema the operation's
``requestBody`` names (``#/components/schemas/ManualJournals`` for ``PUT /ManualJournals``...):
OpenAPI 3.0 schemas are a JSON Schema draft-4 dialect, and this description uses no ``nullable``
or composition keywords, so a plain draft-4 validator reads it faithfully.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator  # type: ignore[import-untyped]  # no stubs shipped
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from bookbridge.sandbox.common.errors import SandboxError

ENV_VAR = "BOOKBRIDGE_XERO_OPENAPI"
BUNDLED = Path(__file__).resolve().parent / "openapi" / "xero_accounting.yaml"
_BASE_URI = "urn:xero-accounting-openapi"
_METHODS = ("get", "put", "post", "delete", "patch")


@dataclass(frozen=True, slots=True)
class SchemaIssue:
    """One place where a body breaks the schema: the path into the body and what is wrong."""

    path: tuple[str | int, ...]
    message: str

    @property
    def where(self) -> str:
        text = ""
        for part in self.path:
            text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
        return text


def spec_path() -> Path:
    """The description to use: ``$BOOKBRIDGE_XERO_OPENAPI`` if set, else the copy shipped with Bookbridge."""
    override = os.environ.get(ENV_VAR)
    return Path(override) if override else BUNDLED


class OpenApiSpec:
    """Xero's API description, loaded in the background, with validators compiled on first use."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._loaded = threading.Event()
        self._start_lock = threading.Lock()
        self._started = False
        self._document: dict[str, Any] | None = None
        self._error: BaseException | None = None
        self._registry: Registry | None = None
        self._validators: dict[str, Draft4Validator] = {}
        self._operations: list[tuple[re.Pattern[str], str, dict[str, Any]]] = []
        self._compile_lock = threading.Lock()

    def start(self) -> "OpenApiSpec":
        """Begin parsing in a daemon thread (once); returns at once."""
        with self._start_lock:
            if not self._started:
                self._started = True
                threading.Thread(target=self._load, name="xero-openapi-load", daemon=True).start()
        return self

    def _load(self) -> None:
        from ruamel.yaml import YAML

        try:
            with self.path.open(encoding="utf-8") as handle:
                document = YAML(typ="safe").load(handle)
            self._registry = Registry().with_resource(
                _BASE_URI, Resource.from_contents(document, default_specification=DRAFT4)
            )
            self._operations = _operations(document)
            self._document = document
        except Exception as exc:  # noqa: BLE001 - kept and re-raised to every caller of wait()
            self._error = exc
        finally:
            self._loaded.set()

    def wait(self, timeout: float = 120.0) -> dict[str, Any]:
        """The parsed description, waiting for the background load.

        Raises:
            SandboxError: the file could not be read or parsed, or loading took too long.
        """
        self.start()
        if not self._loaded.wait(timeout):
            raise SandboxError(f"Xero's OpenAPI description {self.path} is still loading after {timeout:g} s")
        if self._error is not None or self._document is None:
            raise SandboxError(f"cannot load Xero's OpenAPI description {self.path}: {self._error}") from self._error
        return self._document

    @property
    def loaded(self) -> bool:
        return self._loaded.is_set() and self._document is not None

    def request_schema(self, method: str, path: str) -> str | None:
        """The ``$ref`` of the JSON request body of ``method path`` (a concrete API path), if any."""
        self.wait()
        for pattern, verb, operation in self._operations:
            if verb == method.lower() and pattern.fullmatch(path):
                content = ((operation.get("requestBody") or {}).get("content") or {}).get("application/json") or {}
                ref = (content.get("schema") or {}).get("$ref")
                return str(ref) if ref else None
        return None

    def has_operation(self, method: str, path: str) -> bool:
        self.wait()
        return any(verb == method.lower() and pattern.fullmatch(path) for pattern, verb, _op in self._operations)

    def example(self, method: str, path: str, status: str = "200") -> Any:
        """The embedded response example of an operation (for tests of parsers against Xero's own data)."""
        self.wait()
        for pattern, verb, operation in self._operations:
            if verb == method.lower() and pattern.fullmatch(path):
                content = ((operation.get("responses") or {}).get(status) or {}).get("content") or {}
                return (content.get("application/json") or {}).get("example")
        return None

    def request_example(self, method: str, path: str) -> Any:
        self.wait()
        for pattern, verb, operation in self._operations:
            if verb == method.lower() and pattern.fullmatch(path):
                content = ((operation.get("requestBody") or {}).get("content") or {}).get("application/json") or {}
                return content.get("example")
        return None

    def validate(self, schema_ref: str, instance: Any) -> list[SchemaIssue]:
        """Every way ``instance`` breaks the schema at ``schema_ref``, shallowest first."""
        validator = self._validator(schema_ref)
        issues = [SchemaIssue(tuple(error.absolute_path), error.message) for error in validator.iter_errors(instance)]
        return sorted(issues, key=lambda i: (len(i.path), i.where))

    def _validator(self, schema_ref: str) -> Draft4Validator:
        self.wait()
        with self._compile_lock:
            validator = self._validators.get(schema_ref)
            if validator is None:
                validator = Draft4Validator({"$ref": f"{_BASE_URI}{schema_ref}"}, registry=self._registry)
                self._validators[schema_ref] = validator
            return validator


def _operations(document: dict[str, Any]) -> list[tuple[re.Pattern[str], str, dict[str, Any]]]:
    """(path regex, method, operation) for every operation; literal paths win over templated ones."""
    found = []
    for template, item in (document.get("paths") or {}).items():
        pattern = re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(str(template))))
        for verb in _METHODS:
            operation = item.get(verb) if isinstance(item, dict) else None
            if isinstance(operation, dict):
                found.append((pattern, verb, operation, "{" in str(template)))
    found.sort(key=lambda entry: entry[3])  # /Contacts/{ContactNumber} must not shadow literal siblings
    return [(pattern, verb, operation) for pattern, verb, operation, _templated in found]


_shared: dict[Path, OpenApiSpec] = {}
_shared_lock = threading.Lock()


def shared_spec(path: Path | None = None) -> OpenApiSpec:
    """The one :class:`OpenApiSpec` of this process for ``path`` (default :func:`spec_path`), loading."""
    resolved = Path(path or spec_path()).resolve()
    with _shared_lock:
        spec = _shared.get(resolved)
        if spec is None:
            if not resolved.is_file():
                raise SandboxError(f"Xero's OpenAPI description is missing at {resolved}; set {ENV_VAR} to its path")
            spec = _shared[resolved] = OpenApiSpec(resolved)
        return spec.start()
