"""Posting XML to the Intacct gateway through the one HTTP layer, to whichever endpoint a session names.

``getAPISession`` answers with the endpoint URL that later calls must use [I3]. Usually it is the
host we logged in to; when it is another Sage host, a second :class:`HttpClient` is made for it
(the HTTP layer never sends credentials across hosts on its own). All clients of one connection
share its limiter, so every request counts against the same budget.
"""

from __future__ import annotations

import threading
import time
from typing import Callable
from urllib.parse import urlsplit

from bookbridge.connectors.http import HttpClient
from bookbridge.connectors.intacct.config import CONTENT_TYPE, LABEL, LIMITS, PROVIDER, THROTTLE_WAIT, api_root
from bookbridge.connectors.intacct.faults import map_response
from bookbridge.connectors.intacct.xmlwire import XmlResponse, parse_response
from bookbridge.connectors.limiter import Limiter, shared_limiter
from bookbridge.connectors.retry import Jitter, RetryPolicy, full_jitter
from bookbridge.connectors.settings import ConnectionSettings


class Gateway:
    """XML requests for one connection, over the shared HTTP layer (timeouts, retries, limits, log)."""

    def __init__(
        self,
        settings: ConnectionSettings,
        *,
        limiter: Limiter | None = None,
        jitter: Jitter = full_jitter,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.root = api_root(settings.base_url)
        self.limiter = limiter or shared_limiter(PROVIDER, settings.company_id, self.root, LIMITS,
                                                 time_scale=settings.time_scale)
        self._policy = RetryPolicy(max_attempts=settings.max_attempts, throttle_wait=THROTTLE_WAIT,
                                   time_scale=settings.time_scale)
        self._jitter = jitter
        self._sleep = sleep
        self._clients: dict[str, HttpClient] = {}
        self._lock = threading.Lock()

    def _client(self, url: str) -> HttpClient:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            client = self._clients.get(origin)
            if client is None:
                client = HttpClient(
                    provider=PROVIDER, label=LABEL, base_url=origin, error_mapper=map_response, limiter=self.limiter,
                    timeouts=self.settings.timeouts, retry_policy=self._policy, sync_log=self.settings.sync_log,
                    jitter=self._jitter, sleep=self._sleep, default_headers={"Accept": CONTENT_TYPE},
                )
                self._clients[origin] = client
            return client

    def post(self, url: str, body: bytes) -> tuple[XmlResponse, int]:
        """POST one request document; returns the parsed answer and the HTTP attempts it took.

        Every request is safe to resend: reads change nothing, and writes go with ``uniqueid=true``
        and deterministic function ids, so a resend is refused as already run, never doubled.

        Raises:
            ConnectorError: a control-level failure, an HTTP error or a transport failure.
        """
        result = self._client(url).request(
            "POST", url, idempotent=True, headers={"Content-Type": CONTENT_TYPE}, data=body,
        )
        return parse_response(result.content), result.attempts

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()
