"""The daemon's clock: APScheduler 3 (BackgroundScheduler) wakes the runner up.

The registry is the one source of truth for release times; the clock only holds *wake-ups*
derived from it: one date job per scheduled release (and per transient retry), plus an
interval job for the periodic rescan. Jobs never do work themselves: they put a
:class:`Wake` into the runner's queue, so every post happens in the runner's one thread.
:meth:`Clock.sync` makes the jobs match what the registry says, and is called at start-up,
after every change the daemon makes, and on every rescan tick (which is how a ``crosspost
schedule``/``cancel``/``reschedule`` run in another process reaches a running daemon).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from crosspost.logs import get_logger

log = get_logger("clock")

WakeKind = Literal["release", "retry", "rescan"]


@dataclass(frozen=True)
class Wake:
    """A wake-up: a release or a retry is due (``key`` names its job), or time to rescan."""

    kind: WakeKind
    key: str = ""


@dataclass(frozen=True)
class JobPlan:
    add: dict[str, datetime]
    move: dict[str, datetime]
    remove: frozenset[str]


def plan_jobs(current: Mapping[str, datetime], wanted: Mapping[str, datetime]) -> JobPlan:
    """What to change so the date jobs ``current`` become ``wanted`` (key → fire time)."""
    add = {k: t for k, t in wanted.items() if k not in current}
    move = {k: t for k, t in wanted.items() if k in current and current[k] != t}
    remove = frozenset(k for k in current if k not in wanted)
    return JobPlan(add, move, remove)


class Clock:
    """Date jobs for releases/retries and an interval job for the rescan."""

    def __init__(self, sink: Callable[[Wake], None], *, rescan_seconds: float) -> None:
        self.sink = sink
        self.rescan_seconds = rescan_seconds
        self._jobs: dict[str, datetime] = {}
        self._scheduler: Any = None
        self._lock = threading.Lock()

    def start(self) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler

        # a wake-up that comes late (suspend, busy runner) still counts: the registry and
        # the grace period decide what a late release means, not the clock
        self._scheduler = BackgroundScheduler(
            timezone=UTC, daemon=True,
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1})
        self._scheduler.add_job(self.sink, "interval", seconds=self.rescan_seconds,
                                args=[Wake("rescan")], id="rescan", name="rescan")
        self._scheduler.start()

    def sync(self, wanted: Mapping[str, datetime]) -> None:
        """Make the date jobs match ``wanted`` (``release:<id>`` / ``retry:<id>`` → time)."""
        if self._scheduler is None:
            return
        from apscheduler.jobstores.base import JobLookupError

        with self._lock:
            plan = plan_jobs(self._jobs, wanted)
            for key in plan.remove:
                with contextlib.suppress(JobLookupError):  # fired meanwhile
                    self._scheduler.remove_job(key)
                self._jobs.pop(key, None)
            for key, when in {**plan.add, **plan.move}.items():
                kind: WakeKind = "retry" if key.startswith("retry:") else "release"
                self._scheduler.add_job(self._fire, "date", run_date=when, args=[key, kind],
                                        id=key, name=key, replace_existing=True)
                self._jobs[key] = when
                log.debug("wake-up %s at %s", key, when.isoformat())

    def _fire(self, key: str, kind: WakeKind) -> None:
        with self._lock:
            self._jobs.pop(key, None)
        self.sink(Wake(kind, key))

    @property
    def jobs(self) -> dict[str, datetime]:
        """The date jobs waiting to fire (key → time)."""
        with self._lock:
            return dict(self._jobs)

    def shutdown(self) -> None:
        if self._scheduler is not None:
            # jobs first (this waits for a job being processed): a job store emptied by
            # shutdown under the scheduler's feet makes its thread die with a traceback
            with contextlib.suppress(Exception):
                self._scheduler.remove_all_jobs()
            self._scheduler.shutdown(wait=False)
            self._scheduler = None


def wake_ups(scheduled: Iterable[Any], waiting: Iterable[Any]) -> dict[str, datetime]:
    """The clock's date jobs, by name: each scheduled release (``release:ID``), and each
    retry or uncertain attempt to look at again (``retry:ID``) when its time is known."""
    wanted = {f"release:{r.id}": r.release_at for r in scheduled
              if r.status == "scheduled" and r.release_at is not None}
    wanted.update({f"retry:{r.id}": r.next_attempt_at for r in waiting
                   if r.next_attempt_at is not None})
    return wanted
