"""The daemon's clock: APScheduler date jobs follow the registry's schedule."""

from __future__ import annotations

import queue
from datetime import UTC, datetime, timedelta

from crosspost.daemon.scheduler import Clock, Wake, plan_jobs

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_plan_jobs_adds_moves_and_removes_to_match_the_registry() -> None:
    current = {"release:1": T0, "release:2": T0, "retry:3": T0}
    wanted = {"release:1": T0, "release:2": T0 + timedelta(hours=1), "release:4": T0}
    plan = plan_jobs(current, wanted)
    assert plan.add == {"release:4": T0}
    assert plan.move == {"release:2": T0 + timedelta(hours=1)}
    assert plan.remove == frozenset({"retry:3"})


def test_plan_jobs_nothing_to_do_when_in_step() -> None:
    plan = plan_jobs({"release:1": T0}, {"release:1": T0})
    assert not plan.add and not plan.move and not plan.remove


def test_clock_fires_a_date_job_at_its_time_and_forgets_it() -> None:
    inbox: queue.Queue[Wake] = queue.Queue()
    clock = Clock(inbox.put, rescan_seconds=3600)
    clock.start()
    try:
        soon = datetime.now(UTC) + timedelta(seconds=0.3)
        clock.sync({"release:7": soon, "release:8": soon + timedelta(hours=1)})
        wake = inbox.get(timeout=30)
        assert wake == Wake("release", "release:7")
        assert datetime.now(UTC) >= soon
        assert set(clock.jobs) == {"release:8"}
    finally:
        clock.shutdown()


def test_clock_past_release_fires_at_once_and_removed_one_never_fires() -> None:
    inbox: queue.Queue[Wake] = queue.Queue()
    clock = Clock(inbox.put, rescan_seconds=3600)
    clock.start()
    try:
        # 1.5 s: room for a stalled thread between the two syncs on a loaded machine
        due = datetime.now(UTC) + timedelta(seconds=1.5)
        clock.sync({"release:1": due})
        clock.sync({"retry:2": datetime.now(UTC) - timedelta(minutes=5)})  # 1 cancelled
        assert inbox.get(timeout=30) == Wake("retry", "retry:2")
        # watch until well past the cancelled release's time
        wait = (due - datetime.now(UTC)).total_seconds() + 0.5
        try:
            extra = inbox.get(timeout=max(0.5, wait))
        except queue.Empty:
            extra = None
        assert extra is None
    finally:
        clock.shutdown()


def test_clock_rescan_tick_repeats() -> None:
    inbox: queue.Queue[Wake] = queue.Queue()
    clock = Clock(inbox.put, rescan_seconds=0.2)
    clock.start()
    try:
        assert inbox.get(timeout=30) == Wake("rescan")
        assert inbox.get(timeout=30) == Wake("rescan")
    finally:
        clock.shutdown()
