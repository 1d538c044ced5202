"""Fault injection: make a sandbox misbehave the way real networks and servers do.

Four faults, each as a rate in [0, 1] drawn from a seeded random generator so a test run is
reproducible: a 5xx answer (nothing done), a dropped connection (nothing done, no answer), a
response lost after commit (the write is stored, then the connection is cut: the case that
exactly-once posting must survive), and added latency. Tests that need a particular fault on a
particular request queue it explicitly (``queue``) instead of relying on rates.
"""

from __future__ import annotations

import enum
import random
import threading
from collections import deque
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from bookbridge.sandbox.common.errors import SandboxError


class Fault(enum.Enum):
    """What to do to one request."""

    NONE = "none"
    ERROR_500 = "500"
    ERROR_503 = "503"
    DROP = "drop"
    LOST_AFTER_COMMIT = "lost_after_commit"
    THROTTLE = "429"


@dataclass(frozen=True, slots=True)
class FaultConfig:
    """Fault rates and latency for a sandbox.

    Attributes:
        error_5xx_rate: share of API requests answered 500 or 503 without being processed.
        drop_rate: share of API requests whose connection is closed without an answer.
        lost_after_commit_rate: share of API writes that are stored, then left unanswered.
        latency_ms: delay added before every API answer.
        seed: seed of the random generator (None: a fresh, unpredictable sequence).
    """

    error_5xx_rate: float = 0.0
    drop_rate: float = 0.0
    lost_after_commit_rate: float = 0.0
    latency_ms: int = 0
    seed: int | None = None

    def __post_init__(self) -> None:
        for name in ("error_5xx_rate", "drop_rate", "lost_after_commit_rate"):
            rate = getattr(self, name)
            if not 0.0 <= rate <= 1.0:
                raise SandboxError(f"{name} must be between 0 and 1, got {rate}")
        if self.error_5xx_rate + self.drop_rate + self.lost_after_commit_rate > 1.0:
            raise SandboxError("the fault rates add up to more than 1")
        if self.latency_ms < 0:
            raise SandboxError("latency_ms cannot be negative")


class FaultInjector:
    """Decides, request by request, which fault (if any) to inject. Thread-safe."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self._config = config or FaultConfig()
        self._random = random.Random(self._config.seed)
        self._queue: deque[Fault] = deque()

    @property
    def config(self) -> FaultConfig:
        with self._lock:
            return self._config

    def update(self, changes: dict[str, Any]) -> FaultConfig:
        """Change some settings at runtime; ``queue`` (list of fault names) replaces the queue.

        Raises:
            SandboxError: an unknown setting, a bad value, or an unknown fault name.
        """
        changes = dict(changes)
        queue = changes.pop("queue", None)
        known = {f.name for f in fields(FaultConfig)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise SandboxError(f"unknown fault setting(s): {', '.join(unknown)}")
        parsed_queue = [self._parse_fault(name) for name in queue] if queue is not None else None
        with self._lock:
            try:
                new_config = replace(self._config, **changes)
            except TypeError as exc:
                raise SandboxError(f"bad fault setting: {exc}") from exc
            if "seed" in changes:
                self._random = random.Random(new_config.seed)
            self._config = new_config
            if parsed_queue is not None:
                self._queue = deque(parsed_queue)
            return self._config

    @staticmethod
    def _parse_fault(name: Any) -> Fault:
        try:
            return Fault(str(name))
        except ValueError:
            names = ", ".join(f.value for f in Fault if f is not Fault.NONE)
            raise SandboxError(f"unknown fault {name!r}; use one of {names}") from None

    def snapshot(self) -> dict[str, Any]:
        """Current settings and queued faults, as JSON-ready data."""
        with self._lock:
            data = asdict(self._config)
            data["queue"] = [fault.value for fault in self._queue]
            return data

    def decide(self, *, is_write: bool) -> Fault:
        """Pick the fault for one API request.

        Queued faults come first, in order; a queued ``lost_after_commit`` waits for a write.
        Otherwise one random draw is split between the configured rates; "lost after commit"
        applies to writes only, because a read has nothing to commit.
        """
        with self._lock:
            if self._queue:
                head = self._queue[0]
                if head is not Fault.LOST_AFTER_COMMIT or is_write:
                    return self._queue.popleft()
            config = self._config
            if not (config.error_5xx_rate or config.drop_rate or config.lost_after_commit_rate):
                return Fault.NONE
            draw = self._random.random()
            if draw < config.error_5xx_rate:
                return Fault.ERROR_500 if self._random.random() < 0.5 else Fault.ERROR_503
            draw -= config.error_5xx_rate
            if draw < config.drop_rate:
                return Fault.DROP
            draw -= config.drop_rate
            if is_write and draw < config.lost_after_commit_rate:
                return Fault.LOST_AFTER_COMMIT
            return Fault.NONE

    def latency_seconds(self) -> float:
        with self._lock:
            return self._config.latency_ms / 1000.0
