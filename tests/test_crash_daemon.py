"""Crash harness, ``crosspost watch``: SIGKILL the real daemon at random points while stories
arrive in its folder and the sandbox drops answers; each restart reconciles what was in
flight. At the end every story is on every target exactly once, and every file is in
posted/, byte for byte.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from reliability.harness import (
    JOURNALS,
    SandboxControl,
    Tally,
    check_entries,
    cli_env,
    drop_files,
    emit,
    journal_name,
    write_config,
)
from reliability.scenarios import Daemon, add, daemon_run, wait_until
from reliability.stories import good_batch

TARGETS = tuple(JOURNALS)

RUNS = int(os.environ.get("CROSSPOST_CRASH_DAEMON_RUNS", "3"))
KILLS = 5
SEED = os.environ.get("CROSSPOST_CRASH_SEED", "20261124")


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_crash_daemon_killed_at_random_points_posts_each_story_once(
        sandbox: Any, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    control = SandboxControl(sandbox.url)
    tally = Tally("crash harness: crosspost watch")
    try:
        for i in range(RUNS):
            res = daemon_run(control, tmp_path / f"run{i}", seed=SEED, tag=f"cd{i}", stories=4,
                             kills=KILLS)
            add(tally, res)
    finally:
        control.close()
        emit(request.config, tally.line())
    assert tally.kills >= RUNS * KILLS // 2, f"too few kills landed: {tally.line()}"
    assert tally.entries == RUNS * 4 * 3


@pytest.mark.timeout(120)
def test_crash_daemon_startup_reconcile_still_posts_targets_never_tried(
        sandbox: Any, tmp_path: Path) -> None:
    """The daemon died with the intents of some targets recorded and none for the others
    (the crash harness hit this when the kill fell between two targets' claims; here it is
    made certain by a first daemon that only knew two targets). On restart, the start-up
    reconcile adopts the entries — and the story must still go to the target never tried,
    instead of being called done with its file moved to posted/."""
    control = SandboxControl(sandbox.url)
    folder = tmp_path / "stories"
    (story,) = good_batch("partial", 1, "pt")
    cfg = write_config(tmp_path, sandbox.url, targets=TARGETS[:2], timeout=3.0,
                       stories_dir=folder)
    env = cli_env(tmp_path)
    # the first request is slow (in flight at the kill), the second is lost before the
    # server sees it (its row waits for a retry)
    control.set_faults([{"kind": "delay", "method": "postevent", "count": 1, "delay_ms": 1500},
                        {"kind": "drop_before", "method": "postevent", "count": 1}])
    first = Daemon(cfg, env, tmp_path)
    first.start()
    try:
        drop_files(folder, [story])
        assert wait_until(lambda: control.calls() >= 2, timeout=30, step=0.01), first.tail()
    finally:
        first.kill()
    control.clear_faults()
    # the server finishes the first request the dead daemon sent
    assert wait_until(lambda: any(control.entries(journal_name(t)) for t in TARGETS[:2]),
                      timeout=30)
    # same state file and folder; now with all three targets
    write_config(tmp_path, sandbox.url, targets=TARGETS, timeout=3.0, stories_dir=folder)
    daemon = Daemon(cfg, env, tmp_path)
    daemon.start()
    try:
        wait_until(lambda: not check_entries(control, [story], TARGETS).missing, timeout=60)
        assert daemon.alive(), daemon.tail()
    finally:
        daemon.stop()
        daemon.kill()
    entries = check_entries(control, [story], TARGETS)
    assert not entries.problems(), f"{entries.problems()}\n{daemon.tail()}"
    control.close()
