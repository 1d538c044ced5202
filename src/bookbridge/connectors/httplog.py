"""The sync log of every HTTP exchange, with secrets removed before anything is written.

Each request/response pair becomes an :class:`HttpExchange` handed to an optional callback (the
sync engine stores them per run) and a line on the ``bookbridge.connectors.http`` logger. Secrets
are removed at three levels, because one missed spot is enough to leak a token:

* headers: Authorization, cookies and API-key headers are replaced whole;
* structured bodies: values of token-like keys in JSON objects and form fields are replaced,
  every other string value goes through :func:`bookbridge.core.logs.redact`;
* anything else (text bodies, URLs) goes through :func:`~bookbridge.core.logs.redact` plus a
  query-string pass.

JSON bodies are redacted key by key rather than as text so that vendor fault codes
(``"code": "6140"``) stay readable in the sync log while OAuth ``code`` query parameters do not.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bookbridge.core.logs import redact

LOGGER_NAME = "bookbridge.connectors.http"
log = logging.getLogger(LOGGER_NAME)

MASK = "[REDACTED]"
MAX_BODY_CHARS = 8000

SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-auth-token", "intuit-signature"}
)
# Keys whose values are secrets wherever they appear (JSON objects, form fields, query strings).
SENSITIVE_KEYS = frozenset(
    {
        "access_token", "refresh_token", "id_token", "client_secret", "client_id", "code_verifier",
        "client_assertion", "password", "passphrase", "secret", "token", "api_key", "apikey",
        "sessionid", "senderpassword", "assertion",
    }
)
# In query strings and form bodies ``code`` is the OAuth authorization code (a secret); in JSON
# bodies it is a vendor error code (useful), so it is only masked in the former.
SENSITIVE_FORM_KEYS = SENSITIVE_KEYS | {"code"}


@dataclass(frozen=True, slots=True)
class HttpExchange:
    """One attempt at one request, secrets already removed."""

    provider: str
    method: str
    url: str
    attempt: int
    elapsed_ms: int
    status: int | None
    request_headers: Mapping[str, str]
    request_body: str
    response_headers: Mapping[str, str]
    response_body: str
    error: str | None = None


ExchangeSink = Callable[[HttpExchange], None]


def redact_headers(headers: Mapping[str, Any] | None) -> dict[str, str]:
    """Copy of ``headers`` with credential headers masked."""
    return {str(k): (MASK if str(k).lower() in SENSITIVE_HEADERS else redact(str(v))) for k, v in (headers or {}).items()}


def redact_url(url: str) -> str:
    """``url`` with secret query parameters masked."""
    parts = urlsplit(url)
    if not parts.query:
        return redact(url)
    pairs = [(k, MASK if k.lower() in SENSITIVE_FORM_KEYS else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return redact(urlunsplit(parts._replace(query=urlencode(pairs, safe="[]"))))


def _redact_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (MASK if str(k).lower() in SENSITIVE_KEYS else _redact_json(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_json(v) for v in value]
    if isinstance(value, str):
        return redact(value)
    return value


def redact_body(body: object, content_type: str | None) -> str:
    """A printable, secret-free, size-capped form of a request or response body."""
    if body is None or body == b"" or body == "":
        return ""
    if not isinstance(body, (bytes, str)):
        return f"<streamed body: {type(body).__name__}>"
    ctype = (content_type or "").lower()
    if isinstance(body, bytes):
        if "multipart/" in ctype:
            return f"<multipart body, {len(body)} bytes>"
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return f"<binary body, {len(body)} bytes>"
    else:
        text = body
    if "json" in ctype or text[:1] in "{[":
        try:
            # Decimal keeps amounts exactly as sent; default=str writes them back verbatim.
            text = json.dumps(_redact_json(json.loads(text, parse_float=Decimal)), ensure_ascii=False, default=str)
        except ValueError:
            text = redact(text)
    elif "x-www-form-urlencoded" in ctype:
        pairs = [(k, MASK if k.lower() in SENSITIVE_FORM_KEYS else v) for k, v in parse_qsl(text, keep_blank_values=True)]
        text = redact(urlencode(pairs, safe="[]"))
    else:
        text = redact(text)
    if len(text) > MAX_BODY_CHARS:
        text = text[:MAX_BODY_CHARS] + f"... <{len(text) - MAX_BODY_CHARS} more characters>"
    return text


class ExchangeRecorder:
    """Writes exchanges to the logger and to an optional sink."""

    def __init__(self, provider: str, sink: ExchangeSink | None = None) -> None:
        self.provider = provider
        self.sink = sink

    def record(
        self,
        *,
        method: str,
        url: str,
        attempt: int,
        elapsed: float,
        request_headers: Mapping[str, Any] | None,
        request_body: object,
        status: int | None = None,
        response_headers: Mapping[str, Any] | None = None,
        response_body: bytes | None = None,
        error: str | None = None,
    ) -> HttpExchange:
        """Redact and emit one exchange; returns what was emitted."""
        req_headers = dict(request_headers or {})
        resp_headers = dict(response_headers or {})
        exchange = HttpExchange(
            provider=self.provider,
            method=method.upper(),
            url=redact_url(url),
            attempt=attempt,
            elapsed_ms=int(elapsed * 1000),
            status=status,
            request_headers=redact_headers(req_headers),
            request_body=redact_body(request_body, _ctype(req_headers)),
            response_headers=redact_headers(resp_headers),
            response_body=redact_body(response_body, _ctype(resp_headers)),
            error=redact(error) if error else None,
        )
        outcome = f"HTTP {status}" if status is not None else f"failed: {exchange.error}"
        log.info(
            "%s %s %s attempt %d -> %s in %d ms",
            self.provider, exchange.method, exchange.url, attempt, outcome, exchange.elapsed_ms,
        )
        log.debug("request body: %s | response body: %s", exchange.request_body, exchange.response_body)
        if self.sink is not None:
            self.sink(exchange)
        return exchange


def _ctype(headers: Mapping[str, Any]) -> str:
    for key, value in headers.items():
        if key.lower() == "content-type":
            return str(value)
    return ""
