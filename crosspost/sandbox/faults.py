"""Fault injection, HTTP rate limiting and request statistics.

A fault rule (JSON over ``POST /_sandbox/faults`` or :meth:`Faults.add`)::

    {"kind": "http500" | "http429" | "drop_before" | "drop_after" | "delay" | "fault",
     "method": "postevent" | "*",      # the XML-RPC mode it applies to
     "count": 2,                         # fire for the next N matching requests, or
     "rate": 0.3,                        # fire with this probability (seeded RNG)
     "after": 0,                         # let this many matching requests pass first
     "retry_after": 2,                   # http429 / http5xx: Retry-After header
     "delay_ms": 500,                    # delay
     "code": 503}                        # http500: HTTP status; fault: protocol code

``drop_before`` closes the connection without processing; ``drop_after`` processes and
commits, then closes without answering. ``latency_ms`` delays every request; ``seed`` makes
``rate`` rules reproducible.
"""

from __future__ import annotations

import contextlib
import math
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

KINDS = ("http500", "http429", "drop_before", "drop_after", "delay", "fault")


@dataclass
class Rule:
    kind: str
    method: str = "*"
    count: int | None = None
    rate: float | None = None
    after: int = 0
    retry_after: float | None = None
    delay_ms: int = 0
    code: int | str | None = None
    message: str = ""
    seen: int = 0
    fired: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {', '.join(KINDS)}")
        if self.count is None and self.rate is None:
            self.count = 1

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.fired >= self.count

    def public(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class Faults:
    """The fault plan of one server (thread-safe)."""

    rules: list[Rule] = field(default_factory=list)
    latency_ms: int = 0
    seed: int | None = None
    #: CLI --fault-rate: a random mix of transient faults on every mode
    random_rate: float = 0.0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(self.seed)

    def configure(self, data: dict[str, Any]) -> None:
        """Replace the plan (``{"rules": [...], "latency_ms": N, "seed": S}``)."""
        rules = [Rule(**_rule_fields(r)) for r in data.get("rules", [])]
        with self._lock:
            if not data.get("append"):
                self.rules = []
            self.rules.extend(rules)
            if "latency_ms" in data:
                self.latency_ms = int(data["latency_ms"] or 0)
            if "seed" in data:
                self.seed = data["seed"]
                self._rng = random.Random(self.seed)
            if "fault_rate" in data:
                self.random_rate = float(data["fault_rate"] or 0)

    def add(self, kind: str, method: str = "*", **fields_: Any) -> Rule:
        rule = Rule(kind=kind, method=method, **fields_)
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self.rules = []
            self.latency_ms = 0
            self.random_rate = 0.0

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {"rules": [r.public() for r in self.rules], "latency_ms": self.latency_ms,
                    "seed": self.seed, "fault_rate": self.random_rate}

    def pick(self, mode: str) -> Rule | None:
        """The rule that fires for this request, if any (counts it as fired)."""
        with self._lock:
            for rule in self.rules:
                if rule.exhausted or rule.method not in ("*", mode):
                    continue
                rule.seen += 1
                if rule.seen <= rule.after:
                    continue
                if rule.rate is not None and self._rng.random() >= rule.rate:
                    continue
                rule.fired += 1
                return rule
            if self.random_rate and self._rng.random() < self.random_rate:
                kind = self._rng.choice(["http500", "http429", "drop_before", "drop_after",
                                         "delay"])
                return Rule(kind=kind, retry_after=1, delay_ms=300)
        return None


def _rule_fields(raw: dict[str, Any]) -> dict[str, Any]:
    allowed = {"kind", "method", "count", "rate", "after", "retry_after", "delay_ms", "code",
               "message"}
    unknown = set(raw) - allowed
    if unknown:
        raise ValueError(f"unknown fault rule key(s): {', '.join(sorted(unknown))}")
    return dict(raw)


class RateLimiter:
    """DW's leaky bucket (§8): anonymous per IP, per user with a session cookie."""

    def __init__(self, anon_per_window: int, user_per_window: int, window: float) -> None:
        self.anon = anon_per_window
        self.user = user_per_window
        self.window = window
        self._levels: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    @property
    def retry_after(self) -> int:
        return max(1, math.ceil(self.window))

    def allow(self, key: str, per_user: bool) -> bool:
        """Count one request; False when the bucket is full (the request is not counted)."""
        capacity = float(self.user if per_user else self.anon)
        leak = capacity / self.window
        now = time.monotonic()
        with self._lock:
            level, last = self._levels.get(key, (0.0, now))
            level = max(0.0, level - (now - last) * leak)
            if level + 1 > capacity + 1e-9:
                self._levels[key] = (level, now)
                return False
            self._levels[key] = (level + 1, now)
            return True


class Stats:
    """Request counters for benchmarks: per mode, per HTTP status, connections."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with getattr(self, "_lock", threading.Lock()):
            self.requests = 0
            self.modes: Counter[str] = Counter()
            self.status: Counter[str] = Counter()
            self.faults: Counter[str] = Counter()
            self.connections = 0
            self.limited = 0
            self.active = 0
            self.peak_active = 0

    @contextlib.contextmanager
    def in_flight(self) -> Iterator[None]:
        """Track one protocol request being served (for ``peak_in_flight``)."""
        with self._lock:
            self.active += 1
            self.peak_active = max(self.peak_active, self.active)
        try:
            yield
        finally:
            with self._lock:
                self.active -= 1

    def count(self, what: str, key: str = "") -> None:
        with self._lock:
            if what == "connection":
                self.connections += 1
            elif what == "request":
                self.requests += 1
            elif what == "mode":
                self.modes[key] += 1
            elif what == "status":
                self.status[key] += 1
            elif what == "limited":
                self.limited += 1
            elif what == "fault":
                self.faults[key] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"requests": self.requests, "modes": dict(self.modes),
                    "http_status": dict(self.status), "faults_injected": dict(self.faults),
                    "connections": self.connections, "http_429": self.status.get("429", 0),
                    "rate_limited": self.limited, "peak_in_flight": self.peak_active}
