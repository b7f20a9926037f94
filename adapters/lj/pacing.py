"""Request pacing: stay under a site's request budget so a batch never meets a 429.

DW's HTTP limiter allows anonymous callers 30 requests per 60 s per IP and callers with a
session cookie 100 per 60 s per user (reference §8). A token bucket refilled at N/min
still lets N + burst requests into one 60-second window, which a sliding-window server
counts as too many; so each :class:`Pacer` keeps the times of its last N requests and a new
request waits until the oldest of them has left the window. That bounds every window of
``period`` seconds to N requests, whatever window the server uses.

Pacers are shared by every adapter in the process through :func:`pacer_for`, keyed by
server and bucket (``anon`` for password/challenge calls, which DW counts per IP, and
``user:<name>`` for session calls, counted per user). A 429 that still arrives makes the
whole bucket hold off for its Retry-After (:meth:`Pacer.hold`).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from crosspost.logs import get_logger

log = get_logger("lj.pacing")


class Pacer:
    """At most ``budget`` requests in any ``period`` seconds (``budget`` None: no limit)."""

    def __init__(self, budget: float | None, period: float = 60.0, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if budget is not None and budget < 1:  # e.g. 0.5/min: one request per 120 s
            period, budget = period / budget, 1
        self.budget = None if budget is None else int(budget)
        self.period = period
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._sent: deque[float] = deque()
        self._hold_until = 0.0
        self.waited = 0.0  # total seconds slept, for stats and tests

    def __repr__(self) -> str:
        return f"<Pacer {self.budget}/{self.period:g}s>"

    def reserve(self) -> float:
        """Take the next free slot; returns how long the caller must sleep before using it."""
        with self._lock:
            now = self._clock()
            start = max(now, self._hold_until)
            if self.budget is not None:
                while self._sent and self._sent[0] <= start - self.period:
                    self._sent.popleft()
                if len(self._sent) >= self.budget:
                    # the slot frees when the request `budget` places back leaves the window
                    start = max(start, self._sent[-self.budget] + self.period)
                self._sent.append(start)
            return max(0.0, start - now)

    def acquire(self) -> float:
        """Wait for a slot (sleeping outside the lock); returns the seconds waited."""
        wait = self.reserve()
        if wait > 0:
            log.debug("pacing: waiting %.2f s", wait)
            self._sleep(wait)
            with self._lock:
                self.waited += wait
        return wait

    def hold(self, seconds: float) -> None:
        """The site said to wait (429 Retry-After): no request from this bucket before then."""
        with self._lock:
            self._hold_until = max(self._hold_until, self._clock() + seconds)


_registry: dict[tuple[str, str], Pacer] = {}
_registry_lock = threading.Lock()


def pacer_for(server: str, bucket: str, budget: float | None, period: float = 60.0) -> Pacer:
    """The process-wide pacer for ``(server, bucket)``; created with ``budget`` on first use
    (a later call with another budget keeps the existing one, so all adapters share it)."""
    key = (server, bucket)
    with _registry_lock:
        pacer = _registry.get(key)
        if pacer is None:
            pacer = _registry[key] = Pacer(budget, period)
        return pacer


def forget_pacers() -> None:
    """Drop every shared pacer (tests, or a daemon reloading its config)."""
    with _registry_lock:
        _registry.clear()
